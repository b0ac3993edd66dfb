// p2pgossip._core.sim.DhtSimulation: Kademlia lookups over simulated links (issue 14).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fields.hpp"
#include "p2pgossip/sim/dht.hpp"

namespace p2pgossip::bindings {

void bind_dht(py::module_& m) {
  using sim::DhtSimulation;
  py::class_<DhtSimulation>(m, "DhtSimulation",
                            "A Kademlia DHT of simulated nodes; every lookup a FIND_NODE walk.")
      .def(py::init([](std::size_t nodes, const sim::Latency& latency, std::size_t k,
                       std::size_t alpha, double unreachable, double query_timeout,
                       std::uint64_t seed) {
             if (latency.per_link)  // the DHT walk has no links to key a base by
               throw py::value_error("DhtSimulation: latency cannot be per link");
             sim::DhtConfig c;
             c.nodes = nodes;
             c.latency = latency;
             c.k = k;
             c.alpha = alpha;
             c.unreachable = unreachable;
             c.query_timeout = from_seconds(query_timeout, "query_timeout");
             c.seed = seed;
             py::gil_scoped_release release;
             return std::make_unique<DhtSimulation>(c);
           }),
           py::arg("nodes"), py::arg("latency"), py::kw_only(), py::arg("k") = kad::kK,
           py::arg("alpha") = kad::kAlpha, py::arg("unreachable") = 0.0,
           py::arg("query_timeout") = 10.0, py::arg("seed") = 1)
      .def(
          "lookups",
          [](DhtSimulation& d, std::size_t n) {
            std::vector<sim::DhtLookup> rows;
            {
              py::gil_scoped_release release;
              rows = d.lookups(n);
            }
            std::vector<std::uint32_t> origin, target, hops;
            std::vector<bool> found;
            std::vector<double> latency;
            std::vector<std::size_t> queries, timeouts;
            for (const auto& r : rows) {
              origin.push_back(r.origin);
              target.push_back(r.target);
              hops.push_back(r.hops);
              found.push_back(r.found);
              latency.push_back(to_seconds(r.latency));
              queries.push_back(r.queries);
              timeouts.push_back(r.timeouts);
            }
            py::dict out;
            out["origin"] = origin;
            out["target"] = target;
            out["hops"] = hops;
            out["latency"] = latency;
            out["success"] = found;
            out["queries"] = queries;
            out["timeouts"] = timeouts;
            return out;
          },
          py::arg("n"), "Columns of `n` lookups: origin, target, hops, latency (s), success, ...")
      .def("table_sizes", &DhtSimulation::table_sizes);
}

}  // namespace p2pgossip::bindings
