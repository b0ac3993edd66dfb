#include "p2pgossip/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace p2pgossip::metrics {

Result<Buckets> Buckets::exponential(double start, double factor, std::size_t count) {
  if (!(start > 0) || !std::isfinite(start))
    return Error{"Buckets.exponential.start: must be finite and > 0"};
  if (!(factor > 1) || !std::isfinite(factor))
    return Error{"Buckets.exponential.factor: must be finite and > 1"};
  if (count == 0 || count > 256) return Error{"Buckets.exponential.count: must be 1..256"};
  std::vector<double> b(count);
  double v = start;
  for (auto& x : b) {
    x = v;
    v *= factor;
  }
  return explicit_bounds(std::move(b));
}

Result<Buckets> Buckets::explicit_bounds(std::vector<double> bounds) {
  if (bounds.empty() || bounds.size() > 256) return Error{"Buckets.bounds: must hold 1..256"};
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return Error{"Buckets.bounds: must be finite (+Inf is implied)"};
    if (i > 0 && !(bounds[i] > bounds[i - 1]))
      return Error{"Buckets.bounds[" + std::to_string(i) + "]: must be strictly increasing"};
  }
  return Buckets(std::move(bounds));
}

std::size_t Buckets::index(double v) const noexcept {
  if (std::isnan(v)) return bounds_.size();
  // Buckets are few (<= 256), and lower_bound makes "le" inclusive: v == bound counts there.
  return static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                  bounds_.begin());
}

Histogram::Histogram(Buckets buckets)
    : buckets_(std::move(buckets)),
      counts_(new std::atomic<std::uint64_t>[buckets_.bounds().size() + 1]) {
  for (std::size_t i = 0; i <= buckets_.bounds().size(); ++i) counts_[i].store(0);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  auto bounds = buckets_.bounds();
  s.bounds.assign(bounds.begin(), bounds.end());
  s.cumulative.resize(bounds.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace p2pgossip::metrics
