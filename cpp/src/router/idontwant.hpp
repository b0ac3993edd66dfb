// IDONTWANT (GossipSub v1.2): ids a peer told us not to send it. Bounded per peer by what
// max_idontwant_messages x max_idontwant_length admit over the TTL; entries expire after
// idontwant_message_ttl_heartbeats heartbeats.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "id_map.hpp"

namespace p2pgossip::router {

class DontWantSet {
 public:
  // Returns false (and records nothing) when the peer's set is full.
  bool add(const MessageId& id, std::uint64_t heartbeat, std::size_t max) {
    if (map_.find(id)) return true;
    if (map_.size() >= max) return false;
    map_.insert(id, heartbeat);
    order_.emplace_back(heartbeat, id);
    return true;
  }
  bool contains(const MessageId& id) const { return !map_.empty() && map_.find(id); }
  // Drops entries added at or before heartbeat `oldest_kept - 1`.
  void expire(std::uint64_t oldest_kept) {
    while (!order_.empty() && order_.front().first < oldest_kept) {
      map_.erase(order_.front().second);
      order_.pop_front();
    }
  }
  bool empty() const { return map_.empty(); }
  std::size_t memory_bytes() const {
    return map_.memory_bytes() + order_.size() * sizeof(order_.front());
  }

 private:
  IdMap<std::uint64_t> map_;
  std::deque<std::pair<std::uint64_t, MessageId>> order_;
};

}  // namespace p2pgossip::router
