// The router: one sans-I/O state machine per node for GossipSub v1.1/v1.2, floodsub and
// randomsub. Inputs are events with `now`; outputs are queued actions and the next
// deadline. It reads no clock, does no I/O, and draws randomness only from its seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/counters.hpp"
#include "p2pgossip/rpc.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::router {

// Time since the driving shell's epoch (virtual in the simulator, steady clock live).

// Peers are small integers chosen by the shell (simulator: node index; runtime: a
// connection slot), stable while connected. The libp2p peer id comes with the connect.
using PeerIndex = std::uint32_t;
constexpr PeerIndex kLocalPeer = 0xffffffff;

using Protocol = PubsubProtocol;

// kPending (from Services::validate only): the shell validates asynchronously and reports the
// outcome with Router::validation_complete; until then the message is neither delivered
// nor forwarded (it is already in the seen cache, so copies count as duplicates).
enum class ValidationResult : std::uint8_t { kAccept, kReject, kIgnore, kPending };

class IdPool;  // router/id_pool.hpp

// What the shell supplies. Verification is the shell's so that nodes sharing a process
// can share one verification cache (keyed by a digest of the signed bytes).
struct Services {
  std::function<MessageId(const Message&)> message_id;
  std::function<bool(const Message&)> verify_signature;
  // Optional per-topic application validator, run after signature and size checks.
  std::function<ValidationResult(const std::string& topic, const Message&, PeerIndex from)>
      validate;
  // Optional: whether the shell can take no more validations of `topic` now. A first receipt
  // is then refused before it is marked seen (dropped_validation_full; no charge, the backlog
  // is ours) and asked for again as one over the rate limit is: refused after being marked
  // seen, it would be lost for good.
  std::function<bool(const std::string& topic)> validation_full;
  // Optional: the signed peer record (an encoded envelope) the shell holds for a peer id, put
  // in the PeerInfo of PRUNE peer exchange; peers without one are suggested by id alone.
  std::function<std::optional<Bytes>(ByteView peer_id)> peer_record;
  // Optional: the copy of a first receipt to keep, deliver and forward instead of the one
  // decoded (an equal message): nodes sharing a process keep one body (host::MessagePool).
  std::function<MessagePtr(const MessagePtr&, const MessageId&)> share;
  // Optional: where the router's message table keeps its ids, shared by routers that one
  // thread runs (a simulation's shard keeps each id once, not once per node). Null: the
  // table keeps them itself.
  std::shared_ptr<IdPool> ids;
};

// A pool for Services::ids, and how many ids it holds for the routers sharing it.
std::shared_ptr<IdPool> make_id_pool();
std::size_t id_pool_size(const IdPool& pool);

// Outputs.
// The RPC is boxed: an Action is as large as its largest kind, and a router keeps a buffer
// of them between inputs (a simulation keeps routers by the thousand).
struct SendRpc {
  PeerIndex peer;
  std::unique_ptr<Rpc> rpc;  // never null
};
// An RPC carrying just one message and nothing else: most of what a router sends (every
// forward), so it comes without an Rpc to build and free. Encoded as that RPC.
struct SendMessage {
  PeerIndex peer;
  MessagePtr message;
};
struct Deliver {
  MessagePtr message;
  MessageId id;
  PeerIndex from;  // kLocalPeer for our own publishes
};
// Close the connection to a peer: emitted once per connection, for a peer scored below
// graylist_threshold, when GossipConfig::disconnect_graylisted is on (otherwise, as in
// go-libp2p-pubsub and rust-libp2p, a graylisted peer's RPCs are only ignored).
struct DisconnectPeer {
  PeerIndex peer;
  std::string reason;
};
// Peer exchange: a PRUNE named a peer to try; the router cannot dial, the shell may (after
// verifying the record, which the router passes on unread).
struct ConnectPeer {
  Bytes peer_id;
  std::optional<Bytes> signed_peer_record;
};
using Action = std::variant<SendRpc, SendMessage, Deliver, DisconnectPeer, ConnectPeer>;

// A peer's score term by term (GossipSub v1.1), each the weighted value it adds: what
// score() sums.
struct TopicScoreBreakdown {
  std::string topic;
  double time_in_mesh = 0;          // P1
  double first_deliveries = 0;      // P2
  double mesh_deliveries = 0;       // P3: the squared deficit, weighted (not above 0)
  double mesh_failure_penalty = 0;  // P3b
  double invalid_deliveries = 0;    // P4
  double total = 0;                 // topic_weight x (P1 + P2 + P3 + P3b + P4)
};
struct ScoreBreakdown {
  std::vector<TopicScoreBreakdown> topics;
  double topics_total = 0;   // their sum, capped at topic_score_cap
  double application = 0;    // P5
  double ip_colocation = 0;  // P6
  double behaviour = 0;      // P7
  double total = 0;          // the score
};

// What happens inside a router that its actions do not show, for whoever traces it (as
// go-libp2p-pubsub's RawTracer): called during the router call that made the change, so a
// tracer must not call into the router to change it; const introspection (peer_id(),
// mesh()) is safe, and sees the peer still connected. Every hook has a no-op default.
class Tracer {
 public:
  virtual ~Tracer() = default;
  // `peer` joined (GRAFT, ours or theirs) or left (PRUNE, unsubscribe, disconnect) our mesh
  // of `topic`.
  virtual void graft(PeerIndex peer, const std::string& topic, Instant now) {}
  virtual void prune(PeerIndex peer, const std::string& topic, Instant now) {}
  // `peer` sent us an invalid message: a bad signature, or one validation rejected.
  virtual void invalid_message(PeerIndex peer, Instant now) {}
};

class Router {
 public:
  Router(GossipConfig config, Services services, std::uint64_t seed);
  // Routers sharing one configuration, and one set of services (a simulation's thousands),
  // hold one copy of each, which stays in cache as events move from router to router.
  Router(std::shared_ptr<const GossipConfig> config, Services services, std::uint64_t seed);
  Router(std::shared_ptr<const GossipConfig> config, std::shared_ptr<const Services> services,
         std::uint64_t seed);
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  void peer_connected(PeerIndex peer, ByteView peer_id, bool outbound, Protocol protocol,
                      Instant now);
  void peer_disconnected(PeerIndex peer, Instant now);
  // `duplicates`: ids of publish entries the shell left out of `rpc` because seen() knew them
  // (wire::decode_rpc's skip, so a copy is not built only to be found a duplicate): counted
  // as the duplicates from `from` they are, as if they had been in `rpc`.
  void rpc_received(PeerIndex from, const Rpc& rpc, Instant now,
                    std::span<const MessageId> duplicates = {});
  // Whether a message of this id was seen within seen_ttl (a copy now would be a duplicate).
  bool seen(const MessageId& id) const;
  // A hint with no effect on behaviour: an RPC from `from` (carrying the message of id `id`,
  // if given) is about to arrive, so the state it will touch is pulled into cache. That state
  // is a chain of pointers, so it comes in stages 0..kPrefetchStages-1, each reading only what
  // the one before pulled in (stage 0 reads nothing of the router's state): a simulator of
  // many routers calls them for an event some events apart.
  static constexpr int kPrefetchStages = 3;
  void prefetch(int stage, PeerIndex from, const MessageId* id) const;

  // Publishes a message the shell built and (per the signature policy) signed.
  // Errors: too large, wrong signature policy, already published.
  Result<MessageId> publish(MessagePtr message, Instant now);
  void subscribe(const std::string& topic, Instant now);
  // The outcome of a validation that Services::validate left pending, for the message as
  // received from `from` (which may have disconnected since). kPending is not an outcome.
  void validation_complete(MessagePtr message, const MessageId& id, PeerIndex from,
                           ValidationResult result, Instant now);
  void unsubscribe(const std::string& topic, Instant now);

  // Explicit (direct) peers: always sent every message of their topics, never in a mesh,
  // their GRAFTs refused. Applies to the peer at this index from now on.
  void add_explicit_peer(PeerIndex peer);
  // P5: the application's score for a peer. P6: the peer's IP address (any stable string);
  // peers sharing one are penalised per ip_colocation_factor_*.
  void set_application_score(PeerIndex peer, double value);
  // `peer` leaves every mesh it is in, with a PRUNE (no PX) and the prune backoff, as a peer
  // with a negative score does at a heartbeat: the host's call for a peer that stopped
  // reading. It stays connected and subscribed (gossip still reaches it).
  void prune_peer(PeerIndex peer, Instant now);
  // The shell could not queue our forward of `message` to `peer` (its outbound queue or
  // budget was full). The next heartbeat offers its id to that peer by IHAVE, in the mesh or
  // not, while the mcache can answer an IWANT for it: gossip goes outside the mesh only, so
  // a mesh peer with no other source would never get it.
  void forward_refused(PeerIndex peer, const Message& message);
  // How long to stop reading `peer`'s connection, or nullopt to read on: its inbound budget
  // (the token buckets) is nearly spent, so what the next read brings would be refused. A
  // shell that pauses the transport lets TCP and yamux flow control slow the sender, and the
  // budget refills, instead of dropping messages (router/read_pause.cpp). Changes nothing.
  std::optional<Duration> read_pause(PeerIndex peer, Instant now) const;
  void set_peer_ip(PeerIndex peer, const std::string& ip);

  // Traces this router from now on (nullptr: no tracer). Not owned: it must outlive the
  // router or be replaced first.
  void set_tracer(Tracer* tracer);

  // Runs whatever is due at `now` (heartbeat, expiries).
  void tick(Instant now);
  std::optional<Instant> next_deadline() const;

  // Appends the queued actions to `out` and clears the queue.
  void drain_actions(std::vector<Action>& out);

  // Introspection for metrics, the simulator's result tables and tests.
  const Counters& counters() const;
  std::vector<PeerIndex> mesh(const std::string& topic) const;
  double score(PeerIndex peer, Instant now) const;
  // score(), term by term; nullopt for a peer not connected.
  std::optional<ScoreBreakdown> score_breakdown(PeerIndex peer, Instant now) const;
  std::vector<PeerIndex> fanout(const std::string& topic) const;
  std::vector<std::string> topics() const;                       // our subscriptions, sorted
  std::vector<PeerIndex> peers(const std::string& topic) const;  // peers subscribed to topic
  std::uint64_t duplicates_from(PeerIndex peer) const;           // duplicates this peer sent us
  // Topics the router holds state for: subscribed by us or a connected peer, or with mesh,
  // fanout, mcache or backoff state left, or with score parameters. Others are forgotten.
  std::size_t topic_table_size() const;
  // Bytes of the router's per-message state: seen cache, mcache, IWANT and IDONTWANT
  // bookkeeping, gossip promises, the score's delivery records (what grows with the message
  // rate, not with peers).
  std::size_t message_state_bytes() const;
  // The message the mcache holds under `id`, or null: the very object the router sent.
  const Message* cached(const MessageId& id) const;
  // The libp2p peer id of the peer at `peer` (empty when not connected), and back.
  ByteView peer_id(PeerIndex peer) const;
  std::optional<PeerIndex> index_of(ByteView peer_id) const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace p2pgossip::router
