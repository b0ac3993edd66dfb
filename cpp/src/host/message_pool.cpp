#include "p2pgossip/host/message_pool.hpp"

#include <algorithm>

namespace p2pgossip::host {

MessagePtr MessagePool::share(const MessagePtr& m, const MessageId& id) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = held_.try_emplace(id);
  if (!fresh)
    if (MessagePtr held = it->second.lock(); held && (held == m || *held == *m)) return held;
  it->second = m;
  // Entries of messages nobody holds any more go when the pool has doubled since the last
  // sweep: amortised O(1) per message, and the pool stays about as large as what is held.
  if (held_.size() >= sweep_at_) {
    std::erase_if(held_, [](const auto& e) { return e.second.expired(); });
    sweep_at_ = std::max(kMinSweep, 2 * held_.size());
  }
  return m;
}

MessagePtr MessagePool::find(const MessageId& id) const {
  std::lock_guard lock(mu_);
  auto it = held_.find(id);
  return it == held_.end() ? nullptr : it->second.lock();
}

std::size_t MessagePool::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

}  // namespace p2pgossip::host
