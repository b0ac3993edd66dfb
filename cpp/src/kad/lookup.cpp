#include "p2pgossip/kad/lookup.hpp"

#include <algorithm>

namespace p2pgossip::kad {

Lookup::Lookup(const Key& target, std::span<const LookupPeer> seeds, LookupConfig config,
               ByteView local_peer_id)
    : target_(target), config_(config), local_id_(to_bytes(local_peer_id)) {
  if (config_.k == 0) config_.k = 1;
  if (config_.alpha == 0) config_.alpha = 1;
  for (const auto& s : seeds) learn(s, 1);
}

void Lookup::learn(const LookupPeer& p, std::uint32_t hops) {
  if (p.id.empty()) return;
  if (!local_id_.empty() && p.id == local_id_) return;
  const Key key = Key::of(p.id);
  const Distance d = distance(key, target_);
  auto it =
      std::lower_bound(peers_.begin(), peers_.end(), d,
                       [](const LookupEntry& e, const Distance& x) { return e.distance < x; });
  if (it != peers_.end() && it->distance == d) {
    if (it->state == PeerState::kNotContacted) {
      it->hops = std::min(it->hops, hops);
      if (it->addrs.empty()) it->addrs = p.addrs;
    }
    return;
  }
  if (peers_.size() >= config_.max_peers) {
    // Room is made by forgetting the farthest peer never asked, if it is farther than this.
    auto far = std::find_if(peers_.rbegin(), peers_.rend(), [](const LookupEntry& e) {
      return e.state == PeerState::kNotContacted;
    });
    if (far == peers_.rend() || far->distance < d) {
      ++stats_.peers_dropped;
      return;
    }
    peers_.erase(std::next(far).base());
    ++stats_.peers_dropped;
    it = std::lower_bound(peers_.begin(), peers_.end(), d,
                          [](const LookupEntry& e, const Distance& x) { return e.distance < x; });
  }
  LookupEntry e;
  e.key = key;
  e.distance = d;
  e.id = p.id;
  e.addrs = p.addrs;
  e.hops = hops;
  peers_.insert(it, std::move(e));
  ++stats_.peers_learned;
}

LookupEntry* Lookup::find(ByteView peer_id) {
  const Distance d = distance(Key::of(peer_id), target_);
  auto it =
      std::lower_bound(peers_.begin(), peers_.end(), d,
                       [](const LookupEntry& e, const Distance& x) { return e.distance < x; });
  if (it == peers_.end() || it->distance != d) return nullptr;
  if (!std::equal(it->id.begin(), it->id.end(), peer_id.begin(), peer_id.end())) return nullptr;
  return &*it;
}

bool Lookup::finished() const {
  // Walk the k closest peers that have not failed: done when all of them answered; early
  // when nothing is left to ask and nothing is in flight.
  std::size_t seen = 0;
  for (const auto& e : peers_) {
    if (e.state == PeerState::kFailed) continue;
    if (e.state != PeerState::kSucceeded) return false;
    if (++seen == config_.k) return true;
  }
  return true;  // every known peer answered or failed, fewer than k answered
}

std::optional<LookupPeer> Lookup::poll_query(Instant now) {
  if (in_flight_ >= config_.alpha) return std::nullopt;
  std::size_t seen = 0;
  for (auto& e : peers_) {
    if (e.state == PeerState::kFailed) continue;
    if (seen++ == config_.k) break;
    if (e.state == PeerState::kNotContacted) {
      e.state = PeerState::kWaiting;
      e.deadline = now + config_.query_timeout;
      ++in_flight_;
      ++stats_.queries;
      return LookupPeer{e.id, e.addrs};
    }
  }
  return std::nullopt;
}

bool Lookup::on_response(ByteView peer_id, std::span<const LookupPeer> closer_peers) {
  LookupEntry* e = find(peer_id);
  if (!e || e->state != PeerState::kWaiting) return false;
  e->state = PeerState::kSucceeded;
  --in_flight_;
  ++stats_.responses;
  const std::uint32_t hops = e->hops + 1;
  // `learn` may insert into peers_ and invalidate `e`: nothing of it is used below.
  const std::size_t n = std::min(closer_peers.size(), config_.max_peers_per_response);
  for (std::size_t i = 0; i < n; ++i) learn(closer_peers[i], hops);
  return true;
}

void Lookup::fail(LookupEntry& e) {
  e.state = PeerState::kFailed;
  --in_flight_;
}

bool Lookup::on_failure(ByteView peer_id) {
  LookupEntry* e = find(peer_id);
  if (!e || e->state != PeerState::kWaiting) return false;
  fail(*e);
  ++stats_.failures;
  return true;
}

void Lookup::handle_timeout(Instant now) {
  for (auto& e : peers_)
    if (e.state == PeerState::kWaiting && e.deadline <= now) {
      fail(e);
      ++stats_.timeouts;
    }
}

std::optional<Instant> Lookup::next_deadline() const {
  std::optional<Instant> out;
  for (const auto& e : peers_)
    if (e.state == PeerState::kWaiting && (!out || e.deadline < *out)) out = e.deadline;
  return out;
}

std::vector<const LookupEntry*> Lookup::closest() const {
  std::vector<const LookupEntry*> out;
  for (const auto& e : peers_) {
    if (out.size() == config_.k) break;
    if (e.state == PeerState::kSucceeded) out.push_back(&e);
  }
  return out;
}

std::uint32_t Lookup::hops() const {
  for (const auto& e : peers_)
    if (e.state == PeerState::kSucceeded) return e.hops;
  return 0;
}

std::uint32_t Lookup::max_hops() const {
  std::uint32_t m = 0;
  for (const auto* e : closest()) m = std::max(m, e->hops);
  return m;
}

}  // namespace p2pgossip::kad
