#include "seen_cache.hpp"

namespace p2pgossip::router {

bool SeenCache::insert(const MessageId& id, Instant now) {
  expire(now);
  if (map_.find(id)) return false;
  while (map_.size() >= max_entries_) {
    map_.erase(fifo_.front().second);
    fifo_.pop_front();
    ++evicted_;
  }
  map_.insert(id, Empty{});
  fifo_.emplace_back(now + ttl_, id);
  return true;
}

void SeenCache::expire(Instant now) {
  while (!fifo_.empty() && fifo_.front().first <= now) {
    map_.erase(fifo_.front().second);
    fifo_.pop_front();
  }
}

}  // namespace p2pgossip::router
