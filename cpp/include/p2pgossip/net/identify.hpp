// Identify (`/ipfs/id/1.0.0`, libp2p/specs identify/README.md): the peer being identified
// writes one varint-length-prefixed Identify message and closes the stream.
//   message Identify { optional string protocolVersion = 5; optional string agentVersion = 6;
//                      optional bytes publicKey = 1; repeated bytes listenAddrs = 2;
//                      optional bytes observedAddr = 4; repeated string protocols = 3;
//                      optional bytes signedPeerRecord = 8; }
// go-libp2p may split a large record over several messages on the stream; they are merged
// with protobuf semantics (repeated fields append, later optional fields win).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::identify {

constexpr std::string_view kProtocolId = protocol::kIdentify;

namespace field {
constexpr std::uint32_t kPublicKey = 1, kListenAddrs = 2, kProtocols = 3, kObservedAddr = 4,
                        kProtocolVersion = 5, kAgentVersion = 6, kSignedPeerRecord = 8;
}

struct Identify {
  std::optional<std::string> protocol_version;
  std::optional<std::string> agent_version;
  std::optional<Bytes> public_key;  // PublicKey protobuf (peer-ids spec)
  // Binary multiaddrs as sent: other stacks list transports we do not parse (quic, ws), so
  // the codec keeps them raw and dialable_listen_addrs() picks the ones we can use.
  std::vector<Bytes> listen_addrs;
  std::optional<Bytes> observed_addr;
  std::vector<std::string> protocols;
  std::optional<Bytes> signed_peer_record;  // carried, not interpreted

  bool operator==(const Identify&) const = default;
};

// Bounds on untrusted input. Defaults follow go-libp2p (8 KiB per message, at most 10
// messages on one stream) and keep every list small.
struct Limits {
  std::size_t max_message_bytes = 8 * 1024;
  std::size_t max_messages = 10;
  std::size_t max_listen_addrs = 64;
  std::size_t max_protocols = 128;
  std::size_t max_string_bytes = 256;  // protocolVersion, agentVersion, each protocol id
  std::size_t max_public_key_bytes = 1024;
  std::size_t max_signed_peer_record_bytes = 4096;
};

Bytes encode(const Identify& message);
// The stream form: varint length, then the message.
Bytes encode_delimited(const Identify& message);

// One message body. Errors name the field and the limit; unknown fields are skipped.
Result<Identify> decode(ByteView message, const Limits& limits = {});
// Everything read from the stream until it closed: one or more delimited messages, merged.
// Limits on lists apply to the merged result.
Result<Identify> decode_stream(ByteView stream, const Limits& limits = {});

// The listen addresses this node can dial (those that parse as our Multiaddr); `skipped`
// (when given) receives how many were left out.
std::vector<Multiaddr> dialable_listen_addrs(const Identify& message,
                                             std::size_t* skipped = nullptr);

}  // namespace p2pgossip::net::identify
