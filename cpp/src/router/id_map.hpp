// IdMap: a flat open-addressing hash map keyed by MessageId. Slots hold (hash tag, entry
// index); entries live densely in a vector, so a lookup is one XXH3 hash plus a short linear
// probe, and nothing is allocated per lookup. Used by the seen cache, mcache and IDONTWANT.
// Keys are stored compactly beside the entries (a size byte and the id, at a stride fitted
// to the longest id seen), not as 65-byte MessageIds: a 16-byte XXH3 id takes 24 bytes, and
// every router of a large simulation holds one of these per message per cache.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "p2pgossip/message.hpp"

namespace p2pgossip::router {

inline std::uint64_t hash_id(ByteView id) { return XXH3_64bits(id.data(), id.size()); }
inline std::uint64_t hash_id(const MessageId& id) { return hash_id(id.view()); }

// Equality of two ids of `n` bytes, a word at a time: ids are short, and comparing them
// inline costs less than a call to the library's memcmp.
inline bool same_id_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return false;
  }
  for (; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

template <class V>
class IdMap {
 public:
  struct Entry {
    std::uint64_t hash;
    V value;
  };

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  V* find(ByteView key) { return find(key, hash_id(key)); }
  const V* find(ByteView key) const { return const_cast<IdMap*>(this)->find(key, hash_id(key)); }
  V* find(const MessageId& key) { return find(key.view()); }
  const V* find(const MessageId& key) const { return find(key.view()); }
  V* find(ByteView key, std::uint64_t h) {
    if (slots_.empty()) return nullptr;
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return nullptr;
      if (s.tag == tag && key_is(s.index, key)) return &entries_[s.index].value;
    }
  }

  // Pulls the first slot a key of hash `h` probes into cache; then, once that slot is in
  // cache, the key it points to (what a lookup that finds the key compares).
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
  }
  void prefetch_key(std::uint64_t h) const {
    if (slots_.empty()) return;
    const Slot& s = slots_[h & mask_];
    if (s.index != kEmpty) __builtin_prefetch(&keys_[s.index * stride_]);
  }

  // Inserts `value` under `key` unless present; returns the stored value and whether it is new.
  std::pair<V*, bool> insert(const MessageId& key, V value) {
    const std::uint64_t h = hash_id(key);
    if (V* v = find(key.view(), h)) return {v, false};
    if ((entries_.size() + 1) * 4 > slots_.size() * 3) grow();
    if (key.size() + 1 > stride_) restride(key.size() + 1);
    entries_.push_back(Entry{h, std::move(value)});
    keys_.resize(entries_.size() * stride_);
    std::uint8_t* k = &keys_[(entries_.size() - 1) * stride_];
    k[0] = static_cast<std::uint8_t>(key.size());
    std::memcpy(k + 1, key.view().data(), key.size());
    place(h, static_cast<std::uint32_t>(entries_.size() - 1));
    return {&entries_.back().value, true};
  }

  bool erase(const MessageId& key) {
    if (slots_.empty()) return false;
    const std::uint64_t h = hash_id(key);
    const std::size_t i = slot_of(key.view(), h);
    if (i == kNone) return false;
    erase_slot(i);
    return true;
  }

  // Finds or erases, without the key, the entry with hash `h` (as from hash_id) whose value
  // satisfies `match`: for callers that remember an entry by hash and a unique value.
  template <class F>
  const Entry* find_where(std::uint64_t h, F&& match) const {
    const std::size_t i = slot_where(h, match);
    return i == kNone ? nullptr : &entries_[slots_[i].index];
  }
  template <class F>
  bool erase_where(std::uint64_t h, F&& match) {
    const std::size_t i = slot_where(h, match);
    if (i == kNone) return false;
    erase_slot(i);
    return true;
  }

  void clear() {
    entries_.clear();
    keys_.clear();
    for (Slot& s : slots_) s.index = kEmpty;
  }

  // The key of entries()[i], or of an entry found by find_where.
  MessageId key(const Entry& e) const {
    return key(static_cast<std::size_t>(&e - entries_.data()));
  }
  MessageId key(std::size_t i) const {
    const std::uint8_t* k = &keys_[i * stride_];
    return MessageId(ByteView(k + 1, k[0]));
  }
  // Entries in insertion order perturbed by erasures: callers needing a deterministic order
  // must not depend on hash values, and this order depends only on the operation sequence.
  const std::vector<Entry>& entries() const { return entries_; }
  // Values may be changed in place through this; hashes must not be.
  std::vector<Entry>& entries() { return entries_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffff;
  static constexpr std::size_t kNone = ~std::size_t{0};
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t index = kEmpty;
  };

  template <class F>
  std::size_t slot_where(std::uint64_t h, F&& match) const {
    if (slots_.empty()) return kNone;
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return kNone;
      if (s.tag == tag && entries_[s.index].hash == h && match(entries_[s.index].value)) return i;
    }
  }

  bool key_is(std::uint32_t index, ByteView key) const {
    const std::uint8_t* k = &keys_[index * stride_];
    return k[0] == key.size() && same_id_bytes(k + 1, key.data(), key.size());
  }

  // Lays the keys out again at a stride fitting `record` bytes (size byte + id).
  void restride(std::size_t record) {
    const std::size_t stride = (record + 7) & ~std::size_t{7};
    std::vector<std::uint8_t> keys(entries_.size() * stride);
    for (std::size_t i = 0; i < entries_.size(); ++i)
      std::memcpy(&keys[i * stride], &keys_[i * stride_], stride_);
    keys_.swap(keys);
    stride_ = stride;
  }

  void erase_slot(std::size_t i) {
    const std::uint32_t index = slots_[i].index;
    remove_slot(i);
    const std::uint32_t last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (index != last) {
      // Move the last entry into the hole and repoint its slot.
      const std::size_t j = slot_of_index(entries_[last].hash, last);
      slots_[j].index = index;
      entries_[index] = std::move(entries_[last]);
      std::memcpy(&keys_[index * stride_], &keys_[last * stride_], stride_);
    }
    entries_.pop_back();
    keys_.resize(entries_.size() * stride_);
  }

  std::size_t slot_of(ByteView key, std::uint64_t h) const {
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return kNone;
      if (s.tag == tag && key_is(s.index, key)) return i;
    }
  }
  std::size_t slot_of_index(std::uint64_t h, std::uint32_t index) const {
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_)
      if (slots_[i].index == index) return i;
  }

  void place(std::uint64_t h, std::uint32_t index) {
    std::size_t i = h & mask_;
    while (slots_[i].index != kEmpty) i = (i + 1) & mask_;
    slots_[i] = Slot{static_cast<std::uint32_t>(h >> 32), index};
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  void remove_slot(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j].index == kEmpty) break;
      const std::size_t home = entries_[slots_[j].index].hash & mask_;
      // Slot j's entry may move to i iff i lies cyclically in [home, j).
      const bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].index = kEmpty;
  }

  void grow() {
    const std::size_t n = slots_.empty() ? 16 : slots_.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    for (std::uint32_t k = 0; k < entries_.size(); ++k) place(entries_[k].hash, k);
  }

  // What a lookup reads comes first, within 64 bytes.
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<std::uint8_t> keys_;  // entry i's key at i * stride_: size byte, then the id
  std::size_t stride_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace p2pgossip::router
