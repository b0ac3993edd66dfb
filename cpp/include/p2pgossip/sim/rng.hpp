// Counter-based random draws for the simulator: a draw is a pure function of (seed,
// stream, counter), so each link gets its own reproducible stream and adding traffic on
// one link never shifts the draws of another.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace p2pgossip::sim {

// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// draw(seed, stream, counter) is mix64(stream_key(seed, stream) + counter): a caller taking
// several draws of one stream computes its key once.
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t stream) {
  return mix64(seed ^ mix64(stream + 0x9e3779b97f4a7c15ULL));
}
constexpr std::uint64_t draw(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter) {
  return mix64(stream_key(seed, stream) + counter);
}

// Uniform in [0, 1) from the top 53 bits.
inline double to_unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller from two independent 64-bit draws.
inline double to_normal(std::uint64_t a, std::uint64_t b) {
  const double u1 = 1.0 - to_unit(a);  // (0, 1]: log stays finite
  const double u2 = to_unit(b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// A sequential generator (xoshiro256** seeded by SplitMix64) for one-off choices such as
// the benchmark baseline's mesh, where per-item streams are not needed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = mix64(seed += 0x9e3779b97f4a7c15ULL);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) by Lemire's multiply-shift (bias below 2^-32 for the sizes used).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  double unit() { return to_unit(next()); }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace p2pgossip::sim
