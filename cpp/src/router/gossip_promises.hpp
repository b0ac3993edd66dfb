// Gossip promises: when we send an IWANT in reply to an IHAVE, the advertising peer promises
// to deliver one of the wanted messages within iwant_followup_time. Promises not kept by
// then are broken and become behaviour penalties (P7).
#pragma once

#include <utility>
#include <vector>

#include "id_map.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class GossipPromises {
 public:
  void add(const MessageId& id, PeerIndex peer, Instant expiry) {
    auto [peers, fresh] = map_.insert(id, {});
    for (auto& [p, e] : *peers)
      if (p == peer) return;
    peers->emplace_back(peer, expiry);
  }
  // The message arrived (from anyone): every promise for it is kept.
  void fulfil(const MessageId& id) {
    if (!map_.empty()) map_.erase(id);
  }
  void peer_gone(PeerIndex peer);
  // Removes expired promises; returns (peer, broken count) sorted by peer.
  std::vector<std::pair<PeerIndex, int>> take_broken(Instant now);
  std::size_t size() const { return map_.size(); }
  std::size_t memory_bytes() const { return map_.memory_bytes(); }

 private:
  IdMap<std::vector<std::pair<PeerIndex, Instant>>> map_;
};

}  // namespace p2pgossip::router
