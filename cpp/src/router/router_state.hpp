// Router::State: everything one router holds. Shared by the files of the router core:
// gossipsub.cpp (inputs, validation), control.cpp (control handling), heartbeat.cpp (mesh,
// fanout, gossip) and strategy.cpp (which peers a message goes to under each strategy).
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asked_ids.hpp"
#include "backoff.hpp"
#include "gossip_promises.hpp"
#include "idontwant.hpp"
#include "message_table.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/router/router.hpp"
#include "peer_index_map.hpp"
#include "peer_score.hpp"
#include "small_id_set.hpp"
#include "token_bucket.hpp"

namespace p2pgossip::router {

using Slot = std::uint32_t;  // dense local number of a connected peer
using TopicId = std::uint32_t;

// A connected peer. Receiving from it reads only the first cache line, and forwarding to it
// only the second: in a simulation of thousands of routers each line is a cache miss.
struct alignas(64) PeerState {
  // Receive path: flags, duplicates, rate limits.
  bool connected = false;
  bool outbound = false;
  bool is_explicit = false;
  Protocol protocol = Protocol::kMeshsub11;
  std::uint8_t penalized = 0;  // Misbehaviour bits charged (P7) this heartbeat
  std::uint64_t duplicates = 0;
  TokenBucket message_bucket, byte_bucket;
  // Forwarding: who it is, what it told us it does not want, and the outbound batch (flushed
  // when the current input is done). Most batches are one message: it waits in `message`,
  // and `out` takes anything more (messages after it, subscriptions, control).
  alignas(64) PeerIndex index = 0;
  bool dirty = false;              // in State::dirty: a batch is pending
  bool batched = false;            // `out` holds part of it
  std::uint64_t peer_id_hash = 0;  // XXH3-64 of peer_id, compared before the bytes
  std::uint32_t dont_want = 0;     // its bits in State::dont_want (bounded)
  MessagePtr message;
  // The rest.
  std::unique_ptr<Rpc> out;  // allocated while a batch needs it: most peers wait idle
  Bytes peer_id;
  SmallIdSet topics;
  int ihave_this_heartbeat = 0;       // IHAVE messages received (max_ihave_messages)
  int idontwant_this_heartbeat = 0;   // IDONTWANT RPCs received (max_idontwant_messages)
  int iwant_ids_asked = 0;            // ids we asked for this heartbeat (max_ihave_length)
  int subscribes_this_heartbeat = 0;  // SUBSCRIBEs received (max_subscribes_per_heartbeat)
  // Messages lost on this link that gossip repairs, allocated on the first (one pointer: a
  // simulation holds thousands of these). `pull`: ids the rate limit refused from this peer,
  // with the heartbeat of the refusal, oldest first: asked for again with IWANT as its budget
  // refills (pull_deferred), while its mcache may still hold them; at most max_deferred().
  // `offer`: ids of forwards our shell could not queue for it (Router::forward_refused),
  // offered by IHAVE at the next heartbeat (offer_refused), mesh peer or not: IHAVE gossip
  // goes outside the mesh only, so nothing else would; at most max_ihave_length.
  using Deferred = std::vector<std::pair<MessageId, std::uint64_t>>;
  struct Repairs {
    Deferred pull;
    std::vector<MessageId> offer;
  };
  std::unique_ptr<Repairs> repairs;
  bool disconnect_requested = false;  // DisconnectPeer emitted for this connection

  bool gossipsub() const { return protocol != Protocol::kFloodsub; }
  bool flooded() const { return is_explicit || !gossipsub(); }  // sent every message
  bool subscribed(TopicId t) const;
};

// What a peer is charged a behaviour penalty (P7) for, at most once per heartbeat each: the
// penalty grows with how long a peer misbehaves, not with how much it sends (what it sends
// over a limit is already refused), so an honest peer caught in one burst loses little.
enum Misbehaviour : std::uint8_t {
  kOverRateLimit = 1,      // first receipts over the per-peer token buckets
  kRepeatedDuplicate = 2,  // a message it had already sent us
  kTopicChurn = 4,         // SUBSCRIBEs over max_subscribes_per_heartbeat
};

// A topic known to the router. Entries nobody refers to any more are freed and their ids
// reused (Router::State::forget_unused_topics), so the table stays as large as what is in use.
struct TopicState {
  std::string name;
  bool live = false;    // in use (false: on the free list)
  bool pinned = false;  // has score parameters: kept for the router's life
  bool subscribed = false;
  bool cached = false;          // put in the mcache at heartbeat `cached_at`
  std::uint64_t cached_at = 0;  // (a heartbeat count; gone after mcache_len shifts)
  std::vector<Slot> peers;      // subscribed peers, sorted
  std::vector<Slot> mesh;       // sorted
  // The mesh when the last heartbeat gossiped (sorted): a peer that joined since got none
  // of what we pushed before it joined, so this heartbeat's gossip still goes to it.
  std::vector<Slot> gossiped_mesh;
  std::vector<Slot> fanout;  // sorted; meaningful while has_fanout
  bool has_fanout = false;
  Instant last_publish{};
};

// Members every input reads come first, in the first lines: in a simulation of thousands of
// routers each event finds its router cold, and pays per line.
struct alignas(64) Router::State {
  State(std::shared_ptr<const GossipConfig> c, std::shared_ptr<const Services> s,
        std::uint64_t seed);

  // --- Hot: lines 0 and 1 ---
  const GossipConfig& cfg;  // *config
  const Services& svc;      // *services
  bool started = false;
  const bool scoring;  // score.enabled(), here so that inputs need not read `score`
  // Connected peers that are explicit or speak floodsub: forward scans for them only if any.
  std::uint32_t flooded_peers = 0;
  Instant next_heartbeat{};
  PeerIndexMap by_index;         // PeerIndex -> Slot
  std::vector<PeerState> peers;  // by slot
  std::vector<Slot> dirty;       // slots with a pending RPC, in order
  std::vector<Action> actions;
  // --- Hot: the seen lookup (the table's first line), the message counters (first line) ---
  MessageTable messages;  // the seen cache and the mcache
  alignas(64) Counters counters;

  std::shared_ptr<const GossipConfig> config;  // may be shared with other routers
  std::shared_ptr<const Services> services;    // likewise
  Random rng;
  std::vector<Slot> free_slots;
  std::vector<PeerIndex> explicit_peers;  // sorted
  std::vector<Slot> forward_to;           // forward's scratch list, kept for its capacity

  std::vector<TopicState> topics;                      // by id; see TopicState::live
  std::unordered_map<std::string, TopicId> topic_ids;  // lookup only, never iterated
  std::vector<TopicId> free_topics;                    // ids of forgotten topics, for reuse
  // Ids we asked for with IWANT and whom we asked (recoveries, solicited copies): 4
  // heartbeats of max_ihave_length ids at most; after `services`, whose pool it uses.
  AskedIds iwanted{4 * static_cast<std::size_t>(std::max(1, cfg.max_ihave_length)),
                   services->ids.get()};
  // Who told us not to send which ids (IDONTWANT); after `services`, whose pool it uses.
  DontWantTable dont_want{services->ids.get()};

  // Hop counts of messages whose validation is pending (only under a randomsub_ttl), so
  // validation_complete forwards them as far as they may go; forgotten with their seen entry.
  IdMap<std::uint32_t> pending_hops;
  GossipPromises promises;
  Backoff backoff;
  PeerScore score;
  std::uint64_t heartbeats = 0;
  Tracer* tracer = nullptr;

  // --- helpers (gossipsub.cpp) ---
  void start(Instant now);
  std::optional<Slot> slot_of(PeerIndex p) const;
  TopicId intern(const std::string& topic);
  std::optional<TopicId> find_topic(const std::string& topic) const;
  // Frees topic `t` if nothing refers to it any more (nobody subscribes, no mesh, fanout,
  // mcache or backoff state, no score parameters).
  void forget_if_unused(TopicId t);
  void forget_unused_topics();                                      // every topic (heartbeat)
  void cache(const MessageId& id, const MessagePtr& m, TopicId t);  // messages.put and its mark
  // A first receipt from `p` refused unseen: asked for again from it (pull_deferred).
  void defer_pull(PeerState& p, const MessageId& id);
  // One behaviour penalty (P7) per heartbeat per kind of misbehaviour.
  void penalize(PeerState& p, Slot s, Misbehaviour what);
  void mark_dirty(PeerState& p, Slot s);
  Rpc& out(Slot s);
  ControlMessage& control(Slot s);
  void flush();
  std::vector<Rpc> idontwant_overflow(Rpc& rpc) const;
  double peer_score(Slot s, Instant now) const { return scoring ? score.score(s, now) : 0.0; }
  std::vector<PeerIndex> indices(const std::vector<Slot>& slots) const;  // sorted

  // `hops`: links the copy will have crossed on arrival (sent only under a randomsub_ttl).
  void send_message(Slot s, const MessagePtr& m, std::uint32_t hops = 1);
  void send_graft(Slot s, TopicId t);
  void send_prune(Slot s, TopicId t, bool unsubscribe, bool px, Instant now);
  void add_to_mesh(TopicState& topic, TopicId t, Slot s, Instant now);
  void remove_from_mesh(TopicState& topic, TopicId t, Slot s, Instant now);

  void handle_subscription(Slot s, const SubOpts& sub, Instant now);
  void handle_message(Slot s, const MessagePtr& m, std::uint32_t hops, Instant now);
  // A copy of a message already seen, from `s`.
  void handle_duplicate(Slot s, const MessageId& id, Instant now);
  void prefetch_delivery(const MessageId& id) const;
  void handle_ihave(Slot s, const std::vector<ControlIHave>& ihave, Instant now);
  void handle_iwant(Slot s, const std::vector<ControlIWant>& iwant, Instant now);
  void handle_graft(Slot s, const std::vector<ControlGraft>& graft, Instant now);
  void handle_prune(Slot s, const std::vector<ControlPrune>& prune, Instant now);
  void handle_idontwant(Slot s, const std::vector<ControlIDontWant>& idontwant);
  void send_idontwant(TopicId t, const MessageId& id, Slot from);
  bool signature_ok(const Message& m) const;               // per the signature policy
  ValidationResult validate(Slot from, const Message& m);  // the application's validator
  void join(TopicId t, Instant now);
  void leave(TopicId t, Instant now);

  // --- strategy.cpp: peers a message is sent to ---
  // `hops`: links the message crossed to reach us (0 for our own).
  void forward(const MessagePtr& m, const MessageId& id, TopicId t, std::optional<Slot> from,
               std::uint32_t hops, Instant now);
  bool hop_limited() const { return cfg.strategy == Strategy::kRandomSub && cfg.randomsub_ttl > 0; }

  // --- heartbeat.cpp ---
  void heartbeat(Instant now);
  // IWANTs for the messages the rate limit refused, as far as each peer's budget allows.
  void pull_deferred(Instant now);
  void offer_refused(Instant now);
  std::size_t max_deferred() const;  // per peer: what its budget lets us pull in mcache_len beats
  void disconnect_graylisted(Instant now);
  void maintain_mesh(TopicId t, Instant now);
  void maintain_fanout(TopicId t, Instant now);
  void emit_gossip(TopicId t, const std::vector<Slot>& exclude, Instant now);
  // Topic peers passing `filter`, at most `n`, chosen at random.
  template <class F>
  std::vector<Slot> pick_peers(TopicId t, std::size_t n, F&& filter) {
    std::vector<Slot> c;
    for (Slot s : topics[t].peers)
      if (peers[s].gossipsub() && !peers[s].is_explicit && filter(s)) c.push_back(s);
    rng.sample(c, n);
    return c;
  }
};

// Sorted-vector set helpers: membership, insert, erase.
inline bool contains(const std::vector<std::uint32_t>& v, std::uint32_t x) {
  return std::binary_search(v.begin(), v.end(), x);
}
inline bool insert_sorted(std::vector<std::uint32_t>& v, std::uint32_t x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it != v.end() && *it == x) return false;
  v.insert(it, x);
  return true;
}
inline bool erase_sorted(std::vector<std::uint32_t>& v, std::uint32_t x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it == v.end() || *it != x) return false;
  v.erase(it);
  return true;
}

inline bool PeerState::subscribed(TopicId t) const { return topics.contains(t); }

}  // namespace p2pgossip::router
