// router::ScoreBreakdown as Python sees it, from a router, a simulated node or a runtime node:
// {"topics": {topic: {"p1", "p2", "p3", "p3b", "p4", "total"}}, "topics_total", "p5", "p6",
// "p7", "total"}, each the weighted value the term adds to the score.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>

#include "p2pgossip/router/router.hpp"

namespace p2pgossip::bindings {

inline pybind11::object score_breakdown_py(const std::optional<router::ScoreBreakdown>& b) {
  namespace py = pybind11;
  if (!b) return py::none();
  py::dict topics;
  for (const router::TopicScoreBreakdown& t : b->topics) {
    py::dict d;
    d["p1"] = t.time_in_mesh;
    d["p2"] = t.first_deliveries;
    d["p3"] = t.mesh_deliveries;
    d["p3b"] = t.mesh_failure_penalty;
    d["p4"] = t.invalid_deliveries;
    d["total"] = t.total;
    topics[py::str(t.topic)] = d;
  }
  py::dict out;
  out["topics"] = topics;
  out["topics_total"] = b->topics_total;
  out["p5"] = b->application;
  out["p6"] = b->ip_colocation;
  out["p7"] = b->behaviour;
  out["total"] = b->total;
  return out;
}

}  // namespace p2pgossip::bindings
