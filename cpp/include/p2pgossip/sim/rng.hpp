// Counter-based random draws for the simulator: a draw is a pure function of (seed,
// stream, counter), so each link gets its own reproducible stream and adding traffic on
// one link never shifts the draws of another.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "p2pgossip/random.hpp"

namespace p2pgossip::sim {

// draw(seed, stream, counter) is mix64(stream_key(seed, stream) + counter): a caller taking
// several draws of one stream computes its key once.
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t stream) {
  return mix64(seed ^ mix64(stream + 0x9e3779b97f4a7c15ULL));
}
constexpr std::uint64_t draw(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter) {
  return mix64(stream_key(seed, stream) + counter);
}

// Standard normal by Box-Muller from two independent 64-bit draws.
inline double to_normal(std::uint64_t a, std::uint64_t b) {
  const double u1 = 1.0 - to_unit(a);  // (0, 1]: log stays finite
  const double u2 = to_unit(b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace p2pgossip::sim
