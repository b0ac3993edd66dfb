// mcache: messages of the last mcache_len heartbeat windows, for answering IWANT; the ids of
// the newest mcache_gossip windows are what IHAVE advertises. Each entry counts how often it
// was sent to each peer through IWANT, to cap retransmissions (gossip_retransmission).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "id_map.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class MessageCache {
 public:
  MessageCache(int len, int gossip);

  void put(const MessageId& id, MessagePtr message, std::uint32_t topic);
  // What put(id, ...) will write.
  void prefetch_put(const MessageId& id) const {
    map_.prefetch_insert(hash_id(id));
    if (!windows_.front().empty()) __builtin_prefetch(&windows_.front().back());
  }
  const Message* get(const MessageId& id) const;

  // The message for an IWANT from `peer`, or null if unknown or already sent `cap` times.
  MessagePtr get_for_peer(const MessageId& id, PeerIndex peer, int cap);

  // Ids of `topic` in the gossiped windows, newest window first.
  void gossip_ids(std::uint32_t topic, std::vector<MessageId>& out) const;

  // Heartbeat: a new window starts, the oldest is forgotten.
  void shift();
  std::size_t size() const { return map_.size(); }
  std::size_t memory_bytes() const;  // the map, the windows and the IWANT send counts

 private:
  struct Entry {
    MessagePtr message;
    std::uint32_t topic;
    std::uint64_t number;  // insertion number: how a window names its entries
    // Allocated by the first IWANT for the message: most are never asked for, and a
    // simulation keeps one entry per message per node.
    std::unique_ptr<std::vector<std::pair<PeerIndex, int>>> iwant_sends;
  };
  // A window's record of an entry: the map finds it by hash and number, so windows hold no
  // copies of ids.
  struct Held {
    std::uint64_t hash;
    std::uint64_t number;
  };
  const IdMap<Entry>::Entry* held(const Held& h) const {
    return map_.find_where(h.hash, [&](const Entry& e) { return e.number == h.number; });
  }

  std::size_t gossip_;
  std::deque<std::vector<Held>> windows_;  // front = newest
  IdMap<Entry> map_;
  std::uint64_t inserted_ = 0;
};

}  // namespace p2pgossip::router
