// The trace digest: XXH3-128 over a record of every send and delivery, in the order they
// happen. Same inputs and seed give the same bytes, so the same digest.
#pragma once

#include <xxhash.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::sim {

class TraceHash {
 public:
  TraceHash();

  // kind 1: a send from `a` to `b` of `size` bytes; kind 2: a delivery at `a` from `b` of `id`.
  void record(std::uint8_t kind, std::int64_t t, std::uint32_t a, std::uint64_t b,
              std::uint64_t size, ByteView id) {
    const std::size_t at = pending_.size();
    pending_.resize(at + kRecordBytes + id.size());
    std::uint8_t* buf = pending_.data() + at;
    buf[0] = kind;
    std::memcpy(buf + 1, &t, 8);
    std::memcpy(buf + 9, &a, 4);
    std::memcpy(buf + 13, &b, 8);
    std::memcpy(buf + 21, &size, 8);
    if (!id.empty()) std::memcpy(buf + kRecordBytes, id.data(), id.size());
    if (pending_.size() >= kBatch) hash_pending();
  }

  // In canonical (big-endian) form.
  std::array<std::uint8_t, 16> digest() const;

 private:
  static constexpr std::size_t kRecordBytes = 29;
  // Records are gathered and hashed a batch at a time: XXH3's streaming update has a fixed
  // cost per call, and the digest depends only on the bytes, not the batching.
  static constexpr std::size_t kBatch = 1 << 15;
  void hash_pending();  // out of line: once a batch, off the per-record path
  XXH3_state_t state_;
  Bytes pending_;
};

}  // namespace p2pgossip::sim
