// Metrics snapshots as Python values, shared by every binding that exposes a registry (the
// runtime's metrics_snapshot() returns the same shape as Registry.snapshot()).
#pragma once

#include <span>

#include "bindings.hpp"
#include "p2pgossip/metrics/registry.hpp"

namespace p2pgossip::bindings {

// [{"name", "help", "type": "counter"|"gauge"|"histogram", "label_names": [..],
//   "samples": [{"labels": {..}, "value": float} or
//               {"labels": {..}, "buckets": [(le, cumulative)..., (inf, count)],
//                "sum": float, "count": int}]}]
py::list snapshot_to_py(std::span<const metrics::FamilySnapshot> families);

// The text exposition of the families; raises ValueError naming the rule broken.
std::string exposition_text(std::span<const metrics::FamilySnapshot> families);

}  // namespace p2pgossip::bindings
