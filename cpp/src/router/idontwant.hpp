// IDONTWANT (GossipSub v1.2): the ids each peer told us not to send it. One table for all of
// a router's peers, keyed by id, with a bit per peer slot: a large message's IDONTWANTs come
// from most of the mesh at once, so an id has several peers, and a simulation keeps this per
// node. A set per peer, with a copy of the id in its expiry queue, cost 132 bytes a peer and
// id (a simulated burst of 100 messages of 100 KB at 2,000 nodes: 91 KiB a node of message
// state, 13 now); here an id costs one entry, and a forward finds every peer's answer in one
// lookup. Slots 0-63 are in
// the entry, higher ones in pages of 64 chained from it (only routers with more than 64 peers
// have any). An entry expires ttl heartbeats after the last IDONTWANT that named it; the
// router bounds each peer's bits (max_idontwant_messages x max_idontwant_length over the TTL).
#pragma once

#include <cstdint>
#include <vector>

#include "id_map.hpp"
#include "id_pool.hpp"

namespace p2pgossip::router {

class DontWantTable {
 public:
  using Slot = std::uint32_t;

  // What a forward reads: whether a peer slot said it does not want the entry's id.
  class Peers {
   public:
    bool has(Slot s) const;

   private:
    friend class DontWantTable;
    Peers(const DontWantTable* t, std::uint64_t low, std::uint32_t more)
        : table_(t), low_(low), more_(more) {}
    const DontWantTable* table_ = nullptr;
    std::uint64_t low_ = 0;
    std::uint32_t more_ = kNoPage;
  };

  // `pool` (may be null) keeps the ids, shared with the message table.
  explicit DontWantTable(IdPool* pool) : map_(pool) {}

  // The peers that do not want `id` (none when nobody said so).
  Peers find(const MessageId& id) const {
    if (map_.empty()) return {this, 0, kNoPage};
    const Entry* e = map_.find(id);
    return e ? Peers{this, e->low, e->more} : Peers{this, 0, kNoPage};
  }
  bool contains(const MessageId& id, Slot s) const { return find(id).has(s); }

  // Slot `s` does not want `id`, as of `heartbeat` (the entry's TTL restarts). Returns
  // whether the bit is new: the caller counts a peer's bits.
  bool add(const MessageId& id, Slot s, std::uint64_t heartbeat) {
    Entry& e = *map_.insert(id, Entry{}).first;
    e.heartbeat = static_cast<std::uint32_t>(heartbeat);
    std::uint64_t& word = s < 64 ? e.low : page_of(e, s / 64).bits;
    const std::uint64_t bit = std::uint64_t{1} << (s % 64);
    if (word & bit) return false;
    word |= bit;
    return true;
  }

  // Forgets entries last named more than `ttl` heartbeats before `heartbeat`; `cleared(slot)`
  // is called for each of their bits.
  template <class F>
  void expire(std::uint64_t heartbeat, std::uint64_t ttl, F&& cleared) {
    const auto now = static_cast<std::uint32_t>(heartbeat);
    auto& entries = map_.entries();
    // Backwards: an erase moves the last entry into the hole, and it was looked at already.
    for (std::size_t i = entries.size(); i-- > 0;) {
      Entry& e = entries[i].value;
      if (static_cast<std::uint32_t>(now - e.heartbeat) <= ttl) continue;
      each_bit(e.low, 0, cleared);
      for (std::uint32_t p = e.more; p != kNoPage; p = free_page(p)) {
        each_bit(pages_[p].bits, pages_[p].page * 64, cleared);
      }
      map_.erase(map_.key(i));
    }
  }

  // Slot `s` is gone (its number will be reused): its bits go; entries left with none too.
  void forget(Slot s) {
    auto& entries = map_.entries();
    const std::uint64_t bit = std::uint64_t{1} << (s % 64);
    for (std::size_t i = entries.size(); i-- > 0;) {
      Entry& e = entries[i].value;
      if (s < 64) {
        e.low &= ~bit;
      } else {
        for (std::uint32_t p = e.more; p != kNoPage; p = pages_[p].more)
          if (pages_[p].page == s / 64) pages_[p].bits &= ~bit;
      }
      if (!e.low && all_pages_empty(e)) {
        for (std::uint32_t p = e.more; p != kNoPage;) p = free_page(p);
        map_.erase(map_.key(i));
      }
    }
  }

  std::size_t memory_bytes() const {
    return map_.memory_bytes() + pages_.capacity() * sizeof(Page) +
           free_.capacity() * sizeof(std::uint32_t);
  }

 private:
  static constexpr std::uint32_t kNoPage = 0xffffffff;
  struct Entry {
    std::uint64_t low = 0;  // slots 0-63
    std::uint32_t heartbeat = 0;
    std::uint32_t more = kNoPage;  // slots 64 and up, a page of 64 each
  };
  struct Page {
    std::uint64_t bits = 0;
    std::uint32_t page = 0;  // slots page * 64 ...
    std::uint32_t more = kNoPage;
  };

  Page& page_of(Entry& e, std::uint32_t page) {
    for (std::uint32_t p = e.more; p != kNoPage; p = pages_[p].more)
      if (pages_[p].page == page) return pages_[p];
    std::uint32_t p;
    if (free_.empty()) {
      p = static_cast<std::uint32_t>(pages_.size());
      pages_.emplace_back();
    } else {
      p = free_.back();
      free_.pop_back();
    }
    pages_[p] = Page{0, page, e.more};
    e.more = p;
    return pages_[p];
  }
  // Frees page p; returns the next in its chain.
  std::uint32_t free_page(std::uint32_t p) {
    free_.push_back(p);
    return pages_[p].more;
  }
  bool all_pages_empty(const Entry& e) const {
    for (std::uint32_t p = e.more; p != kNoPage; p = pages_[p].more)
      if (pages_[p].bits) return false;
    return true;
  }
  template <class F>
  static void each_bit(std::uint64_t bits, Slot base, F& f) {
    for (; bits; bits &= bits - 1) f(base + static_cast<Slot>(__builtin_ctzll(bits)));
  }

  IdMap<Entry> map_;
  std::vector<Page> pages_;
  std::vector<std::uint32_t> free_;
};

inline bool DontWantTable::Peers::has(Slot s) const {
  if (s < 64) return low_ >> s & 1;
  for (std::uint32_t p = more_; p != kNoPage; p = table_->pages_[p].more)
    if (table_->pages_[p].page == s / 64) return table_->pages_[p].bits >> (s % 64) & 1;
  return false;
}

}  // namespace p2pgossip::router
