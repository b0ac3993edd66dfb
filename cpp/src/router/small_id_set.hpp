// SmallIdSet: a sorted set of 32-bit ids that holds up to four in place, in the 24 bytes a
// std::vector takes, and moves to the heap beyond. A router keeps one per peer (the topics
// it subscribes to): nearly always one or two, and a vector of one cost a 32-byte heap block
// per peer (half a KiB a node in a simulation of 16 peers a node).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace p2pgossip::router {

class SmallIdSet {
 public:
  SmallIdSet() = default;
  SmallIdSet(SmallIdSet&& o) noexcept { take(o); }
  SmallIdSet& operator=(SmallIdSet&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  SmallIdSet(const SmallIdSet&) = delete;
  SmallIdSet& operator=(const SmallIdSet&) = delete;
  ~SmallIdSet() { release(); }

  std::size_t size() const { return size_; }
  const std::uint32_t* begin() const { return data(); }
  const std::uint32_t* end() const { return data() + size_; }
  bool contains(std::uint32_t x) const { return std::binary_search(begin(), end(), x); }

  // Adds `x`; false if it was there.
  bool insert(std::uint32_t x) {
    const std::uint32_t* at = std::lower_bound(begin(), end(), x);
    if (at != end() && *at == x) return false;
    const std::size_t i = static_cast<std::size_t>(at - begin());
    if (size_ == capacity_) grow();
    std::uint32_t* d = data();
    std::memmove(d + i + 1, d + i, (size_ - i) * sizeof(std::uint32_t));
    d[i] = x;
    ++size_;
    return true;
  }
  // Removes `x`; false if it was not there.
  bool erase(std::uint32_t x) {
    const std::uint32_t* at = std::lower_bound(begin(), end(), x);
    if (at == end() || *at != x) return false;
    const std::size_t i = static_cast<std::size_t>(at - begin());
    std::uint32_t* d = data();
    std::memmove(d + i, d + i + 1, (size_ - i - 1) * sizeof(std::uint32_t));
    --size_;
    return true;
  }

 private:
  static constexpr std::uint32_t kInline = 4;
  bool on_heap() const { return capacity_ > kInline; }
  std::uint32_t* data() { return on_heap() ? heap_ : inline_; }
  const std::uint32_t* data() const { return on_heap() ? heap_ : inline_; }

  void grow() {
    const std::uint32_t capacity = capacity_ * 2;
    auto* bigger = new std::uint32_t[capacity];
    std::memcpy(bigger, data(), size_ * sizeof(std::uint32_t));
    release();
    heap_ = bigger;
    capacity_ = capacity;
  }
  void release() {
    if (on_heap()) delete[] heap_;
    capacity_ = kInline;
  }
  // Takes o's ids (o is left empty); this holds nothing.
  void take(SmallIdSet& o) {
    size_ = o.size_;
    capacity_ = o.capacity_;
    if (o.on_heap())
      heap_ = o.heap_;
    else
      std::memcpy(inline_, o.inline_, sizeof(inline_));
    o.size_ = 0;
    o.capacity_ = kInline;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInline;  // beyond kInline: the ids are on the heap
  union {
    std::uint32_t inline_[kInline];
    std::uint32_t* heap_;
  };
};
static_assert(sizeof(SmallIdSet) == 24);

}  // namespace p2pgossip::router
