#include <sodium.h>

#include "bindings.hpp"

namespace p2pgossip::bindings {

PYBIND11_MODULE(_core, m) {
  m.doc() = "p2pgossip C++ core";
  // Picks libsodium's fastest implementations and seeds its CSPRNG before any layer runs.
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  py::register_exception<DecodeError>(m, "DecodeError", PyExc_ValueError);
  bind_crypto(m);
  bind_wire(m);
  bind_router(m);
  bind_sim(m);
  bind_net(m);
  bind_host(m);
  bind_metrics(m);
  bind_runtime(m);
  bind_deliveries(m);
  bind_outbox(m);
  bind_bench(m);
  bind_kad(m);
  bind_mdns(m);
}

}  // namespace p2pgossip::bindings
