#include "p2pgossip/runtime/delivery_log.hpp"

#include <algorithm>

namespace p2pgossip::runtime {

bool DeliveryLog::append(NodeId node, const MessageId& id, ByteView from, MonotonicNs at) {
  std::lock_guard lock(mu_);
  const auto [it, new_id] = ids_.try_emplace(id, static_cast<std::uint32_t>(ids_.size()));
  if (new_id) rows_.new_ids.push_back(id);
  std::int32_t peer = -1;
  if (!from.empty()) {
    const std::string_view key(reinterpret_cast<const char*>(from.data()), from.size());
    auto p = peers_.find(key);
    if (p == peers_.end()) {
      p = peers_.emplace(std::string(key), static_cast<std::int32_t>(peers_.size())).first;
      rows_.new_peers.emplace_back(from.begin(), from.end());
    }
    peer = p->second;
  }
  rows_.node.push_back(node);
  rows_.message.push_back(it->second);
  rows_.from.push_back(peer);
  rows_.at.push_back(at);
  if (told_ || rows_.node.size() < notify_at_) return false;
  told_ = true;
  return true;
}

DeliveryLog::Rows DeliveryLog::take() {
  std::lock_guard lock(mu_);
  told_ = false;
  return std::exchange(rows_, Rows{});
}

bool DeliveryLog::notify_at(std::size_t rows) {
  std::lock_guard lock(mu_);
  notify_at_ = std::max<std::size_t>(1, rows);
  return rows_.node.size() >= notify_at_;
}

}  // namespace p2pgossip::runtime
