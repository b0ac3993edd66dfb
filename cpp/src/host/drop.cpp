#include "p2pgossip/host/drop.hpp"

namespace p2pgossip::host {

std::string_view drop_name(Drop d) {
  switch (d) {
    case Drop::kConnectionLimit:
      return "connection_limit";
    case Drop::kHandshakeTimeout:
      return "handshake_timeout";
    case Drop::kSecurityNegotiation:
      return "security_negotiation";
    case Drop::kNoiseFailed:
      return "noise_failed";
    case Drop::kPeerIdMismatch:
      return "peer_id_mismatch";
    case Drop::kMuxerNegotiation:
      return "muxer_negotiation";
    case Drop::kYamuxError:
      return "yamux_error";
    case Drop::kStreamNegotiation:
      return "stream_negotiation";
    case Drop::kDuplicateStream:
      return "duplicate_stream";
    case Drop::kRpcTooLarge:
      return "rpc_too_large";
    case Drop::kRpcDecode:
      return "rpc_decode";
    case Drop::kOutboundQueueFull:
      return "outbound_queue_full";
    case Drop::kNodeOutboundBudget:
      return "node_outbound_budget";
    case Drop::kLinkLoss:
      return "link_loss";
    case Drop::kBlocked:
      return "blocked";
    case Drop::kGraylisted:
      return "graylisted";
    case Drop::kDuplicateConnection:
      return "duplicate_connection";
    case Drop::kSocketError:
      return "socket_error";
    case Drop::kDialFailed:
      return "dial_failed";
    case Drop::kPublishFailed:
      return "publish_failed";
    case Drop::kDeadPeer:
      return "dead_peer";
    case Drop::kNetworkRefused:
      return "network_refused";
    case Drop::kPxNoAddress:
      return "px_no_address";
    case Drop::kPxRecordInvalid:
      return "px_record_invalid";
    case Drop::kIdentifyRecordInvalid:
      return "identify_record_invalid";
    case Drop::kIdontwantCancelled:
      return "idontwant_cancelled";
    case Drop::kIdontwantShed:
      return "idontwant_shed";
    case Drop::kEchoCancelled:
      return "echo_cancelled";
    case Drop::kStreamNegotiationTimeout:
      return "stream_negotiation_timeout";
    case Drop::kPendingHandshakeEvicted:
      return "pending_handshake_evicted";
    case Drop::kStalledPeerPruned:
      return "stalled_peer_pruned";
    case Drop::kStalledPeer:
      return "stalled_peer";
    case Drop::kRequestTooLarge:
      return "request_too_large";
    case Drop::kRequestTimeout:
      return "request_timeout";
    case Drop::kRequestsBusy:
      return "requests_busy";
    case Drop::kTrimmed:
      return "trimmed";
    case Drop::kCount:
      break;
  }
  return "unknown";
}

}  // namespace p2pgossip::host
