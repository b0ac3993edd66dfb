// The router's only source of randomness: a generator seeded by the constructor, with
// shuffling and sampling written out so results do not depend on the standard library.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace p2pgossip::router {

class Random {
 public:
  explicit Random(std::uint64_t seed) : gen_(seed) {}

  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(gen_() % n) : 0; }

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
  std::mt19937_64 gen_;
};

}  // namespace p2pgossip::router
