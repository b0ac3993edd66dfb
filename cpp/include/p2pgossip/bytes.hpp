// Byte strings and views used across every layer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/buffer_pool.hpp"

namespace p2pgossip {

// Buffers of 8-64 KiB (frames in transit) come from slabs apart from the heap (buffer_pool.hpp).
using Bytes = std::vector<std::uint8_t, BufferAllocator<std::uint8_t>>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline Bytes to_bytes(ByteView b) { return Bytes(b.begin(), b.end()); }

// A buffer a connection reuses for its whole life keeps the largest size it ever had:
// once empty, one grown past kKeepBufferBytes lets its memory go, so a process with
// hundreds of connections does not keep every connection's high-water mark. Below it,
// buffers stay: small traffic reuses them rather than allocating each time. 4 KiB: a
// burst's merged RPCs and Noise frames (16 KiB) pass it, and 400 connections keeping half a
// dozen 16 KiB buffers each held 30 MB of a 50-node burst's peak, for no measured CPU gain
// (docs/memory.md).
constexpr std::size_t kKeepBufferBytes = 4 << 10;
inline void release_if_grown(Bytes& b) {
  if (b.empty() && b.capacity() > kKeepBufferBytes) Bytes().swap(b);
}
// A buffer that was taken whole (a take_output) and is spent comes back to `keep`, emptied,
// when `keep` has not grown one since and it is within kKeepBufferBytes: a layer that hands
// its output on every frame then allocates nothing per frame.
inline void reuse(Bytes& keep, Bytes&& spent) {
  if (keep.empty() && spent.capacity() > keep.capacity() && spent.capacity() <= kKeepBufferBytes) {
    spent.clear();
    keep.swap(spent);
  }
}

}  // namespace p2pgossip
