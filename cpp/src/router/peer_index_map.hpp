// PeerIndexMap: the router's map from the shell's peer index to its own slot, read by every
// input. An open-addressing table of packed (index, slot) words in 64-byte aligned lines of
// eight, at most half full, whose probe starts at the first word of a line: a lookup reads
// one line, and the line's address follows from the index alone, so it can be prefetched
// without reading anything first (a sorted vector needed two or three lines, found by
// reading its header).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class PeerIndexMap {
 public:
  std::optional<std::uint32_t> find(PeerIndex index) const {
    if (!mask_) return std::nullopt;
    for (std::size_t i = home(index);; i = (i + 1) & mask_) {
      const std::uint64_t w = word(i);
      if (w == kEmpty) return std::nullopt;
      if (key(w) == index) return static_cast<std::uint32_t>(w);
    }
  }

  void prefetch(PeerIndex index) const {
    if (mask_) __builtin_prefetch(&word(home(index)));
  }

  // Maps `index` (not kLocalPeer) to `slot`, replacing an earlier mapping.
  void insert(PeerIndex index, std::uint32_t slot) {
    erase(index);
    if ((size_ + 1) * 2 > capacity()) grow();
    place(index, slot);
    ++size_;
  }

  void erase(PeerIndex index) {
    if (!mask_) return;
    std::size_t i = home(index);
    for (;; i = (i + 1) & mask_) {
      if (word(i) == kEmpty) return;
      if (key(word(i)) == index) break;
    }
    // Backward-shift deletion keeps probe chains intact without tombstones.
    for (std::size_t j = i;;) {
      j = (j + 1) & mask_;
      if (word(j) == kEmpty) break;
      const std::size_t at = home(key(word(j)));
      // Word j may move to i iff i lies cyclically in [at, j).
      if ((j > i) ? (at <= i || at > j) : (at <= i && at > j)) {
        word(i) = word(j);
        i = j;
      }
    }
    word(i) = kEmpty;
    --size_;
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // no slot is 0xffffffff
  static constexpr std::size_t kPerLine = 8;
  struct alignas(64) Line {
    std::uint64_t words[kPerLine];
  };

  static PeerIndex key(std::uint64_t w) { return static_cast<PeerIndex>(w >> 32); }
  std::size_t capacity() const { return mask_ ? mask_ + 1 : 0; }
  std::size_t home(PeerIndex index) const {
    const std::uint64_t h = (index + std::uint64_t{1}) * 0x9e3779b97f4a7c15ULL;
    return (h >> 32) & mask_ & ~(kPerLine - 1);
  }
  std::uint64_t& word(std::size_t i) { return lines_[i / kPerLine].words[i % kPerLine]; }
  const std::uint64_t& word(std::size_t i) const {
    return lines_[i / kPerLine].words[i % kPerLine];
  }

  void place(PeerIndex index, std::uint32_t slot) {
    std::size_t i = home(index);
    while (word(i) != kEmpty) i = (i + 1) & mask_;
    word(i) = std::uint64_t{index} << 32 | slot;
  }

  void grow() {
    const std::unique_ptr<Line[]> old = std::move(lines_);
    const std::size_t old_lines = capacity() / kPerLine;
    const std::size_t slots = mask_ ? capacity() * 2 : 2 * kPerLine;
    lines_ = std::make_unique<Line[]>(slots / kPerLine);
    for (std::size_t l = 0; l < slots / kPerLine; ++l)
      for (auto& w : lines_[l].words) w = kEmpty;
    mask_ = slots - 1;
    for (std::size_t l = 0; l < old_lines; ++l)
      for (std::uint64_t w : old[l].words)
        if (w != kEmpty) place(key(w), static_cast<std::uint32_t>(w));
  }

  // Three words, so the map fits the router's hot lines.
  std::unique_ptr<Line[]> lines_;
  std::size_t mask_ = 0;  // capacity - 1, or 0 before the first insert
  std::size_t size_ = 0;
};

}  // namespace p2pgossip::router
