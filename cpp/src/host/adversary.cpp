#include "p2pgossip/host/adversary.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace p2pgossip::host {

namespace {

// Replays waiting at once: a replayer that receives faster than it replays forgets the
// oldest rather than grow.
constexpr std::size_t kMaxReplays = 100'000;
// Spam a tick may send when the node fell behind its schedule (a busy simulated CPU, a late
// timer): the rest of the backlog is skipped, not sent in one burst.
constexpr int kMaxSpamPerTick = 1000;
constexpr std::size_t kFakeIdSize = 16;
// Spam seqnos sit apart from the shell's own publishes of the same identity, so from||seqno
// ids never collide.
constexpr std::uint64_t kSpamSeqno = 1ULL << 63;

bool carries_messages(const router::Action& a) {
  if (std::holds_alternative<router::SendMessage>(a)) return true;
  const auto* r = std::get_if<router::SendRpc>(&a);
  return r && !r->rpc->publish.empty();
}

router::Action control_rpc(router::PeerIndex peer, ControlMessage control) {
  auto rpc = std::make_unique<Rpc>();
  rpc->control = std::move(control);
  return router::SendRpc{peer, std::move(rpc)};
}

}  // namespace

bool marked_invalid(const Message& m) {
  return m.data && m.data->size() >= kInvalidPayloadMarker.size() &&
         std::memcmp(m.data->data(), kInvalidPayloadMarker.data(), kInvalidPayloadMarker.size()) ==
             0;
}

Adversary::Adversary(Role role, Duration heartbeat, Instant now, std::uint64_t seed)
    : role_(std::move(role)),
      heartbeat_(heartbeat),
      active_from_(now + role_.start),
      rng_(seed),
      salt_(seed),
      next_spam_(active_from_),
      next_heartbeat_(active_from_) {}

// Without `from` (StrictNoSign) a message has no origin to spare or to single out: a censor
// of every origin drops it, a censor of chosen origins lets it through.
bool Adversary::censored(const Message& m, ByteView own_peer_id) const {
  if (m.from && std::ranges::equal(*m.from, own_peer_id)) return false;  // its own publish
  if (role_.censored_origins.empty()) return in_censored_share(m);
  return m.from &&
         std::ranges::any_of(role_.censored_origins,
                             [&](const Bytes& o) { return std::ranges::equal(o, *m.from); }) &&
         in_censored_share(m);
}

// A hash of the message's fields rather than a draw: the message forwarded, asked for by
// IWANT and advertised by IHAVE must meet the same decision.
bool Adversary::in_censored_share(const Message& m) const {
  if (role_.censor_fraction >= 1.0) return true;
  std::uint64_t h = salt_;
  for (const std::optional<Bytes>* f : {&m.from, &m.seqno, &m.data})
    if (*f) h = XXH3_64bits_withSeed((*f)->data(), (*f)->size(), h);
  return static_cast<double>(h >> 11) * 0x1.0p-53 < role_.censor_fraction;
}

void Adversary::censor(std::vector<router::Action>& out, std::size_t first,
                       const router::Router& router, ByteView own) {
  std::size_t kept = first;
  for (std::size_t i = first; i < out.size(); ++i) {
    router::Action& a = out[i];
    if (auto* m = std::get_if<router::SendMessage>(&a); m && censored(*m->message, own)) continue;
    if (auto* r = std::get_if<router::SendRpc>(&a)) {
      Rpc& rpc = *r->rpc;
      for (std::size_t j = rpc.publish.size(); j-- > 0;)
        if (censored(*rpc.publish[j], own)) {
          rpc.publish.erase(rpc.publish.begin() + static_cast<std::ptrdiff_t>(j));
          if (!rpc.publish_hops.empty())
            rpc.publish_hops.erase(rpc.publish_hops.begin() + static_cast<std::ptrdiff_t>(j));
        }
      if (rpc.control) {
        // Advertising what it will not deliver would only cost it broken promises (P7).
        for (ControlIHave& h : rpc.control->ihave) {
          MessageIds ids;
          for (ByteView id : h.message_ids) {
            const Message* m = router.cached(MessageId(id));
            if (!m || !censored(*m, own)) ids.push_back(id);
          }
          h.message_ids = std::move(ids);
        }
        std::erase_if(rpc.control->ihave,
                      [](const ControlIHave& h) { return h.message_ids.empty(); });
        if (rpc.control->empty()) rpc.control.reset();
      }
      if (rpc.empty()) continue;
    }
    if (kept != i) out[kept] = std::move(a);
    ++kept;
  }
  out.resize(kept);
}

void Adversary::hold_forwards(std::vector<router::Action>& out, std::size_t first, Instant now) {
  std::size_t kept = first;
  for (std::size_t i = first; i < out.size(); ++i) {
    if (carries_messages(out[i])) {
      slow_.push_back({now + role_.forward_delay, std::move(out[i])});
      continue;
    }
    if (kept != i) out[kept] = std::move(out[i]);
    ++kept;
  }
  out.resize(kept);
}

void Adversary::remember(const std::vector<router::Action>& out, std::size_t first, Instant now) {
  for (std::size_t i = first; i < out.size(); ++i)
    if (auto* d = std::get_if<router::Deliver>(&out[i]); d && d->from != router::kLocalPeer) {
      if (replays_.size() >= kMaxReplays) replays_.pop_front();
      replays_.push_back({now + role_.replay_after, router::SendMessage{0, d->message}});
    }
}

void Adversary::release(std::deque<HeldSend>& queue, std::vector<router::Action>& out,
                        Instant now) {
  while (!queue.empty() && queue.front().due <= now) {
    out.push_back(std::move(queue.front().action));
    queue.pop_front();
  }
}

void Adversary::filter(std::vector<router::Action>& out, std::size_t first,
                       const router::Router& router, ByteView own_peer_id, Instant now) {
  if (active(now)) {
    if (role_.censor) censor(out, first, router, own_peer_id);
    if (role_.replay_after > Duration::zero()) remember(out, first, now);
    if (role_.forward_delay > Duration::zero()) hold_forwards(out, first, now);
  }
  // A replay goes to whoever is a peer of the topic when it is due.
  std::vector<router::Action> due;
  release(replays_, due, now);
  for (router::Action& a : due) {
    const MessagePtr& m = std::get<router::SendMessage>(a).message;
    to_topic_peers(router, m->topic, m);
  }
  release(slow_, out, now);
  for (router::Action& a : ready_) out.push_back(std::move(a));
  ready_.clear();
}

void Adversary::to_topic_peers(const router::Router& router, const std::string& topic,
                               MessagePtr m) {
  for (router::PeerIndex p : router.peers(topic)) ready_.push_back(router::SendMessage{p, m});
}

void Adversary::spam(router::Router& router, const crypto::Identity& identity,
                     const Publisher& publisher, Instant now) {
  const std::vector<std::string> topics =
      role_.spam_topic.empty() ? router.topics() : std::vector<std::string>{role_.spam_topic};
  if (topics.empty()) return;
  const std::string& topic = topics[spam_count_ % topics.size()];
  Bytes data;
  if (role_.invalid_payloads)
    data.assign(kInvalidPayloadMarker.begin(), kInvalidPayloadMarker.end());
  for (std::uint64_t word : {spam_count_++, rng_.next()})  // distinct data: distinct ids
    for (int b = 0; b < 8; ++b) data.push_back(static_cast<std::uint8_t>(word >> (8 * b)));
  Message m = publisher.message(identity, topic, std::move(data),
                                publisher.signs() ? kSpamSeqno | ++seqno_ : 0);
  if (role_.invalid_signatures) {
    if (m.signature && !m.signature->empty())
      (*m.signature)[0] ^= 1;
    else
      m.signature = Bytes(64, 0xaa);  // a signature where the policy forbids one
  }
  auto message = std::make_shared<const Message>(std::move(m));
  if (role_.invalid_signatures || role_.invalid_payloads)
    to_topic_peers(router, topic, std::move(message));  // past our own router's checks
  else
    (void)router.publish(std::move(message), now);
}

bool Adversary::grafts(router::PeerIndex peer, const std::string& topic, Instant now) {
  if (role_.graft_spam) return true;
  if (!role_.graft_eagerly) return false;
  auto [it, first] = regraft_at_.try_emplace({peer, topic}, Instant::max());
  if (!first && it->second > now) return false;
  it->second = Instant::max();
  return true;
}

void Adversary::received(router::PeerIndex peer, const Rpc& rpc, Duration prune_backoff,
                         Instant now) {
  if (!role_.graft_eagerly || !rpc.control) return;
  for (const ControlPrune& p : rpc.control->prune) {
    if (!p.topic_id) continue;
    const Duration backoff = p.backoff ? Duration(std::chrono::seconds(*p.backoff)) : prune_backoff;
    // One heartbeat of slack: the peer's backoff ends at its own heartbeat.
    regraft_at_[{peer, *p.topic_id}] = now + backoff + heartbeat_;
  }
}

void Adversary::heartbeat(const router::Router& router, Instant now) {
  for (const std::string& topic : router.topics()) {
    const std::vector<router::PeerIndex> mesh = router.mesh(topic);
    for (router::PeerIndex p : router.peers(topic)) {
      ControlMessage c;
      if (std::ranges::find(mesh, p) == mesh.end() && grafts(p, topic, now))
        c.graft.push_back({topic});
      if (role_.ihave_spam_ids > 0) {
        ControlIHave h{topic, {}};
        std::uint8_t id[kFakeIdSize];
        for (int k = 0; k < role_.ihave_spam_ids; ++k) {
          for (std::size_t b = 0; b < kFakeIdSize; b += 8) {
            const std::uint64_t w = rng_.next();
            std::memcpy(id + b, &w, 8);
          }
          h.message_ids.push_back(ByteView(id, kFakeIdSize));
        }
        c.ihave.push_back(std::move(h));
      }
      if (!c.empty()) ready_.push_back(control_rpc(p, std::move(c)));
    }
  }
}

void Adversary::tick(router::Router& router, const crypto::Identity& identity,
                     const Publisher& publisher, Instant now) {
  if (!active(now)) return;
  if (role_.spam_rate > 0) {
    const auto interval =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / role_.spam_rate));
    const Duration step = std::max(interval, Duration{1});
    for (int n = 0; next_spam_ <= now; next_spam_ += step)
      if (n++ < kMaxSpamPerTick) spam(router, identity, publisher, now);
  }
  if (on_heartbeat() && next_heartbeat_ <= now) {
    heartbeat(router, now);
    next_heartbeat_ = now + heartbeat_;
  }
}

std::optional<Instant> Adversary::next_deadline() const {
  std::optional<Instant> d;
  auto consider = [&](Instant t) {
    if (!d || t < *d) d = t;
  };
  if (role_.spam_rate > 0) consider(next_spam_);
  if (on_heartbeat()) consider(next_heartbeat_);
  if (!slow_.empty()) consider(slow_.front().due);
  if (!replays_.empty()) consider(replays_.front().due);
  return d;
}

}  // namespace p2pgossip::host
