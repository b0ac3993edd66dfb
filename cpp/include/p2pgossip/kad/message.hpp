// The `/ipfs/kad/1.0.0` RPC message (libp2p kad-dht spec, "RPC messages"):
//   message Record { bytes key = 1; bytes value = 2; string timeReceived = 5; }
//   message Message {
//     enum MessageType { PUT_VALUE = 0; GET_VALUE = 1; ADD_PROVIDER = 2; GET_PROVIDERS = 3;
//                        FIND_NODE = 4; PING = 5; }
//     enum ConnectionType { NOT_CONNECTED = 0; CONNECTED = 1; CAN_CONNECT = 2;
//                           CANNOT_CONNECT = 3; }
//     message Peer { bytes id = 1; repeated bytes addrs = 2; ConnectionType connection = 3; }
//     MessageType type = 1; int32 clusterLevelRaw = 10; bytes key = 2; Record record = 3;
//     repeated Peer closerPeers = 8; repeated Peer providerPeers = 9; }
// Encoded as go-, rust- and py-libp2p encode it (proto3: zero values are left out, fields in
// number order). On a stream every message is prefixed with its length as an unsigned
// varint; the reading side frames with host::LengthPrefixedReader, capped at
// Limits::max_message_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::kad {

constexpr std::string_view kProtocolId = protocol::kKad;

enum class MessageType : std::uint8_t {
  kPutValue = 0,
  kGetValue = 1,
  kAddProvider = 2,
  kGetProviders = 3,
  kFindNode = 4,
  kPing = 5,
};

enum class ConnectionType : std::uint8_t {
  kNotConnected = 0,
  kConnected = 1,
  kCanConnect = 2,
  kCannotConnect = 3,
};

// The spec's names ("FIND_NODE", "CAN_CONNECT").
std::string_view name_of(MessageType t);
std::string_view name_of(ConnectionType c);
std::optional<MessageType> message_type_named(std::string_view name);
std::optional<ConnectionType> connection_type_named(std::string_view name);

namespace field {
constexpr std::uint32_t kType = 1, kKey = 2, kRecord = 3, kCloserPeers = 8, kProviderPeers = 9,
                        kClusterLevelRaw = 10;
constexpr std::uint32_t kRecordKey = 1, kRecordValue = 2, kRecordTimeReceived = 5;
constexpr std::uint32_t kPeerId = 1, kPeerAddrs = 2, kPeerConnection = 3;
}  // namespace field

struct Peer {
  Bytes id;                  // binary peer id
  std::vector<Bytes> addrs;  // binary multiaddrs, kept raw (other stacks list transports we
                             // do not parse)
  ConnectionType connection = ConnectionType::kNotConnected;

  bool operator==(const Peer&) const = default;
};

struct Record {
  Bytes key;
  Bytes value;
  std::string time_received;  // RFC 3339, set by the receiver; carried, not interpreted

  bool operator==(const Record&) const = default;
};

struct Message {
  MessageType type = MessageType::kPutValue;
  Bytes key;
  std::optional<Record> record;
  std::vector<Peer> closer_peers;
  std::vector<Peer> provider_peers;

  bool operator==(const Message&) const = default;
};

// Bounds on untrusted input. A response names k = 20 peers; the lists allow more (other
// implementations may send more) but not without end. Values are as large as a record store
// takes (rust-libp2p's 65 KiB), so a GET_VALUE response with a full record and 20 peers fits.
struct Limits {
  std::size_t max_message_bytes = 128 * 1024;
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = 65 * 1024;
  std::size_t max_peers = 64;  // each of closerPeers, providerPeers
  std::size_t max_addrs_per_peer = 32;
  std::size_t max_peer_id_bytes = 128;
  std::size_t max_addr_bytes = 1024;
  std::size_t max_time_received_bytes = 64;
};

Bytes encode(const Message& message);
// The stream form: unsigned-varint length, then the message.
Bytes encode_delimited(const Message& message);

// One message body. Errors name the field and the rule ("Message.closerPeers[3].addrs: more
// than 32"); unknown fields are skipped, clusterLevelRaw is read and dropped, an unknown
// MessageType is an error (there is no answer to it) and an unknown ConnectionType reads as
// NOT_CONNECTED (it is advice).
Result<Message> decode(ByteView message, const Limits& limits = {});

}  // namespace p2pgossip::kad
