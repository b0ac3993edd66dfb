// What is on the simulator's links, small and without owning pointers, because a burst puts
// millions of packets in flight at once and most are duplicates dropped on arrival. A lone
// forwarded message on a link (nearly every packet) is its arrival event alone
// (EventKind::kMessageArrive): the event's key names the sender, the link follows from
// sender and receiver, and the message is an index into CarriedMessages, which holds each message
// once however many packets carry it. An IDONTWANT of a message's id, with the message or
// without it (a first receipt of a large message, sent to the v1.2 mesh: the message too when
// it fits one merged RPC, after it when not), is an InFlight slot naming the message the same
// way; the receiver is handed the RPC that was sent, rebuilt. Anything else (an RPC with other
// control or several messages, a full-stack segment of bytes, an injected message, a message
// waiting for its receiver's CPU) is an InFlight slot naming its content, boxed in a table of its
// own.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "p2pgossip/message.hpp"
#include "slot_table.hpp"

namespace p2pgossip::sim {

constexpr std::uint32_t kNoLink = 0xffffffff;

// A packet that is not a lone message on a link (or waits for its receiver's CPU).
struct InFlight {
  // Carried (content: a CarriedMessages index): kMessage, a message alone; kMessageAndIDontWant,
  // with an IDONTWANT of its id; kIDontWant, that IDONTWANT alone.
  enum class Kind : std::uint8_t { kMessage, kRpc, kBytes, kMessageAndIDontWant, kIDontWant };
  std::int64_t arrival = 0;      // at the receiver: whether the link was cut since (carries)
  std::uint32_t content = 0;     // index in the table of its kind
  std::uint32_t link = kNoLink;  // kNoLink: injected, not carried by a link
  std::uint32_t from = 0;
  std::uint32_t size : 29 = 0;  // bytes (an RPC is at most a few MiB)
  std::uint32_t kind : 3 = 0;   // Kind
  Kind what() const { return static_cast<Kind>(kind); }
  // Its content is an index into CarriedMessages.
  bool carries_message() const { return what() != Kind::kRpc && what() != Kind::kBytes; }
};

// The messages packets carry, each held once with a count of its packets: a packet holds a
// 4-byte index, and sending or dropping a copy changes a plain counter, not a shared
// pointer's atomic one.
class CarriedMessages {
 public:
  static constexpr std::uint32_t kNone = 0xffffffff;

  // An index for one more packet carrying `m` alone, of `size` bytes (the same for every
  // such packet: the message framed as an RPC). `cache` (may be null) is where the caller
  // keeps m's index between calls (kNone when it has none), so that a send finds it without
  // a lookup; it is reset to kNone when m's last packet is gone. `id_hint` (may be null) is
  // kept for prefetching the receiver's state.
  std::uint32_t carry(const MessagePtr& m, std::uint32_t size, const MessageId* id_hint,
                      std::uint32_t* cache) {
    if (cache && *cache != kNone) {
      ++entries_[*cache].packets;
      return *cache;
    }
    return carry_first(m, size, id_hint, cache);
  }
  const MessageId* id_hint(std::uint32_t i) const { return entries_[i].id_hint; }
  std::uint32_t size(std::uint32_t i) const { return entries_[i].size; }
  // The message of a packet that arrived (the last packet's takes the table's reference).
  MessagePtr take(std::uint32_t i) {
    Entry& e = entries_[i];
    if (--e.packets > 0) return e.message;
    if (!e.cache)
      index_.erase(e.message.get());
    else if (*e.cache == i)  // not since given to another message
      *e.cache = kNone;
    return entries_.take(i).message;
  }
  void drop(std::uint32_t i) { (void)take(i); }
  std::size_t memory_bytes() const { return entries_.memory_bytes(); }

 private:
  // carry() when the caller's cache does not know m: out of line, off the per-send path.
  std::uint32_t carry_first(const MessagePtr& m, std::uint32_t size, const MessageId* id_hint,
                            std::uint32_t* cache);

  struct Entry {
    MessagePtr message;
    const MessageId* id_hint = nullptr;
    std::uint32_t* cache = nullptr;  // null: found through index_
    std::uint32_t packets = 0;
    std::uint32_t size = 0;  // of each packet
  };
  SlotTable<Entry> entries_;
  // Messages in flight whose sender keeps no cache (not built here, or forgotten by the memo).
  std::unordered_map<const Message*, std::uint32_t> index_;
};

}  // namespace p2pgossip::sim
