// AskedIds: the ids we asked for with IWANT, which peers we asked, and the heartbeat of the
// last ask. Two readers: the first copy of an asked id is counted as recovered by gossip
// (iwant_recovered), and a peer's second copy of an id we asked it for is one we solicited,
// not a repeated duplicate (no P7 penalty). Gossip re-asks: an IHAVE comes at each of the
// peer's heartbeats while the id is in its gossip window, and until the first answer arrives
// (it may wait behind a backlog) we ask again, as go-libp2p-pubsub does, and the peer answers
// each time (up to gossip_retransmission). A 200-node burst of 2,000 messages counted some
// 45,000 such copies as repeats and penalized the honest peers that sent them.
//
// An entry lives mcache_len heartbeats after its last ask (an answer comes from the peer's
// mcache: after that none is coming), through its first copy. Bounded: past `max_entries`
// new asks are not recorded, and only the count of recoveries and the leniency suffer.
#pragma once

#include <cstdint>

#include "id_map.hpp"
#include "id_pool.hpp"
#include "slot_set.hpp"

namespace p2pgossip::router {

class AskedIds {
 public:
  AskedIds(std::size_t max_entries, IdPool* pool) : max_entries_(max_entries), map_(pool) {}

  // We asked peer `slot` for `id` at heartbeat `beat`.
  void asked(const MessageId& id, std::uint32_t slot, std::uint64_t beat) {
    Ask* a = map_.find(id);
    if (!a) {
      if (map_.size() >= max_entries_) return;
      a = map_.insert(id, Ask{}).first;
    }
    a->beat = beat;
    a->peers.add(slot);
  }

  // The first copy of `id` arrived: whether we had asked for it (and had not had it since).
  bool first_copy(const MessageId& id) {
    if (map_.empty()) return false;
    Ask* a = map_.find(id);
    if (!a || a->received) return false;
    a->received = true;
    return true;
  }

  // Whether we asked peer `slot` for `id`: its copies of it were solicited.
  bool solicited(const MessageId& id, std::uint32_t slot) const {
    if (map_.empty()) return false;
    const Ask* a = map_.find(id);
    return a && a->peers.contains(slot);
  }

  // Forgets asks last made `ttl` or more heartbeats before `beat`.
  void expire(std::uint64_t beat, std::uint64_t ttl) {
    // Backwards: an erase moves the last entry into the hole, and it was looked at already.
    for (std::size_t i = map_.size(); i-- > 0;)
      if (map_.entries()[i].value.beat + ttl <= beat) map_.erase(map_.key(i));
  }

  // The slot's peer is gone (a new peer may get its slot).
  void forget(std::uint32_t slot) {
    for (auto& e : map_.entries()) e.value.peers.remove(slot);
  }

  std::size_t memory_bytes() const {
    std::size_t n = map_.memory_bytes();
    for (const auto& e : map_.entries()) n += e.value.peers.heap_bytes();
    return n;
  }

 private:
  struct Ask {
    std::uint64_t beat = 0;
    SlotSet peers;
    bool received = false;
  };
  std::size_t max_entries_;
  IdMap<Ask> map_;
};

}  // namespace p2pgossip::router
