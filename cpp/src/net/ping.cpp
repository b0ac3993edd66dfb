#include "p2pgossip/net/ping.hpp"

#include <algorithm>

namespace p2pgossip::net::ping {

Status Pinger::ping(const Payload& random, Instant now) {
  if (failed_) return Error{"ping: stream failed"};
  if (sent_at_) return Error{"ping: a ping is already outstanding"};
  sent_ = random;
  sent_at_ = now;
  out_.insert(out_.end(), random.begin(), random.end());
  return Ok{};
}

void Pinger::receive(ByteView data, Instant now) {
  if (failed_) return;
  // Bytes with no ping outstanding, or beyond the echo, cannot be an echo.
  if (!sent_at_ || in_.size() + data.size() > kPayloadBytes) {
    failed_ = true;
    sent_at_.reset();
    event_ = Mismatch{};
    return;
  }
  in_.insert(in_.end(), data.begin(), data.end());
  if (in_.size() < kPayloadBytes) return;
  bool same = std::equal(in_.begin(), in_.end(), sent_.begin());
  in_.clear();
  if (same) {
    event_ = Pong{now - *sent_at_};
  } else {
    failed_ = true;
    event_ = Mismatch{};
  }
  sent_at_.reset();
}

void Pinger::tick(Instant now) {
  if (failed_ || !sent_at_ || now < *sent_at_ + timeout_) return;
  failed_ = true;
  sent_at_.reset();
  event_ = Timeout{};
}

std::optional<Instant> Pinger::next_deadline() const {
  if (!sent_at_) return std::nullopt;
  return *sent_at_ + timeout_;
}

void Echo::receive(ByteView data) {
  while (!data.empty()) {
    std::size_t n = std::min(data.size(), kPayloadBytes - partial_.size());
    partial_.insert(partial_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    data = data.subspan(n);
    if (partial_.size() == kPayloadBytes) {
      out_.insert(out_.end(), partial_.begin(), partial_.end());
      partial_.clear();
      ++echoed_;
    }
  }
}

}  // namespace p2pgossip::net::ping
