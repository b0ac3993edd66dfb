// The message bodies a node's outboxes hold, each once. A forward to D peers queues D
// references to one shared message object, so the memory a node's queues hold is their
// entries plus each distinct body, not D encoded copies: a budget that charged every copy
// refused most of a 400-node burst in one process (and lost some of it for good) while the
// queues held a third of what it counted.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "p2pgossip/message.hpp"

namespace p2pgossip::host {

// Holders by message address, open addressing with linear probing: one probe or two a
// forward queued or sent, and no allocation per message (a node-based map allocated one a
// delivery). Grows while more than half full; back to kKeptSlots (16 KiB) once empty.
class QueuedBodies {
 public:
  // One more holder of `message`; true when it is the first (its body is now held).
  bool hold(const Message* message);
  // One holder fewer (there must be one); true when it was the last.
  bool release(const Message* message);
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kKeptSlots = 1024;
  struct Slot {
    const Message* message = nullptr;
    std::uint32_t holders = 0;
  };
  std::size_t home(const Message* message) const;
  std::size_t find(const Message* message) const;  // its slot, or the empty one ending its run
  void grow();

  std::vector<Slot> slots_;  // a power of two, or empty until the first hold
  std::size_t size_ = 0;
};

// Inline: a probe or two for every copy queued and sent (out of line, each went through the
// shared library's PLT).
inline std::size_t QueuedBodies::home(const Message* message) const {
  // Fibonacci hashing of the address: allocations are aligned, so the low bits say little.
  const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(message));
  return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ull) >> 32) & (slots_.size() - 1);
}

inline std::size_t QueuedBodies::find(const Message* message) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(message);
  while (slots_[i].message && slots_[i].message != message) i = (i + 1) & mask;
  return i;
}

inline void QueuedBodies::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : 2 * old.size(), Slot{});
  for (const Slot& s : old)
    if (s.message) slots_[find(s.message)] = s;
}

inline bool QueuedBodies::hold(const Message* message) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  Slot& s = slots_[find(message)];
  if (s.message) return ++s.holders, false;
  s = Slot{message, 1};
  ++size_;
  return true;
}

inline bool QueuedBodies::release(const Message* message) {
  std::size_t i = find(message);
  assert(slots_[i].message == message && slots_[i].holders > 0);
  if (--slots_[i].holders > 0) return false;
  --size_;
  // Backward-shift deletion: entries after the hole that could live in it move up, so every
  // run stays unbroken and no tombstones pile up.
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t j = (i + 1) & mask; slots_[j].message; j = (j + 1) & mask) {
    const std::size_t k = home(slots_[j].message);
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
  // Queues drain every I/O turn, so the table empties often: one a turn's fan-out needs stays
  // (shrunk each turn, it was regrown each turn), a burst's goes back once it is sent.
  if (size_ == 0 && slots_.size() > kKeptSlots) slots_ = std::vector<Slot>(kKeptSlots);
  return true;
}

}  // namespace p2pgossip::host
