// The node above its connections, as one sans-I/O state machine that both shells drive:
// the router and the peer manager behind one action loop, and the policy between them —
// which connections become peers (blocks, duplicates), what a PRUNE's peer exchange and an
// identify may add to the address book, which messages wait for the application's
// validation, how a shaped link delays or loses what is sent, and every drop counted by
// reason.
//
// Inputs carry `now`; outputs are the router's actions (drain) and the host's own events
// (poll), and one deadline. A shell names peers by PeerIndex (the runtime: a connection
// slot; the simulator: the neighbour's node index) and connections by the peer manager's
// ConnectionId; it owns the transports both name. The peer manager exists once anything
// needs it (a dial, an accept, a PX suggestion the shell lets it dial): a simulated node
// whose links are fixed never builds one.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/adversary.hpp"
#include "p2pgossip/host/drop.hpp"
#include "p2pgossip/host/message_pool.hpp"
#include "p2pgossip/host/publisher.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::host {

using net::ConnectionId;
using router::PeerIndex;
using ValidationToken = std::uint64_t;

// What the hosts of a simulation share (one copy for thousands); a runtime node has its own.
struct HostConfig {
  std::shared_ptr<const router::GossipConfig> gossip;
  MessageIdFn message_id = MessageIdFn::kXxh3;
  net::PeerManagerConfig peers;
  // Messages waiting for the application's validation_result. Within what a read may bring
  // of it, connections stop reading (Host::read_pause); at it, first receipts are refused
  // unseen, to be asked for again (router counter dropped_validation_full).
  std::size_t max_pending_validations = 4096;
  // Follow PRUNE peer exchange: verify the suggested records, add them to the address book,
  // dial within the peer manager's limits. Off: the router's ConnectPeer actions reach the
  // shell untouched (a simulation whose links are fixed counts them).
  bool accept_px = true;
  // A peer whose outbound queue stays backlogged (outbound_backlog) this long leaves our
  // meshes (PRUNE with backoff, Drop::kStalledPeerPruned), and is disconnected once it has
  // lasted stalled_peer_close_after (Drop::kStalledPeer). Zero: never.
  Duration stalled_peer_prune_after = 10s;
  Duration stalled_peer_close_after = 60s;
  // The experiment's application: payloads an adversary role marks invalid
  // (host::marked_invalid) are rejected before any validator runs, as the simulator's
  // application rejects them. On for Simulation and LocalNetwork nodes; off for a plain Node,
  // whose payloads are the application's own.
  bool reject_marked_invalid = false;
  std::uint64_t seed = 0;  // the router's, the peer manager's and the link-loss draws

  Publisher publisher() const {
    return {gossip->signature_policy, message_id, gossip->max_message_size};
  }
};

// The experiment's application rule (reject_marked_invalid), for both shells' validators.
inline bool rejects_marked_invalid(const HostConfig& c, const Message& m) {
  return c.reject_marked_invalid && marked_invalid(m);
}

// Added to one peer's send path (LocalNetwork experiments): every RPC to it waits `latency`
// and is dropped with probability `loss` (counted as Drop::kLinkLoss).
struct LinkShaping {
  Duration latency{0};
  double loss = 0.0;
};

// ---- events for the shell ----------------------------------------------------------------

// Open a transport to `addr` (it ends in /p2p/<peer id>) and report dial_succeeded/failed.
using net::Dial;
// Close this connection (or, in a shell without connection ids, the link to `peer`).
struct Close {
  std::optional<ConnectionId> connection;
  std::optional<PeerIndex> peer;
  std::string reason;
  std::optional<Drop> drop;  // counted already; the shell need not count it again
};
struct Ping {
  ConnectionId connection;
  std::array<std::uint8_t, 32> payload;
};
// The connection is now the peer's one connection: the shell gives it a PeerIndex and
// calls pubsub_opened when the peer opens its pubsub stream.
using net::PeerUp;
// An RPC held back by the link's LinkShaping latency: queue it at `due`.
struct SendLater {
  PeerIndex peer;
  Rpc rpc;
  Instant due;
};
// The copy of `message` queued for `peer` need not be sent: the peer said IDONTWANT, or sent
// us the message itself (`why`, the counter). The pointer is the mcache's object, the one the
// router handed out, so the outbox finds it by address.
struct CancelQueued {
  PeerIndex peer;
  const Message* message;
  Drop why = Drop::kIdontwantCancelled;
};
struct ValidationRequest {
  ValidationToken token;
  MessagePtr message;
  MessageId id;
  Bytes received_from;
};
struct MeshChanged {
  std::string topic;
  Bytes peer_id;
  bool joined;
};
struct LogLine {
  std::string message;
  std::string reason;
};
using HostEvent = std::variant<Dial, Close, Ping, PeerUp, SendLater, CancelQueued,
                               ValidationRequest, MeshChanged, LogLine>;

// The pubsub protocol ids a node offers and accepts under `strategy`, newest first.
std::vector<std::string> pubsub_protocols(router::Strategy strategy);

class Host : private router::Tracer {
 public:
  // The runtime's: the host answers the router's validation and peer-record questions and
  // verifies through `cache` (shared by the nodes of a process); mesh changes become events.
  Host(crypto::IdentityPtr identity, std::shared_ptr<const HostConfig> config,
       crypto::VerifyCache* cache, MessagePool* pool = nullptr);
  // The simulator's: the router's services are the shell's (shared by thousands of hosts).
  Host(crypto::IdentityPtr identity, std::shared_ptr<const HostConfig> config,
       std::shared_ptr<const router::Services> services, std::uint64_t router_seed);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // ---- connections (through the peer manager) --------------------------------------------
  // A transport arrived from `remote`: its connection id, or nullopt to refuse it (counted).
  std::optional<ConnectionId> accept(const net::Multiaddr& remote, Instant now);
  // A dial the application asked for: refused for ourselves, a banned peer or IP, or a limit.
  Result<ConnectionId> connect(const net::Multiaddr& addr, Instant now);
  void dial_succeeded(ConnectionId id, Instant now);
  // Counted as `drop` (a resolve or connect failure, or the shell's own connection limit).
  void dial_failed(ConnectionId id, std::string_view reason, Instant now,
                   Drop drop = Drop::kDialFailed);
  // The upgrade authenticated `peer_id`: refused (a Close event) when banned, else the peer
  // manager keeps one connection per peer and answers with PeerUp.
  void connection_up(ConnectionId id, ByteView peer_id, Instant now);
  // `peer`: the index the connection had since its PeerUp, if it got one; `drop`: what the
  // connection machine (or the shell) counted its closing as, if anything.
  void connection_closed(ConnectionId id, std::optional<PeerIndex> peer, std::string_view reason,
                         Instant now, std::optional<Drop> drop = std::nullopt);
  // The shell has no socket left for a new inbound connection: the oldest inbound handshake
  // is closed for it (a Close event, counted pending_handshake_evicted). False: none pending.
  bool make_room_for_inbound(Instant now);
  void ping_result(ConnectionId id, std::optional<Duration> rtt, Instant now);
  // The remote's whole identify message: its listen addresses and signed record go to the
  // address book (a record that fails verification is counted and dropped).
  void identify(ConnectionId id, ByteView peer_id, ByteView stream, Instant now);
  // The application is done with `peer`: not redialled, addresses forgotten.
  void forget(ByteView peer_id);
  Status add_bootstrap(const net::Multiaddr& addr, Instant now);
  // A peer found by discovery (mDNS on the LAN, a DHT walk): its addresses become dial
  // candidates.
  void discovered(const crypto::PeerId& peer, const std::vector<net::Multiaddr>& addrs,
                  net::AddrSource source, Instant now) {
    peers().add_addresses(peer, addrs, source, now);
  }
  Result<std::size_t> import_known_peers(ByteView data, Instant now);
  Bytes export_known_peers() const;

  // ---- pubsub ------------------------------------------------------------------------------
  // The peer at `peer` speaks `protocol`: it joins the router (once).
  void pubsub_opened(PeerIndex peer, ByteView peer_id, bool outbound, router::Protocol protocol,
                     const std::string& ip, Instant now);
  void pubsub_closed(PeerIndex peer, Instant now);
  // The shell's sample of `peer`'s outbound queue, taken at each tick for every peer in the
  // router: `backlogged` while the queue holds at least half its byte bound. A peer sampled
  // backlogged without a break for stalled_peer_prune_after is pruned from our meshes, for
  // stalled_peer_close_after is disconnected (a Close event); one clear sample resets it.
  void outbound_backlog(PeerIndex peer, bool backlogged, Instant now);
  // An RPC as decoded from the wire; IDONTWANTs in it cancel queued copies (events).
  // `duplicates`: as Router::rpc_received's.
  void rpc_received(PeerIndex peer, Rpc&& rpc, Instant now,
                    std::span<const MessageId> duplicates = {});
  // An RPC's bytes as framed on the pubsub stream: decoded within `limits`, then as above;
  // a copy of a message already seen (most copies a node receives: one from each mesh peer)
  // is checked but not built, only its id taken. False when it does not decode (the shell
  // resets the stream).
  bool rpc_bytes(PeerIndex peer, ByteView encoded, const wire::DecodeLimits& limits, Instant now);
  // The same RPC without a CancelQueued pass (the simulator queues nothing): by reference,
  // so a shell that shares messages between hosts need not copy.
  void rpc_received(PeerIndex peer, const Rpc& rpc, Instant now) {
    if (adversary_) adversary_->received(peer, rpc, config_->gossip->prune_backoff, now);
    router_.rpc_received(peer, rpc, now);
  }

  // ---- application commands ----------------------------------------------------------------
  Result<MessageId> publish(MessagePtr message, Instant now);
  Result<MessageId> publish(const std::string& topic, Publication& publication, Instant now);
  void subscribe(const std::string& topic, Instant now);
  void unsubscribe(const std::string& topic, Instant now);
  void set_validator(const std::string& topic, bool registered);
  void validation_result(ValidationToken token, router::ValidationResult result, Instant now);
  void set_app_score(const Bytes& peer_id, double value);
  void set_link(const Bytes& peer_id, LinkShaping shaping);
  // A banned peer's or IP's connections are closed (Close events) and refused at accept and
  // at dial, and PX never suggests a banned peer to us, until `until` (nullopt: until unban).
  // False when the peer manager holds no bans (max_bans zero).
  bool ban(const net::BanTarget& target, std::optional<Instant> until, net::BanReason reason,
           std::string_view note, Instant now);
  bool unban(const net::BanTarget& target);
  // A ban of ours covers this peer or its address (`ip` as text, as pubsub_opened has it):
  // the simulator's test for a link it would bring up.
  bool refuses(ByteView peer_id, std::string_view ip, Instant now);
  std::vector<net::Ban> bans(Instant now);
  // The same, with the time each has left (what the application is shown).
  std::vector<net::BanEntry> ban_entries(Instant now);
  // block(): a ban of a peer without expiry; unblock() lifts it.
  void block(const Bytes& peer_id, Instant now);
  void unblock(const Bytes& peer_id) { unban({net::BanTarget::Kind::kPeer, peer_id}); }
  // The bans file (net::BanList::save/load): `now_unix` is the shell's wall clock at `now`.
  std::string save_bans(Instant now, std::int64_t now_unix);
  Result<std::size_t> load_bans(std::string_view text, Instant now, std::int64_t now_unix);
  // This node plays `role` from now on (an honest Role: honest again); see adversary.hpp.
  void set_role(const Role& role, Instant now);
  const Adversary* adversary() const { return adversary_.get(); }

  // ---- outputs -----------------------------------------------------------------------------
  void tick(Instant now);
  std::optional<Instant> next_deadline() const {
    return peers_ || adversary_ ? earliest_deadline() : router_.next_deadline();
  }
  // Runs the loop between the router and the peer manager until both are quiet, appends the
  // router's sends and deliveries to `out` (PX, graylist disconnects and shaped links handled
  // here), and leaves the host's events for poll(). Inline up to the common case (a host
  // with no peer manager, no shaped link, and only sends and deliveries to hand over): the
  // simulator drains a host per event.
  void drain(std::vector<router::Action>& out, Instant now) {
    if (peers_ || s_ || adversary_) return drain_all(out, kUndrained, now);
    const std::size_t first = out.size();
    router_.drain_actions(out);
    for (std::size_t i = first; i < out.size(); ++i)
      if (out[i].index() >= kFirstPolicyAction) return drain_all(out, first, now);
  }
  std::optional<HostEvent> poll() { return s_ ? poll_event() : std::nullopt; }

  // router::Action alternatives from here on are the host's to handle (DisconnectPeer,
  // ConnectPeer); those before are the shell's (sends, deliveries).
  static constexpr std::size_t kFirstPolicyAction = 3;

  // Our signed peer record (sent in identify, passed on by PX) for these listen addresses;
  // `unix_ns` is the wall clock, so a restarted node's records are newer than its old ones.
  void set_listen_addrs(std::vector<net::Multiaddr> addrs, std::uint64_t unix_ns);
  // Our identify message, as seen from a connection whose remote is `observed`; `served`:
  // the request/response protocols (the DHT's among them) we answer besides our own.
  Bytes identify_message(std::optional<net::Multiaddr> observed,
                         std::span<const std::string> served = {}) const;

  // How long a connection to `peer` should stop reading: while the peer's inbound budget
  // refills (Router::read_pause), or while the application's validators are behind and
  // still answering.
  std::optional<Duration> read_pause(PeerIndex peer, Instant now);
  static constexpr Duration kValidationWait = std::chrono::milliseconds(20);
  static constexpr Duration kValidationStall = std::chrono::seconds(5);
  // What one read (32 KiB) brings for validation when its messages are 64 bytes or more
  // (more of smaller ones are refused unseen at the full queue, and pulled again).
  static constexpr std::size_t kValidationReadRoom = 512;

  // ---- introspection -----------------------------------------------------------------------
  router::Router& router() { return router_; }
  const router::Router& router() const { return router_; }
  const net::PeerManager* peer_manager() const { return peers_.get(); }
  const std::array<std::uint64_t, kDropCount>& drops() const;
  void count(Drop d, std::uint64_t n = 1);
  const HostConfig& config() const { return *config_; }
  const crypto::Identity& identity() const { return *identity_; }
  Publisher publisher() const { return config_->publisher(); }

 private:
  struct State;  // everything but the router, made on first use

  static constexpr std::size_t kUndrained = SIZE_MAX;
  // drain() past its fast path; `first`: where the router's actions start in `out`, or
  // kUndrained when it has not been drained yet.
  void drain_all(std::vector<router::Action>& out, std::size_t first, Instant now);
  std::optional<HostEvent> poll_event();
  // The router's, the peer manager's or the adversary's.
  std::optional<Instant> earliest_deadline() const;
  router::Services services(crypto::VerifyCache* cache, MessagePool* pool, MessageIdFn id_fn);
  State& state();
  net::PeerManager& peers();
  void graft(PeerIndex peer, const std::string& topic, Instant now) override;
  void prune(PeerIndex peer, const std::string& topic, Instant now) override;
  void invalid_message(PeerIndex peer, Instant now) override;
  void mesh_changed(PeerIndex peer, const std::string& topic, bool joined);
  // Whether `peer` is in our mesh of a topic other than `except`.
  bool in_a_mesh(PeerIndex peer, const std::string& except) const;
  router::ValidationResult on_validate(const std::string& topic, const Message& m, PeerIndex from);
  void on_px(const router::ConnectPeer& px, Instant now);
  void handle(net::PeerAction& action, Instant now);
  // A send to a shaped link: false when it is lost or held (then it leaves `out`).
  bool shape(router::Action& send, Instant now);
  void emit(HostEvent e);

  // The router first: the simulator's hot path reads nothing else of a host.
  router::Router router_;
  MessagePool* pool_ = nullptr;  // the runtime's, shared by its hosts (none in the simulator)
  std::unique_ptr<State> s_;
  std::unique_ptr<net::PeerManager> peers_;
  std::unique_ptr<Adversary> adversary_;  // null for an honest node
  std::shared_ptr<const HostConfig> config_;
  crypto::IdentityPtr identity_;
  std::uint64_t seed_;  // the peer manager's and the link-loss draws
};

}  // namespace p2pgossip::host
