// The peer manager's address book: peers it knows of, their addresses (bounded, dialable
// only) and signed records, bootstrap peers, and which of them are dial candidates.
#include <algorithm>

#include "addr_rules.hpp"
#include "p2pgossip/net/peer_manager.hpp"

namespace p2pgossip::net {

PeerManager::Peer* PeerManager::peer_or_add(const PeerId& id, bool bounded) {
  if (id == local_) return nullptr;
  if (auto it = peers_.find(id); it != peers_.end()) return &it->second;
  if (bounded && candidate_count() >= config_.max_candidates) {
    ++counters_.candidates_refused_full;
    return nullptr;
  }
  ++counters_.candidates_added;
  return &peers_[id];
}

bool PeerManager::add_addr(Peer& p, const Multiaddr& with_id) {
  Multiaddr addr = with_id.without_peer_id();
  if (!dialable(addr)) {
    ++counters_.addrs_refused_undialable;
    return false;
  }
  if (std::find(p.addrs.begin(), p.addrs.end(), addr) != p.addrs.end()) return false;
  if (p.addrs.size() >= config_.max_addrs_per_peer) {
    ++counters_.addrs_refused_per_peer_limit;
    return false;
  }
  p.addrs.push_back(std::move(addr));
  return true;
}

Status PeerManager::add_bootstrap(const Multiaddr& addr, Instant now) {
  changed();
  auto id = addr.peer_id();
  if (!id) return Error{"bootstrap address " + addr.to_string() + " has no /p2p/<peer id>"};
  if (*id == local_) return Error{"bootstrap address " + addr.to_string() + " is this node"};
  if (!dialable(addr.without_peer_id()))
    return Error{"bootstrap address " + addr.to_string() + " is not /ip4|ip6|dns*/…/tcp/…"};
  Peer* p = peer_or_add(*id, false);
  p->bootstrap = true;
  add_addr(*p, addr);
  dial_due(now);
  return Ok{};
}

std::size_t PeerManager::add_addresses(const PeerId& peer, const std::vector<Multiaddr>& addrs,
                                       AddrSource source, Instant now) {
  changed();
  std::size_t added = 0;
  Peer* p = nullptr;
  for (const auto& a : addrs) {
    // An address naming another peer is not an address of this one.
    if (auto id = a.peer_id(); id && *id != peer) {
      ++counters_.addrs_refused_undialable;
      continue;
    }
    if (!p && !(p = peer_or_add(peer, true))) break;
    if (add_addr(*p, a)) ++added;
  }
  if (p && source == AddrSource::kKnownPeers) p->known = true;
  if (p && p->addrs.empty() && !p->connection && !p->dialing) forget_if_unused(peer);
  if (added) dial_due(now);
  return added;
}

std::size_t PeerManager::add_peer_record(const SignedPeerRecord& signed_record, AddrSource source,
                                         Instant now) {
  changed();
  const PeerRecord& r = signed_record.record();
  if (auto it = peers_.find(r.peer_id); it != peers_.end() && it->second.record_seq) {
    if (r.seq < *it->second.record_seq) {
      ++counters_.peer_records_stale;
      return 0;
    }
  }
  const std::size_t added = add_addresses(r.peer_id, r.addrs, source, now);
  auto it = peers_.find(r.peer_id);
  if (it == peers_.end()) return added;  // the local peer, or no room for another candidate
  Peer& p = it->second;
  if (!p.record_seq || r.seq > *p.record_seq) ++counters_.peer_records_added;
  p.record_seq = r.seq;
  p.record = signed_record.envelope();
  return added;
}

std::optional<Bytes> PeerManager::peer_record(const PeerId& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.record_seq) return std::nullopt;
  return it->second.record;
}

bool PeerManager::has_addresses(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && !it->second.addrs.empty();
}

bool PeerManager::is_candidate(const Peer& p) const {
  return !p.bootstrap && !p.connection && !p.dialing;
}

std::size_t PeerManager::candidate_count() const {
  return static_cast<std::size_t>(std::count_if(
      peers_.begin(), peers_.end(), [this](const auto& kv) { return is_candidate(kv.second); }));
}

void PeerManager::forget_if_unused(const PeerId& id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  const Peer& p = it->second;
  if (!p.bootstrap && !p.connection && !p.dialing && p.addrs.empty()) peers_.erase(it);
}

}  // namespace p2pgossip::net
