// Why a connection, stream, RPC or frame was refused or dropped: the reasons every layer
// above net/ counts (the connection machine, the host, the runtime), each with a counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace p2pgossip::host {

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
  // A queued copy of a message the peer then sent IDONTWANT for: not sent (nothing lost).
  kIdontwantCancelled,
  // IDONTWANT ids not sent: the peer's queue held max_control control RPCs, and room was
  // made for other control (nothing lost: the peer may send us a copy we have).
  kIdontwantShed,
  // A queued copy of a message the peer then sent us itself (its copy and ours crossed):
  // not sent (nothing lost; a duplicate saved, as IDONTWANT saves one).
  kEchoCancelled,
  // Muxed, but our pubsub stream not negotiated within stream_negotiation_timeout (a
  // connection with no useful protocol: it would hold a connection slot for nothing).
  kStreamNegotiationTimeout,
  // An inbound connection still in its handshake closed to make room for a newer one: the
  // pending-handshake budget (max_pending_inbound) was full.
  kPendingHandshakeEvicted,
  // A peer whose outbound queue stayed backlogged for stalled_peer_prune_after (it does not
  // read) left our meshes with a PRUNE; it stays connected.
  kStalledPeerPruned,
  // ... and was disconnected once that lasted stalled_peer_close_after.
  kStalledPeer,
  // A request of the remote (request/response) past the size limit, unanswered by the
  // application or not fully sent within request_timeout, or beyond max_inbound_requests
  // waiting for the application: its stream is reset.
  kRequestTooLarge,
  kRequestTimeout,
  kRequestsBusy,
  // An inbound peer's connection closed so a new inbound peer could have its slot
  // (PeerManagerConfig::trim_inbound).
  kTrimmed,
  kCount
};
constexpr std::size_t kDropCount = static_cast<std::size_t>(Drop::kCount);
// The counter's name (metrics, Python): "rpc_too_large", ...
std::string_view drop_name(Drop d);

}  // namespace p2pgossip::host
