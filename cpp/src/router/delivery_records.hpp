// Delivery records for peer scoring: per message id, how its first copy fared (valid,
// rejected or ignored), when it was validated, and which peers sent it. Scoring needs them
// for duplicates: a duplicate from a mesh peer within mesh_message_deliveries_window of the
// first delivery counts toward P3, and a duplicate of a rejected message counts toward P4,
// each peer once per message. Kept for seen_ttl and bounded like the seen cache.
//
// A node keeps one record per message for seen_ttl (14,400 at 120 messages/s), so records
// are compact: the FIFO names a record by its hash and insertion number, as the seen cache
// does, not by a copy of the id, and a record's first senders live in it, not on the heap.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "fifo.hpp"
#include "id_map.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

// The peer slots that sent one message, each once. Most messages come from a few peers (the
// mesh, a gossip answer), who fit inline; only the rest take a heap allocation.
class Senders {
 public:
  explicit Senders(std::uint32_t first) { inline_[0] = first; }

  bool contains(std::uint32_t slot) const {
    const auto end = inline_.begin() + size_;
    return std::find(inline_.begin(), end, slot) != end ||
           (more_ && std::find(more_->begin(), more_->end(), slot) != more_->end());
  }
  void add(std::uint32_t slot) {
    if (size_ < kInline) {
      inline_[size_++] = slot;
      return;
    }
    if (!more_) more_ = std::make_unique<std::vector<std::uint32_t>>();
    more_->push_back(slot);
  }
  std::size_t heap_bytes() const { return more_ ? more_->capacity() * sizeof(std::uint32_t) : 0; }

 private:
  static constexpr std::uint8_t kInline = 6;
  std::array<std::uint32_t, kInline> inline_{};
  std::uint8_t size_ = 1;
  std::unique_ptr<std::vector<std::uint32_t>> more_;
};

class DeliveryRecords {
 public:
  enum class Status : std::uint8_t { kValid, kInvalid, kIgnored };
  struct Record {
    Status status = Status::kValid;
    std::uint32_t topic = 0;
    Instant validated{};
    std::uint64_t number = 0;  // insertion number: how the FIFO names the record
    Senders senders;           // the first sender included
  };

  DeliveryRecords(Duration ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries > 0 ? max_entries : 1) {}

  // Records the outcome of the first copy, sent by `slot`.
  void add(const MessageId& id, Status status, std::uint32_t topic, std::uint32_t slot,
           Instant now) {
    expire(now);
    if (map_.find(id)) return;
    while (map_.size() >= max_entries_) pop_oldest();
    const std::uint64_t number = inserted_++;
    map_.insert(id, Record{status, topic, now, number, Senders(slot)});
    fifo_.push_back(Pending{now + ttl_, hash_id(id), number});
  }

  // The record of a duplicate from `slot`, or null when there is none or the slot already
  // sent this message (each peer counts once per message; `repeat` says which).
  const Record* duplicate(const MessageId& id, std::uint32_t slot, bool& repeat) {
    repeat = false;
    Record* r = map_.find(id);
    if (!r) return nullptr;
    if (r->senders.contains(slot)) {
      repeat = true;
      return nullptr;
    }
    r->senders.add(slot);
    return r;
  }

  void expire(Instant now) {
    while (!fifo_.empty() && fifo_.front().expiry <= now) pop_oldest();
  }

  // The table, the records' overflowing senders and the FIFO.
  std::size_t memory_bytes() const {
    std::size_t n = map_.memory_bytes() + fifo_.size() * sizeof(Pending);
    for (const auto& e : map_.entries()) n += e.value.senders.heap_bytes();
    return n;
  }

 private:
  struct Pending {
    Instant expiry;
    std::uint64_t hash;
    std::uint64_t number;
  };
  void pop_oldest() {
    const Pending& p = fifo_.front();
    map_.erase_where(p.hash, [&](const Record& r) { return r.number == p.number; });
    fifo_.pop_front();
  }

  Duration ttl_;
  std::size_t max_entries_;
  IdMap<Record> map_;
  Fifo<Pending> fifo_;  // oldest first
  std::uint64_t inserted_ = 0;
};

}  // namespace p2pgossip::router
