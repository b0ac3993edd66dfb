// Delivery records for peer scoring: per message id, how its first copy fared (valid,
// rejected or ignored), when it was validated, and which peers sent it. Scoring needs them
// for duplicates: a duplicate from a mesh peer within mesh_message_deliveries_window of the
// first delivery counts toward P3, and a duplicate of a rejected message counts toward P4,
// each peer once per message. Kept for seen_ttl and bounded like the seen cache.
//
// A node keeps one record per message for seen_ttl (14,400 at 120 messages/s; a simulation
// keeps a node's by the thousand), so records are compact: 40 bytes, the id pooled where the
// router has a pool, the FIFO naming a record by 32 hash bits and its insertion number (16
// bytes). Senders are a SlotSet, a bit per peer slot.
#pragma once

#include <cstdint>

#include "fifo.hpp"
#include "id_map.hpp"
#include "id_pool.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/router.hpp"
#include "slot_set.hpp"

namespace p2pgossip::router {

class DeliveryRecords {
 public:
  enum class Status : std::uint8_t { kValid, kInvalid, kIgnored };
  struct Record {
    Instant validated{};
    SlotSet senders;  // the first sender included
    std::uint32_t topic = 0;
    std::uint32_t number = 0;  // insertion number: how the FIFO names the record
    Status status = Status::kValid;
  };
  static_assert(sizeof(Record) == 40, "one a message a node for seen_ttl: keep it small");

  // `pool` (may be null) keeps the ids, shared with the router's other tables.
  DeliveryRecords(Duration ttl, std::size_t max_entries, IdPool* pool)
      : ttl_(ttl), max_entries_(max_entries > 0 ? max_entries : 1), map_(pool) {}

  // Records the outcome of the first copy, sent by `slot`.
  void add(const MessageId& id, Status status, std::uint32_t topic, std::uint32_t slot,
           Instant now) {
    expire(now);
    if (map_.find(id)) return;
    while (map_.size() >= max_entries_) pop_oldest();
    const std::uint32_t number = inserted_++;
    map_.insert(id, Record{now, SlotSet(slot), topic, number, status});
    fifo_.push_back(Pending{now + ttl_, static_cast<std::uint32_t>(hash_id(id) >> 32), number});
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

  // The slot's peer is gone: it no longer counts as a sender of anything.
  void forget(std::uint32_t slot) {
    for (auto& e : map_.entries()) e.value.senders.remove(slot);
  }

  // The line of the table where a duplicate() of the id of hash `h` looks first.
  void prefetch(std::uint64_t h) const { map_.prefetch(h); }

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
    std::uint32_t hash_high;  // the id's hash's high 32 bits: what the map's tags compare
    std::uint32_t number;
  };
  static_assert(sizeof(Pending) == 16);
  void pop_oldest() {
    const Pending& p = fifo_.front();
    map_.erase_where(std::uint64_t{p.hash_high} << 32,
                     [&](const Record& r) { return r.number == p.number; });
    fifo_.pop_front();
  }

  Duration ttl_;
  std::size_t max_entries_;
  IdMap<Record> map_;
  Fifo<Pending> fifo_;          // oldest first
  std::uint32_t inserted_ = 0;  // wraps long after the oldest record has expired
};

}  // namespace p2pgossip::router
