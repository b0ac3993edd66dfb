#include "sim/trace_hash.hpp"

namespace p2pgossip::sim {

TraceHash::TraceHash() {
  XXH3_128bits_reset(&state_);
  pending_.reserve(kBatch + kRecordBytes + MessageId::kMaxSize);
}

void TraceHash::hash_pending() {
  XXH3_128bits_update(&state_, pending_.data(), pending_.size());
  pending_.clear();
}

std::array<std::uint8_t, 16> TraceHash::digest() const {
  XXH3_state_t state;
  XXH3_copyState(&state, &state_);
  XXH3_128bits_update(&state, pending_.data(), pending_.size());
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), c.digest, 16);
  return out;
}

}  // namespace p2pgossip::sim
