// Protocol-buffers primitives: varints, tags, length-delimited fields, and a bounded
// reader that skips unknown fields of every wire type. Shared by every codec (pubsub
// RPC, key files, peer ids, Noise payloads, identify).
#pragma once

#include <bit>
#include <cstdint>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::wire {

enum class WireType : std::uint8_t {
  kVarint = 0,
  kI64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kI32 = 5,
};

constexpr std::size_t kMaxVarintBytes = 10;
// Deprecated groups nest; an attacker must not be able to make skipping recurse deeply.
constexpr int kMaxGroupDepth = 16;

// Sizes are inline: encoders call them per field, and the simulator sizes every RPC it sends.
constexpr std::size_t varint_size(std::uint64_t v) {
  return static_cast<std::size_t>(std::bit_width(v | 1) + 6) / 7;
}
constexpr std::size_t varint_field_size(std::uint32_t field, std::uint64_t v) {
  return varint_size(static_cast<std::uint64_t>(field) << 3) + varint_size(v);
}
constexpr std::size_t len_field_size(std::uint32_t field, std::size_t len) {
  return varint_size(static_cast<std::uint64_t>(field) << 3) + varint_size(len) + len;
}

void put_varint(Bytes& out, std::uint64_t v);
void put_tag(Bytes& out, std::uint32_t field, WireType type);
void put_varint_field(Bytes& out, std::uint32_t field, std::uint64_t v);
void put_len_field(Bytes& out, std::uint32_t field, ByteView value);

// One decoded field. For kLen, `bytes` views the payload (inside the input buffer);
// for kI64/kI32 it views the 8/4 raw bytes; for kVarint the value is in `varint`.
struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t varint = 0;
  ByteView bytes;
};

class Reader {
 public:
  explicit Reader(ByteView buf) : buf_(buf) {}

  bool done() const { return pos_ >= buf_.size(); }
  std::size_t position() const { return pos_; }

  // Strict: more than 10 bytes, or a 10th byte above 1, is an overlong varint.
  Result<std::uint64_t> varint();
  // Reads the next known-or-unknown field. Groups are consumed whole (bounded depth) and
  // returned with an empty view, so callers skip them like any unknown field.
  Result<Field> next();

 private:
  Status skip_group(std::uint32_t number);
  ByteView buf_;
  std::size_t pos_ = 0;
};

}  // namespace p2pgossip::wire
