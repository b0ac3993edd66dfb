// SlotSet: a set of a router's peer slots, kept per message id (who sent it, who we asked
// for it), so small: slots 0-63 as bits, higher ones (routers of more than 64 peers) in a
// list allocated on the first. A message comes from most of the mesh (7 copies a message at
// degree 16), and a list of slots with six inline took the heap past them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace p2pgossip::router {

class SlotSet {
 public:
  SlotSet() = default;
  explicit SlotSet(std::uint32_t first) { add(first); }

  bool contains(std::uint32_t slot) const {
    if (slot < 64) return low_ >> slot & 1;
    return more_ && std::find(more_->begin(), more_->end(), slot) != more_->end();
  }
  void add(std::uint32_t slot) {
    if (slot < 64) {
      low_ |= std::uint64_t{1} << slot;
      return;
    }
    if (!more_) more_ = std::make_unique<std::vector<std::uint32_t>>();
    if (std::find(more_->begin(), more_->end(), slot) == more_->end()) more_->push_back(slot);
  }
  // The slot's peer is gone; a new peer may get its slot.
  void remove(std::uint32_t slot) {
    if (slot < 64)
      low_ &= ~(std::uint64_t{1} << slot);
    else if (more_)
      std::erase(*more_, slot);
  }
  std::size_t heap_bytes() const { return more_ ? more_->capacity() * sizeof(std::uint32_t) : 0; }

 private:
  std::uint64_t low_ = 0;
  std::unique_ptr<std::vector<std::uint32_t>> more_;
};

}  // namespace p2pgossip::router
