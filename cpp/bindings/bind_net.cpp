#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/net/multistream.hpp"

namespace p2pgossip::bindings {

namespace {

void bind_multiaddr(py::module_& m) {
  using net::Multiaddr;
  py::class_<Multiaddr>(m, "Multiaddr")
      .def_static(
          "parse", [](std::string_view s) { return value_or_raise(Multiaddr::parse(s)); },
          py::arg("text"))
      .def_static(
          "from_bytes",
          [](const py::bytes& b) { return value_or_raise(Multiaddr::from_bytes(view_of(b))); },
          py::arg("data"))
      .def("to_string", [](const Multiaddr& a) { return value_or_raise(a.to_string()); })
      .def("to_bytes", [](const Multiaddr& a) { return to_py(value_or_raise(a.to_bytes())); })
      .def_property_readonly("components",
                             [](const Multiaddr& a) {
                               py::list out;
                               for (const auto& c : a.components())
                                 out.append(py::make_tuple(
                                     std::string(net::protocol_name(c.protocol)), to_py(c.value)));
                               return out;
                             })
      .def("__str__", [](const Multiaddr& a) { return value_or_raise(a.to_string()); })
      .def("__repr__",
           [](const Multiaddr& a) {
             auto s = a.to_string();
             return "Multiaddr(" + (s ? "'" + *s + "'" : std::string("<binary /p2p>")) + ")";
           })
      .def("__eq__", [](const Multiaddr& a, const Multiaddr& b) { return a == b; })
      .def("__hash__", [](const Multiaddr& a) {
        py::list parts;
        for (const auto& c : a.components())
          parts.append(py::make_tuple(static_cast<std::uint32_t>(c.protocol), to_py(c.value)));
        return py::hash(py::tuple(parts));
      });
}

void bind_multistream(py::module_& m) {
  namespace ms = net::multistream;
  m.def(
      "multistream_encode", [](std::string_view text) { return to_py(ms::encode_message(text)); },
      py::arg("text"));
  py::class_<ms::Negotiation>(m, "MultistreamNegotiation")
      .def(py::init([](std::string_view role, std::vector<std::string> protocols,
                       std::size_t max_message_bytes, std::size_t max_proposals) {
             if (role != "dialer" && role != "listener")
               throw py::value_error("role must be 'dialer' or 'listener'");
             return ms::Negotiation(role == "dialer" ? ms::Role::kDialer : ms::Role::kListener,
                                    std::move(protocols), {max_message_bytes, max_proposals});
           }),
           py::arg("role"), py::arg("protocols"), py::arg("max_message_bytes") = 1024,
           py::arg("max_proposals") = 32)
      // One step: feed received bytes, get (bytes to send, events). Events are
      // ("selected", protocol) or ("failed", reason).
      .def(
          "feed",
          [](ms::Negotiation& n, const py::bytes& data) {
            n.receive(view_of(data));
            py::list events;
            while (auto ev = n.poll_event()) {
              if (auto* s = std::get_if<ms::ProtocolSelected>(&*ev))
                events.append(py::make_tuple("selected", s->protocol));
              else
                events.append(py::make_tuple("failed", std::get<ms::Failed>(*ev).reason));
            }
            return py::make_tuple(to_py(n.take_output()), events);
          },
          py::arg("data"))
      .def("take_output", [](ms::Negotiation& n) { return to_py(n.take_output()); })
      .def("take_remaining", [](ms::Negotiation& n) { return to_py(n.take_remaining()); })
      .def_property_readonly("done", &ms::Negotiation::done);
}

}  // namespace

void bind_net(py::module_& m) {
  bind_multiaddr(m);
  bind_multistream(m);
}

}  // namespace p2pgossip::bindings
