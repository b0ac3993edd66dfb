// p2pgossip._core: request/response and the DHT on a runtime's nodes
// (runtime/node_requests.cpp, node_dht.cpp), added to the Runtime class bind_runtime made.
// Outcomes come back as events: ("request", node, token, peer_id, protocol, data) to answer
// with respond(), ("response", request, data or None, error or None) for request(),
// ("lookup", request, [(peer_id, [multiaddr])], hops, value or None, providers, stored,
// error or None) for dht().
#include <pybind11/stl.h>

#include <chrono>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "p2pgossip/runtime/runtime.hpp"
#include "runtime_bindings.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::runtime;

py::dict dht_counters(const host::DhtCounters& c, std::size_t table_size) {
  py::dict d;
  d["routing_table"] = table_size;
  d["lookups_started"] = c.lookups_started;
  d["lookups_done"] = c.lookups_done;
  d["lookups_empty"] = c.lookups_empty;
  d["queries"] = c.queries;
  d["answers"] = c.answers;
  d["failures"] = c.failures;
  d["requests_answered"] = c.requests_answered;
  d["requests_refused"] = c.requests_refused;
  d["peers_found"] = c.peers_found;
  d["records_checked"] = c.records_checked;
  d["records_rejected"] = c.records_rejected;
  d["checks_timed_out"] = c.checks_timed_out;
  d["checks_refused"] = c.checks_refused;
  d["records_selected"] = c.records_selected;
  d["records_corrected"] = c.records_corrected;
  return d;
}

namespace {

host::DhtOp dht_op(const std::string& s) {
  if (s == "find_node") return host::DhtOp::kFindNode;
  if (s == "get_value") return host::DhtOp::kGetValue;
  if (s == "put_value") return host::DhtOp::kPutValue;
  if (s == "get_providers") return host::DhtOp::kGetProviders;
  if (s == "add_provider") return host::DhtOp::kAddProvider;
  throw py::value_error(
      "op must be 'find_node', 'get_value', 'put_value', 'get_providers' or "
      "'add_provider'");
}

}  // namespace

void bind_requests(py::module_& m) {
  auto runtime = py::reinterpret_borrow<py::class_<Runtime>>(m.attr("Runtime"));
  runtime
      .def("serve", &Runtime::serve, py::arg("node"), py::arg("protocol"), py::arg("on"),
           py::call_guard<py::gil_scoped_release>(),
           "Answer (on) or refuse the node's inbound streams of `protocol`.")
      .def(
          "request",
          [](Runtime& r, NodeId node, const py::handle& peer, std::string protocol,
             const py::bytes& data, double timeout_s, std::size_t max_response) {
            if (!(timeout_s > 0)) throw py::value_error("timeout must be > 0 seconds");
            const auto timeout =
                std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s));
            return r.request(node, peer_id_of(peer), std::move(protocol), to_bytes(view_of(data)),
                             timeout, max_response);
          },
          py::arg("node"), py::arg("peer_id"), py::arg("protocol"), py::arg("data"),
          py::arg("timeout_s"), py::arg("max_response"),
          "Sends one request; a 'response' event with this request id follows.")
      .def(
          "respond",
          [](Runtime& r, NodeId node, std::uint64_t token, std::optional<py::bytes> data) {
            std::optional<Bytes> response;
            if (data) response = to_bytes(view_of(*data));
            py::gil_scoped_release release;
            r.respond(node, token, std::move(response));
          },
          py::arg("node"), py::arg("token"), py::arg("data"),
          "Answers a 'request' event (None: refuses it; the requester sees a reset).")
      .def(
          "dht",
          [](Runtime& r, NodeId node, const std::string& op, const py::bytes& key,
             const py::bytes& value, std::size_t quorum) {
            return r.dht(node, dht_op(op), to_bytes(view_of(key)), to_bytes(view_of(value)),
                         quorum);
          },
          py::arg("node"), py::arg("op"), py::arg("key"), py::arg("value") = py::bytes(),
          py::arg("quorum") = 1,
          "A DHT operation ('find_node', 'get_value', 'put_value', 'get_providers', "
          "'add_provider') on `key`; a 'lookup' event follows.")
      .def(
          "dht_check_namespaces",
          [](Runtime& r, NodeId node, std::vector<std::string> namespaces) {
            r.dht_check_namespaces(node, std::move(namespaces));
          },
          py::arg("node"), py::arg("namespaces"),
          "Records of these namespaces wait for a verdict: a ('record_check', node, token, "
          "key, value) event, answered with dht_checked().")
      .def("dht_checked", &Runtime::dht_checked, py::arg("node"), py::arg("token"),
           py::arg("valid"))
      .def(
          "dht_select_namespaces",
          [](Runtime& r, NodeId node, std::vector<std::string> namespaces) {
            r.dht_select_namespaces(node, std::move(namespaces));
          },
          py::arg("node"), py::arg("namespaces"),
          "Different records get_value finds under these namespaces' keys are the "
          "application's to choose among: a ('record_select', node, token, key, values) "
          "event, answered with dht_selected().")
      .def("dht_selected", &Runtime::dht_selected, py::arg("node"), py::arg("token"),
           py::arg("index"));
}

}  // namespace p2pgossip::bindings
