// The pubsub Message of libp2p's rpc.proto, and its id.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip {

// Field names follow rpc.proto. Optional proto2 fields are std::optional so that
// "absent" and "empty" stay distinct on a round trip (signatures cover the encoding).
// Signature policies of the pubsub spec (v1.1).
enum class SignaturePolicy : std::uint8_t {
  // Published messages carry from, seqno and signature; received ones must, and must verify.
  kStrictSign,
  // Published messages carry none of from, seqno, signature, key; received ones with any
  // of them are rejected.
  kStrictNoSign,
};

struct Message {
  std::optional<Bytes> from;
  std::optional<Bytes> data;
  std::optional<Bytes> seqno;
  std::string topic;
  std::optional<Bytes> signature;
  std::optional<Bytes> key;
  // Fields rpc.proto does not define, raw (tag and value) in arrival order. They are encoded
  // after the known fields, for signing too, as go-libp2p-pubsub's protobuf code re-encodes
  // them: a message whose author signed fields we don't know still verifies and is forwarded
  // whole.
  Bytes unknown_fields;

  bool operator==(const Message&) const = default;
};

// Messages are immutable once built and shared by reference between the router's
// caches, every queued RPC and (in the simulator) every node holding a copy.
using MessagePtr = std::shared_ptr<const Message>;

// A message id held inline: XXH3-128 ids are 16 bytes, libp2p's from||seqno ids are
// 46 bytes for Ed25519 peer ids; ids from user functions may be up to kMaxSize bytes.
class MessageId {
 public:
  static constexpr std::size_t kMaxSize = 64;

  MessageId() = default;
  explicit MessageId(ByteView b) {
    if (b.size() > kMaxSize) throw std::length_error("message id longer than 64 bytes");
    size_ = static_cast<std::uint8_t>(b.size());
    std::copy(b.begin(), b.end(), bytes_.begin());
  }

  ByteView view() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool operator==(const MessageId& o) const {
    return size_ == o.size_ && std::equal(bytes_.begin(), bytes_.begin() + size_, o.bytes_.begin());
  }

 private:
  std::array<std::uint8_t, kMaxSize> bytes_{};
  std::uint8_t size_ = 0;
};

}  // namespace p2pgossip
