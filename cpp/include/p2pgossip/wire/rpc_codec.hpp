// Codec for libp2p pubsub rpc.proto: RPC, Message, ControlMessage. Decoding is strict and
// bounded by DecodeLimits; errors name the field and the rule that failed.
#pragma once

#include <cstddef>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/rpc.hpp"

namespace p2pgossip::wire {

// Field numbers of rpc.proto's Message.
namespace message_field {
constexpr std::uint32_t kFrom = 1, kData = 2, kSeqno = 3, kTopic = 4, kSignature = 5, kKey = 6;
}

// Encodes a Message. With `for_signing`, signature and key are left out: the bytes the
// libp2p pubsub spec signs (after the "libp2p-pubsub:" prefix).
void encode_message(const Message& m, Bytes& out, bool for_signing = false);
std::size_t encoded_message_size(const Message& m, bool for_signing = false);

}  // namespace p2pgossip::wire
