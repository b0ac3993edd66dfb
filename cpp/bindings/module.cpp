#include <sodium.h>

#include "bindings.hpp"

namespace p2pgossip::bindings {

namespace {

// A submodule per layer, importable by its dotted name (`from p2pgossip._core.router import
// Router`) as well as reachable as an attribute.
py::module_ layer(py::module_& core, const char* name, const char* doc) {
  py::module_ sub = core.def_submodule(name, doc);
  py::module_::import("sys").attr("modules")[sub.attr("__name__")] = sub;
  return sub;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "p2pgossip C++ core, one submodule per layer of cpp/src";
  // Picks libsodium's fastest implementations and seeds its CSPRNG before any layer runs.
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  auto crypto = layer(m, "crypto", "Ed25519 identities, peer ids, hashes, the verify cache.");
  auto wire = layer(m, "wire", "The pubsub RPC and its bounded codec.");
  auto router = layer(m, "router", "The sans-I/O GossipSub router and its configuration.");
  auto net = layer(m, "net",
                   "multistream-select, Noise, yamux, identify, ping, peer records, "
                   "the peer manager.");
  auto host = layer(m, "host", "The node as a state machine: messages, connections, outbox.");
  auto sim = layer(m, "sim", "The discrete-event simulator.");
  auto metrics = layer(m, "metrics", "Counters, gauges, histograms, Prometheus text.");
  auto runtime = layer(m, "runtime", "The Asio runtime: nodes on real sockets.");
  py::register_exception<DecodeError>(wire, "DecodeError", PyExc_ValueError);
  bind_crypto(crypto);
  bind_wire(wire);
  bind_message(host);
  bind_rpc(wire);
  bind_router(router);
  bind_sim(sim);
  bind_dht(sim);
  bind_net(net);
  bind_host(host);
  bind_dht_sender(host);
  bind_outbox(host);
  bind_metrics(metrics);
  bind_runtime(runtime);
  bind_deliveries(runtime);
  bind_requests(runtime);
  auto kad = layer(m, "kad", "Kademlia DHT core (/ipfs/kad/1.0.0), sans-I/O.");
  bind_kad(kad);
  auto mdns = layer(m, "mdns", "The mDNS packet codec for libp2p peer discovery.");
  bind_mdns(mdns);
  auto bench = layer(m, "_bench", "Timing loops for benchmarks/ (GIL released).");
  bind_bench(bench);
}

}  // namespace p2pgossip::bindings
