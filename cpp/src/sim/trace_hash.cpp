#include "sim/trace_hash.hpp"

namespace p2pgossip::sim {

std::array<std::uint8_t, 16> trace_digest(const std::vector<std::uint64_t>& node_hashes) {
  const XXH128_hash_t h =
      XXH3_128bits(node_hashes.data(), node_hashes.size() * sizeof(std::uint64_t));
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), c.digest, 16);
  return out;
}

}  // namespace p2pgossip::sim
