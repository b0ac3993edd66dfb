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
    const std::size_t w = first_free_word();
    std::uint32_t i;
    if (w < free_.size()) {
      const int bit = std::countr_zero(free_[w]);
      free_[w] &= free_[w] - 1;
      if (!free_[w]) summary_[w / 64] &= ~(std::uint64_t{1} << (w % 64));
      i = static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(bit));
      items_[i] = std::move(value);
    } else {
      i = static_cast<std::uint32_t>(items_.size());
      items_.push_back(std::move(value));
      if (items_.size() > free_.size() * 64) {
        free_.push_back(0);
        if (free_.size() > summary_.size() * 64) summary_.push_back(0);
      }
    }
    return i;
  }
  // The entry at `i`, its place freed. A moved-from T must hold nothing (a smart pointer,
  // a vector, a plain struct of them): the place is not reset.
  T take(std::uint32_t i) {
    T value = std::move(items_[i]);
    const std::size_t w = i / 64;
    free_[w] |= std::uint64_t{1} << (i % 64);
    summary_[w / 64] |= std::uint64_t{1} << (w % 64);
    first_summary_ = std::min(first_summary_, w / 64);
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
    return items_.capacity() * sizeof(T) +
           (free_.capacity() + summary_.capacity()) * sizeof(std::uint64_t);
  }

 private:
  // The lowest word of free_ with a free place, or free_.size(). The summary has a bit a
  // word of free_: scanning free_ itself for the first such word cost a burst's table of
  // 600,000 packets (10,000 words, nearly all full) 30% of the run.
  std::size_t first_free_word() {
    for (; first_summary_ < summary_.size(); ++first_summary_)
      if (const std::uint64_t s = summary_[first_summary_])
        return first_summary_ * 64 + static_cast<std::size_t>(std::countr_zero(s));
    return free_.size();
  }

  // Drops the free places at the end, and the capacity once it is four times what is left.
  void trim() {
    while (!items_.empty()) {
      const std::size_t last = items_.size() - 1, w = last / 64;
      const std::uint64_t bit = std::uint64_t{1} << (last % 64);
      if (!(free_[w] & bit)) break;
      free_[w] &= ~bit;
      if (!free_[w]) summary_[w / 64] &= ~(std::uint64_t{1} << (w % 64));
      items_.pop_back();
    }
    free_.resize((items_.size() + 63) / 64);
    summary_.resize((free_.size() + 63) / 64);
    first_summary_ = std::min(first_summary_, summary_.size());
    if (items_.capacity() > 4 * items_.size() + 1024) {
      items_.shrink_to_fit();
      free_.shrink_to_fit();
      summary_.shrink_to_fit();
    }
  }

  std::vector<T> items_;
  std::vector<std::uint64_t> free_;     // bit i % 64 of word i / 64: items_[i] is free
  std::vector<std::uint64_t> summary_;  // bit w % 64 of word w / 64: free_[w] is not 0
  std::size_t first_summary_ = 0;       // summary_'s words before this one are 0
};

}  // namespace p2pgossip::sim
