// A process-wide record of signatures already verified, so a message that reaches many
// nodes of one process (simulator, LocalNetwork) costs one Ed25519 verification, not one
// per node. Owned by the simulator or runtime and passed to every node it hosts.
//
// Keyed by BLAKE2b-256 over (signed bytes, signature, public key), each length-prefixed:
// the whole of what verification depends on, so a forged message can reach a cache hit
// only by a BLAKE2b collision. Never keyed by the message id, which is not cryptographic
// (and by default ignores the signature). Only successful verifications are stored.
//
// Bounded: at most `capacity` entries, least recently used evicted first.
// Thread-safe: one mutex around lookups and inserts (the runtime's I/O thread and Python
// callers may share one cache); the Ed25519 verification itself runs outside the lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip::crypto {

class VerifyCache {
 public:
  using Digest = std::array<std::uint8_t, 32>;
  static constexpr std::size_t kDefaultCapacity = 1 << 16;

  explicit VerifyCache(std::size_t capacity = kDefaultCapacity, bool enabled = true);

  static Digest digest(ByteView signed_bytes, ByteView signature, ByteView public_key);

  // Counts a hit or a miss. A disabled cache always misses and counts nothing.
  bool contains(const Digest& d);
  void insert(const Digest& d);

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const;
  bool enabled() const;
  // Disabling also empties the cache, so re-enabling never trusts stale entries.
  void set_enabled(bool enabled);
  std::uint64_t hits() const;
  std::uint64_t misses() const;
  std::uint64_t evictions() const;
  void clear();

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& d) const;
  };
  mutable std::mutex mu_;
  std::size_t capacity_;
  bool enabled_;
  std::list<Digest> lru_;  // most recently used first
  std::unordered_map<Digest, std::list<Digest>::iterator, DigestHash> index_;
  std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace p2pgossip::crypto
