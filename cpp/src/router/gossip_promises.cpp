#include "gossip_promises.hpp"

#include <algorithm>
#include <map>

namespace p2pgossip::router {

void GossipPromises::peer_gone(PeerIndex peer) {
  for (auto& e : map_.entries())
    std::erase_if(e.value, [&](const auto& p) { return p.first == peer; });
}

std::vector<std::pair<PeerIndex, int>> GossipPromises::take_broken(Instant now) {
  std::map<PeerIndex, int> broken;
  std::vector<MessageId> done;
  auto& entries = map_.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& peers = entries[i].value;
    std::erase_if(peers, [&](const auto& p) {
      if (p.second > now) return false;
      ++broken[p.first];
      return true;
    });
    if (peers.empty()) done.push_back(map_.key(i));
  }
  for (const auto& id : done) map_.erase(id);
  return {broken.begin(), broken.end()};
}

}  // namespace p2pgossip::router
