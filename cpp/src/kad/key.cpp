#include "p2pgossip/kad/key.hpp"

#include <sodium.h>

#include <bit>
#include <cstring>

namespace p2pgossip::kad {

Key Key::of(ByteView preimage) {
  Key k;
  crypto_hash_sha256(k.bytes.data(), preimage.data(), preimage.size());
  return k;
}

std::optional<Key> Key::from_digest(ByteView digest) {
  if (digest.size() != kKeyBytes) return std::nullopt;
  Key k;
  std::memcpy(k.bytes.data(), digest.data(), kKeyBytes);
  return k;
}

std::size_t Distance::leading_zeros() const {
  for (std::size_t i = 0; i < kKeyBytes; ++i)
    if (bytes[i]) return i * 8 + static_cast<std::size_t>(std::countl_zero(bytes[i]));
  return kKeyBits;
}

Distance distance(const Key& a, const Key& b) {
  Distance d;
  for (std::size_t i = 0; i < kKeyBytes; ++i) d.bytes[i] = a.bytes[i] ^ b.bytes[i];
  return d;
}

Key random_key_with_prefix(const Key& local, std::size_t cpl, Random& rng) {
  Key k;
  for (std::size_t i = 0; i < kKeyBytes; i += 8) {
    const std::uint64_t r = rng.next();
    std::memcpy(k.bytes.data() + i, &r, 8);
  }
  if (cpl >= kKeyBits) return local;
  // Bits [0, cpl) from `local`, bit cpl flipped, the rest random.
  for (std::size_t bit = 0; bit <= cpl; ++bit) {
    const std::size_t byte = bit / 8;
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    const bool want = (local.bytes[byte] & mask) != 0;
    const bool set = bit == cpl ? !want : want;
    k.bytes[byte] = static_cast<std::uint8_t>(set ? k.bytes[byte] | mask : k.bytes[byte] & ~mask);
  }
  return k;
}

std::optional<Bytes> random_peer_id_with_prefix(const Key& local, std::size_t cpl, bool at_least,
                                                Random& rng, std::size_t max_attempts) {
  // identity multihash (0x00, 36 bytes) of a PublicKey protobuf {Type: Ed25519, Data: 32 B}
  Bytes id = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
  id.resize(id.size() + 32);
  for (std::size_t attempt = 0; attempt < max_attempts; ++attempt) {
    for (std::size_t i = 0; i < 32; i += 8) {
      const std::uint64_t r = rng.next();
      std::memcpy(id.data() + 6 + i, &r, 8);
    }
    const std::size_t got = common_prefix_length(local, Key::of(id));
    if (got == cpl || (at_least && got > cpl)) return id;
  }
  return std::nullopt;
}

}  // namespace p2pgossip::kad
