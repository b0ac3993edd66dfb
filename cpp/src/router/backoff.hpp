// PRUNE backoff: after a PRUNE (sent or received) for a topic, neither side GRAFTs the other
// for that topic until the backoff expires. Kept by peer index across disconnects.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class Backoff {
 public:
  // Extends (never shortens) the backoff of (topic, peer) to `until`.
  void add(std::uint32_t topic, PeerIndex peer, Instant until) {
    auto [it, fresh] = until_.try_emplace({topic, peer}, until);
    if (!fresh && it->second < until) it->second = until;
  }
  std::optional<Instant> until(std::uint32_t topic, PeerIndex peer) const {
    auto it = until_.find({topic, peer});
    if (it == until_.end()) return std::nullopt;
    return it->second;
  }
  bool active(std::uint32_t topic, PeerIndex peer, Instant now) const {
    auto u = until(topic, peer);
    return u && *u > now;
  }
  // Whether any backoff (expired or not) is held for `topic`.
  bool any(std::uint32_t topic) const {
    auto it = until_.lower_bound({topic, PeerIndex{0}});
    return it != until_.end() && it->first.first == topic;
  }
  void expire(Instant now) {
    std::erase_if(until_, [&](const auto& kv) { return kv.second <= now; });
  }
  std::size_t size() const { return until_.size(); }

 private:
  std::map<std::pair<std::uint32_t, PeerIndex>, Instant> until_;
};

}  // namespace p2pgossip::router
