// The Kademlia keyspace (libp2p kad-dht spec, "Distance"): every key, peer id or record key
// alike, is placed at SHA-256 of its bytes, and the distance between two keys is the XOR of
// those digests read as a 256-bit big-endian number.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/random.hpp"

namespace p2pgossip::kad {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kKeyBits = 256;

// A point in the keyspace: the SHA-256 digest of a peer id or a record key.
struct Key {
  std::array<std::uint8_t, kKeyBytes> bytes{};

  // SHA-256 of `preimage` (a peer id's bytes, a record or provider key).
  static Key of(ByteView preimage);
  // A digest already computed (exactly 32 bytes); nullopt otherwise.
  static std::optional<Key> from_digest(ByteView digest);

  auto operator<=>(const Key&) const = default;
};

// XOR of two keys; compared as a big-endian number (the array's lexicographic order).
struct Distance {
  std::array<std::uint8_t, kKeyBytes> bytes{};

  // Leading zero bits: the common prefix length of the two keys (256 for equal keys).
  std::size_t leading_zeros() const;
  auto operator<=>(const Distance&) const = default;
};

Distance distance(const Key& a, const Key& b);

inline std::size_t common_prefix_length(const Key& a, const Key& b) {
  return distance(a, b).leading_zeros();
}

// A uniformly random key sharing exactly `cpl` leading bits with `local` (cpl < 256): the
// target of a bucket refresh in keyspace.
Key random_key_with_prefix(const Key& local, std::size_t cpl, Random& rng);

// A peer id whose key shares exactly `cpl` leading bits with `local` (or at least `cpl` when
// `at_least`), for a refresh lookup that must send FIND_NODE with a preimage on the wire. It
// is shaped as an Ed25519 identity-multihash peer id around random bytes (the key need not be
// valid: FIND_NODE names a position, not a peer), found by trying up to `max_attempts` random
// candidates (expected 2^(cpl+1) tries), so deep buckets may yield nullopt.
std::optional<Bytes> random_peer_id_with_prefix(const Key& local, std::size_t cpl, bool at_least,
                                                Random& rng, std::size_t max_attempts = 1 << 16);

}  // namespace p2pgossip::kad
