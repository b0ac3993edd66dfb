// net::PeerManagerConfig's fields, bound once for every config class that is one
// (PeerManagerConfig itself, and the runtime's PeerConfig built on it).
#pragma once

#include "fields.hpp"
#include "p2pgossip/net/peer_manager.hpp"

namespace p2pgossip::bindings {

template <class C>
Fields<C>& peer_manager_fields(Fields<C>& f) {
  using PMC = net::PeerManagerConfig;
  return f.count("max_inbound", &PMC::max_inbound)
      .value("trim_inbound", static_cast<bool C::*>(&PMC::trim_inbound))
      .duration("trim_grace", &PMC::trim_grace)
      .count("max_outbound", &PMC::max_outbound)
      .count("target_outbound", &PMC::target_outbound)
      .count("max_per_ip", &PMC::max_per_ip)
      .value("per_ip_limit_exempts_loopback",
             static_cast<bool C::*>(&PMC::per_ip_limit_exempts_loopback))
      .count("max_pending_dials", &PMC::max_pending_dials)
      .count("max_pending_inbound", &PMC::max_pending_inbound)
      .count("max_pending_inbound_per_ip", &PMC::max_pending_inbound_per_ip)
      .duration("handshake_timeout", &PMC::handshake_timeout)
      .duration("ping_interval", &PMC::ping_interval)
      .value("max_missed_pings", static_cast<std::uint32_t C::*>(&PMC::max_missed_pings))
      .duration("backoff_initial", &PMC::backoff_initial)
      .duration("backoff_max", &PMC::backoff_max)
      .property(
          "backoff_jitter", [](const C& c) { return c.backoff_jitter; },
          [](C& c, double j) {
            if (!(j >= 0 && j < 1)) throw py::value_error("backoff_jitter must be in [0, 1)");
            c.backoff_jitter = j;
          })
      .count("max_candidates", &PMC::max_candidates)
      .count("max_addrs_per_peer", &PMC::max_addrs_per_peer)
      .count("max_known_peers", &PMC::max_known_peers)
      .count("max_known_peers_bytes", &PMC::max_known_peers_bytes)
      .count("max_bans", &PMC::max_bans)
      .duration("ban_graylisted_for", &PMC::ban_graylisted_for)
      .value("ban_invalid_messages", static_cast<std::uint32_t C::*>(&PMC::ban_invalid_messages))
      .duration("ban_invalid_messages_for", &PMC::ban_invalid_messages_for);
}

// The peer manager's counters as a dict (bans as a nested dict), for its Python class and
// for the runtime's metrics.
py::dict peer_manager_counters(const net::PeerManagerCounters& c, const net::BanCounters& bans);

// A ban's target from Python: a PeerId, a peer id's bytes, or a str (a base58btc peer id or
// an IPv4/IPv6 address); ValueError otherwise.
net::BanTarget ban_target(const py::handle& target);

// (target, 'peer' | 'ip', seconds left or None, reason, note): what Node.bans() and
// Simulation.bans() list.
py::list ban_entries(const std::vector<net::BanEntry>& bans);

}  // namespace p2pgossip::bindings
