// Codec for libp2p pubsub rpc.proto: RPC, Message, ControlMessage. Decoding is strict and
// bounded by DecodeLimits; errors name the field and the rule that failed.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/rpc.hpp"

namespace p2pgossip::wire {

// Field numbers of rpc.proto's Message.
namespace message_field {
constexpr std::uint32_t kFrom = 1, kData = 2, kSeqno = 3, kTopic = 4, kSignature = 5, kKey = 6;
}

// RPC field of the p2pgossip hop-count extension (Rpc::publish_hops), as GossipSub v1.3
// asks of experimental extensions: a random field number above 0x200000 (a tag of at least
// four bytes), holding one message `PublishHops { repeated uint32 hops = 1 [packed]; }`.
constexpr std::uint32_t kPublishHopsField = 5277953;

// Hard bounds applied while decoding, so a peer cannot make us allocate or loop beyond
// them. Defaults follow go-libp2p-pubsub where it has a limit and are generous where it has
// none. Every violation is an Error naming the path and the limit, e.g.
// "RPC.control.ihave[3].messageIDs: 5001 entries exceed max_ihave_length 5000".
//
// Topic strings must be valid UTF-8 (as rust-libp2p's decoder and protobuf's own string
// rules require; go-libp2p-pubsub's gogo decoder does not check): a topic is text in every
// API, and a byte string that no UTF-8 API can name is only useful to an attacker.
struct DecodeLimits {
  // The whole encoded RPC. go-libp2p-pubsub frames RPCs at 1 MiB (DefaultMaxMessageSize);
  // one message of max_data_size must still fit with its envelope, hence 64 KiB more.
  std::size_t max_rpc_size = (1 << 20) + (64 << 10);
  // Message.data; the same as GossipConfig::max_message_size.
  std::size_t max_data_size = 1 << 20;
  // Message.topic and every topicid / topicID.
  std::size_t max_topic_length = 1024;
  // Message.from and PeerInfo.peerID (an Ed25519 peer id is 38 bytes).
  std::size_t max_peer_id_size = 128;
  // Message.seqno (8 bytes in the spec).
  std::size_t max_seqno_size = 64;
  // Message.signature (Ed25519: 64 bytes, RSA-4096: 512).
  std::size_t max_signature_size = 1024;
  // Message.key, a protobuf PublicKey (RSA-8192, go's cap, is about 1.1 KB).
  std::size_t max_key_size = 2048;
  // RPC.subscriptions entries.
  std::size_t max_subscriptions = 5000;
  // RPC.publish entries.
  std::size_t max_publish = 1000;
  // Entries of each ControlMessage kind (ihave, iwant, graft, prune, idontwant).
  std::size_t max_control_entries = 5000;
  // messageIDs of one IHAVE, IWANT or IDONTWANT (go: MaxIHaveLength 5000).
  std::size_t max_ihave_length = 5000;
  // One message id (the router holds ids inline in MessageId).
  std::size_t max_message_id_size = MessageId::kMaxSize;
  // ControlPrune.peers (go sends PrunePeers = 16).
  std::size_t max_prune_peers = 64;
  // PeerInfo.signedPeerRecord (go-libp2p's identify caps its whole message at 8 KiB).
  std::size_t max_signed_peer_record_size = 8 << 10;
};

// Encodes a Message. With `for_signing`, signature and key are left out: the bytes the
// libp2p pubsub spec signs (after the "libp2p-pubsub:" prefix).
void encode_message(const Message& m, Bytes& out, bool for_signing = false);
std::size_t encoded_message_size(const Message& m, bool for_signing = false);
// Decodes one Message (errors are prefixed "Message."). Repeated singular fields: the last
// one wins, as in protobuf. A Message without topic is an error (topic is `required`).
Result<Message> decode_message(ByteView in, const DecodeLimits& limits = {});

// Appends the encoding of `rpc` to `out`. Every publish entry must be non-null.
void encode_rpc(const Rpc& rpc, Bytes& out);
// The exact size encode_rpc appends; allocation-free, linear in the number of entries.
std::size_t encoded_rpc_size(const Rpc& rpc);
// encoded_rpc_size of an RPC whose only content is `m` in its publish list.
std::size_t encoded_rpc_size(const Message& m);
// Decodes one RPC (without the varint length prefix of the stream framing). Unknown
// fields of every wire type are skipped; a known field with the wrong wire type is an
// error. Duplicate `control` fields merge (protobuf semantics), counted together.
// publish_hops, when present, must have one entry per publish entry.
Result<Rpc> decode_rpc(ByteView in, const DecodeLimits& limits = {});

// A publish entry's fields where they lie in the input, checked as decode_message checks
// them (unknown fields are not kept: no message id reads them).
struct MessageFields {
  std::optional<ByteView> from, data, seqno, signature, key;
  std::string_view topic;
};
// What a caller knows of a publish entry, asked before the entry is built.
struct KnownMessage {
  bool skip = false;   // a copy of a message it has seen: checked and left out
  MessagePtr message;  // else, when set: an equal message it holds, used instead of a new one
};
// As above, but each publish entry is first shown to `known`: one it says to skip is checked
// and left out, not built (the rest of rpc.publish keeps its order, publish_hops loses the
// skipped entries' counts); one it hands a message for is that message (unless the entry has
// fields rpc.proto does not define: those are built). Limits count every entry.
Result<Rpc> decode_rpc(ByteView in, const DecodeLimits& limits,
                       const std::function<KnownMessage(const MessageFields&)>& known);
// Whether `m` is the message these fields build (one without fields rpc.proto does not define).
bool same_message(const Message& m, const MessageFields& f);

}  // namespace p2pgossip::wire
