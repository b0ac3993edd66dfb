// Seen cache: message ids seen within seen_ttl, with a hard bound on entries. Entries expire
// in insertion order (FIFO), so expiry is a pop from the front; when full, the oldest entry
// is evicted early and the eviction counted, so memory never grows past the bound. The FIFO
// remembers an entry by its hash and insertion number rather than a copy of the id.
#pragma once

#include <cstdint>
#include <deque>

#include "id_map.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class SeenCache {
 public:
  SeenCache(Duration ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries > 0 ? max_entries : 1) {}

  bool contains(ByteView id) const { return map_.contains(id); }
  bool contains(const MessageId& id) const { return contains(id.view()); }
  void prefetch(ByteView id) const { map_.prefetch(hash_id(id)); }
  void prefetch(const MessageId& id) const { prefetch(id.view()); }
  // What insert(id) will write.
  void prefetch_insert(const MessageId& id) const {
    map_.prefetch_insert(hash_id(id));
    if (!fifo_.empty()) __builtin_prefetch(&fifo_.back());
  }

  // Marks `id` seen at `now`; returns false if it already was. Counts early evictions.
  bool insert(const MessageId& id, Instant now);

  void expire(Instant now);
  std::size_t size() const { return map_.size(); }
  std::size_t memory_bytes() const { return map_.memory_bytes() + fifo_.size() * sizeof(Pending); }
  std::uint64_t evicted_when_full() const { return evicted_; }

 private:
  struct Pending {
    Instant expiry;
    std::uint64_t hash;
    std::uint64_t number;
  };
  void pop_oldest();

  IdMap<std::uint64_t> map_;  // id -> insertion number; first: what a lookup reads leads
  Instant next_expiry_ = Instant::max();  // the FIFO front's, so expire() need not read it
  Duration ttl_;
  std::size_t max_entries_;
  std::deque<Pending> fifo_;  // oldest first
  std::uint64_t inserted_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace p2pgossip::router
