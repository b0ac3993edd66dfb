// Delivery records for peer scoring: per message id, how its first copy fared (valid,
// rejected or ignored), when it was validated, and which peers sent it. Scoring needs them
// for duplicates: a duplicate from a mesh peer within mesh_message_deliveries_window of the
// first delivery counts toward P3, and a duplicate of a rejected message counts toward P4,
// each peer once per message. Kept for seen_ttl and bounded like the seen cache.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "id_map.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class DeliveryRecords {
 public:
  enum class Status : std::uint8_t { kValid, kInvalid, kIgnored };
  struct Record {
    Status status = Status::kValid;
    std::uint32_t topic = 0;
    Instant validated{};
    std::vector<std::uint32_t> peers;  // slots that sent the message, first sender included
  };

  DeliveryRecords(Duration ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries > 0 ? max_entries : 1) {}

  // Records the outcome of the first copy, sent by `slot`.
  void add(const MessageId& id, Status status, std::uint32_t topic, std::uint32_t slot,
           Instant now) {
    expire(now);
    if (map_.find(id)) return;
    while (map_.size() >= max_entries_) {
      map_.erase(fifo_.front().second);
      fifo_.pop_front();
    }
    map_.insert(id, Record{status, topic, now, {slot}});
    fifo_.emplace_back(now + ttl_, id);
  }

  // The record of a duplicate from `slot`, or null when there is none or the slot already
  // sent this message (each peer counts once per message; `repeat` says which).
  const Record* duplicate(const MessageId& id, std::uint32_t slot, bool& repeat) {
    repeat = false;
    Record* r = map_.find(id);
    if (!r) return nullptr;
    if (std::find(r->peers.begin(), r->peers.end(), slot) != r->peers.end()) {
      repeat = true;
      return nullptr;
    }
    r->peers.push_back(slot);
    return r;
  }

  void expire(Instant now) {
    while (!fifo_.empty() && fifo_.front().first <= now) {
      map_.erase(fifo_.front().second);
      fifo_.pop_front();
    }
  }

 private:
  Duration ttl_;
  std::size_t max_entries_;
  IdMap<Record> map_;
  std::deque<std::pair<Instant, MessageId>> fifo_;  // (expiry, id), oldest first
};

}  // namespace p2pgossip::router
