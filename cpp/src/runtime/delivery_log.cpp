#include "p2pgossip/runtime/delivery_log.hpp"

#include <xxhash.h>

namespace p2pgossip::runtime {

std::size_t DeliveryLog::IdHash::operator()(const MessageId& id) const {
  return static_cast<std::size_t>(XXH3_64bits(id.view().data(), id.size()));
}

bool DeliveryLog::append(NodeId node, const MessageId& id, ByteView from, MonotonicNs at) {
  std::lock_guard lock(mu_);
  const auto [it, new_id] = ids_.try_emplace(id, static_cast<std::uint32_t>(ids_.size()));
  if (new_id) rows_.new_ids.push_back(id);
  std::int32_t peer = -1;
  if (!from.empty()) {
    const auto [p, new_peer] =
        peers_.try_emplace(std::string(reinterpret_cast<const char*>(from.data()), from.size()),
                           static_cast<std::int32_t>(peers_.size()));
    if (new_peer) rows_.new_peers.emplace_back(from.begin(), from.end());
    peer = p->second;
  }
  rows_.node.push_back(node);
  rows_.message.push_back(it->second);
  rows_.from.push_back(peer);
  rows_.at.push_back(at);
  return !std::exchange(told_, true);
}

DeliveryLog::Rows DeliveryLog::take() {
  std::lock_guard lock(mu_);
  told_ = false;
  return std::exchange(rows_, Rows{});
}

}  // namespace p2pgossip::runtime
