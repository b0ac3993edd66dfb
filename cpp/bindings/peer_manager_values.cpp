// The peer manager's values as Python sees them: its counters and ban targets.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "peer_manager_fields.hpp"

namespace p2pgossip::bindings {

namespace {

py::dict ban_counters(const net::BanCounters& c) {
  py::dict made;
  for (std::size_t i = 0; i < net::kBanReasonCount; ++i)
    made[py::str(std::string(net::ban_reason_name(static_cast<net::BanReason>(i))))] = c.made[i];
  py::dict d;
  d["made"] = made;
  d["refused_inbound"] = c.refused_inbound;
  d["refused_dials"] = c.refused_dials;
  d["closed_connections"] = c.closed_connections;
  d["expired"] = c.expired;
  d["unbanned"] = c.unbanned;
  d["evicted"] = c.evicted;
  return d;
}

}  // namespace

py::list ban_entries(const std::vector<net::BanEntry>& bans) {
  py::list out;
  for (const net::BanEntry& b : bans) {
    py::object left = py::none();
    if (b.remaining) left = py::float_(std::chrono::duration<double>(*b.remaining).count());
    out.append(py::make_tuple(b.target.to_string(),
                              b.target.kind == net::BanTarget::Kind::kIp ? "ip" : "peer", left,
                              std::string(net::ban_reason_name(b.reason)), b.note));
  }
  return out;
}

py::dict peer_manager_counters(const net::PeerManagerCounters& c, const net::BanCounters& bans) {
  py::dict d;
#define P2PGOSSIP_COUNTER(name) d[#name] = c.name;
  P2PGOSSIP_COUNTER(dials)
  P2PGOSSIP_COUNTER(candidate_dials)
  P2PGOSSIP_COUNTER(dials_refused_limit)
  P2PGOSSIP_COUNTER(dials_succeeded)
  P2PGOSSIP_COUNTER(dials_failed)
  P2PGOSSIP_COUNTER(inbound_accepted)
  P2PGOSSIP_COUNTER(inbound_refused_limit)
  P2PGOSSIP_COUNTER(inbound_trimmed)
  P2PGOSSIP_COUNTER(refused_per_ip)
  P2PGOSSIP_COUNTER(pending_inbound_evicted)
  P2PGOSSIP_COUNTER(pending_inbound_refused_per_ip)
  P2PGOSSIP_COUNTER(handshakes_completed)
  P2PGOSSIP_COUNTER(handshakes_failed)
  P2PGOSSIP_COUNTER(handshake_timeouts)
  P2PGOSSIP_COUNTER(duplicate_connections_closed)
  P2PGOSSIP_COUNTER(self_connections_closed)
  P2PGOSSIP_COUNTER(peer_id_mismatches)
  P2PGOSSIP_COUNTER(pings)
  P2PGOSSIP_COUNTER(pongs)
  P2PGOSSIP_COUNTER(pings_missed)
  P2PGOSSIP_COUNTER(dead_peers)
  P2PGOSSIP_COUNTER(disconnects)
  P2PGOSSIP_COUNTER(candidates_added)
  P2PGOSSIP_COUNTER(candidates_refused_full)
  P2PGOSSIP_COUNTER(addrs_refused_per_peer_limit)
  P2PGOSSIP_COUNTER(addrs_refused_undialable)
  P2PGOSSIP_COUNTER(known_peers_loaded)
  P2PGOSSIP_COUNTER(peer_records_added)
  P2PGOSSIP_COUNTER(peer_records_stale)
  P2PGOSSIP_COUNTER(dial_failures_by_reason)
  P2PGOSSIP_COUNTER(handshake_failures_by_reason)
  P2PGOSSIP_COUNTER(disconnects_by_reason)
#undef P2PGOSSIP_COUNTER
  d["bans"] = ban_counters(bans);
  return d;
}

net::BanTarget ban_target(const py::handle& target) {
  using Kind = net::BanTarget::Kind;
  if (py::isinstance<crypto::PeerId>(target))
    return {Kind::kPeer, to_bytes(target.cast<const crypto::PeerId&>().bytes())};
  if (py::isinstance<py::bytes>(target)) {
    auto id = crypto::PeerId::from_bytes(view_of(target.cast<py::bytes>()));
    if (!id) throw py::value_error("ban target: " + id.error().what);
    return {Kind::kPeer, to_bytes(id->bytes())};
  }
  if (py::isinstance<py::str>(target)) {
    auto t = net::BanTarget::parse(target.cast<std::string>());
    if (!t) throw py::value_error(t.error().what);
    return std::move(t).value();
  }
  throw py::type_error("ban target must be a PeerId, peer id bytes, or a str (peer id or IP)");
}

}  // namespace p2pgossip::bindings
