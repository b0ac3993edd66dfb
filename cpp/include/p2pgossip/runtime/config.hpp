// Configuration of a Runtime and of the nodes it hosts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/host/host.hpp"
#include "p2pgossip/host/publisher.hpp"
#include "p2pgossip/kad/server.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/time.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::runtime {

using namespace std::chrono_literals;

// Log levels carry Python logging's numbers, so the bindings pass them through unchanged.
enum class LogLevel : int { kDebug = 10, kInfo = 20, kWarning = 30, kError = 40 };

struct RuntimeConfig {
  // I/O threads; each node lives on one of them (round robin) for its whole life.
  std::size_t threads = 1;
  // Bound on queued events that scale with traffic (Delivered, ValidationRequest, Log); past
  // it they are dropped and counted (Runtime::dropped_events). Events that answer a command
  // or report a connection change are never dropped: their number is bounded by commands
  // and connections.
  std::size_t max_events = 1 << 20;
  // Log events below this level are not produced at all.
  LogLevel log_level = LogLevel::kWarning;
  // The process-wide signature cache shared by every node of the runtime.
  std::size_t verify_cache_capacity = 1 << 16;
  // Memory of the RPCs queued across every node of the runtime (each within its own
  // Limits::node_outbound_queue_bytes; host::OutboundBudget says what is counted): a
  // LocalNetwork of 1,000 nodes queues at most this under a backlog, not 1,000 x 8 MiB.
  // Refusals count as Drop::kNodeOutboundBudget.
  std::size_t outbound_queue_bytes = 256 << 20;
};

// Message-id functions the I/O thread can run (Python callables cannot: no Python there).
using host::MessageIdFn;

// Connection and queue bounds of one node (the peer manager's own limits are in PeerConfig).
// Every refusal is counted by reason.
struct Limits {
  // Sockets open or connecting, in either direction.
  std::size_t max_connections = 256;
  // Control RPCs queued per peer in its outbox (host/outbox.hpp); a new one merges into the
  // last when the receiver's limits allow, so this counts merged RPCs. Forwarded messages are
  // bounded by bytes: nothing more is queued once peer_outbound_queue_bytes (encoded sizes,
  // at least one largest RPC, decode.max_rpc_size, must fit) wait. Refusals count as
  // Drop::kOutboundQueueFull.
  std::size_t peer_outbound_queue = 32;
  std::size_t peer_outbound_queue_bytes = 2 << 20;
  // Memory of the RPCs queued for all of this node's peers (control, an entry a forward, each
  // message body once however many peers it waits for): a node with hundreds of slow peers
  // holds at most this much, not peer_outbound_queue_bytes per peer. Refusals count as
  // Drop::kNodeOutboundBudget.
  std::size_t node_outbound_queue_bytes = 8 << 20;
  // Messages waiting for the application's validation_result (host::HostConfig's: near it
  // the node stops reading; at it first receipts are refused unseen and asked for again).
  std::size_t max_pending_validations = 4096;
  // Streams a peer may have open on one connection (yamux refuses more).
  std::size_t max_streams_per_connection = 64;
  // Bytes waiting for the socket, per connection, before the node stops feeding it (past
  // it, RPCs wait in the bounded queue above, as shared messages rather than sealed bytes).
  // The kernel's socket buffer is behind it, so it needs to hold about one merged write;
  // it is per connection, so it stays small (a 50-node burst held 57 MB of it at 256 KiB).
  std::size_t socket_send_buffer = 64 << 10;
  // Request/response (Node::request, handlers the application serves): a remote's request
  // is refused past max_request_size, reset when not whole and answered within
  // request_timeout, and refused while max_inbound_requests already wait for the
  // application (they bound what requests can hold: this many times max_request_size).
  std::size_t max_request_size = 1 << 20;
  Duration request_timeout = 10s;
  std::size_t max_inbound_requests = 128;
  // Bounds for decoding received RPCs; max_rpc_size also caps the length prefix read.
  wire::DecodeLimits decode;
};

// Which peers a node dials and keeps: the peer manager's configuration (its limits,
// liveness, backoff, declared once there), plus what the runtime does around it: bootstrap
// peers, the ping's own timeout, the known-peers file and private-network admission.
struct PeerConfig : net::PeerManagerConfig {
  // Multiaddrs ending in /p2p/<peer id>, redialled whenever not connected.
  std::vector<std::string> bootstrap;
  Duration ping_timeout = 20s;
  // A connection that finished Noise and yamux must have our pubsub stream negotiated within
  // this, or it is closed (drops.stream_negotiation_timeout): zombies that speak no pubsub
  // hold no slot for long. Zero: no deadline.
  Duration stream_negotiation_timeout = 10s;
  // A peer whose outbound queue holds at least half of peer_outbound_queue_bytes at every
  // tick (it does not read) for this long leaves our meshes (drops.stalled_peer_pruned),
  // and is disconnected after stalled_peer_close_after (drops.stalled_peer). Zero: never.
  Duration stalled_peer_prune_after = 10s;
  Duration stalled_peer_close_after = 60s;
  // Read when the node starts, written when it closes; empty: no file.
  std::string known_peers_file;
  // Private network: when set, only remotes presenting a network certificate signed by this
  // Ed25519 key (32 bytes) are admitted (Drop::kNetworkRefused otherwise).
  Bytes network_key;
  // This node's certificate (net::issue_certificate), sent in the Noise payload.
  Bytes network_certificate;
  // mDNS discovery on the LAN (off by default): peers announced on the multicast group are
  // dial candidates, and we announce our listen addresses (0.0.0.0 and :: as the machine's
  // addresses). `mdns_interface`: empty, every interface up with multicast, on 224.0.0.251
  // and ff02::fb; an interface's name ("eth0"), that one, both families; an IPv4 address,
  // that interface, IPv4 only ("127.0.0.1" for nodes of one machine). `mdns_port` other than
  // 5353 only for tests that must not meet real LANs.
  bool mdns = false;
  std::uint16_t mdns_port = 5353;
  std::string mdns_interface;
  Duration mdns_query_interval = 60s;
  // The Kademlia DHT (/ipfs/kad/1.0.0, server mode; off by default): peers that speak it
  // fill the routing table, and while outbound connections are below target_outbound a walk
  // (a lookup of a random key) runs every dht_walk_interval, its servers becoming dial
  // candidates.
  bool dht = false;
  Duration dht_walk_interval = 2s;
  // Client mode (kad-dht spec, go's ModeClient): lookups only; /ipfs/kad/1.0.0 is neither
  // served nor listed in identify, so servers never put this node in their tables.
  kad::Mode dht_mode = kad::Mode::kServer;
};

struct NodeConfig {
  crypto::IdentityPtr identity;
  // Multiaddrs to listen on, e.g. "/ip4/127.0.0.1/tcp/0" (port 0: any free port; the
  // Listening event reports the real ones).
  std::vector<std::string> listen;
  router::GossipConfig gossip;
  MessageIdFn message_id = MessageIdFn::kXxh3;
  std::uint64_t seed = 0;  // the router's randomness and the link-loss draws
  Limits limits;
  PeerConfig peers;
  bool reject_marked_invalid = false;  // host::HostConfig's

  host::Publisher publisher() const {
    return {gossip.signature_policy, message_id, gossip.max_message_size};
  }
};

// Added to one link in this node's send path (LocalNetwork experiments).
using host::LinkShaping;

}  // namespace p2pgossip::runtime
