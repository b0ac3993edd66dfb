// Counters and gauges written by one thread (the node's I/O thread or the simulator) and read
// by any: a relaxed load and store, no read-modify-write and no lock on the hot path.
#pragma once

#include <atomic>
#include <cstdint>

namespace p2pgossip::metrics {

// Monotonic count. Single writer: inc() from two threads at once loses increments.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Mirrors a count kept elsewhere by the same writer (e.g. router::Counters).
  void set(std::uint64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// A value that goes up and down (peers, mesh size, score).
class Gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

}  // namespace p2pgossip::metrics
