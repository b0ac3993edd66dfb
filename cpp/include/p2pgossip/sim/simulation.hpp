// The deterministic network simulator: one Router per node, driven in virtual time.
//
// RPCs travel between routers as decoded Rpc values whose messages are shared by
// reference (MessagePtr); links charge each RPC its exact encoded size
// (wire::encoded_rpc_size plus the varint length prefix of the stream framing) without
// encoding it. With `wire_fidelity` every RPC is really encoded and decoded on every hop,
// which is slower but exercises the codec.
//
// Same inputs and seed give the same trace bit for bit, on any number of threads: events
// are ordered by (time, node, pushing node, its count of pushes), link randomness is drawn
// per link and per packet from the seed, every router gets a seed derived from the
// simulation's, and the digest folds each node's records in that node's order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/adversary.hpp"
#include "p2pgossip/host/drop.hpp"
#include "p2pgossip/host/publisher.hpp"
#include "p2pgossip/host/request_response.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/net/ban_list.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/counters.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/sim/cpu_cost.hpp"
#include "p2pgossip/sim/edge.hpp"
#include "p2pgossip/sim/link.hpp"

namespace p2pgossip::sim {

// How a parallel run splits the nodes into shards: blocks of consecutive nodes, or node
// v in shard v % shards.
enum class Partitioning : std::uint8_t { kContiguous, kRoundRobin };

struct SimConfig {
  router::GossipConfig gossip;
  LinkParams link;  // every link's parameters until set_link changes one
  std::optional<CpuCost> cost;
  // One verification cache for all nodes: a wall-clock optimisation of the simulator
  // only. The cost model still charges every node its own verification, as a real node
  // would pay it.
  bool verify_cache = true;
  bool wire_fidelity = false;
  // Keep every mesh change (router::Tracer graft/prune) in mesh_changes(). Off by default:
  // the log grows with virtual time.
  bool record_mesh = false;
  host::MessageIdFn message_id = host::MessageIdFn::kXxh3;
  // Peer exchange: every node has a peer manager (the runtime's), its links are connections
  // it dialled or accepted within `peers`' limits, and it follows PRUNE suggestions (signed
  // records of virtual addresses, /ip4/10.x.y.z/tcp/4001) by dialling over links made on
  // demand. Dials and pings complete at once. Off: the links are the topology given, and
  // suggestions are only counted (px_ignored).
  bool peer_exchange = false;
  // Full stack: every link is a byte stream between two host::Connection machines (multistream,
  // Noise XX, yamux, the pubsub stream's framing), fed by an outbox per link (priorities,
  // merging, IDONTWANT cancels, budgets) as on real sockets. Links deliver bytes reliably and
  // in order, as TCP does (loss must be 0; the link's queue bound does not drop). Slower;
  // for fidelity studies. Not with peer_exchange yet.
  bool full_stack = false;
  net::PeerManagerConfig peers;
  std::uint64_t seed = 0;
  // Threads to run on (sim/parallel.cpp): one shard of nodes each, in windows of virtual
  // time no longer than the smallest link latency. One when a link may deliver at once
  // (zero latency), and with peer_exchange, full_stack or wire_fidelity. The trace is the
  // same for any number and any partitioning.
  std::uint32_t threads = 1;
  Partitioning partitioning = Partitioning::kContiguous;
  // Graph links whose dialling end is given, as (dialler, listener): a sybil dials its
  // target, say. Which end dialled any other link is a seeded coin (GossipSub's D_out counts
  // a node's outbound peers, so no rule by node number).
  std::vector<Edge> dialled;
};

// Per-node counts kept by the simulator (the router keeps its own router::Counters).
struct NodeStats {
  std::uint64_t rpcs_out = 0, bytes_out = 0;  // handed to a link (lost ones included)
  std::uint64_t rpcs_in = 0, bytes_in = 0;    // arrived and handled
  std::uint64_t dropped_loss = 0;             // link loss, counted at the sender
  std::uint64_t dropped_queue_full = 0;       // sender's link queue over its bound
  std::uint64_t dropped_link_down = 0;        // sent on, or in flight over, a down link
  std::uint64_t dropped_wire_decode = 0;      // wire_fidelity: the receiver could not decode
  std::uint64_t publish_failed = 0;           // publish refused, or the node was down
  std::uint64_t disconnects = 0;              // peers this node's router disconnected
  std::uint64_t px_ignored = 0;               // PX suggestions not followed (peer_exchange off)
  std::uint64_t crashes = 0;
  std::uint64_t idontwant_cancelled = 0;  // full stack: queued copies IDONTWANT cancelled
  std::uint64_t echo_cancelled = 0;       // full stack: ... the peer sent us meanwhile
  std::uint64_t idontwant_shed = 0;       // full stack: IDONTWANT ids a full queue gave up
  std::int64_t cpu_busy_ns = 0;           // virtual CPU time charged by the cost model
};

// The delivery log, column-wise so the bindings hand whole columns to numpy.
struct DeliveryLog {
  std::vector<std::uint32_t> message;  // index into the message table
  std::vector<std::uint32_t> node;
  std::vector<std::int64_t> time;
  std::vector<std::int32_t> hops;  // -1 when the sender's copy is unknown
  std::vector<std::int32_t> from;  // -1 for the node's own publish (nodes are < 2^31)
};

// Mesh changes, column-wise: at `time`, `peer` joined (or left) `node`'s mesh of a topic.
struct MeshLog {
  std::vector<std::int64_t> time;
  std::vector<std::uint32_t> node, peer, topic;  // topic indexes topics
  std::vector<std::uint8_t> joined;
  std::vector<std::string> topics;
};

// One request/response exchange (full stack): `node` asked its neighbour `peer`.
struct RequestRecord {
  std::uint32_t node = 0, peer = 0;
  std::string protocol;
  std::int64_t sent_at = 0;
  std::int64_t ended_at = -1;  // -1: under way
  std::uint64_t request_bytes = 0;
  std::optional<Bytes> response;
  std::optional<host::RequestError> error;  // set when it ended without a response
};
using RequestId = std::size_t;  // an index into Simulation::requests()
// `node`'s answer to its neighbour `peer`'s request under `protocol`: the response, or
// nullopt to refuse it (the requester sees the stream reset). Called at the request's
// virtual time, during run_until.
using RequestHandler = std::function<std::optional<Bytes>(
    std::uint32_t node, std::uint32_t peer, const std::string& protocol, ByteView request)>;
// Called when a request ends (answered or failed), at that virtual time: now() is it, and
// commands given from here apply at it or later.
using RequestEnded = std::function<void(RequestId id)>;

struct MessageInfo {
  MessageId id;
  std::string topic;
  std::int64_t published_at = -1;  // -1: not published through the simulator
  std::int64_t publisher = -1;
};

class Simulation {
 public:
  static constexpr std::int64_t kNever = INT64_MAX;

  Simulation(std::uint32_t nodes, const std::vector<Edge>& edges, SimConfig config);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::uint32_t size() const;
  std::int64_t now() const;

  // Actions at a virtual time: `at` <= now() applies at once, later ones are queued.
  void subscribe(std::uint32_t node, const std::string& topic, std::int64_t at);
  void unsubscribe(std::uint32_t node, const std::string& topic, std::int64_t at);
  // Builds and signs the message now (so its id is known), publishes it at `at`.
  Result<MessageId> publish(std::uint32_t node, const std::string& topic, Bytes data,
                            std::int64_t at);
  // An RPC carrying one message that arrives at `to` as if sent by its neighbour `via`,
  // signed by `author`; with `forge_signature` one bit of the signature is flipped.
  Result<MessageId> inject(std::uint32_t to, std::uint32_t via, std::uint32_t author,
                           const std::string& topic, Bytes data, bool forge_signature,
                           std::int64_t at);
  // Nodes in different groups cannot reach each other (their connections drop); nodes
  // in no group form one more group.
  void partition(const std::vector<std::vector<std::uint32_t>>& groups, std::int64_t at);
  void heal(std::int64_t at);
  // Router state lost, identity kept, links down; restart brings a new router up with
  // the same identity, reconnects its links and resubscribes its topics.
  void crash(std::uint32_t node, std::int64_t at);
  void restart(std::uint32_t node, std::int64_t at);
  // From `at`, `node` plays `role` (host/adversary.hpp), kept across restarts; an honest
  // role makes it honest again. The simulated application rejects payloads an adversary
  // marks invalid (host::marked_invalid) and accepts everything else.
  void set_role(std::uint32_t node, const host::Role& role, std::int64_t at);
  // From `at`, `node`'s peers see it at address `ip` (a string; equal strings are one
  // address), which the score's IP colocation factor (P6) counts; "" clears it.
  void set_ip(std::uint32_t node, const std::string& ip, std::int64_t at);
  // A ban at `node`, at `at`, as Host::ban: the target's links are closed and dials to it
  // refused until `until` (nullopt: until unban); the automatic bans (PeerManagerConfig's
  // ban_graylisted_for, ban_invalid_messages) run here as on sockets.
  void ban(std::uint32_t node, const net::BanTarget& target, std::optional<std::int64_t> until,
           const std::string& note, std::int64_t at);
  void unban(std::uint32_t node, const net::BanTarget& target, std::int64_t at);
  std::vector<net::BanEntry> bans(std::uint32_t node) const;
  // Both directions between neighbours u and v.
  Status set_link(std::uint32_t u, std::uint32_t v, const LinkParams& params, std::int64_t at);

  // Request/response, with full_stack only (std::logic_error otherwise): each exchange is
  // the connection machines' (host/requests.cpp), as on sockets: a yamux stream of its own,
  // negotiated under `protocol`, one length-prefixed request and response, the same limits
  // and errors. `node` answers `protocol` through the handler from `at` (on) or no longer.
  void serve(std::uint32_t node, const std::string& protocol, bool on, std::int64_t at);
  void set_request_handler(RequestHandler handler);
  void set_request_ended(RequestEnded hook);
  // `node` asks its neighbour `peer` at `at`; fails not_connected when their link is down.
  RequestId request(std::uint32_t node, std::uint32_t peer, const std::string& protocol, Bytes data,
                    Duration timeout, std::size_t max_response, std::int64_t at);
  const std::vector<RequestRecord>& requests() const;

  // Processes every event up to and including time `until`, then sets now() to it.
  void run_until(std::int64_t until);

  // Results.
  std::uint64_t events_processed() const;
  std::size_t pending_events() const;
  const DeliveryLog& deliveries() const;
  const MeshLog& mesh_changes() const;  // empty unless SimConfig::record_mesh
  const std::vector<MessageInfo>& messages() const;
  const NodeStats& stats(std::uint32_t node) const;
  const router::Counters& counters(std::uint32_t node) const;  // zeros while crashed
  // Null without peer_exchange, or while crashed.
  const net::PeerManagerCounters* peer_manager(std::uint32_t node) const;
  // The host's drops by reason (host::Drop), as a runtime node counts them; null while crashed.
  const std::array<std::uint64_t, host::kDropCount>* drops(std::uint32_t node) const;
  std::vector<std::uint32_t> mesh(std::uint32_t node, const std::string& topic) const;
  // `node`'s score of its neighbour `peer`, term by term; nullopt when not connected.
  std::optional<router::ScoreBreakdown> score_breakdown(std::uint32_t node,
                                                        std::uint32_t peer) const;
  std::vector<std::string> topics() const;  // every topic ever subscribed, sorted
  bool alive(std::uint32_t node) const;
  std::size_t message_state_bytes(std::uint32_t node) const;  // Router::message_state_bytes
  std::size_t pending_event_bytes() const;                    // what the shards' event queues hold
  // The shards' tables of packets in flight, and each boxed RPC's own struct (not what
  // those own, nor the messages: they are shared).
  std::size_t packet_table_bytes() const;
  Bytes peer_id(std::uint32_t node) const;
  // XXH3-128 over every send and delivery so far, in canonical (big-endian) form.
  std::array<std::uint8_t, 16> trace_digest() const;
  std::uint64_t verify_cache_hits() const;
  std::uint64_t verifications() const;
  std::uint32_t threads() const;      // shards, each run on a thread of its own
  std::int64_t lookahead_ns() const;  // no link delivers sooner; a window's length

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2pgossip::sim
