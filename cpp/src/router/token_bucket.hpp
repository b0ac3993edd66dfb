// Token bucket for per-peer inbound rate limits: `rate` tokens per second refill a bucket of
// depth `rate * burst_s`; a rate of 0 disables the bucket. Starts full. Rate and burst are
// the router's configuration, passed to take() rather than kept in every peer's two buckets,
// so a peer's receive-path state fits one cache line.
#pragma once

#include <algorithm>

#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate, double burst_s, Instant now) : tokens_(rate * burst_s), last_(now) {}

  // Whether `cost` tokens are available after refilling to `now`; takes nothing.
  bool admits(double cost, double rate, double burst_s, Instant now) {
    if (rate <= 0) return true;
    if (now > last_) {
      tokens_ = std::min(rate * burst_s,
                         tokens_ + rate * std::chrono::duration<double>(now - last_).count());
      last_ = now;
    }
    return tokens_ >= cost;
  }
  // Tokens available after refilling to `now` (a very large number when disabled).
  double available(double rate, double burst_s, Instant now) {
    if (rate <= 0) return 1e18;
    admits(0, rate, burst_s, now);
    return tokens_;
  }
  // Takes `cost` tokens if available after refilling to `now`.
  bool take(double cost, double rate, double burst_s, Instant now) {
    if (rate <= 0) return true;
    if (!admits(cost, rate, burst_s, now)) return false;
    tokens_ -= cost;
    return true;
  }
  double tokens() const { return tokens_; }
  // Tokens there would be at `now`, without refilling (a question that changes nothing).
  double level(double rate, double burst_s, Instant now) const {
    if (rate <= 0 || now <= last_) return tokens_;
    return std::min(rate * burst_s,
                    tokens_ + rate * std::chrono::duration<double>(now - last_).count());
  }

 private:
  double tokens_ = 0;
  Instant last_{};
};

}  // namespace p2pgossip::router
