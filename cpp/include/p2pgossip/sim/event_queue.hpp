// The simulator's pending events: a 4-ary min-heap of small POD events ordered by
// (virtual time, insertion sequence), so ties break deterministically in FIFO order.
// Events carry indices, never owning pointers: pushing or popping allocates nothing
// once the heap's storage has grown to the run's peak.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace p2pgossip::sim {

enum class EventKind : std::uint8_t {
  kRpcArrive,  // arg: in-flight RPC slot
  kTick,       // arg: the node's incarnation when scheduled (stale after a crash)
  kCommand,    // arg: index of a scheduled user command
};

struct Event {
  std::int64_t time;  // virtual ns
  std::uint64_t seq;  // insertion order, unique: the tie-breaker
  std::uint32_t node;
  std::uint32_t arg;
  EventKind kind;
};

class EventQueue {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  std::uint64_t pushed() const { return next_seq_; }

  void push(std::int64_t time, EventKind kind, std::uint32_t node, std::uint32_t arg) {
    Event e{time, next_seq_++, node, arg, kind};
    std::size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  Event pop() {
    const Event out = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return out;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return out;
  }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace p2pgossip::sim
