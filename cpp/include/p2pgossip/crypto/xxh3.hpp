// XXH3 (xxHash 0.8) 64- and 128-bit hashes: message ids and hash-table keys, never security.
#pragma once

#include <array>
#include <cstdint>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip::crypto {

std::uint64_t xxh3_64(ByteView data, std::uint64_t seed = 0);

struct Xxh3Hash128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  // xxHash's canonical form: high 64 bits first, each big-endian.
  std::array<std::uint8_t, 16> canonical() const;
};

Xxh3Hash128 xxh3_128(ByteView data, std::uint64_t seed = 0);

}  // namespace p2pgossip::crypto
