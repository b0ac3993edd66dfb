// The router core: inputs (connect, disconnect, RPC, publish, subscribe), the receive
// pipeline (id → seen → topic → size → rate limit → signature → validator → deliver +
// forward), JOIN/LEAVE and the topic table. Control handling is in control.cpp.
#include <algorithm>
#include <cmath>

#include "p2pgossip/wire/rpc_codec.hpp"
#include "router_state.hpp"

namespace p2pgossip::router {

namespace {

std::uint64_t seconds_ceil(Duration d) {
  return static_cast<std::uint64_t>((d.count() + 999'999'999) / 1'000'000'000);
}

}  // namespace

Router::State::State(std::shared_ptr<const GossipConfig> c, std::shared_ptr<const Services> s,
                     std::uint64_t seed)
    : cfg(*c),
      svc(*s),
      scoring(PeerScore::weighted(c->score)),
      messages(c->seen_ttl, c->seen_max_entries, c->mcache_len, c->mcache_gossip, s->ids),
      config(std::move(c)),
      services(std::move(s)),
      rng(seed),
      score(cfg.score, cfg.seen_ttl, cfg.seen_max_entries, services->ids.get()) {}

void Router::State::start(Instant now) {
  if (started) return;
  started = true;
  next_heartbeat = now + cfg.heartbeat_initial_delay;
  if (cfg.heartbeat_initial_jitter > Duration{0})
    next_heartbeat += Duration{static_cast<Duration::rep>(
        rng.unit() * static_cast<double>(cfg.heartbeat_initial_jitter.count()))};
}

std::optional<Slot> Router::State::slot_of(PeerIndex p) const { return by_index.find(p); }

TopicId Router::State::intern(const std::string& topic) {
  if (auto it = topic_ids.find(topic); it != topic_ids.end()) return it->second;
  // A topic with score parameters is kept for the router's life and never takes a reused
  // id: delivery records of a forgotten topic may still name its id, and must not count
  // toward a scored topic.
  const bool pinned = cfg.score.topics.count(topic) > 0;
  TopicId t;
  if (!pinned && !free_topics.empty()) {
    t = free_topics.back();
    free_topics.pop_back();
  } else {
    t = static_cast<TopicId>(topics.size());
    topics.emplace_back();
  }
  TopicState& x = topics[t];
  x.name = topic;
  x.live = true;
  x.pinned = pinned;
  topic_ids.emplace(topic, t);
  score.add_topic(t, topic);
  return t;
}

void Router::State::forget_if_unused(TopicId t) {
  TopicState& x = topics[t];
  if (!x.live || x.pinned || x.subscribed || !x.peers.empty() || !x.mesh.empty() || x.has_fanout)
    return;
  // The mcache forgets a message after mcache_len heartbeats: until then it names the topic.
  if (x.cached &&
      heartbeats < x.cached_at + static_cast<std::uint64_t>(std::max(0, cfg.mcache_len)))
    return;
  if (backoff.any(t)) return;
  topic_ids.erase(x.name);
  x = TopicState{};
  free_topics.push_back(t);
  ++counters.topics_forgotten;
}

void Router::State::forget_unused_topics() {
  for (TopicId t = 0; t < topics.size(); ++t) forget_if_unused(t);
}

void Router::State::cache(const MessageId& id, const MessagePtr& m, TopicId t) {
  messages.put(id, m, t);
  topics[t].cached = true;
  topics[t].cached_at = heartbeats;
}

void Router::State::defer_pull(PeerState& p, const MessageId& id) {
  if (cfg.strategy != Strategy::kGossipSub || !p.gossipsub()) return;
  if (!p.repairs) p.repairs = std::make_unique<PeerState::Repairs>();
  if (p.repairs->pull.size() < max_deferred()) p.repairs->pull.emplace_back(id, heartbeats);
}

void Router::State::penalize(PeerState& p, Slot s, Misbehaviour what) {
  if (p.penalized & what) return;
  p.penalized |= what;
  score.add_penalty(s, 1);
}

std::optional<TopicId> Router::State::find_topic(const std::string& topic) const {
  // A router of a few topics scans their table, whose lines the caller reads next anyway,
  // rather than chase the index's nodes through cold memory.
  constexpr std::size_t kScan = 8;
  if (topics.size() <= kScan) {
    for (TopicId t = 0; t < topics.size(); ++t)
      if (topics[t].live && topics[t].name == topic) return t;
    return std::nullopt;
  }
  auto it = topic_ids.find(topic);
  if (it == topic_ids.end()) return std::nullopt;
  return it->second;
}

void Router::State::mark_dirty(PeerState& p, Slot s) {
  if (!p.dirty) {
    p.dirty = true;
    dirty.push_back(s);
  }
}

Rpc& Router::State::out(Slot s) {
  PeerState& p = peers[s];
  mark_dirty(p, s);
  p.batched = true;
  if (!p.out) p.out = std::make_unique<Rpc>();
  return *p.out;
}

ControlMessage& Router::State::control(Slot s) {
  Rpc& r = out(s);
  if (!r.control) r.control.emplace();
  return *r.control;
}

void Router::State::flush() {
  for (Slot s : dirty) {
    PeerState& p = peers[s];
    if (!p.dirty) continue;  // disconnected meanwhile
    p.dirty = false;
    if (!p.batched) {
      if (p.message) actions.emplace_back(SendMessage{p.index, std::move(p.message)});
      continue;
    }
    p.batched = false;
    Rpc& rpc = *p.out;
    if (p.message) rpc.publish.insert(rpc.publish.begin(), std::move(p.message));
    if (!rpc.empty()) {
      std::vector<Rpc> overflow = idontwant_overflow(rpc);
      actions.emplace_back(SendRpc{p.index, std::move(p.out)});
      for (Rpc& more : overflow)
        actions.emplace_back(SendRpc{p.index, std::make_unique<Rpc>(std::move(more))});
    }
    p.message = nullptr;
    p.out.reset();
  }
  dirty.clear();
}

// A receiver reads at most max_idontwant_length ids of one RPC's IDONTWANTs (go-libp2p's
// MaxIDontWantLength, ours) and drops the rest: a batch holding more (the first receipts of
// one merged forward RPC) leaves as several RPCs, the first carrying the rest of the batch.
std::vector<Rpc> Router::State::idontwant_overflow(Rpc& rpc) const {
  std::vector<Rpc> more;
  if (!rpc.control) return more;
  std::vector<ControlIDontWant>& entries = rpc.control->idontwant;
  std::size_t total = 0;
  for (const ControlIDontWant& e : entries) total += e.message_ids.size();
  const auto per_rpc = static_cast<std::size_t>(std::max(1, cfg.max_idontwant_length));
  if (total <= per_rpc) return more;
  std::vector<ControlIDontWant> chunks(1);
  for (const ControlIDontWant& e : entries)
    for (ByteView id : e.message_ids) {
      if (chunks.back().message_ids.size() == per_rpc) chunks.emplace_back();
      chunks.back().message_ids.push_back(id);
    }
  entries.assign(1, std::move(chunks.front()));
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    Rpc r;
    r.control.emplace().idontwant.push_back(std::move(chunks[i]));
    more.push_back(std::move(r));
  }
  return more;
}

void Router::State::send_message(Slot s, const MessagePtr& m, std::uint32_t hops) {
  PeerState& p = peers[s];
  if (hop_limited()) {
    // Hop counts travel beside their messages in the Rpc: no lone-message shortcut.
    Rpc& r = out(s);
    r.publish.push_back(m);
    r.publish_hops.push_back(hops);
  } else if (!p.message) {
    mark_dirty(p, s);
    p.message = m;
  } else {
    out(s).publish.push_back(m);
  }
  ++counters.messages_forwarded;
}

void Router::State::send_graft(Slot s, TopicId t) {
  control(s).graft.push_back(ControlGraft{topics[t].name});
  ++counters.graft_sent;
}

void Router::State::send_prune(Slot s, TopicId t, bool unsubscribe, bool px, Instant now) {
  const Duration backoff_for = unsubscribe ? cfg.unsubscribe_backoff : cfg.prune_backoff;
  backoff.add(t, peers[s].index, now + backoff_for);
  ControlPrune prune{topics[t].name, {}, seconds_ceil(backoff_for)};
  if (px && cfg.do_px && cfg.prune_peers > 0) {
    // Peer exchange: other well-scored peers of the topic the pruned peer may connect to.
    std::vector<Slot> c;
    for (Slot o : topics[t].peers)
      if (o != s && peers[o].gossipsub() && !peers[o].peer_id.empty() && peer_score(o, now) >= 0)
        c.push_back(o);
    rng.sample(c, static_cast<std::size_t>(cfg.prune_peers));
    for (Slot o : c)
      prune.peers.push_back(PeerInfo{
          peers[o].peer_id, svc.peer_record ? svc.peer_record(peers[o].peer_id) : std::nullopt});
  }
  control(s).prune.push_back(std::move(prune));
  ++counters.prune_sent;
}

void Router::State::add_to_mesh(TopicState& topic, TopicId t, Slot s, Instant now) {
  if (!insert_sorted(topic.mesh, s)) return;
  score.graft(s, t, now);
  if (tracer) tracer->graft(peers[s].index, topic.name, now);
}

void Router::State::remove_from_mesh(TopicState& topic, TopicId t, Slot s, Instant now) {
  if (!erase_sorted(topic.mesh, s)) return;
  score.prune(s, t, now);
  if (tracer) tracer->prune(peers[s].index, topic.name, now);
}

// ---- inputs -------------------------------------------------------------------------------

Router::Router(GossipConfig config, Services services, std::uint64_t seed)
    : Router(std::make_shared<const GossipConfig>(std::move(config)), std::move(services), seed) {}
Router::Router(std::shared_ptr<const GossipConfig> config, Services services, std::uint64_t seed)
    : Router(std::move(config), std::make_shared<const Services>(std::move(services)), seed) {}
Router::Router(std::shared_ptr<const GossipConfig> config, std::shared_ptr<const Services> services,
               std::uint64_t seed)
    : s_(std::make_unique<State>(std::move(config), std::move(services), seed)) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::peer_connected(PeerIndex peer, ByteView peer_id, bool outbound, Protocol protocol,
                            Instant now) {
  State& st = *s_;
  st.start(now);
  if (st.slot_of(peer)) peer_disconnected(peer, now);  // a reconnect replaces the old state
  Slot s;
  if (!st.free_slots.empty()) {
    s = st.free_slots.back();
    st.free_slots.pop_back();
  } else {
    s = static_cast<Slot>(st.peers.size());
    st.peers.emplace_back();
  }
  PeerState& p = st.peers[s];
  p = PeerState{};
  p.index = peer;
  p.peer_id = to_bytes(peer_id);
  p.peer_id_hash = XXH3_64bits(peer_id.data(), peer_id.size());
  p.connected = true;
  p.outbound = outbound;
  p.protocol = protocol;
  p.is_explicit = std::binary_search(st.explicit_peers.begin(), st.explicit_peers.end(), peer);
  st.flooded_peers += p.flooded();
  p.message_bucket = TokenBucket(st.cfg.rate_limit_messages_per_s, st.cfg.rate_limit_burst_s, now);
  p.byte_bucket = TokenBucket(st.cfg.rate_limit_bytes_per_s, st.cfg.rate_limit_burst_s, now);
  st.by_index.insert(peer, s);
  st.score.add_peer(s, p.peer_id, now);

  // Hello: our full subscription list.
  for (TopicId t = 0; t < st.topics.size(); ++t)
    if (st.topics[t].subscribed)
      st.out(s).subscriptions.push_back(SubOpts{true, st.topics[t].name});
  st.flush();
}

void Router::forward_refused(PeerIndex peer, const Message& message) {
  State& st = *s_;
  const auto slot = st.slot_of(peer);
  if (!slot) return;
  PeerState& p = st.peers[*slot];
  if (!p.gossipsub()) return;
  if (!p.repairs) p.repairs = std::make_unique<PeerState::Repairs>();
  if (p.repairs->offer.size() < static_cast<std::size_t>(std::max(0, st.cfg.max_ihave_length)))
    p.repairs->offer.push_back(st.svc.message_id(message));
}

void Router::prune_peer(PeerIndex peer, Instant now) {
  State& st = *s_;
  auto slot = st.slot_of(peer);
  if (!slot) return;
  const Slot s = *slot;
  for (TopicId t : st.peers[s].topics) {
    TopicState& topic = st.topics[t];
    if (!contains(topic.mesh, s)) continue;
    st.remove_from_mesh(topic, t, s, now);
    st.send_prune(s, t, false, false, now);
  }
  st.flush();
}

void Router::peer_disconnected(PeerIndex peer, Instant now) {
  State& st = *s_;
  auto slot = st.slot_of(peer);
  if (!slot) return;
  const Slot s = *slot;
  PeerState& p = st.peers[s];
  for (TopicId t : p.topics) {
    TopicState& topic = st.topics[t];
    erase_sorted(topic.peers, s);
    st.remove_from_mesh(topic, t, s, now);
    erase_sorted(topic.fanout, s);
  }
  st.score.remove_peer(s, now);
  st.iwanted.forget(s);
  st.promises.peer_gone(peer);
  st.flooded_peers -= p.flooded();
  if (p.dont_want) st.dont_want.forget(s);
  const SmallIdSet named = std::move(p.topics);
  p = PeerState{};
  st.by_index.erase(peer);
  st.free_slots.push_back(s);
  for (TopicId t : named) st.forget_if_unused(t);
}

bool Router::seen(const MessageId& id) const { return s_->messages.seen(id); }

void Router::rpc_received(PeerIndex from, const Rpc& rpc, Instant now,
                          std::span<const MessageId> duplicates) {
  State& st = *s_;
  st.start(now);
  auto slot = st.slot_of(from);
  if (!slot) return;
  const Slot s = *slot;
  // Graylisting ignores everything from a peer below graylist_threshold, except explicit peers.
  if (!st.peers[s].is_explicit && st.peer_score(s, now) < st.cfg.thresholds.graylist_threshold) {
    ++st.counters.dropped_graylisted;
    return;
  }
  for (const SubOpts& sub : rpc.subscriptions) st.handle_subscription(s, sub, now);
  for (const MessageId& id : duplicates) {
    ++st.counters.messages_received;
    st.handle_duplicate(s, id, now);
  }
  for (std::size_t i = 0; i < rpc.publish.size(); ++i)
    if (rpc.publish[i])
      st.handle_message(s, rpc.publish[i], i < rpc.publish_hops.size() ? rpc.publish_hops[i] : 1,
                        now);
  if (rpc.control && st.cfg.strategy == Strategy::kGossipSub) {
    const ControlMessage& c = *rpc.control;
    st.handle_ihave(s, c.ihave, now);
    st.handle_iwant(s, c.iwant, now);
    st.handle_graft(s, c.graft, now);
    st.handle_prune(s, c.prune, now);
    st.handle_idontwant(s, c.idontwant);
  }
  st.flush();
}

Result<MessageId> Router::publish(MessagePtr message, Instant now) {
  State& st = *s_;
  st.start(now);
  if (!message) return Error{"publish: null message"};
  const Message& m = *message;
  if (wire::encoded_message_size(m) > st.cfg.max_message_size)
    return Error{"publish: message exceeds max_message_size"};
  if (st.cfg.signature_policy == SignaturePolicy::kStrictSign) {
    if (!m.signature || !m.from || !m.seqno)
      return Error{"publish: StrictSign requires from, seqno and signature"};
  } else if (m.from || m.seqno || m.signature || m.key) {
    return Error{"publish: StrictNoSign forbids from, seqno, signature and key"};
  }
  const MessageId id = st.svc.message_id(m);
  if (st.messages.seen(id)) return Error{"publish: message already published or seen"};
  const std::uint64_t evicted = st.messages.evicted_when_full();
  st.messages.mark_seen(id, now);
  st.counters.dropped_seen_cache_full += st.messages.evicted_when_full() - evicted;
  ++st.counters.messages_published;
  const TopicId t = st.intern(m.topic);
  if (st.cfg.strategy == Strategy::kGossipSub) st.cache(id, message, t);
  if (st.topics[t].subscribed) {
    st.actions.emplace_back(Deliver{message, id, kLocalPeer});
    ++st.counters.messages_delivered;
  }
  st.forward(message, id, t, std::nullopt, 0, now);
  st.flush();
  return id;
}

void Router::subscribe(const std::string& topic, Instant now) {
  State& st = *s_;
  st.start(now);
  const TopicId t = st.intern(topic);
  if (st.topics[t].subscribed) return;
  st.topics[t].subscribed = true;
  for (Slot s = 0; s < st.peers.size(); ++s)
    if (st.peers[s].connected) st.out(s).subscriptions.push_back(SubOpts{true, topic});
  if (st.cfg.strategy == Strategy::kGossipSub) st.join(t, now);
  st.flush();
}

void Router::unsubscribe(const std::string& topic, Instant now) {
  State& st = *s_;
  st.start(now);
  auto t = st.find_topic(topic);
  if (!t || !st.topics[*t].subscribed) return;
  st.topics[*t].subscribed = false;
  for (Slot s = 0; s < st.peers.size(); ++s)
    if (st.peers[s].connected) st.out(s).subscriptions.push_back(SubOpts{false, topic});
  if (st.cfg.strategy == Strategy::kGossipSub) st.leave(*t, now);
  st.forget_if_unused(*t);
  st.flush();
}

void Router::add_explicit_peer(PeerIndex peer) {
  State& st = *s_;
  auto it = std::lower_bound(st.explicit_peers.begin(), st.explicit_peers.end(), peer);
  if (it == st.explicit_peers.end() || *it != peer) st.explicit_peers.insert(it, peer);
  if (auto s = st.slot_of(peer)) {
    st.flooded_peers += !st.peers[*s].flooded();
    st.peers[*s].is_explicit = true;
    for (TopicId t = 0; t < st.topics.size(); ++t) erase_sorted(st.topics[t].mesh, *s);
  }
}

void Router::set_application_score(PeerIndex peer, double value) {
  if (auto s = s_->slot_of(peer)) s_->score.set_application_score(*s, value);
}

void Router::set_peer_ip(PeerIndex peer, const std::string& ip) {
  if (auto s = s_->slot_of(peer)) s_->score.set_ip(*s, ip);
}

void Router::tick(Instant now) {
  State& st = *s_;
  st.start(now);
  if (now < st.next_heartbeat) return;
  st.heartbeat(now);
  const Duration interval = std::max(st.cfg.heartbeat_interval, Duration{1});
  while (st.next_heartbeat <= now) st.next_heartbeat += interval;
  st.flush();
}

std::optional<Instant> Router::next_deadline() const {
  if (!s_->started) return std::nullopt;
  return s_->next_heartbeat;
}

void Router::set_tracer(Tracer* tracer) { s_->tracer = tracer; }

const Message* Router::cached(const MessageId& id) const { return s_->messages.cached(id); }

ByteView Router::peer_id(PeerIndex peer) const {
  const auto slot = s_->slot_of(peer);
  return slot ? ByteView(s_->peers[*slot].peer_id) : ByteView{};
}

// A scan: asked on a block or a score change, never per message.
std::optional<PeerIndex> Router::index_of(ByteView peer_id) const {
  for (const PeerState& p : s_->peers)
    if (p.connected && std::ranges::equal(p.peer_id, peer_id)) return p.index;
  return std::nullopt;
}

// What a router keeps of its action buffer between inputs: a forward to a mesh (about D
// sends and a delivery) fits.
constexpr std::size_t kKeepActionBytes = 1 << 10;

void Router::drain_actions(std::vector<Action>& out) {
  if (out.empty()) {
    out.swap(s_->actions);
  } else {
    std::move(s_->actions.begin(), s_->actions.end(), std::back_inserter(out));
  }
  s_->actions.clear();
  // The buffers swap with the caller's: one grown past a forward's few actions (a burst grows
  // them to hundreds) is let go, so 50 routers do not keep 21 MB of them after a burst, nor
  // 10,000 simulated routers 3 KiB each from their first SUBSCRIBEs.
  if (s_->actions.capacity() * sizeof(Action) > kKeepActionBytes)
    std::vector<Action>().swap(s_->actions);
}

const Counters& Router::counters() const { return s_->counters; }

std::vector<PeerIndex> Router::State::indices(const std::vector<Slot>& slots) const {
  std::vector<PeerIndex> r;
  for (Slot s : slots) r.push_back(peers[s].index);
  std::sort(r.begin(), r.end());
  return r;
}

std::vector<PeerIndex> Router::mesh(const std::string& topic) const {
  auto t = s_->find_topic(topic);
  return t ? s_->indices(s_->topics[*t].mesh) : std::vector<PeerIndex>{};
}

std::vector<PeerIndex> Router::fanout(const std::string& topic) const {
  auto t = s_->find_topic(topic);
  return t && s_->topics[*t].has_fanout ? s_->indices(s_->topics[*t].fanout)
                                        : std::vector<PeerIndex>{};
}

std::vector<PeerIndex> Router::peers(const std::string& topic) const {
  auto t = s_->find_topic(topic);
  return t ? s_->indices(s_->topics[*t].peers) : std::vector<PeerIndex>{};
}

std::vector<std::string> Router::topics() const {
  std::vector<std::string> r;
  for (const TopicState& t : s_->topics)
    if (t.subscribed) r.push_back(t.name);
  std::sort(r.begin(), r.end());
  return r;
}

double Router::score(PeerIndex peer, Instant now) const {
  auto s = s_->slot_of(peer);
  return s ? s_->peer_score(*s, now) : 0.0;
}

std::optional<ScoreBreakdown> Router::score_breakdown(PeerIndex peer, Instant now) const {
  auto s = s_->slot_of(peer);
  if (!s) return std::nullopt;
  std::vector<std::uint32_t> ids;
  ScoreBreakdown b = s_->score.breakdown(*s, now, ids);
  for (std::size_t i = 0; i < ids.size(); ++i) b.topics[i].topic = s_->topics[ids[i]].name;
  return b;
}

std::size_t Router::topic_table_size() const { return s_->topics.size() - s_->free_topics.size(); }

std::size_t Router::message_state_bytes() const {
  return s_->messages.memory_bytes() + s_->iwanted.memory_bytes() +
         s_->pending_hops.memory_bytes() + s_->promises.memory_bytes() + s_->score.memory_bytes() +
         s_->dont_want.memory_bytes();
}

std::uint64_t Router::duplicates_from(PeerIndex peer) const {
  auto s = s_->slot_of(peer);
  return s ? s_->peers[*s].duplicates : 0;
}

// ---- receive pipeline ---------------------------------------------------------------------

void Router::State::handle_subscription(Slot s, const SubOpts& sub, Instant now) {
  if (!sub.topic_id) return;
  PeerState& p = peers[s];
  if (sub.subscribe.value_or(false)) {
    auto known = find_topic(*sub.topic_id);
    if (known && p.subscribed(*known)) return;
    // Churn (subscribe, unsubscribe, a new name, ...) beyond the bound is refused before the
    // name is interned, and charged.
    if (++p.subscribes_this_heartbeat > cfg.max_subscribes_per_heartbeat) {
      ++counters.dropped_topic_churn;
      penalize(p, s, kTopicChurn);
      return;
    }
    if (static_cast<int>(p.topics.size()) >= cfg.max_subscriptions_per_peer) {
      ++counters.dropped_spam;
      return;
    }
    const TopicId t = intern(*sub.topic_id);
    p.topics.insert(t);
    insert_sorted(topics[t].peers, s);
  } else {
    auto t = find_topic(*sub.topic_id);
    if (!t || !p.topics.erase(*t)) return;
    TopicState& topic = topics[*t];
    erase_sorted(topic.peers, s);
    remove_from_mesh(topic, *t, s, now);
    erase_sorted(topic.fanout, s);
    forget_if_unused(*t);
  }
}

// A duplicate costs one lookup: it is not charged to the rate limit, whose budget is for the
// first receipts that are verified and validated.
void Router::State::handle_duplicate(Slot s, const MessageId& id, Instant now) {
  PeerState& p = peers[s];
  ++counters.duplicates;
  ++p.duplicates;
  // A peer we asked for the id may send it more than once (it answers each IWANT).
  if (scoring && score.duplicate(s, id, now) && !iwanted.solicited(id, s)) {
    ++counters.duplicates_repeated;
    penalize(p, s, kRepeatedDuplicate);
  }
}

void Router::State::handle_message(Slot s, const MessagePtr& mp, std::uint32_t hops, Instant now) {
  PeerState& p = peers[s];
  const Message& m = *mp;
  ++counters.messages_received;
  const MessageId id = svc.message_id(m);
  if (messages.seen(id)) {
    handle_duplicate(s, id, now);
    return;
  }
  prefetch_delivery(id);
  auto t = find_topic(m.topic);
  if (!t || !topics[*t].subscribed) {
    ++counters.dropped_unsubscribed_topic;
    return;
  }
  const std::size_t size = wire::encoded_message_size(m);
  if (size > cfg.max_message_size) {
    ++counters.dropped_too_large;
    return;
  }
  // Refused before being marked seen, so that the other mesh peers' copies (no IDONTWANT
  // went out for it), gossip (IHAVE/IWANT) from any peer, or our own IWANT to this peer
  // later (pull_deferred) still bring it: a message the application's validators have no
  // room for (the backlog is ours: no charge), and one over the per-peer budget, charged
  // only when both buckets allow the message.
  if (svc.validation_full && svc.validation_full(m.topic)) {
    ++counters.dropped_validation_full;
    defer_pull(p, id);
    return;
  }
  if (!p.message_bucket.admits(1, cfg.rate_limit_messages_per_s, cfg.rate_limit_burst_s, now) ||
      !p.byte_bucket.admits(static_cast<double>(size), cfg.rate_limit_bytes_per_s,
                            cfg.rate_limit_burst_s, now)) {
    ++counters.dropped_rate_limited;
    penalize(p, s, kOverRateLimit);
    defer_pull(p, id);
    return;
  }
  p.message_bucket.take(1, cfg.rate_limit_messages_per_s, cfg.rate_limit_burst_s, now);
  p.byte_bucket.take(static_cast<double>(size), cfg.rate_limit_bytes_per_s, cfg.rate_limit_burst_s,
                     now);
  // IDONTWANT goes out on first receipt, before validation (v1.2), for data at or above
  // the threshold.
  if (cfg.strategy == Strategy::kGossipSub && m.data &&
      m.data->size() >= cfg.idontwant_message_threshold)
    send_idontwant(*t, id, s);
  // A copy with a bad signature is not marked seen, so a forged copy cannot shadow the
  // real message under the same id; it breaks no promise-keeping either (go does the same).
  if (!signature_ok(m)) {
    ++counters.dropped_invalid_signature;
    score.invalid_message(s, *t);
    if (tracer) tracer->invalid_message(peers[s].index, now);
    return;
  }
  const std::uint64_t evicted = messages.evicted_when_full();
  messages.mark_seen(id, now);
  counters.dropped_seen_cache_full += messages.evicted_when_full() - evicted;
  promises.fulfil(id);
  if (iwanted.first_copy(id)) ++counters.iwant_recovered;
  switch (validate(s, m)) {
    case ValidationResult::kAccept:
      break;
    case ValidationResult::kReject:
      ++counters.dropped_rejected;
      score.rejected(s, *t, id, now);
      if (tracer) tracer->invalid_message(peers[s].index, now);
      return;
    case ValidationResult::kIgnore:
      ++counters.dropped_ignored;
      score.ignored(s, *t, id, now);
      return;
    case ValidationResult::kPending:
      if (hop_limited()) pending_hops.insert(id, hops);
      return;  // Router::validation_complete finishes it
  }
  const MessagePtr kept = svc.share ? svc.share(mp, id) : mp;
  actions.emplace_back(Deliver{kept, id, p.index});
  ++counters.messages_delivered;
  if (scoring) score.first_delivery(s, *t, id, now);
  if (cfg.strategy == Strategy::kGossipSub) cache(id, kept, *t);
  forward(kept, id, *t, s, hops, now);
}

// A first receipt: what delivering and forwarding it write is pulled in at once, rather than
// met one cold line after another (a simulation's routers are cold at every event).
void Router::State::prefetch_delivery(const MessageId& id) const {
  __builtin_prefetch(topics.data());
  messages.prefetch_insert(id);
  __builtin_prefetch(dirty.data());
  __builtin_prefetch(actions.data() + actions.size());
}

bool Router::State::signature_ok(const Message& m) const {
  if (cfg.signature_policy == SignaturePolicy::kStrictSign)
    return m.signature && m.from && m.seqno && svc.verify_signature && svc.verify_signature(m);
  return !m.from && !m.seqno && !m.signature && !m.key;
}

ValidationResult Router::State::validate(Slot s, const Message& m) {
  if (!svc.validate) return ValidationResult::kAccept;
  return svc.validate(m.topic, m, peers[s].index);
}

void Router::State::send_idontwant(TopicId t, const MessageId& id, Slot from) {
  for (Slot o : topics[t].mesh) {
    if (o == from || peers[o].protocol != Protocol::kMeshsub12) continue;
    ControlMessage& c = control(o);
    if (c.idontwant.empty()) c.idontwant.emplace_back();
    c.idontwant.back().message_ids.push_back(id.view());
    ++counters.idontwant_sent;
  }
}

// ---- JOIN / LEAVE -------------------------------------------------------------------------

void Router::State::join(TopicId t, Instant now) {
  TopicState& topic = topics[t];
  std::vector<Slot> chosen;
  if (topic.has_fanout) {
    for (Slot s : topic.fanout)
      if (peer_score(s, now) >= 0 && !backoff.active(t, peers[s].index, now)) chosen.push_back(s);
    rng.sample(chosen, static_cast<std::size_t>(cfg.D));
    topic.fanout.clear();
    topic.has_fanout = false;
  }
  if (static_cast<int>(chosen.size()) < cfg.D) {
    auto more = pick_peers(t, cfg.D - chosen.size(), [&](Slot s) {
      return std::find(chosen.begin(), chosen.end(), s) == chosen.end() &&
             !backoff.active(t, peers[s].index, now) && peer_score(s, now) >= 0;
    });
    chosen.insert(chosen.end(), more.begin(), more.end());
  }
  for (Slot s : chosen) {
    add_to_mesh(topic, t, s, now);
    send_graft(s, t);
  }
}

void Router::State::leave(TopicId t, Instant now) {
  TopicState& topic = topics[t];
  for (Slot s : topic.mesh) {
    score.prune(s, t, now);
    send_prune(s, t, true, true, now);
    if (tracer) tracer->prune(peers[s].index, topic.name, now);
  }
  topic.mesh.clear();
}

}  // namespace p2pgossip::router
