// The trace digest: every node folds a record of each of its sends and deliveries into a
// hash of its own, in the order it makes them; the digest is XXH3-128 over the nodes'
// hashes in node order. A node's order is the same on any number of threads and whatever
// the partitioning (sim/parallel.cpp), so the digest is too; same inputs and seed, same
// digest.
#pragma once

#include <xxhash.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::sim {

// kind 1: a send from `a` to `b` of `size` bytes; kind 2: a delivery at `a` from `b` of `id`.
inline std::uint64_t trace_fold(std::uint64_t hash, std::uint8_t kind, std::int64_t t,
                                std::uint32_t a, std::uint64_t b, std::uint64_t size, ByteView id) {
  constexpr std::size_t kRecordBytes = 29;
  std::uint8_t buf[kRecordBytes + MessageId::kMaxSize];
  buf[0] = kind;
  std::memcpy(buf + 1, &t, 8);
  std::memcpy(buf + 9, &a, 4);
  std::memcpy(buf + 13, &b, 8);
  std::memcpy(buf + 21, &size, 8);
  if (!id.empty()) std::memcpy(buf + kRecordBytes, id.data(), id.size());
  return XXH3_64bits_withSeed(buf, kRecordBytes + id.size(), hash);
}

// XXH3-128 over the nodes' hashes, in canonical (big-endian) form.
std::array<std::uint8_t, 16> trace_digest(const std::vector<std::uint64_t>& node_hashes);

}  // namespace p2pgossip::sim
