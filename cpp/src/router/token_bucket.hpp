// Token bucket for per-peer inbound rate limits: `rate` tokens per second refill a bucket of
// depth `rate * burst_s`; a rate of 0 disables the bucket. Starts full.
#pragma once

#include <algorithm>

#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate, double burst_s, Instant now)
      : rate_(rate), depth_(rate * burst_s), tokens_(rate * burst_s), last_(now) {}

  // Takes `cost` tokens if available after refilling to `now`.
  bool take(double cost, Instant now) {
    if (rate_ <= 0) return true;
    if (now > last_) {
      tokens_ =
          std::min(depth_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
      last_ = now;
    }
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }
  double tokens() const { return tokens_; }

 private:
  double rate_ = 0, depth_ = 0, tokens_ = 0;
  Instant last_{};
};

}  // namespace p2pgossip::router
