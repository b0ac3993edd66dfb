// The project's one random generator: xoshiro256** seeded through SplitMix64, with shuffling
// and sampling written out so results do not depend on the standard library. 32 bytes of
// state, where a Mersenne Twister would add 2.5 KB to every router of a 10,000-node
// simulation. Sans-I/O machines draw only from one of these, seeded by their driver.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace p2pgossip {

// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) from the top 53 bits.
inline double to_unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

class Random {
 public:
  explicit Random(std::uint64_t seed) {
    for (std::uint64_t& w : s_) w = mix64(seed += 0x9e3779b97f4a7c15ULL);
  }

  std::uint64_t next() {
    const std::uint64_t out = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return out;
  }
  std::uint64_t operator()() { return next(); }

  // Uniform in [0, n) (0 when n is 0).
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
  double unit() { return to_unit(next()); }

  template <class T>
  void shuffle(T* first, T* last) {
    for (std::size_t n = static_cast<std::size_t>(last - first); n > 1; --n)
      std::swap(first[n - 1], first[below(n)]);
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    shuffle(v.data(), v.data() + v.size());
  }
  // Keeps a uniformly random subset of `k` elements of `v` (in random order).
  template <class T>
  void sample(std::vector<T>& v, std::size_t k) {
    if (k >= v.size()) {
      shuffle(v);
      return;
    }
    for (std::size_t i = 0; i < k; ++i) std::swap(v[i], v[i + below(v.size() - i)]);
    v.resize(k);
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace p2pgossip
