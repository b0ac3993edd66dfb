// p2pgossip._core host bindings: the per-peer Outbox, for tests and tools that drive it
// directly (the runtime and the simulator use it in C++).
#include <pybind11/stl.h>

#include <memory>
#include <optional>

#include "bindings.hpp"
#include "host_bindings.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/host/publisher.hpp"

namespace p2pgossip::bindings {

namespace {

// An Outbox with the limits and budget it points to, owned together.
struct PyOutbox {
  host::OutboxLimits limits;
  std::shared_ptr<host::OutboundBudget> budget;
  host::Outbox outbox;
  std::size_t idontwant_shed = 0;  // summed over pushes

  PyOutbox(host::OutboxLimits l, std::shared_ptr<host::OutboundBudget> b)
      : limits(std::move(l)), budget(std::move(b)), outbox(limits, *budget) {}
};

py::tuple refused_of(const host::Outbox::Refused& r) {
  py::object reason = py::none();
  if (r.reason)
    reason = py::str(*r.reason == host::Outbox::Refusal::kPeerFull ? "outbound_queue_full"
                                                                   : "node_outbound_budget");
  return py::make_tuple(r.messages, r.control, reason);
}

constexpr std::size_t kForwardEntryBytes = host::Outbox::kForwardEntryBytes;

}  // namespace

void bind_outbox(py::module_& m) {
  py::class_<host::OutboundBudget, std::shared_ptr<host::OutboundBudget>>(
      m, "OutboundBudget",
      "The memory a node's outboxes share: control RPCs, an entry a queued forward, and each "
      "queued message body once.")
      .def(py::init<std::size_t>(), py::arg("limit"))
      .def_property_readonly("used", &host::OutboundBudget::used)
      .def_property_readonly("bodies", &host::OutboundBudget::bodies,
                             "Distinct message objects the outboxes hold.");

  py::class_<PyOutbox>(m, "Outbox",
                       "A peer's outbound queue: control before forwards, messages merged "
                       "into RPCs within the receiver's decode limits, IDONTWANT cancels, "
                       "bounded by bytes.")
      .def_readonly_static("FORWARD_ENTRY_BYTES", &kForwardEntryBytes)
      .def(py::init([](std::shared_ptr<host::OutboundBudget> budget, std::size_t max_bytes,
                       std::size_t max_control, std::size_t merged_rpc_bytes,
                       const py::object& decode, std::size_t max_idontwant_ids) {
             host::OutboxLimits l;
             l.max_bytes = max_bytes;
             l.max_control = max_control;
             l.merged_rpc_bytes = merged_rpc_bytes;
             l.max_idontwant_ids = max_idontwant_ids;
             if (!decode.is_none()) l.decode = decode.cast<wire::DecodeLimits>();
             return std::make_unique<PyOutbox>(l, std::move(budget));
           }),
           py::arg("budget"), py::arg("max_bytes") = host::OutboxLimits{}.max_bytes,
           py::arg("max_control") = host::OutboxLimits{}.max_control,
           py::arg("merged_rpc_bytes") = host::OutboxLimits{}.merged_rpc_bytes,
           py::arg("decode") = py::none(),
           py::arg("max_idontwant_ids") = host::OutboxLimits{}.max_idontwant_ids)
      .def(
          "push",
          [](PyOutbox& o, Rpc rpc) {
            const host::Outbox::Refused r = o.outbox.push(std::move(rpc));
            o.idontwant_shed += r.idontwant_shed;
            return refused_of(r);
          },
          py::arg("rpc"), "Queues an RPC; returns (messages refused, control refused, reason).")
      .def(
          "push_message",
          [](PyOutbox& o, std::shared_ptr<Message> m, std::optional<std::uint32_t> hops) {
            return refused_of(o.outbox.push(std::move(m), hops));
          },
          py::arg("message"), py::arg("hops") = py::none())
      .def(
          "cancel",
          [](PyOutbox& o, const std::shared_ptr<Message>& m) { return o.outbox.cancel(m.get()); },
          py::arg("message"),
          "IDONTWANT: drops the queued copies of this very message object; returns how many.")
      .def(
          "pop",
          [](PyOutbox& o) -> std::optional<py::bytes> {
            Bytes out;
            if (!o.outbox.pop(out)) return std::nullopt;
            return to_py(out);
          },
          "The next encoded RPC, or None when empty.")
      .def_property_readonly(
          "idontwant_shed", [](const PyOutbox& o) { return o.idontwant_shed; },
          "IDONTWANT ids dropped from the queue to make room for other control, so far.")
      .def_property_readonly("bytes", [](const PyOutbox& o) { return o.outbox.bytes(); })
      .def_property_readonly("messages", [](const PyOutbox& o) { return o.outbox.messages(); })
      .def_property_readonly("empty", [](const PyOutbox& o) { return o.outbox.empty(); })
      .def("clear", [](PyOutbox& o) { o.outbox.clear(); });
}

}  // namespace p2pgossip::bindings
