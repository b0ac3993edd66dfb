#include "bindings.hpp"
#include "p2pgossip/net/multiaddr.hpp"

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

}  // namespace

void bind_net(py::module_& m) { bind_multiaddr(m); }

}  // namespace p2pgossip::bindings
