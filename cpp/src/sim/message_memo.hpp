// What the simulator already knows about the messages it built, found by the message's
// address: its id, the encoded size of an RPC carrying just it, and its verification-cache
// key (computed when built, so that no thread writes an entry while another reads it). Every node
// of a simulation receives the one shared Message object, and these are functions of its immutable
// content, so a node asking by address gets the answer it would compute, without hashing (or
// sizing) half a kilobyte again at each of a message's millions of receipts.
//
// Entries hold weak references: an entry answers only while its message is alive, and a
// live object's address names no other object, so an answer is never for a stale message.
// A fixed table (slots chosen by address, a short probe), not a growing map: when full, the
// oldest entry in the way is replaced, and the forgotten message is computed again.
//
// On several threads each shard has a memo and its own copy (replica) of each message: a
// message's reference count is written at every send and receipt, and one object shared by
// two threads bounced its cache line between their cores at each (a 100,000-node burst on
// two threads: the count's increment 96% of a hot function's samples, 8x its one-thread
// cost). A built message has a number (Entry::replica); the packets between shards carry it,
// and the receiving shard's memo finds or makes its copy (own()).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::sim {

class MessageMemo {
 public:
  static constexpr int kSlotBits = 12;
  static constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
  static constexpr std::size_t kProbe = 8;
  static constexpr std::uint32_t kNoReplica = 0xffffffff;

  struct Entry {
    MessageId id;
    std::size_t rpc_size = 0;                        // wire::encoded_rpc_size(message)
    std::optional<crypto::VerifyCache::Digest> key;  // nullopt: the message cannot verify
    std::uint32_t carried = 0xffffffff;  // its shard's CarriedMessages index while in flight
    std::uint32_t replica = kNoReplica;  // the message's number, the same in every shard
  };

  MessageMemo() : slots_(kSlots), replicas_(kSlots) {}

  // Remembers `message` as `entry`, replacing a dead entry or, if none is in reach, the
  // oldest one there; and as this shard's copy of its replica number.
  Entry* remember(const MessagePtr& message, const Entry& entry) {
    Slot* target = nullptr;
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& s = slot(message.get(), i);
      if (s.address == message.get()) {  // this message again, or a dead one at its address
        target = &s;
        break;
      }
      if (!target || s.message.expired() || (!target->message.expired() && s.stamp < target->stamp))
        target = &s;
    }
    target->address = message.get();
    target->message = message;
    target->stamp = ++stamps_;
    target->entry = entry;
    target->entry.carried = 0xffffffff;
    if (entry.replica != kNoReplica)
      replicas_[entry.replica & (kSlots - 1)] = {entry.replica, message};
    return &target->entry;
  }

  // This shard's copy of message number `entry.replica` (`entry` as remembered where it was
  // built), made from `other`, another shard's copy, if this shard has none alive. Reads
  // `other`'s immutable content only, never its reference count. With its entry here.
  std::pair<MessagePtr, Entry*> own(const Entry& entry, const Message& other) {
    const Replica& r = replicas_[entry.replica & (kSlots - 1)];
    MessagePtr mine = r.number == entry.replica ? r.message.lock() : nullptr;
    if (!mine) mine = std::make_shared<const Message>(other);
    Entry* e = find(mine.get());
    if (!e) e = remember(mine, entry);
    return {std::move(mine), e};
  }

  // The entry of the live message at `m`, or null.
  Entry* find(const Message* m) {
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& s = slot(m, i);
      if (s.address == m) return s.message.expired() ? nullptr : &s.entry;
    }
    return nullptr;
  }

 private:
  struct Slot {
    const Message* address = nullptr;
    std::weak_ptr<const Message> message;
    std::uint64_t stamp = 0;  // when remembered: the oldest is replaced first
    Entry entry;
  };

  Slot& slot(const Message* m, std::size_t i) {
    // Fibonacci hashing of the address: the product's top bits mix all of its bits.
    const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m));
    const std::uint64_t h = a * 0x9e3779b97f4a7c15ULL;
    return slots_[(static_cast<std::size_t>(h >> (64 - kSlotBits)) + i) & (kSlots - 1)];
  }

  // A message's copy here by number: direct-mapped, so a copy is forgotten only when 4,096
  // newer messages were remembered (then another is made: the same content, as good).
  struct Replica {
    std::uint32_t number = kNoReplica;
    std::weak_ptr<const Message> message;
  };

  std::vector<Slot> slots_;
  std::vector<Replica> replicas_;
  std::uint64_t stamps_ = 0;
};

}  // namespace p2pgossip::sim
