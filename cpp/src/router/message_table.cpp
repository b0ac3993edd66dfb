#include "message_table.hpp"

#include <algorithm>
#include <utility>

namespace p2pgossip::router {

MessageTable::MessageTable(Duration seen_ttl, std::size_t seen_max_entries, int mcache_len,
                           int mcache_gossip, std::shared_ptr<IdPool> pool)
    : pool_(std::move(pool)),
      map_(pool_.get()),
      ttl_(seen_ttl),
      max_seen_(seen_max_entries > 0 ? seen_max_entries : 1),
      gossip_(static_cast<std::size_t>(std::max(0, std::min(mcache_gossip, mcache_len)))),
      windows_(static_cast<std::size_t>(std::max(1, mcache_len))) {}

IdMap<MessageTable::Record>::Entry& MessageTable::record(const MessageId& id, std::uint64_t h) {
  auto [e, created] = map_.insert_entry(id, h, Record{created_, 0, 0, nullptr});
  if (created) ++created_;
  return *e;
}

// ---- seen ---------------------------------------------------------------------------------

bool MessageTable::mark_seen(const MessageId& id, Instant now) {
  expire(now);
  const std::uint64_t h = hash_id(id);
  if (map_.marked(id.view(), h)) return false;
  while (seen_count_ >= max_seen_) {
    pop_oldest_seen();
    ++evicted_;
  }
  const std::uint32_t number = record(id, h).value.number;
  map_.set_mark(id, h, true);
  ++seen_count_;
  fifo_.push_back(Pending{now + ttl_, Named{h, number}});
  if (fifo_.size() == 1) next_expiry_ = fifo_.front().expiry;
  return true;
}

void MessageTable::expire(Instant now) {
  while (next_expiry_ <= now) pop_oldest_seen();
}

void MessageTable::pop_oldest_seen() {
  const Named n = fifo_.front().record;
  fifo_.pop_front();
  next_expiry_ = fifo_.empty() ? Instant::max() : fifo_.front().expiry;
  if (IdMap<Record>::Entry* e = find(n)) {
    map_.set_mark(*e, false);
    --seen_count_;
    release_if_unused(*e);
  }
}

// ---- mcache -------------------------------------------------------------------------------

void MessageTable::put(const MessageId& id, MessagePtr message, std::uint32_t topic) {
  const std::uint64_t h = hash_id(id);
  IdMap<Record>::Entry& e = record(id, h);
  if (e.value.message) return;
  e.value.message = std::move(message);
  e.value.topic = topic;
  window(0).push_back(Named{h, e.value.number});
}

const Message* MessageTable::cached(const MessageId& id) const {
  const Record* r = map_.find(id);
  return r ? r->message.get() : nullptr;
}

MessagePtr MessageTable::get_for_peer(const MessageId& id, PeerIndex peer, int cap) {
  Record* r = map_.find(id);
  if (!r || !r->message) return nullptr;
  r->asked = true;
  auto& sends = *iwant_sends_.insert(id, {}).first;
  auto it =
      std::find_if(sends.begin(), sends.end(), [&](const auto& p) { return p.first == peer; });
  if (it == sends.end()) {
    sends.emplace_back(peer, 0);
    it = sends.end() - 1;
  }
  if (it->second >= cap) return nullptr;
  ++it->second;
  return r->message;
}

// A window's records are looked up a batch at a time: the batch's slot lines requested
// together, then the records they point to, then read (one by one, each record would be two
// misses waited for in turn, and a heartbeat reads every cached id).
void MessageTable::gossip_ids(std::uint32_t topic, std::vector<ByteView>& out) const {
  constexpr std::size_t kBatch = 32;
  for (std::size_t w = 0; w < gossip_ && w < windows_.size(); ++w) {
    const std::vector<Named>& names = window(w);
    for (std::size_t first = 0; first < names.size(); first += kBatch) {
      const std::size_t last = std::min(names.size(), first + kBatch);
      for (std::size_t i = first; i < last; ++i) map_.prefetch(names[i].hash());
      for (std::size_t i = first; i < last; ++i) map_.prefetch_entry(names[i].hash());
      for (std::size_t i = first; i < last; ++i) {
        const auto* e = find(names[i]);
        if (e && e->value.topic == topic) out.push_back(map_.key_view(*e));
      }
    }
  }
}

void MessageTable::shift() {
  std::vector<Named>& oldest = window(windows_.size() - 1);
  for (const Named& n : oldest)
    if (IdMap<Record>::Entry* e = find(n)) {
      e->value.message.reset();
      if (e->value.asked) {
        e->value.asked = 0;
        iwant_sends_.erase(map_.key(*e));
      }
      release_if_unused(*e);
    }
  std::vector<Named>().swap(oldest);  // the new newest window
  newest_ = (newest_ + windows_.size() - 1) % windows_.size();
}

std::size_t MessageTable::memory_bytes() const {
  std::size_t n = map_.memory_bytes() + fifo_.size() * sizeof(Pending);
  for (const auto& w : windows_) n += w.capacity() * sizeof(Named);
  n += iwant_sends_.memory_bytes();
  for (const auto& e : iwant_sends_.entries()) n += e.value.capacity() * sizeof(e.value[0]);
  return n;
}

}  // namespace p2pgossip::router
