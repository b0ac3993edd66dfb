// Which peers a message goes to, per strategy, for our own publishes (`from` empty) and for
// forwarding. Never back to the sender, never to the message's origin, never to a peer that
// sent IDONTWANT for it.
#include <algorithm>

#include "router_state.hpp"

namespace p2pgossip::router {

void Router::State::forward(const MessagePtr& mp, const MessageId& id, TopicId t,
                            std::optional<Slot> from, std::uint32_t hops, Instant now) {
  const Message& m = *mp;
  if (hop_limited() && hops >= static_cast<std::uint32_t>(cfg.randomsub_ttl)) {
    ++counters.hop_limit_reached;
    return;
  }
  TopicState& topic = topics[t];
  const bool own = !from;
  // The origin check runs for every candidate: the inline hash spares reading each peer id.
  const std::uint64_t origin_hash = m.from ? XXH3_64bits(m.from->data(), m.from->size()) : 0;
  const DontWantTable::Peers unwanted = dont_want.find(id);  // one lookup for every peer
  auto eligible = [&](Slot s) {
    const PeerState& p = peers[s];
    if (from && s == *from) return false;
    if (m.from && p.peer_id_hash == origin_hash && p.peer_id == *m.from) return false;
    if (unwanted.has(s)) return false;
    return true;
  };

  std::vector<Slot>& to = forward_to;
  to.clear();
  switch (cfg.strategy) {
    case Strategy::kFloodSub:
      for (Slot s : topic.peers)
        if (eligible(s)) to.push_back(s);
      break;
    case Strategy::kRandomSub: {
      for (Slot s : topic.peers)
        if (eligible(s)) to.push_back(s);
      rng.sample(to, static_cast<std::size_t>(std::max(0, cfg.randomsub_k)));
      std::sort(to.begin(), to.end());
      break;
    }
    case Strategy::kGossipSub: {
      // Explicit peers get every message of their topics; floodsub peers too, while their
      // score is at or above publish_threshold.
      if (flooded_peers > 0) {
        for (Slot s : topic.peers) {
          const PeerState& p = peers[s];
          if (!p.flooded() || !eligible(s)) continue;
          if (p.is_explicit || peer_score(s, now) >= cfg.thresholds.publish_threshold)
            to.push_back(s);
        }
      }
      if (own && cfg.flood_publish) {
        for (Slot s : topic.peers)
          if (peers[s].gossipsub() && !peers[s].is_explicit && eligible(s) &&
              peer_score(s, now) >= cfg.thresholds.publish_threshold)
            to.push_back(s);
      } else if (topic.subscribed) {
        for (Slot s : topic.mesh) __builtin_prefetch(&peers[s].index);  // lines read next
        for (Slot s : topic.mesh)
          if (eligible(s)) to.push_back(s);
      } else if (own) {
        // Publishing to a topic we have not joined: the fanout, (re)filled when it is empty.
        if (!topic.has_fanout || topic.fanout.empty()) {
          topic.has_fanout = true;
          topic.fanout = pick_peers(t, static_cast<std::size_t>(cfg.D), [&](Slot s) {
            return peer_score(s, now) >= cfg.thresholds.publish_threshold;
          });
          std::sort(topic.fanout.begin(), topic.fanout.end());
        }
        for (Slot s : topic.fanout)
          if (eligible(s)) to.push_back(s);
      }
      if (own && !topic.subscribed) topic.last_publish = now;
      std::sort(to.begin(), to.end());
      to.erase(std::unique(to.begin(), to.end()), to.end());
      break;
    }
  }
  for (Slot s : to) send_message(s, mp, hops + 1);
}

}  // namespace p2pgossip::router
