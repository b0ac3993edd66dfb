#include "mcache.hpp"

#include <algorithm>

namespace p2pgossip::router {

MessageCache::MessageCache(int len, int gossip)
    : gossip_(static_cast<std::size_t>(std::max(0, std::min(gossip, len)))),
      windows_(static_cast<std::size_t>(std::max(1, len))) {}

void MessageCache::put(const MessageId& id, MessagePtr message, std::uint32_t topic) {
  const std::uint64_t number = inserted_;
  if (map_.insert(id, Entry{std::move(message), topic, number, {}}).second) {
    ++inserted_;
    windows_.front().push_back(Held{hash_id(id), number});
  }
}

const Message* MessageCache::get(const MessageId& id) const {
  const Entry* e = map_.find(id);
  return e ? e->message.get() : nullptr;
}

MessagePtr MessageCache::get_for_peer(const MessageId& id, PeerIndex peer, int cap) {
  Entry* e = map_.find(id);
  if (!e) return nullptr;
  if (!e->iwant_sends) e->iwant_sends = std::make_unique<std::vector<std::pair<PeerIndex, int>>>();
  auto& sends = *e->iwant_sends;
  auto it =
      std::find_if(sends.begin(), sends.end(), [&](const auto& p) { return p.first == peer; });
  if (it == sends.end()) {
    sends.emplace_back(peer, 0);
    it = sends.end() - 1;
  }
  if (it->second >= cap) return nullptr;
  ++it->second;
  return e->message;
}

void MessageCache::gossip_ids(std::uint32_t topic, std::vector<MessageId>& out) const {
  for (std::size_t w = 0; w < gossip_ && w < windows_.size(); ++w)
    for (const Held& h : windows_[w])
      if (const auto* e = held(h); e && e->value.topic == topic) out.push_back(map_.key(*e));
}

std::size_t MessageCache::memory_bytes() const {
  std::size_t n = map_.memory_bytes();
  for (const auto& w : windows_) n += w.capacity() * sizeof(Held);
  for (const auto& e : map_.entries())
    if (e.value.iwant_sends)
      n += e.value.iwant_sends->capacity() * sizeof((*e.value.iwant_sends)[0]);
  return n;
}

void MessageCache::shift() {
  for (const Held& h : windows_.back())
    map_.erase_where(h.hash, [&](const Entry& e) { return e.number == h.number; });
  windows_.pop_back();
  windows_.emplace_front();
}

}  // namespace p2pgossip::router
