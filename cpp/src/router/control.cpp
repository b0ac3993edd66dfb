// GossipSub control handling: IHAVE (ask for what we have not seen), IWANT (answer from the
// mcache), GRAFT and PRUNE (mesh membership, backoff, peer exchange) and IDONTWANT.
#include <algorithm>

#include "router_state.hpp"

namespace p2pgossip::router {

void Router::State::handle_ihave(Slot s, const std::vector<ControlIHave>& ihave, Instant now) {
  if (ihave.empty()) return;
  counters.ihave_received += ihave.size();
  PeerState& p = peers[s];
  if (peer_score(s, now) < cfg.thresholds.gossip_threshold) return;
  if (++p.ihave_this_heartbeat > cfg.max_ihave_messages ||
      p.iwant_ids_asked >= cfg.max_ihave_length) {
    ++counters.dropped_spam;
    return;
  }
  std::vector<MessageId> want;
  IdMap<char> wanted;
  for (const ControlIHave& h : ihave) {
    if (!h.topic_id) continue;
    auto t = find_topic(*h.topic_id);
    if (!t || !topics[*t].subscribed) continue;
    // At most max_ihave_length ids are looked at per IHAVE entry, each hashed once, a batch
    // at a time: the batch's table lines are requested together first, then the records and
    // keys those lines point to. Looked up one by one, each would be a chain of misses
    // waited for in turn.
    constexpr std::size_t kBatch = 32;
    ByteView raws[kBatch];
    std::uint64_t hashes[kBatch];
    auto left = static_cast<std::size_t>(std::max(0, cfg.max_ihave_length));
    for (auto it = h.message_ids.begin(), end = h.message_ids.end(); it != end && left;) {
      std::size_t n = 0;
      for (; it != end && left && n < kBatch; ++it, --left, ++n) {
        raws[n] = *it;
        hashes[n] = hash_id(raws[n]);
        messages.prefetch(hashes[n]);
      }
      for (std::size_t i = 0; i < n; ++i) messages.prefetch_record(hashes[i]);
      for (std::size_t i = 0; i < n; ++i) {
        const ByteView raw = raws[i];
        if (raw.size() > MessageId::kMaxSize || messages.seen(raw, hashes[i])) continue;
        const MessageId id(raw);
        if (!wanted.insert(id, 0).second) continue;
        want.push_back(id);
      }
    }
  }
  if (want.empty()) return;
  const std::size_t room = static_cast<std::size_t>(cfg.max_ihave_length - p.iwant_ids_asked);
  rng.sample(want, room);
  p.iwant_ids_asked += static_cast<int>(want.size());
  for (const MessageId& id : want) iwanted.asked(id, s, heartbeats);
  // The peer promises one of the wanted messages within iwant_followup_time.
  promises.add(want[rng.below(want.size())], p.index, now + cfg.iwant_followup_time);
  ControlIWant iwant_ids;
  iwant_ids.message_ids.reserve(want.size(), want.front().size());
  for (const MessageId& id : want) iwant_ids.message_ids.push_back(id.view());
  control(s).iwant.push_back(std::move(iwant_ids));
  ++counters.iwant_sent;
}

void Router::State::handle_iwant(Slot s, const std::vector<ControlIWant>& iwant, Instant now) {
  if (iwant.empty()) return;
  counters.iwant_received += iwant.size();
  if (peer_score(s, now) < cfg.thresholds.gossip_threshold) return;
  PeerState& p = peers[s];
  int budget = cfg.max_ihave_length;
  IdMap<char> answered;  // an id repeated within one IWANT is answered once
  for (const ControlIWant& w : iwant) {
    for (ByteView raw : w.message_ids) {
      if (budget-- <= 0) {
        ++counters.dropped_spam;
        return;
      }
      if (raw.size() > MessageId::kMaxSize) continue;
      const MessageId id(raw);
      if (dont_want.contains(id, s)) continue;
      if (!answered.insert(id, 0).second) continue;
      if (MessagePtr m = messages.get_for_peer(id, p.index, cfg.gossip_retransmission))
        send_message(s, m);
    }
  }
}

void Router::State::handle_graft(Slot s, const std::vector<ControlGraft>& graft, Instant now) {
  counters.graft_received += graft.size();
  PeerState& p = peers[s];
  for (const ControlGraft& g : graft) {
    if (!g.topic_id) continue;
    auto t = find_topic(*g.topic_id);
    if (!t || !topics[*t].subscribed) continue;  // unknown topics are ignored, not answered
    TopicState& topic = topics[*t];
    if (contains(topic.mesh, s)) continue;
    if (p.is_explicit) {
      send_prune(s, *t, false, false, now);
      continue;
    }
    if (auto until = backoff.until(*t, p.index); until && *until > now) {
      // GRAFT during backoff: a behaviour penalty, a second one if it came right after the
      // PRUNE (within graft_flood_threshold of it), and the backoff restarts.
      score.add_penalty(s, 1);
      if (now < *until - cfg.prune_backoff + cfg.graft_flood_threshold) score.add_penalty(s, 1);
      send_prune(s, *t, false, false, now);
      continue;
    }
    if (peer_score(s, now) < 0) {
      send_prune(s, *t, false, false, now);
      continue;
    }
    if (cfg.mesh_takeover_defence && static_cast<int>(topic.mesh.size()) >= cfg.D_hi &&
        !p.outbound) {
      send_prune(s, *t, false, true, now);
      continue;
    }
    add_to_mesh(topic, *t, s, now);
  }
}

void Router::State::handle_prune(Slot s, const std::vector<ControlPrune>& prune, Instant now) {
  counters.prune_received += prune.size();
  PeerState& p = peers[s];
  for (const ControlPrune& pr : prune) {
    if (!pr.topic_id) continue;
    auto t = find_topic(*pr.topic_id);
    if (!t || !topics[*t].subscribed) continue;  // no mesh for the topic: nothing to prune
    remove_from_mesh(topics[*t], *t, s, now);
    // The peer's backoff is obeyed; absent or 0 means ours.
    const Duration b =
        pr.backoff && *pr.backoff > 0
            ? Duration(std::chrono::seconds(std::min<std::uint64_t>(*pr.backoff, 365ull * 86400)))
            : cfg.prune_backoff;
    backoff.add(*t, p.index, now + b);
    if (pr.peers.empty() || peer_score(s, now) < cfg.thresholds.accept_px_threshold) continue;
    // Peer exchange: at most prune_peers of the offered peers, chosen at random.
    std::vector<const PeerInfo*> offered;
    for (const PeerInfo& info : pr.peers) {
      if (!info.peer_id || info.peer_id->empty()) continue;
      bool connected = false;
      for (const PeerState& q : peers)
        if (q.connected && q.peer_id == *info.peer_id) connected = true;
      if (!connected) offered.push_back(&info);
    }
    rng.sample(offered, static_cast<std::size_t>(std::max(0, cfg.prune_peers)));
    for (const PeerInfo* info : offered)
      actions.emplace_back(ConnectPeer{*info->peer_id, info->signed_peer_record});
  }
}

void Router::State::handle_idontwant(Slot s, const std::vector<ControlIDontWant>& idontwant) {
  if (idontwant.empty()) return;
  counters.idontwant_received += idontwant.size();
  PeerState& p = peers[s];
  // v1.2 flood protection: at most max_idontwant_messages IDONTWANT RPCs per heartbeat, each
  // read up to max_idontwant_length ids; the rest is dropped and counted.
  if (++p.idontwant_this_heartbeat > cfg.max_idontwant_messages) {
    ++counters.dropped_spam;
    return;
  }
  int room = std::max(0, cfg.max_idontwant_length);
  // What the limits admit over the TTL; a hard bound on the peer's entries whatever the config.
  const std::size_t bound =
      static_cast<std::size_t>(std::max(0, cfg.max_idontwant_messages)) *
      static_cast<std::size_t>(room) *
      static_cast<std::size_t>(std::max(1, cfg.idontwant_message_ttl_heartbeats));
  for (const ControlIDontWant& d : idontwant)
    for (ByteView raw : d.message_ids) {
      if (room-- <= 0 || raw.size() > MessageId::kMaxSize) {
        ++counters.dropped_spam;
        continue;
      }
      const MessageId id(raw);
      if (p.dont_want >= bound) {
        if (!dont_want.contains(id, s)) ++counters.dropped_spam;
      } else if (dont_want.add(id, s, heartbeats)) {
        ++p.dont_want;
      }
    }
}

}  // namespace p2pgossip::router
