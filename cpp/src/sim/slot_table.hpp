// SlotTable: a vector whose freed places are reused, lowest first, so that its live entries
// stay packed at the front and the tail a burst left can be given back. A simulation's
// packet tables peak when every node greets its peers at once (hundreds of thousands of
// RPCs in flight) and hold a few thousand afterwards: reusing the last freed place (a free
// stack) kept the peak's table, touched and so resident, for the run's life.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace p2pgossip::sim {

template <class T>
class SlotTable {
 public:
  // A place for `value`: the lowest free one, or a new one at the end.
  std::uint32_t put(T value) {
    while (first_free_ < free_.size() && free_[first_free_] == 0) ++first_free_;
    std::uint32_t i;
    if (first_free_ < free_.size()) {
      const int bit = std::countr_zero(free_[first_free_]);
      free_[first_free_] &= free_[first_free_] - 1;
      i = static_cast<std::uint32_t>(first_free_ * 64 + bit);
      items_[i] = std::move(value);
    } else {
      i = static_cast<std::uint32_t>(items_.size());
      items_.push_back(std::move(value));
      if (items_.size() > free_.size() * 64) free_.push_back(0);
    }
    return i;
  }
  // The entry at `i`, its place freed. A moved-from T must hold nothing (a smart pointer,
  // a vector, a plain struct of them): the place is not reset.
  T take(std::uint32_t i) {
    T value = std::move(items_[i]);
    free_[i / 64] |= std::uint64_t{1} << (i % 64);
    first_free_ = std::min<std::size_t>(first_free_, i / 64);
    if (i + 1 == items_.size()) trim();
    return value;
  }
  T& operator[](std::uint32_t i) { return items_[i]; }
  const T& operator[](std::uint32_t i) const { return items_[i]; }
  // Entries held (not freed).
  std::size_t size() const {
    std::size_t free = 0;
    for (std::uint64_t w : free_) free += static_cast<std::size_t>(std::popcount(w));
    return items_.size() - free;
  }
  // Bytes of the table itself (not what entries own).
  std::size_t memory_bytes() const {
    return items_.capacity() * sizeof(T) + free_.capacity() * sizeof(std::uint64_t);
  }

 private:
  // Drops the free places at the end, and the capacity once it is four times what is left.
  void trim() {
    while (!items_.empty()) {
      const std::size_t last = items_.size() - 1;
      std::uint64_t& word = free_[last / 64];
      const std::uint64_t bit = std::uint64_t{1} << (last % 64);
      if (!(word & bit)) break;
      word &= ~bit;
      items_.pop_back();
    }
    free_.resize((items_.size() + 63) / 64);
    first_free_ = std::min(first_free_, free_.size());
    if (items_.capacity() > 4 * items_.size() + 1024) {
      items_.shrink_to_fit();
      free_.shrink_to_fit();
    }
  }

  std::vector<T> items_;
  std::vector<std::uint64_t> free_;  // bit i % 64 of word i / 64: items_[i] is free
  std::size_t first_free_ = 0;       // no free place in the words before this one
};

}  // namespace p2pgossip::sim
