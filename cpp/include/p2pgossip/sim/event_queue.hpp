// The simulator's pending events, ordered by (virtual time, insertion sequence) so ties
// break deterministically in FIFO order. Events carry indices, never owning pointers.
//
// A calendar queue (timer wheel): virtual time is cut into buckets of kBucketNs, and the
// next kBuckets buckets are unsorted vectors that a push appends to. When the wheel reaches
// a bucket it sorts that bucket once and pops from the front, so most events cost an append
// and a share of one small sort instead of a heap's cache-missing sift. Events pushed into
// the bucket being consumed go to a small heap beside it, and events beyond the wheel's
// horizon (heartbeats, scheduled commands) to an overflow heap until the wheel nears them.
// Pushes earlier than the last pop are allowed and pop next, as in a plain heap.
#pragma once

#include <algorithm>
#include <cstdint>
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
  static constexpr int kBucketBits = 16;          // 65.5 us of virtual time per bucket
  static constexpr std::int64_t kBuckets = 8192;  // a horizon of 537 ms

  EventQueue() : wheel_(kBuckets) {}

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::uint64_t pushed() const { return next_seq_; }

  void push(std::int64_t time, EventKind kind, std::uint32_t node, std::uint32_t arg) {
    const Event e{time, next_seq_++, node, arg, kind};
    ++size_;
    const std::int64_t b = bucket(time);
    if (b <= current_) {
      heap_push(late_, e);
    } else if (b < current_ + kBuckets) {
      to_wheel(b, e);
    } else {
      heap_push(far_, e);
    }
  }

  // The earliest event; the queue must not be empty.
  const Event& top() {
    settle();
    if (late_.empty() || (pos_ < run_.size() && before(run_[pos_], late_.front())))
      return run_[pos_];
    return late_.front();
  }

  // The event `k` places after the next one in the current bucket, if known without work:
  // a look-ahead for prefetching, not an ordering promise.
  const Event* ahead(std::size_t k) const {
    return pos_ + k < run_.size() ? &run_[pos_ + k] : nullptr;
  }

  Event pop() {
    const Event e = top();
    --size_;
    if (pos_ < run_.size() && run_[pos_].seq == e.seq) {
      ++pos_;
    } else {
      heap_pop(late_);
    }
    return e;
  }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  static std::int64_t bucket(std::int64_t time) { return time >> kBucketBits; }

  // Makes the current bucket hold the earliest events, advancing the wheel if it is spent.
  void settle() {
    if (size_ == 0) return;
    while (pos_ == run_.size() && late_.empty()) {
      run_.clear();
      pos_ = 0;
      if (in_wheel_ == 0) {
        // Nothing on the wheel: jump to the overflow heap's first bucket.
        current_ = bucket(far_.front().time) - 1;
      }
      ++current_;
      refill_from_far();
      auto& slot = wheel_[static_cast<std::size_t>(current_ & (kBuckets - 1))];
      if (slot.empty()) continue;
      in_wheel_ -= slot.size();
      run_.swap(slot);
      if (slot.capacity() > 0) spare_.push_back(std::move(slot));
      std::sort(run_.begin(), run_.end(), before);
    }
  }

  // Moves overflow events that are now within the horizon onto the wheel.
  void refill_from_far() {
    while (!far_.empty() && bucket(far_.front().time) < current_ + kBuckets) {
      const Event e = far_.front();
      heap_pop(far_);
      if (bucket(e.time) <= current_) {
        heap_push(late_, e);
      } else {
        to_wheel(bucket(e.time), e);
      }
    }
  }

  // A bucket holds storage only while it has events; spent buckets' storage is reused.
  void to_wheel(std::int64_t b, const Event& e) {
    auto& slot = wheel_[static_cast<std::size_t>(b & (kBuckets - 1))];
    if (slot.capacity() == 0 && !spare_.empty()) {
      slot.swap(spare_.back());
      spare_.pop_back();
    }
    slot.push_back(e);
    ++in_wheel_;
  }

  static void heap_push(std::vector<Event>& h, const Event& e) {
    h.push_back(e);
    std::push_heap(h.begin(), h.end(), [](const Event& a, const Event& b) { return before(b, a); });
  }
  static void heap_pop(std::vector<Event>& h) {
    std::pop_heap(h.begin(), h.end(), [](const Event& a, const Event& b) { return before(b, a); });
    h.pop_back();
  }

  std::vector<std::vector<Event>>
      wheel_;  // bucket b at b % kBuckets, for b in (current_, +kBuckets)
  std::vector<std::vector<Event>> spare_;  // empty vectors with capacity, for to_wheel
  std::vector<Event> run_;                 // the current bucket, sorted; consumed from pos_
  std::size_t pos_ = 0;
  std::vector<Event> late_;  // min-heap: pushed into the current bucket (or earlier) meanwhile
  std::vector<Event> far_;   // min-heap: beyond the wheel's horizon
  std::int64_t current_ = -1;
  std::size_t in_wheel_ = 0;
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 0;
};

}  // namespace p2pgossip::sim
