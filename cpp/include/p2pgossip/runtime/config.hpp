// Configuration of a Runtime and of the nodes it hosts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::runtime {

using Duration = std::chrono::nanoseconds;
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
};

// Message-id functions the I/O thread can run (Python callables cannot: no Python there).
enum class MessageIdFn : std::uint8_t { kXxh3, kFromSeqno };

// Connection limits and protocol bounds of one node. Every refusal is counted by reason.
struct Limits {
  std::size_t max_connections = 256;
  std::size_t max_inbound = 192;
  std::size_t max_outbound = 192;
  std::size_t max_per_ip = 0;  // 0: unlimited (LocalNetwork puts every node on one IP)
  // TCP accepted/connected → secure, muxed connection; slower handshakes are cut.
  Duration handshake_timeout = 10s;
  // RPCs queued per peer for sending; past it new RPCs are dropped (go-libp2p-pubsub: 32).
  std::size_t peer_outbound_queue = 32;
  // Streams a peer may have open on one connection (yamux refuses more).
  std::size_t max_streams_per_connection = 64;
  // Bytes waiting for the socket, per connection, before the node stops feeding it.
  std::size_t socket_send_buffer = 4 << 20;
  // Bounds for decoding received RPCs; max_rpc_size also caps the length prefix read.
  wire::DecodeLimits decode;
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
};

// Added to one link in this node's send path (LocalNetwork experiments): every RPC to the
// peer waits `latency` and is dropped with probability `loss` (counted as link_loss).
struct LinkShaping {
  Duration latency{0};
  double loss = 0.0;
};

}  // namespace p2pgossip::runtime
