// A node's metrics as one consistent snapshot, taken on its I/O thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/router/counters.hpp"
#include "p2pgossip/runtime/events.hpp"

namespace p2pgossip::runtime {

// Why a connection, stream, RPC or frame was refused or dropped. Each has a counter.
enum class Drop : std::uint8_t {
  kConnectionLimit,      // max_connections / max_inbound / max_outbound / max_per_ip
  kHandshakeTimeout,     // TCP up, upgrade not finished within handshake_timeout
  kSecurityNegotiation,  // multistream-select for /noise failed
  kNoiseFailed,          // Noise handshake or transport decryption failed
  kPeerIdMismatch,       // the remote's identity is not the dialled /p2p/ id
  kMuxerNegotiation,     // multistream-select for /yamux/1.0.0 failed
  kYamuxError,           // yamux protocol error (the connection is closed)
  kStreamNegotiation,    // a stream's multistream-select failed
  kDuplicateStream,      // a second inbound pubsub stream from one peer (reset)
  kRpcTooLarge,          // length prefix above the decode limit (stream reset)
  kRpcDecode,            // RPC bytes rejected by the decoder (stream reset)
  kOutboundQueueFull,    // peer_outbound_queue RPCs or peer_outbound_queue_bytes waiting
  kNodeOutboundBudget,   // node_outbound_queue_bytes waiting across all the node's peers
  kLinkLoss,             // LinkShaping loss
  kBlocked,              // a blocked peer's connection or RPC
  kGraylisted,           // closed by the router: score below graylist_threshold
  kDuplicateConnection,  // a second connection to a connected peer
  kSocketError,          // read/write error or reset by the remote
  kDialFailed,           // resolve or TCP connect failed
  kPublishFailed,        // a publish without notification that the router refused
  kDeadPeer,             // max_missed_pings pings in a row unanswered
  kNetworkRefused,       // private network: no valid network certificate
  kPxNoAddress,          // a PX suggestion without a record of a peer we know no address of,
                         // or whose peer id does not parse
  kPxRecordInvalid,      // a PX signed peer record that fails verification or is of another peer
  // An identify signedPeerRecord that fails verification or is not of the identified peer.
  kIdentifyRecordInvalid,
  kCount
};
constexpr std::size_t kDropCount = static_cast<std::size_t>(Drop::kCount);
std::string_view drop_name(Drop d);

// Traffic of one protocol: pubsub protocols count RPCs, others count stream messages.
struct ProtocolStats {
  std::uint64_t messages_in = 0, bytes_in = 0, messages_out = 0, bytes_out = 0;
};

struct ConnectedPeer {
  Bytes peer_id;
  std::string addr;
  Direction direction;
  std::string protocol;  // the pubsub protocol negotiated; empty until negotiated
  double score;
};

struct NodeMetrics {
  router::Counters router;
  std::map<std::string, ProtocolStats> protocols;  // by protocol id
  std::array<std::uint64_t, kDropCount> drops{};   // indexed by Drop
  std::uint64_t tcp_bytes_in = 0, tcp_bytes_out = 0;
  std::uint64_t connections_opened = 0, connections_closed = 0;
  // Memory the RPCs queued (and held back by link latency) for every peer take, at most
  // Limits::node_outbound_queue_bytes.
  std::uint64_t outbound_queue_bytes = 0;
  net::PeerManagerCounters peer_manager;
  std::vector<ConnectedPeer> peers;
  std::map<std::string, std::size_t> mesh_sizes;     // our topics → mesh size
  std::map<std::string, std::size_t> topic_peers;    // our topics → peers subscribed to them
  std::map<std::string, std::vector<Bytes>> meshes;  // our topics → mesh peers (the live view)
};

}  // namespace p2pgossip::runtime
