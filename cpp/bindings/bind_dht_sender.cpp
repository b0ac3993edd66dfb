// p2pgossip._core.host.DhtSender: a host::Dht with its host::DhtSender, driven by hand (tests
// of how queries reach their peers: sends, dials, one re-send, temporary connections).
// Times are integer nanoseconds of the caller's clock. poll() returns tuples:
// ("send", connection, token, request, deadline_ns), ("dial", peer_id, multiaddr),
// ("close", connection), ("found", peer_id, [addr bytes]), ("done", lookup, [peer_id], hops).
#include <pybind11/stl.h>

#include <memory>

#include "bindings.hpp"
#include "p2pgossip/host/dht_sender.hpp"
#include "runtime_bindings.hpp"

namespace p2pgossip::bindings {

namespace {

struct Harness {
  Harness(ByteView local, std::size_t target_outbound, std::uint64_t seed)
      : dht(local, host::DhtConfig{}, Instant{}, seed), sender(dht, target_outbound) {}
  host::Dht dht;
  host::DhtSender sender;
};

std::vector<Bytes> bytes_list(const std::vector<py::bytes>& in) {
  std::vector<Bytes> out;
  for (const py::bytes& b : in) {
    ByteView v = view_of(b);
    out.emplace_back(v.begin(), v.end());
  }
  return out;
}

py::tuple event_tuple(host::DhtSenderEvent& e) {
  if (auto* s = std::get_if<host::DhtSend>(&e))
    return py::make_tuple("send", s->connection, s->token, to_py(s->request), s->deadline.count());
  if (auto* d = std::get_if<host::DhtDial>(&e))
    return py::make_tuple("dial", to_py(d->peer), d->addr.to_string());
  if (auto* c = std::get_if<host::DhtCloseTemporary>(&e))
    return py::make_tuple("close", c->connection);
  if (auto* f = std::get_if<host::DhtPeerFound>(&e)) {
    py::list addrs;
    for (const Bytes& a : f->addrs) addrs.append(to_py(a));
    return py::make_tuple("found", to_py(f->peer), addrs);
  }
  auto& done = std::get<host::DhtLookupDone>(e);
  py::list closest;
  for (const kad::LookupPeer& p : done.closest) closest.append(to_py(p.id));
  return py::make_tuple("done", done.id, closest, done.hops);
}

}  // namespace

void bind_dht_sender(py::module_& m) {
  py::class_<Harness>(m, "DhtSender")
      .def(py::init([](const py::bytes& local, std::size_t target_outbound, std::uint64_t seed) {
             return std::make_unique<Harness>(view_of(local), target_outbound, seed);
           }),
           py::arg("local_peer_id"), py::kw_only(), py::arg("target_outbound") = 8,
           py::arg("seed") = 1)
      .def(
          "server_connected",
          [](Harness& h, const py::bytes& peer, const std::vector<py::bytes>& addrs,
             std::int64_t now_ns) {
            h.dht.peer_connected(view_of(peer), bytes_list(addrs), Instant(now_ns));
          },
          py::arg("peer_id"), py::arg("addrs"), py::arg("now_ns"))
      .def(
          "find_node",
          [](Harness& h, const py::bytes& key, std::int64_t now_ns) {
            return h.dht.find_node(view_of(key), Instant(now_ns));
          },
          py::arg("key"), py::arg("now_ns"))
      .def(
          "peer_up",
          [](Harness& h, const py::bytes& peer, net::ConnectionId c, std::int64_t now_ns) {
            h.sender.peer_up(view_of(peer), c, Instant(now_ns));
          },
          py::arg("peer_id"), py::arg("connection"), py::arg("now_ns"))
      .def(
          "dialling",
          [](Harness& h, const py::bytes& peer, net::ConnectionId c) {
            h.sender.dialling(view_of(peer), c);
          },
          py::arg("peer_id"), py::arg("connection"))
      .def(
          "dial_refused",
          [](Harness& h, const py::bytes& peer, std::int64_t now_ns) {
            h.sender.dial_refused(view_of(peer), Instant(now_ns));
          },
          py::arg("peer_id"), py::arg("now_ns"))
      .def(
          "connection_closed",
          [](Harness& h, net::ConnectionId c, std::int64_t now_ns, bool peer_connecting) {
            h.sender.connection_closed(c, peer_connecting, Instant(now_ns));
          },
          py::arg("connection"), py::arg("now_ns"), py::arg("peer_connecting") = false)
      .def(
          "answered",
          [](Harness& h, host::QueryToken token, std::optional<py::bytes> response,
             std::int64_t now_ns) {
            std::optional<Bytes> r;
            if (response) r = bytes_list({*response}).front();
            h.sender.answered(token, std::move(r), Instant(now_ns));
          },
          py::arg("token"), py::arg("response"), py::arg("now_ns"))
      .def(
          "outbound_peers", [](Harness& h, std::size_t n) { h.sender.outbound_peers(n); },
          py::arg("n"))
      .def(
          "tick", [](Harness& h, std::int64_t now_ns) { h.sender.tick(Instant(now_ns)); },
          py::arg("now_ns"))
      .def(
          "poll",
          [](Harness& h, std::int64_t now_ns) {
            py::list out;
            while (auto e = h.sender.poll(Instant(now_ns))) out.append(event_tuple(*e));
            return out;
          },
          py::arg("now_ns"))
      .def_property_readonly("counters", [](const Harness& h) {
        return dht_counters(h.dht.counters(), h.dht.server().table().size());
      });
}

}  // namespace p2pgossip::bindings
