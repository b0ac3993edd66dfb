// MessageTable: the seen cache and the message cache (mcache) of one router, in one table.
// Every message id the router knows has one record, found by one lookup: seen (within
// seen_ttl, at most seen_max_entries) and, while in the last mcache_len heartbeat windows,
// cached (its message, for IWANT; the newest mcache_gossip windows are what IHAVE
// advertises). The two sets were two tables, each holding every id in a slot of its own; a
// cached id is nearly always seen too, so one table halves what a router keeps per message
// (a simulation keeps that per node). A record goes when it is neither seen nor cached.
//
// Seen ids expire in insertion order (FIFO), so expiry is a pop from the front; when full,
// the oldest is evicted early and counted. The FIFO and the windows name a record by its hash's
// high bits and creation number, not by a copy of the id. Given an IdPool, the table keeps
// the ids there, shared with other tables (id_pool.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "fifo.hpp"
#include "id_map.hpp"
#include "id_pool.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class MessageTable {
 public:
  // `pool`: where the ids are kept, shared with other tables (null: in this one).
  MessageTable(Duration seen_ttl, std::size_t seen_max_entries, int mcache_len, int mcache_gossip,
               std::shared_ptr<IdPool> pool = nullptr);

  // ---- seen ----
  bool seen(ByteView id) const { return map_.marked(id); }  // the mark: the slot says it
  bool seen(const MessageId& id) const { return seen(id.view()); }
  bool seen(ByteView id, std::uint64_t h) const { return map_.marked(id, h); }  // h: hash_id
  void prefetch(ByteView id) const { prefetch(hash_id(id)); }
  void prefetch(const MessageId& id) const { prefetch(id.view()); }
  void prefetch(std::uint64_t h) const { map_.prefetch(h); }
  // After prefetch(id), once its line has arrived: the record and the key a lookup reads next.
  void prefetch_record(ByteView id) const { prefetch_record(hash_id(id)); }
  void prefetch_record(const MessageId& id) const { prefetch_record(id.view()); }
  void prefetch_record(std::uint64_t h) const { map_.prefetch_entry(h); }
  // What mark_seen(id) and put(id, ...) will write.
  void prefetch_insert(const MessageId& id) const {
    map_.prefetch_insert(hash_id(id));
    if (!fifo_.empty()) __builtin_prefetch(&fifo_.back());
    if (!window(0).empty()) __builtin_prefetch(&window(0).back());
  }
  // Marks `id` seen at `now`; returns false if it already was. Counts early evictions.
  bool mark_seen(const MessageId& id, Instant now);
  void expire(Instant now);
  std::uint64_t evicted_when_full() const { return evicted_; }

  // ---- mcache ----
  void put(const MessageId& id, MessagePtr message, std::uint32_t topic);
  const Message* cached(const MessageId& id) const;
  // The message for an IWANT from `peer`, or null if not cached or already sent `cap` times.
  MessagePtr get_for_peer(const MessageId& id, PeerIndex peer, int cap);
  // Ids of `topic` in the gossiped windows, newest window first: views into the table (or its
  // pool), valid until the table changes.
  void gossip_ids(std::uint32_t topic, std::vector<ByteView>& out) const;
  // Heartbeat: a new window starts, the oldest is forgotten.
  void shift();

  std::size_t size() const { return map_.size(); }
  // The table, the FIFO, the windows and the IWANT send counts.
  std::size_t memory_bytes() const;

 private:
  // 24 bytes: a simulation keeps one per message per node.
  struct Record {
    // Creation number: how the FIFO and the windows name the record, with its hash's high
    // bits (numbers wrap: two live records alike in both would need 2^32 creations between).
    std::uint32_t number;
    std::uint32_t topic : 31 = 0;  // a router's topic ids are dense, far below 2^31
    std::uint32_t asked : 1 = 0;   // has an entry in iwant_sends_
    MessagePtr message;            // while cached (seen: the record's mark in the table)
  };
  // A record's name, 8 bytes (a window holds one per message): its hash's high 32 bits,
  // which the table compares when it finds a record by hash, and its creation number.
  struct Named {
    std::uint32_t hash_high;
    std::uint32_t number;
    Named(std::uint64_t hash, std::uint32_t n)
        : hash_high(static_cast<std::uint32_t>(hash >> 32)), number(n) {}
    std::uint64_t hash() const { return std::uint64_t{hash_high} << 32; }
  };
  // A seen record's expiry, 16 bytes (the FIFO holds one per message).
  struct Pending {
    Instant expiry;
    Named record;
  };
  static_assert(sizeof(Record) == 24 && sizeof(Named) == 8 && sizeof(Pending) == 16,
                "one of each per message per node in a simulation: keep them small");

  // The record `id` (of hash `h`) names, created unless it exists.
  IdMap<Record>::Entry& record(const MessageId& id, std::uint64_t h);
  IdMap<Record>::Entry* find(const Named& n) {
    return map_.find_where(n.hash(), [&](const Record& r) { return r.number == n.number; });
  }
  const IdMap<Record>::Entry* find(const Named& n) const {
    return const_cast<MessageTable*>(this)->find(n);
  }
  // Erases the record once it is neither seen nor cached.
  void release_if_unused(const IdMap<Record>::Entry& e) {
    if (!e.value.message && !map_.marked(e)) map_.erase(e);
  }
  void pop_oldest_seen();

  std::shared_ptr<IdPool> pool_;          // before map_, which it must outlive
  IdMap<Record> map_;                     // next: what a lookup reads leads
  Instant next_expiry_ = Instant::max();  // the FIFO front's, so expire() need not read it
  Duration ttl_;
  std::size_t max_seen_;
  std::size_t seen_count_ = 0;
  Fifo<Pending> fifo_;  // seen records, oldest first
  std::size_t gossip_;
  // Cached records by heartbeat: a ring of mcache_len windows, window(0) the newest.
  std::vector<std::vector<Named>> windows_;
  std::size_t newest_ = 0;
  std::vector<Named>& window(std::size_t w) { return windows_[(newest_ + w) % windows_.size()]; }
  const std::vector<Named>& window(std::size_t w) const {
    return windows_[(newest_ + w) % windows_.size()];
  }
  // How often each cached message was sent to each peer through IWANT (gossip_retransmission):
  // apart from the records, as most messages are never asked for.
  IdMap<std::vector<std::pair<PeerIndex, int>>> iwant_sends_;
  std::uint32_t created_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace p2pgossip::router
