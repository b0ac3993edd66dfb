// The simulator's pending events, ordered by (virtual time, node, key): the key is the
// pushing node's number and its own count of pushes, so the order is the same whichever
// thread pushed an event first (a parallel run, sim/parallel.cpp, pushes in any order).
// Events carry indices, never owning pointers.
//
// A two-level calendar queue (timer wheel). Virtual time is cut into near buckets of
// 2^kNearBits ns, grouped kNearBuckets to a far bucket; the wheel holds the far buckets of
// the next kFarBuckets * 2^kFarBits ns as unsorted lists that a push appends to, and the
// far bucket being consumed spread out into its near buckets. The current near bucket is
// sorted once and popped from the front. So a push is an append to one of the few far
// buckets a simulation's latencies reach (their ends stay in cache, where appending to one
// of thousands of near buckets missed it), and each event is moved once more, in order,
// when its far bucket comes up. Buckets are chains of fixed-size chunks from one free list,
// so the queue holds about as much memory as it has events (a growing vector per bucket
// held several times that at 10k nodes), and the free list gives back what a burst left
// (keeping a few). A bucket stores an event in 20 bytes, its time as an offset from the far
// bucket's start (a burst's millions of pending events are nearly all in buckets). Events
// pushed into the near bucket being consumed (or earlier) go to a small heap beside it, and
// events beyond the horizon (heartbeats, scheduled commands) to an overflow heap until the
// wheel nears them. Pushes earlier than the last pop are allowed and pop next, as in a plain
// heap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace p2pgossip::sim {

enum class EventKind : std::uint8_t {
  kRpcArrive,      // arg: in-flight RPC slot
  kTick,           // arg: the node's incarnation when scheduled (stale after a crash)
  kPublish,        // arg: the node's shard's slot of the message to publish
  kMessageArrive,  // a lone message on a link (most packets), the event the whole packet:
                   // arg, its carried-message index; the pushing node, its sender
};

// 24 bytes: the kind rides in the low bits of the key, so a burst's millions of pending
// events take a quarter less memory, and a quarter less to move and sort.
struct Event {
  std::int64_t time;    // virtual ns
  std::uint64_t order;  // key << 2 | kind: unique, the tie-breaker after (time, node)
  std::uint32_t node;
  std::uint32_t arg;
  std::uint64_t seq() const { return order >> 2; }
  EventKind kind() const { return static_cast<EventKind>(order & 3); }
  std::uint32_t pusher() const;  // the node that pushed it
};

// An event's key: the pushing node in the high bits, its count of pushes below.
constexpr int kPushBits = 34;
constexpr std::uint64_t event_key(std::uint32_t src, std::uint64_t pushes) {
  return std::uint64_t{src} << kPushBits | (pushes & ((std::uint64_t{1} << kPushBits) - 1));
}
inline std::uint32_t Event::pusher() const {
  return static_cast<std::uint32_t>(order >> (2 + kPushBits));
}
static_assert(sizeof(Event) == 24, "a burst holds millions of pending events: keep them small");

class EventQueue {
 public:
  static constexpr int kNearBits = 16;              // 65.5 us of virtual time per near bucket
  static constexpr int kFarBits = 22;               // 4.2 ms per far bucket
  static constexpr std::int64_t kFarBuckets = 256;  // a horizon of 1.07 s
  static constexpr std::int64_t kNearBuckets = std::int64_t{1} << (kFarBits - kNearBits);

  EventQueue() : near_(kNearBuckets), far_(kFarBuckets) {}

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // Bytes the queue holds: its chunks (in buckets and free) and its heaps and run.
  std::size_t memory_bytes() const {
    return (in_use_ + free_.size()) * sizeof(Chunk) +
           (run_.capacity() + late_.capacity() + overflow_.capacity()) * sizeof(Event);
  }
  // Bytes of chunks freed since the queue was made (the caller may then trim the heap).
  std::uint64_t released_bytes() const { return released_ * sizeof(Chunk); }

  // `key` (event_key) must be unique among pending events.
  void push(std::int64_t time, EventKind kind, std::uint32_t node, std::uint32_t arg,
            std::uint64_t key) {
    const Event e{time, key << 2 | static_cast<std::uint64_t>(kind), node, arg};
    ++size_;
    place(e);
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
    if (pos_ < run_.size() && run_[pos_].order == e.order) {
      ++pos_;
    } else {
      heap_pop(late_);
    }
    return e;
  }

 private:
  // An event in a bucket: its time as an offset from the start of its far bucket (which a
  // near bucket shares with the far bucket being consumed), all fields 4-byte aligned.
  struct Stored {
    std::uint32_t offset;
    std::uint32_t order_low, order_high;
    std::uint32_t node;
    std::uint32_t arg;
  };
  static_assert(sizeof(Stored) == 20);
  static Stored stored(const Event& e, std::int64_t base) {
    return Stored{static_cast<std::uint32_t>(e.time - base), static_cast<std::uint32_t>(e.order),
                  static_cast<std::uint32_t>(e.order >> 32), e.node, e.arg};
  }
  static Event event(const Stored& s, std::int64_t base) {
    return Event{base + s.offset, std::uint64_t{s.order_high} << 32 | s.order_low, s.node, s.arg};
  }
  static std::int64_t far_start(std::int64_t far) { return far << kFarBits; }

  // A bucket: its events in push order, in chunks taken from (and given back to) free_.
  static constexpr std::size_t kChunkEvents = 256;  // 5 KiB
  static constexpr std::size_t kSpareChunks = 64;   // kept free
  struct Chunk {
    Stored events[kChunkEvents];
  };
  struct Bucket {
    std::vector<std::unique_ptr<Chunk>> chunks;
    std::size_t size = 0;
  };

  static bool before(const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.node != b.node ? a.node < b.node : a.order < b.order;
  }
  static std::int64_t near_bucket(std::int64_t time) { return time >> kNearBits; }
  static std::int64_t far_bucket(std::int64_t time) { return time >> kFarBits; }
  Bucket& near_of(std::int64_t time) {
    return near_[static_cast<std::size_t>(near_bucket(time) & (kNearBuckets - 1))];
  }
  Bucket& far_of(std::int64_t time) {
    return far_[static_cast<std::size_t>(far_bucket(time) & (kFarBuckets - 1))];
  }

  // Files an event by how far ahead it is: the current near bucket's heap, a near bucket of
  // the far bucket being consumed, a far bucket, or the overflow heap.
  void place(const Event& e) {
    const std::int64_t f = far_bucket(e.time);
    if (near_bucket(e.time) <= current_near_) {
      heap_push(late_, e);
    } else if (f == current_far_) {
      append(near_of(e.time), stored(e, far_start(f)));
      ++in_near_;
    } else if (f < current_far_ + kFarBuckets) {
      append(far_of(e.time), stored(e, far_start(f)));
      ++in_far_;
    } else {
      heap_push(overflow_, e);
    }
  }

  // Makes the current near bucket hold the earliest events, advancing the wheel if it is
  // spent.
  void settle() {
    if (size_ == 0) return;
    while (pos_ == run_.size() && late_.empty()) {
      run_.clear();
      pos_ = 0;
      if (in_near_ == 0) {
        next_far_bucket();
        continue;
      }
      ++current_near_;
      Bucket& bucket = near_[static_cast<std::size_t>(current_near_ & (kNearBuckets - 1))];
      if (bucket.size == 0) continue;
      in_near_ -= bucket.size;
      const std::int64_t base = far_start(current_far_);
      run_.reserve(bucket.size);
      drain(bucket, [this, base](const Stored& s) { run_.push_back(event(s, base)); });
      // A lambda, not `before` itself: a function pointer would not be inlined.
      std::sort(run_.begin(), run_.end(),
                [](const Event& a, const Event& b) { return before(a, b); });
    }
  }

  // Spreads the next far bucket with events over the near buckets.
  void next_far_bucket() {
    // Nothing on the wheel: jump to the overflow heap's first far bucket.
    current_far_ = in_far_ == 0 ? far_bucket(overflow_.front().time) : current_far_ + 1;
    current_near_ = (current_far_ << (kFarBits - kNearBits)) - 1;
    while (!overflow_.empty() && far_bucket(overflow_.front().time) < current_far_ + kFarBuckets) {
      const Event e = overflow_.front();
      heap_pop(overflow_);
      ++in_far_;
      append(far_of(e.time), stored(e, far_start(far_bucket(e.time))));
    }
    Bucket& bucket = far_[static_cast<std::size_t>(current_far_ & (kFarBuckets - 1))];
    in_far_ -= bucket.size;
    in_near_ += bucket.size;
    // Near buckets count from the same start as the far bucket: offsets stay as they are.
    drain(bucket, [this](const Stored& s) { append(near_[s.offset >> kNearBits], s); });
  }

  void append(Bucket& bucket, const Stored& e) {
    const std::size_t at = bucket.size++ % kChunkEvents;
    if (at == 0) bucket.chunks.push_back(take_chunk());
    bucket.chunks.back()->events[at] = e;
  }

  // Hands `bucket`'s events to `f` one at a time, in push order (`f` may append to other
  // buckets), then empties it and frees its chunks.
  template <class F>
  void drain(Bucket& bucket, F&& f) {
    std::size_t left = bucket.size;
    for (const auto& c : bucket.chunks) {
      const std::size_t n = std::min(left, kChunkEvents);
      for (std::size_t i = 0; i < n; ++i) f(c->events[i]);
      left -= n;
    }
    bucket.size = 0;
    in_use_ -= bucket.chunks.size();
    for (auto it = bucket.chunks.rbegin(); it != bucket.chunks.rend(); ++it)
      free_.push_back(std::move(*it));
    bucket.chunks.clear();
    // Beyond a few spare, chunks go back to malloc at once: as a burst's events drain, the
    // message tables grow, and the peak is when both are high. Malloc keeps what is freed
    // for reuse, so a queue hovering around a size pays a free and a malloc per 256 events.
    if (free_.size() > kSpareChunks) {
      released_ += free_.size() - kSpareChunks;
      free_.resize(kSpareChunks);
    }
  }

  std::unique_ptr<Chunk> take_chunk() {
    ++in_use_;
    if (free_.empty()) return std::make_unique_for_overwrite<Chunk>();
    std::unique_ptr<Chunk> c = std::move(free_.back());
    free_.pop_back();
    return c;
  }

  static void heap_push(std::vector<Event>& h, const Event& e) {
    h.push_back(e);
    std::push_heap(h.begin(), h.end(), [](const Event& a, const Event& b) { return before(b, a); });
  }
  static void heap_pop(std::vector<Event>& h) {
    std::pop_heap(h.begin(), h.end(), [](const Event& a, const Event& b) { return before(b, a); });
    h.pop_back();
  }

  std::vector<Bucket> near_;  // near bucket b at b % kNearBuckets, of current_far_
  std::vector<Bucket> far_;   // far bucket f at f % kFarBuckets, after current_far_
  std::vector<std::unique_ptr<Chunk>> free_;
  std::size_t in_use_ = 0;  // chunks in buckets
  std::uint64_t released_ = 0;
  std::vector<Event> run_;  // the current near bucket, sorted; consumed from pos_
  std::size_t pos_ = 0;
  std::vector<Event> late_;      // min-heap: pushed into the current near bucket (or earlier)
  std::vector<Event> overflow_;  // min-heap: beyond the wheel's horizon
  std::int64_t current_near_ = -1;
  std::int64_t current_far_ = -1;
  std::size_t in_near_ = 0;  // events in near_
  std::size_t in_far_ = 0;   // events in far_
  std::size_t size_ = 0;
};

}  // namespace p2pgossip::sim
