#include "seen_cache.hpp"

namespace p2pgossip::router {

bool SeenCache::insert(const MessageId& id, Instant now) {
  expire(now);
  if (map_.contains(id.view())) return false;
  while (map_.size() >= max_entries_) {
    pop_oldest();
    ++evicted_;
  }
  const std::uint64_t number = inserted_++;
  map_.insert(id, number);
  fifo_.push_back(Pending{now + ttl_, hash_id(id), number});
  if (fifo_.size() == 1) next_expiry_ = fifo_.front().expiry;
  return true;
}

void SeenCache::expire(Instant now) {
  while (next_expiry_ <= now) pop_oldest();
}

void SeenCache::pop_oldest() {
  const Pending& p = fifo_.front();
  map_.erase_where(p.hash, [&](std::uint64_t number) { return number == p.number; });
  fifo_.pop_front();
  next_expiry_ = fifo_.empty() ? Instant::max() : fifo_.front().expiry;
}

}  // namespace p2pgossip::router
