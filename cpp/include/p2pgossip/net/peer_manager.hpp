// The peer manager: which peers a node dials, keeps, pings and drops. A sans-I/O state
// machine: the runtime (or a test) reports connection events with `now`, and polls actions
// (Dial, Disconnect, Ping, PeerUp) and the next deadline. It owns the connection ids, so an
// inbound connection gets its id from accept_inbound() and an outbound one from the Dial
// action.
//
// Policy:
// - One connection per peer. Two connections to one peer happen when both dial at once.
//   go-libp2p's swarm keeps both (go-libp2p-swarm#174: better two than none) and
//   go-libp2p-pubsub resets all but one stream per peer; rust-libp2p keeps both unless a
//   connection limit refuses the second, and then each side may refuse a different one and
//   lose both. Here each side closes the same one without talking: the connection kept is
//   the one dialled by the peer with the smaller peer id (bytewise); if one peer dialled
//   both, the first to finish its handshake is kept.
// - Limits on inbound and outbound connections and on connections per remote IP; every
//   refusal is counted with its reason.
// - Inbound connections still in their handshake have their own budget (max_pending_inbound,
//   max_pending_inbound_per_ip) apart from max_inbound, which counts established ones: a
//   full budget evicts the oldest pending handshake for the newest, so stalled handshakes
//   (slowloris) can neither take the established peers' slots nor keep an honest handshake,
//   which finishes within milliseconds to a few round trips, from starting.
// - Connection setup (TCP connect + upgrade) must finish within handshake_timeout.
// - Liveness: a Ping action every ping_interval per connection; after max_missed_pings
//   consecutive timeouts the connection is dropped as dead and the peer redialled.
// - Reconnect with exponential backoff: after the n-th consecutive failure (dial failed,
//   handshake failed or timed out, connection lost) the peer is not dialled for
//   min(backoff_initial * 2^(n-1), backoff_max), shortened by up to backoff_jitter of itself
//   (drawn from the seeded RNG, so runs repeat); a completed handshake resets n.
// - Bootstrap peers are dialled first, while outbound connections are below target_outbound
//   (at least one): a node that found its peers elsewhere leaves the bootstrap node's slots
//   to newcomers. Other peers learnt from PX, identify, the DHT or the known-peers file are
//   candidates, dialled at random while below target_outbound; the candidate set is bounded.
// - Trimming, as go-libp2p's connection manager: a new inbound peer finding max_inbound
//   established inbound connections takes the slot of the longest-connected inbound peer
//   that is neither protected (set_protected: the host protects its mesh peers) nor
//   connected for less than trim_grace; without one it is refused. So one bootstrap node
//   can admit a network of any size, each newcomer long enough to find other peers.
// - Signed peer records (peer_record.hpp, go-libp2p's certified address book): per peer the
//   newest verified record is kept beside its addresses, so PRUNE peer exchange can pass it
//   on; an older one than held is refused (RFC 0003: seq only grows).
// - Known peers (those a handshake completed with) export to a versioned text format and
//   import back at the next start; the runtime does the file I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/ban_list.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/net/peer_record.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::net {

using ConnectionId = std::uint64_t;
using crypto::PeerId;

enum class Direction : std::uint8_t { kInbound, kOutbound };

struct PeerManagerConfig {
  // go-libp2p's connection manager keeps up to 192 (its high water); a LocalNetwork "full"
  // topology of 100 nodes needs 99 in one direction.
  // Established inbound connections (handshake done); see max_pending_inbound for those
  // still in their handshake.
  std::size_t max_inbound = 192;
  // Past max_inbound, trim an unprotected inbound peer connected this long (go-libp2p's
  // grace period is 1 min; 30 s is ample for identify, PX and DHT lookups) for a new one.
  bool trim_inbound = true;
  Duration trim_grace = 30s;
  std::size_t max_outbound = 192;
  // PX/identify candidates are dialled while outbound connections are below this.
  std::size_t target_outbound = 8;
  // Connections (both directions, established or in setup) sharing one remote IP: a bound,
  // so one host cannot take every slot.
  std::size_t max_per_ip = 8;
  // Many local nodes share 127.0.0.1 / ::1 (LocalNetwork), so loopback is exempt by default.
  bool per_ip_limit_exempts_loopback = true;
  std::size_t max_pending_dials = 8;
  // Inbound connections in their handshake (TCP accepted, upgrade not finished), apart from
  // max_inbound: past it the oldest pending one is closed for the new one (counted
  // pending_inbound_evicted); zero refuses every inbound connection. 128 covers a
  // LocalNetwork of 100 nodes dialling one node at once.
  std::size_t max_pending_inbound = 128;
  // Pending inbound handshakes from one remote IP (loopback exempt as for max_per_ip); past
  // it the new one is refused (pending_inbound_refused_per_ip).
  std::size_t max_pending_inbound_per_ip = 4;
  Duration handshake_timeout = 10s;
  // rust-libp2p's ping interval; the ping itself times out in the runtime's ping::Pinger.
  Duration ping_interval = 15s;
  std::uint32_t max_missed_pings = 3;
  Duration backoff_initial = 5s;
  Duration backoff_max = 300s;
  double backoff_jitter = 0.1;  // fraction of the delay, in [0, 1)
  std::size_t max_candidates = 1024;
  std::size_t max_addrs_per_peer = 8;
  // Known-peers export and import bounds.
  std::size_t max_known_peers = 256;
  std::size_t max_known_peers_bytes = 256 * 1024;
  // Bans held at once (peers and IPs); past it the ban expiring first is dropped.
  std::size_t max_bans = 4096;
  // Automatic bans, made by the host: a peer the router drops for its score (below
  // graylist_threshold, with disconnect_graylisted) is banned this long (zero: not banned);
  // a peer that sends ban_invalid_messages invalid messages (bad signature or rejected by
  // validation) on one connection is banned ban_invalid_messages_for (zero count: off).
  Duration ban_graylisted_for = std::chrono::minutes(10);
  std::uint32_t ban_invalid_messages = 0;
  Duration ban_invalid_messages_for = std::chrono::minutes(10);
  std::uint64_t seed = 0;
};

// Where an address came from, for counters and for what the known-peers file keeps.
enum class AddrSource : std::uint8_t { kPx, kIdentify, kKnownPeers, kMdns, kDht };

struct Dial {
  ConnectionId connection;
  Multiaddr addr;  // with /p2p/<peer id>: the upgrade must authenticate that peer
};
// Why the peer manager closes a connection.
enum class CloseReason : std::uint8_t {
  kHandshakeTimeout,
  kDuplicateConnection,  // the peer is connected through another connection
  kConnectedToSelf,
  kPeerIdMismatch,  // the remote is not the peer the address named
  kDeadPeer,        // missed pings
  // An inbound handshake closed for a newer one: max_pending_inbound were pending.
  kPendingInboundEvicted,
  // The handshake finished while max_inbound established inbound connections were up.
  kInboundLimit,
  kBanned,   // the peer or its IP is banned
  kTrimmed,  // its inbound slot went to a new peer (trim_inbound)
};
std::string_view close_reason_text(CloseReason r);

struct Disconnect {
  ConnectionId connection;
  std::optional<PeerId> peer;
  CloseReason reason;
};
// Run a ping on this connection and report it with ping_result().
struct Ping {
  ConnectionId connection;
  PeerId peer;
};
// This connection is now the peer's one connection: hand it to the router. A later
// Disconnect of the same connection id takes it away.
struct PeerUp {
  ConnectionId connection;
  PeerId peer;
};
using PeerAction = std::variant<Dial, Disconnect, Ping, PeerUp>;

struct PeerManagerCounters {
  std::uint64_t dials = 0, dials_refused_limit = 0, dials_succeeded = 0, dials_failed = 0;
  // Dials the manager started itself (bootstrap, PX, identify and known-peer candidates), not
  // the application's.
  std::uint64_t candidate_dials = 0;
  std::uint64_t inbound_accepted = 0, inbound_refused_limit = 0;
  std::uint64_t inbound_trimmed = 0;  // closed for a newcomer (trim_inbound)
  std::uint64_t refused_per_ip = 0;   // inbound refused or dial skipped
  // Pending inbound handshakes closed for newer ones (max_pending_inbound), and inbound
  // connections refused for max_pending_inbound_per_ip.
  std::uint64_t pending_inbound_evicted = 0, pending_inbound_refused_per_ip = 0;
  std::uint64_t handshakes_completed = 0, handshakes_failed = 0, handshake_timeouts = 0;
  std::uint64_t duplicate_connections_closed = 0, self_connections_closed = 0;
  std::uint64_t peer_id_mismatches = 0;
  std::uint64_t pings = 0, pongs = 0, pings_missed = 0, dead_peers = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t candidates_added = 0, candidates_refused_full = 0;
  std::uint64_t addrs_refused_per_peer_limit = 0, addrs_refused_undialable = 0;
  std::uint64_t known_peers_loaded = 0;
  std::uint64_t peer_records_added = 0, peer_records_stale = 0;
  // By reason, each map bounded to kMaxReasons keys (then "other"); a reason's label is its
  // text before any " (detail)".
  std::map<std::string, std::uint64_t> dial_failures_by_reason, handshake_failures_by_reason,
      disconnects_by_reason;
};

class PeerManager {
 public:
  static constexpr std::size_t kMaxReasons = 32;
  static constexpr std::string_view kKnownPeersHeader = "p2pgossip-known-peers 1";

  PeerManager(PeerId local, PeerManagerConfig config = {});

  // A peer to stay connected to; `addr` must end in /p2p/<peer id>.
  Status add_bootstrap(const Multiaddr& addr, Instant now);
  // Addresses of `peer` from PX or identify; undialable ones and those beyond the per-peer
  // and candidate bounds are refused and counted. Returns how many were added.
  std::size_t add_addresses(const PeerId& peer, const std::vector<Multiaddr>& addrs,
                            AddrSource source, Instant now);
  // A verified record (SignedPeerRecord::open) from PX or identify: held when it is the
  // first of its peer or newer than the one held (a greater seq), and its addresses added
  // as by add_addresses; an older one is refused and counted. It is held as long as the peer
  // is (connected, or a candidate with an address). Returns how many addresses were added.
  std::size_t add_peer_record(const SignedPeerRecord& record, AddrSource source, Instant now);
  // The encoded envelope of the newest record held for `peer`.
  std::optional<Bytes> peer_record(const PeerId& peer) const;
  bool has_addresses(const PeerId& peer) const;

  // A TCP connection arrived from `remote`: its id, or nullopt to refuse (close) it.
  std::optional<ConnectionId> accept_inbound(const Multiaddr& remote, Instant now);
  // A dial the application asked for (`addr` with or without /p2p): its connection id, or
  // an Error when a limit refuses it (counted). The peer becomes known once connected.
  Result<ConnectionId> dial(const Multiaddr& addr, Instant now);
  // The application is done with `peer`: it is no longer redialled (bootstrap included)
  // and its addresses are forgotten. Its connection, if any, is left to the caller to close.
  void forget(const PeerId& peer);
  // A protected peer's inbound connection is never trimmed (the host: our mesh peers).
  void set_protected(const PeerId& peer, bool on);
  void dial_succeeded(ConnectionId id, Instant now);  // TCP connected, upgrade begins
  void dial_failed(ConnectionId id, std::string_view reason, Instant now);
  void handshake_failed(ConnectionId id, std::string_view reason, Instant now);
  // The upgrade found the remote is not the peer dialled (counted as a handshake failure
  // and in peer_id_mismatches).
  void peer_id_mismatch(ConnectionId id, std::string_view reason, Instant now);
  // The shell is out of sockets for a new inbound connection: closes the oldest inbound
  // handshake (a Disconnect action, counted pending_inbound_evicted). False: none pending.
  bool evict_pending_inbound(Instant now);
  // The upgrade authenticated `peer` (Noise) and the muxer is up.
  void connected(ConnectionId id, const PeerId& peer, Instant now);
  void disconnected(ConnectionId id, std::string_view reason, Instant now);
  // nullopt: the ping timed out or its stream failed.
  void ping_result(ConnectionId id, std::optional<Duration> rtt, Instant now);
  void tick(Instant now);

  std::optional<PeerAction> poll_action();
  // Kept from one change to the next: a node's shell asks after every socket event.
  std::optional<Instant> next_deadline() const;

  // Bans `target` until `until` (nullopt: until unbanned), replacing any ban on it: its
  // connections are closed (Disconnect, kBanned), it is not dialled, and inbound connections
  // from a banned IP are refused. False when max_bans is zero.
  bool ban(const BanTarget& target, std::optional<Instant> until, BanReason reason,
           std::string_view note, Instant now);
  bool unban(const BanTarget& target) { return bans_.unban(target); }
  std::vector<Ban> bans(Instant now) { return bans_.list(now); }
  bool banned(const PeerId& peer, Instant now) { return banned_at(peer, {}, now); }
  bool has_bans() const { return !bans_.empty(); }
  // `peer` (if given) or `ip` (binary, as BanTarget keys it; empty: none) is banned.
  bool banned(const std::optional<PeerId>& peer, const Bytes& ip, Instant now) {
    return banned_at(peer, ip, now);
  }
  // Its /p2p peer id or its IP is banned.
  bool banned(const Multiaddr& addr, Instant now);
  std::string save_bans(Instant now, std::int64_t now_unix) { return bans_.save(now, now_unix); }
  Result<std::size_t> load_bans(std::string_view text, Instant now, std::int64_t now_unix) {
    return bans_.load(text, now, now_unix);
  }

  Bytes export_known_peers() const;
  // Strict and bounded: the whole file is refused (Error naming the line and rule) unless
  // every line parses; then its peers become candidates. Returns how many were loaded.
  Result<std::size_t> import_known_peers(ByteView data, Instant now);

  const PeerManagerCounters& counters() const { return counters_; }
  const BanCounters& ban_counters() const { return bans_.counters(); }
  std::size_t inbound_count() const { return count_direction(Direction::kInbound); }
  std::size_t outbound_count() const { return count_direction(Direction::kOutbound); }
  // Inbound connections still in their handshake (the rest of inbound_count are established).
  std::size_t pending_inbound_count() const;
  std::size_t candidate_count() const;
  std::optional<ConnectionId> connection_of(const PeerId& peer) const;
  std::optional<Duration> last_rtt(const PeerId& peer) const;

 private:
  enum class ConnState : std::uint8_t { kDialing, kHandshaking, kEstablished };
  struct Connection {
    Direction direction = Direction::kOutbound;
    ConnState state = ConnState::kDialing;
    Multiaddr remote;            // dialled address (outbound) or the remote's address (inbound)
    Bytes ip;                    // 4 or 16 bytes; empty for DNS addresses
    std::optional<PeerId> peer;  // the dialled peer, then the authenticated one
    Instant started{};
    Instant established{};
    Instant next_ping{};
    bool ping_outstanding = false;
    std::uint32_t missed_pings = 0;
  };
  struct Peer {
    std::vector<Multiaddr> addrs;  // without /p2p
    bool bootstrap = false;
    bool protect = false;              // never trimmed (set_protected)
    bool known = false;                // a handshake completed: exported to the known-peers file
    std::uint64_t last_connected = 0;  // order of the last completed handshake
    std::uint32_t failures = 0;
    Instant next_dial{};
    std::optional<ConnectionId> connection;  // established
    std::optional<ConnectionId> dialing;
    std::optional<Duration> rtt;
    std::optional<std::uint64_t> record_seq;  // of `record`, when one is held
    Bytes record;                             // encoded signed envelope
  };

  bool want_bootstrap() const;
  // The inbound connection a newcomer may take the slot of (trim_inbound), if any.
  std::optional<ConnectionId> trimmable(Instant now) const;
  std::size_t count_direction(Direction d) const;
  std::size_t count_ip(const Bytes& ip) const;
  std::size_t count_established(Direction d) const;
  std::size_t count_pending_inbound_ip(const Bytes& ip) const;
  bool ip_exempt(const Bytes& ip) const;
  bool ip_limited(const Bytes& ip) const;
  bool is_candidate(const Peer& p) const;
  // nullptr for the local peer, or when `bounded` and the candidate set is full.
  // Every method that changes connections_ or peers_ calls this first.
  void changed() { next_deadline_.reset(); }
  std::optional<Instant> earliest_deadline() const;
  Peer* peer_or_add(const PeerId& id, bool bounded);
  bool add_addr(Peer& p, const Multiaddr& addr);
  void close(ConnectionId id, CloseReason reason, Instant now);
  void remove_connection(ConnectionId id, bool failed, Instant now);
  void schedule_retry(Peer& p, Instant now);
  Duration backoff_delay(std::uint32_t failures);
  void dial_due(Instant now);
  bool start_dial(const PeerId& id, Peer& p, Instant now);
  // The ban on `peer` (if given) or on `ip` (if not empty) in force at `now`.
  bool banned_at(const std::optional<PeerId>& peer, const Bytes& ip, Instant now);
  void count_reason(std::map<std::string, std::uint64_t>& by_reason, std::string_view reason);
  void forget_if_unused(const PeerId& id);

  PeerId local_;
  PeerManagerConfig config_;
  Random rng_;
  ConnectionId next_id_ = 1;
  std::uint64_t connect_order_ = 0;
  std::map<PeerId, Peer> peers_;
  std::map<ConnectionId, Connection> connections_;
  mutable std::optional<std::optional<Instant>> next_deadline_;  // unset: recompute
  std::deque<PeerAction> actions_;
  PeerManagerCounters counters_;
  BanList bans_{config_.max_bans};
};

}  // namespace p2pgossip::net
