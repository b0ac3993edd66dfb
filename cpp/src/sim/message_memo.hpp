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
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::sim {

class MessageMemo {
 public:
  static constexpr int kSlotBits = 12;
  static constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
  static constexpr std::size_t kProbe = 8;

  struct Entry {
    MessageId id;
    std::size_t rpc_size = 0;                        // wire::encoded_rpc_size(message)
    std::optional<crypto::VerifyCache::Digest> key;  // nullopt: the message cannot verify
    std::uint32_t carried = 0xffffffff;  // its shard's CarriedMessages index while in flight
  };

  MessageMemo() : slots_(kSlots) {}

  // Remembers `message` as `entry`, replacing a dead entry or, if none is in reach, the
  // oldest one there.
  void remember(const MessagePtr& message, const Entry& entry) {
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

  std::vector<Slot> slots_;
  std::uint64_t stamps_ = 0;
};

}  // namespace p2pgossip::sim
