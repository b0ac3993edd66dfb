// Router::read_pause: when a shell should stop reading a peer whose inbound budget is nearly
// spent (issue 10: slow an over-budget peer before dropping what it sends).
#include <algorithm>
#include <cmath>

#include "router_state.hpp"

namespace p2pgossip::router {

namespace {

// What one read may bring, at most, in each bucket's unit: the runtime reads 32 KiB at a
// time, and a small signed message is a few hundred bytes.
constexpr double kReadMessages = 128;
constexpr double kReadBytes = 64 << 10;

// Seconds until `bucket` holds twice a read's worth (at most its depth), when it holds less
// than one read's worth now; 0 otherwise.
double wait_for(const TokenBucket& bucket, double rate, double burst_s, double read, Instant now) {
  if (rate <= 0 || !std::isfinite(rate)) return 0;
  const double depth = rate * burst_s;
  const double low = std::min(read, depth / 2);
  const double level = bucket.level(rate, burst_s, now);
  if (level >= low) return 0;
  return (std::min(2 * low, depth) - level) / rate;
}

}  // namespace

std::optional<Duration> Router::read_pause(PeerIndex peer, Instant now) const {
  const auto slot = s_->slot_of(peer);
  if (!slot) return std::nullopt;
  const PeerState& p = s_->peers[*slot];
  const GossipConfig& cfg = s_->cfg;
  const double seconds = std::max(
      wait_for(p.message_bucket, cfg.rate_limit_messages_per_s, cfg.rate_limit_burst_s,
               kReadMessages, now),
      wait_for(p.byte_bucket, cfg.rate_limit_bytes_per_s, cfg.rate_limit_burst_s, kReadBytes, now));
  if (seconds <= 0) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

}  // namespace p2pgossip::router
