// The heartbeat: promise and score bookkeeping, mesh maintenance per joined topic (D_lo..D_hi,
// D_score, D_out, opportunistic grafting), fanout expiry and upkeep, IHAVE gossip, and the
// shifting/expiry of mcache, seen cache, backoffs, IDONTWANT sets and IWANT records, and the
// topics nothing refers to any more.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

#include "router_state.hpp"

namespace p2pgossip::router {

void Router::State::heartbeat(Instant now) {
  ++heartbeats;
  for (PeerState& p : peers) {
    p.ihave_this_heartbeat = 0;
    p.idontwant_this_heartbeat = 0;
    p.iwant_ids_asked = 0;
    p.subscribes_this_heartbeat = 0;
    p.penalized = 0;
  }
  for (auto [index, broken] : promises.take_broken(now)) {
    counters.broken_promises += static_cast<std::uint64_t>(broken);
    if (auto s = slot_of(index)) score.add_penalty(*s, broken);
  }
  score.refresh(now);
  if (cfg.disconnect_graylisted) disconnect_graylisted(now);
  pull_deferred(now);
  offer_refused(now);

  if (cfg.strategy == Strategy::kGossipSub) {
    for (TopicId t = 0; t < topics.size(); ++t) {
      if (topics[t].subscribed) {
        maintain_mesh(t, now);
        TopicState& topic = topics[t];
        std::vector<Slot> settled;  // in the mesh since the last gossip: they had it all pushed
        std::ranges::set_intersection(topic.mesh, topic.gossiped_mesh, std::back_inserter(settled));
        emit_gossip(t, settled, now);
        topic.gossiped_mesh = topic.mesh;
      } else if (topics[t].has_fanout) {
        maintain_fanout(t, now);
        if (topics[t].has_fanout) emit_gossip(t, topics[t].fanout, now);
      }
    }
    messages.shift();
  }
  messages.expire(now);
  // A hop count outlives its message's seen entry only if the validator never answered.
  for (std::size_t i = pending_hops.size(); i-- > 0;) {
    const MessageId id = pending_hops.key(i);
    if (!messages.seen(id)) pending_hops.erase(id);
  }
  backoff.expire(now);
  // An IWANT answer comes from the mcache: after mcache_len heartbeats none is coming.
  iwanted.expire(heartbeats, static_cast<std::uint64_t>(std::max(1, cfg.mcache_len)));
  forget_unused_topics();
  const std::uint64_t ttl =
      static_cast<std::uint64_t>(std::max(0, cfg.idontwant_message_ttl_heartbeats));
  dont_want.expire(heartbeats, ttl, [&](Slot s) { --peers[s].dont_want; });
}

std::size_t Router::State::max_deferred() const {
  const double pullable = cfg.rate_limit_messages_per_s *
                          std::chrono::duration<double>(cfg.heartbeat_interval).count() *
                          std::max(1, cfg.mcache_len);
  const auto cap = static_cast<std::size_t>(std::max(1, cfg.max_ihave_length));
  return pullable >= static_cast<double>(cap)
             ? cap
             : std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(pullable)));
}

void Router::State::offer_refused(Instant now) {
  for (Slot s = 0; s < peers.size(); ++s) {
    PeerState& p = peers[s];
    if (!p.repairs || p.repairs->offer.empty()) continue;
    std::vector<MessageId> ids = std::move(p.repairs->offer);
    p.repairs->offer.clear();
    if (p.repairs->pull.empty()) p.repairs.reset();
    if (!p.connected || !p.gossipsub() || peer_score(s, now) < cfg.thresholds.gossip_threshold)
      continue;
    // One IHAVE a topic, of the ids the mcache can still answer an IWANT for.
    std::vector<ControlIHave> offers;
    for (const MessageId& id : ids) {
      const Message* m = messages.cached(id);
      if (!m) continue;
      auto it = std::ranges::find_if(offers,
                                     [&](const ControlIHave& o) { return o.topic_id == m->topic; });
      if (it == offers.end()) it = offers.insert(offers.end(), ControlIHave{m->topic, {}});
      it->message_ids.push_back(id.view());
    }
    for (ControlIHave& o : offers) {
      control(s).ihave.push_back(std::move(o));
      ++counters.ihave_sent;
      counters.refused_offered += o.message_ids.size();
    }
  }
}

void Router::State::pull_deferred(Instant now) {
  // The sender forwarded or published each message just before we refused it, so its mcache
  // holds it for mcache_len heartbeats; asking again later is the peer's own backlog,
  // pulled at the rate its budget allows, instead of a loss.
  const auto ttl = static_cast<std::uint64_t>(std::max(1, cfg.mcache_len));
  for (Slot s = 0; s < peers.size(); ++s) {
    PeerState& p = peers[s];
    if (!p.repairs) continue;
    PeerState::Deferred& q = p.repairs->pull;
    std::erase_if(
        q, [&](const auto& d) { return d.second + ttl <= heartbeats || messages.seen(d.first); });
    if (q.empty()) {
      if (p.repairs->offer.empty()) p.repairs.reset();
      continue;
    }
    if (!p.connected || peer_score(s, now) < cfg.thresholds.gossip_threshold) continue;
    const double tokens =
        p.message_bucket.available(cfg.rate_limit_messages_per_s, cfg.rate_limit_burst_s, now);
    std::size_t n = std::min(
        q.size(), static_cast<std::size_t>(std::max(0, cfg.max_ihave_length - p.iwant_ids_asked)));
    if (tokens < static_cast<double>(n)) n = static_cast<std::size_t>(std::max(0.0, tokens));
    if (n == 0) continue;
    ControlIWant ask;
    ask.message_ids.reserve(n, q.front().first.size());
    for (std::size_t i = 0; i < n; ++i) {
      ask.message_ids.push_back(q[i].first.view());
      iwanted.asked(q[i].first, s, heartbeats);
    }
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    p.iwant_ids_asked += static_cast<int>(n);
    control(s).iwant.push_back(std::move(ask));
    ++counters.iwant_sent;
  }
}

void Router::State::disconnect_graylisted(Instant now) {
  for (Slot s = 0; s < peers.size(); ++s) {
    PeerState& p = peers[s];
    if (!p.connected || p.is_explicit || p.disconnect_requested) continue;
    if (peer_score(s, now) >= cfg.thresholds.graylist_threshold) continue;
    p.disconnect_requested = true;
    ++counters.disconnects_requested;
    actions.emplace_back(DisconnectPeer{p.index, "score below graylist_threshold"});
  }
}

void Router::State::maintain_mesh(TopicId t, Instant now) {
  TopicState& topic = topics[t];
  const auto D = static_cast<std::size_t>(std::max(0, cfg.D));
  auto graftable = [&](Slot s) {
    return !contains(topic.mesh, s) && !backoff.active(t, peers[s].index, now) &&
           peer_score(s, now) >= 0;
  };
  auto graft_all = [&](const std::vector<Slot>& add) {
    for (Slot s : add) {
      add_to_mesh(topic, t, s, now);
      send_graft(s, t);
    }
  };

  // Peers with a negative score leave the mesh (no PX for them).
  for (Slot s : std::vector<Slot>(topic.mesh))
    if (peer_score(s, now) < 0) {
      remove_from_mesh(topic, t, s, now);
      send_prune(s, t, false, false, now);
    }

  if (static_cast<int>(topic.mesh.size()) < cfg.D_lo)
    graft_all(pick_peers(t, D - std::min(D, topic.mesh.size()), graftable));

  if (static_cast<int>(topic.mesh.size()) > cfg.D_hi) {
    // Keep the D_score best-scored peers, then random ones, making sure D_out of the kept
    // are outbound when that many are available; prune the rest.
    std::vector<Slot> order(topic.mesh);
    rng.shuffle(order);
    std::stable_sort(order.begin(), order.end(),
                     [&](Slot a, Slot b) { return peer_score(a, now) > peer_score(b, now); });
    const std::size_t by_score =
        std::min(order.size(), static_cast<std::size_t>(std::max(0, cfg.D_score)));
    rng.shuffle(order.data() + by_score, order.data() + order.size());
    std::vector<Slot> keep(order.begin(), order.begin() + by_score);
    int outbound = 0;
    for (Slot s : keep) outbound += peers[s].outbound;
    std::vector<Slot> rest(order.begin() + by_score, order.end());
    for (auto it = rest.begin(); it != rest.end() && keep.size() < D;) {
      if (outbound < cfg.D_out && peers[*it].outbound) {
        keep.push_back(*it);
        ++outbound;
        it = rest.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = rest.begin(); it != rest.end() && keep.size() < D; it = rest.erase(it))
      keep.push_back(*it);
    for (Slot s : rest) {
      remove_from_mesh(topic, t, s, now);
      send_prune(s, t, false, true, now);
    }
  }

  if (static_cast<int>(topic.mesh.size()) >= cfg.D_lo) {
    int outbound = 0;
    for (Slot s : topic.mesh) outbound += peers[s].outbound;
    if (outbound < cfg.D_out)
      graft_all(pick_peers(t, static_cast<std::size_t>(cfg.D_out - outbound),
                           [&](Slot s) { return peers[s].outbound && graftable(s); }));
  }

  if (cfg.opportunistic_graft_ticks > 0 &&
      heartbeats % static_cast<std::uint64_t>(cfg.opportunistic_graft_ticks) == 0 &&
      topic.mesh.size() > 1) {
    // Opportunistic grafting: a mesh whose median score is low takes in better peers.
    std::vector<double> scores;
    for (Slot s : topic.mesh) scores.push_back(peer_score(s, now));
    std::sort(scores.begin(), scores.end());
    const double median = scores[scores.size() / 2];
    if (median < cfg.thresholds.opportunistic_graft_threshold)
      graft_all(pick_peers(t, static_cast<std::size_t>(std::max(0, cfg.opportunistic_graft_peers)),
                           [&](Slot s) { return graftable(s) && peer_score(s, now) > median; }));
  }
}

void Router::State::maintain_fanout(TopicId t, Instant now) {
  TopicState& topic = topics[t];
  if (topic.last_publish + cfg.fanout_ttl <= now) {
    topic.has_fanout = false;
    topic.fanout.clear();
    return;
  }
  std::erase_if(topic.fanout,
                [&](Slot s) { return peer_score(s, now) < cfg.thresholds.publish_threshold; });
  const auto D = static_cast<std::size_t>(std::max(0, cfg.D));
  if (topic.fanout.size() < D) {
    auto more = pick_peers(t, D - topic.fanout.size(), [&](Slot s) {
      return !contains(topic.fanout, s) && peer_score(s, now) >= cfg.thresholds.publish_threshold;
    });
    for (Slot s : more) insert_sorted(topic.fanout, s);
  }
}

void Router::State::emit_gossip(TopicId t, const std::vector<Slot>& exclude, Instant now) {
  std::vector<ByteView> ids;  // into the message table, which nothing below changes
  messages.gossip_ids(t, ids);
  if (ids.empty()) return;
  std::vector<Slot> to;
  for (Slot s : topics[t].peers)
    if (peers[s].gossipsub() && !peers[s].is_explicit && !contains(exclude, s) &&
        peer_score(s, now) >= cfg.thresholds.gossip_threshold)
      to.push_back(s);
  const auto factor = static_cast<std::size_t>(cfg.gossip_factor * static_cast<double>(to.size()));
  rng.sample(to, std::max(static_cast<std::size_t>(std::max(0, cfg.D_lazy)), factor));
  std::sort(to.begin(), to.end());
  const auto cap = static_cast<std::size_t>(std::max(0, cfg.max_ihave_length));
  std::vector<std::uint32_t> mine;  // a sample of `ids` per peer, as positions: cheap to shuffle
  for (Slot s : to) {
    mine.resize(ids.size());
    std::iota(mine.begin(), mine.end(), 0u);
    rng.sample(mine, cap);
    ControlIHave ihave{topics[t].name, {}};
    ihave.message_ids.reserve(mine.size(), ids.front().size());
    for (std::uint32_t i : mine) ihave.message_ids.push_back(ids[i]);
    control(s).ihave.push_back(std::move(ihave));
    ++counters.ihave_sent;
  }
}

}  // namespace p2pgossip::router
