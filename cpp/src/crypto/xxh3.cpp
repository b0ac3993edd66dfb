#include "p2pgossip/crypto/xxh3.hpp"

#include <xxhash.h>

namespace p2pgossip::crypto {

std::uint64_t xxh3_64(ByteView data, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

Xxh3Hash128 xxh3_128(ByteView data, std::uint64_t seed) {
  const XXH128_hash_t h = XXH3_128bits_withSeed(data.data(), data.size(), seed);
  return {h.high64, h.low64};
}

std::array<std::uint8_t, 16> Xxh3Hash128::canonical() const {
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
  }
  return out;
}

}  // namespace p2pgossip::crypto
