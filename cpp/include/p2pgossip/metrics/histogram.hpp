// Histograms with fixed log-scale buckets, single writer, lock-free readers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "p2pgossip/result.hpp"

namespace p2pgossip::metrics {

// Upper bounds (Prometheus `le`), strictly increasing and finite; +Inf is implicit.
class Buckets {
 public:
  // start, start*factor, ..., count bounds. Latency in seconds: exponential(1e-5, 2, 24)
  // spans 10 us to 84 s.
  static Result<Buckets> exponential(double start, double factor, std::size_t count);
  static Result<Buckets> explicit_bounds(std::vector<double> bounds);

  std::span<const double> bounds() const { return bounds_; }
  // The index of the first bound >= v; bounds().size() is the +Inf bucket (NaN goes there).
  std::size_t index(double v) const noexcept;

 private:
  explicit Buckets(std::vector<double> b) : bounds_(std::move(b)) {}
  std::vector<double> bounds_;
};

struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
  double sum = 0;
  std::uint64_t count = 0;
};

class Histogram {
 public:
  explicit Histogram(Buckets buckets);

  // Single writer. A reader may see a bucket incremented before count or sum; snapshot()
  // derives count from the buckets so the exposed le="+Inf" and _count always agree.
  // NaN is counted (in +Inf) but left out of the sum, which it would poison for good.
  void observe(double v) noexcept {
    auto& b = counts_[buckets_.index(v)];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (v != v) return;
    sum_.store(sum_.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  }
  HistogramSnapshot snapshot() const;
  const Buckets& buckets() const { return buckets_; }

 private:
  Buckets buckets_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one more than bounds: +Inf
  std::atomic<double> sum_{0.0};
};

}  // namespace p2pgossip::metrics
