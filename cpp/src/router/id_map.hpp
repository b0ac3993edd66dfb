// IdMap: a flat open-addressing hash map keyed by MessageId. A slot of the table is 8 bytes:
// the entry's index and a tag (the hash's high bits, a mark, the key's size), eight to a cache
// line, so a lookup probes a line whose address the hash alone gives (and can be prefetched);
// a tag that matches is confirmed against the key, kept beside the entries in an array of
// its own (each at the entry's index, all as long as the longest key seen). Keys were kept in
// the slots before, 32 bytes a slot for 16-byte ids: a router keeps a table per kind of
// message state and a simulation keeps routers by the thousand, so the table's slack (it
// is at most 3/4 full) cost 24 bytes a slot. Entries (hash, value) live densely in a
// vector; nothing is allocated per lookup. Used by the message table, IDONTWANT, promises
// and scoring.
#pragma once

#include <xxhash.h>

#include <algorithm>
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

  bool contains(ByteView key) const { return slot_of(key, hash_id(key)) != kNone; }
  V* find(ByteView key) { return find(key, hash_id(key)); }
  const V* find(ByteView key) const { return const_cast<IdMap*>(this)->find(key, hash_id(key)); }
  V* find(const MessageId& key) { return find(key.view()); }
  const V* find(const MessageId& key) const { return find(key.view()); }
  V* find(ByteView key, std::uint64_t h) {
    const std::size_t i = slot_of(key, h);
    return i == kNone ? nullptr : &entries_[at(i).index].value;
  }

  // Pulls the line a key of hash `h` is looked up in first into cache.
  void prefetch(std::uint64_t h) const {
    if (!mask_) return;
    __builtin_prefetch(&at(home(h)));
  }

  // Once the line prefetch(h) pulled is in cache: the entry and the key of the first slot in
  // it whose tag matches (the key is not compared: this only warms the lines a find reads).
  void prefetch_entry(std::uint64_t h, std::size_t key_size) const {
    if (!mask_) return;
    const std::uint32_t tag = tag_of(h, key_size);
    for (const Slot& s : table_[home(h) >> 3].slots)
      if (s.index != kEmpty && (s.tag & ~kMark) == tag) {
        __builtin_prefetch(entries_.data() + s.index);
        __builtin_prefetch(key_at(s.index));
        return;
      }
  }

  // What inserting a new key of hash `h` writes: its slot's line, the end of the entries and
  // of the keys.
  void prefetch_insert(std::uint64_t h) const {
    prefetch(h);
    if (entries_.size() < entries_.capacity()) {
      __builtin_prefetch(entries_.data() + entries_.size());
      __builtin_prefetch(keys_.data() + keys_.size());
    }
  }

  // Inserts `value` under `key` unless present; returns the stored value and whether it is new.
  std::pair<V*, bool> insert(const MessageId& key, V value) {
    auto [e, created] = insert_entry(key, std::move(value));
    return {&e->value, created};
  }
  // The same, returning the entry (for its hash, or to mark it).
  std::pair<Entry*, bool> insert_entry(const MessageId& key, V value) {
    const std::uint64_t h = hash_id(key);
    if (const std::size_t i = slot_of(key.view(), h); i != kNone)
      return {&entries_[at(i).index], false};
    if ((entries_.size() + 1) * 4 > capacity() * 3) rebuild(std::max(capacity() * 2, kMinSlots));
    if (key.size() > key_stride_) restride(key.size());
    const auto index = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(Entry{h, std::move(value)});
    keys_.resize(keys_.size() + key_stride_);
    if (key.size()) std::memcpy(key_at(index), key.view().data(), key.size());
    place(h, Slot{index, tag_of(h, key.size())});
    return {&entries_.back(), true};
  }

  bool erase(const MessageId& key) {
    const std::size_t i = slot_of(key.view(), hash_id(key));
    if (i == kNone) return false;
    erase_slot(i);
    return true;
  }

  // Bytes held by the table, the entries and the keys (not what values own on the heap).
  std::size_t memory_bytes() const {
    return table_.capacity() * sizeof(Line) + entries_.capacity() * sizeof(Entry) +
           keys_.capacity();
  }

  // Finds or erases, without the key, the entry with hash `h` (as from hash_id) whose value
  // satisfies `match`: for callers that remember an entry by hash and a unique value.
  template <class F>
  Entry* find_where(std::uint64_t h, F&& match) {
    const std::size_t i = slot_where(h, match);
    return i == kNone ? nullptr : &entries_[at(i).index];
  }
  template <class F>
  const Entry* find_where(std::uint64_t h, F&& match) const {
    return const_cast<IdMap*>(this)->find_where(h, match);
  }
  // Erases an entry found by find or find_where (entries move: pointers to them go stale).
  void erase(const Entry& e) { erase_slot(slot_of(e)); }
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
    std::fill(table_.begin(), table_.end(), Line{});
  }

  // The key of entries()[i], or of an entry found by find_where.
  MessageId key(const Entry& e) const {
    return key(static_cast<std::size_t>(&e - entries_.data()));
  }
  MessageId key(std::size_t i) const {
    const auto index = static_cast<std::uint32_t>(i);
    const Slot& s = at(slot_of_index(entries_[i].hash, index));
    return MessageId(ByteView(key_at(index), s.tag & kSizeMask));
  }

  // One flag per entry, kept in its slot: a lookup that needs only the flag (the message
  // table's "seen") reads no line beyond the slot's and the key's. Cleared for a new entry.
  bool marked(ByteView key) const {
    const std::size_t i = slot_of(key, hash_id(key));
    return i != kNone && (at(i).tag & kMark);
  }
  bool marked(const Entry& e) const { return at(slot_of(e)).tag & kMark; }
  void set_mark(const Entry& e, bool on) {
    Slot& s = at(slot_of(e));
    s.tag = on ? s.tag | kMark : s.tag & ~kMark;
  }
  // Entries in insertion order perturbed by erasures: callers needing a deterministic order
  // must not depend on hash values, and this order depends only on the operation sequence.
  const std::vector<Entry>& entries() const { return entries_; }
  // Values may be changed in place through this; hashes must not be.
  std::vector<Entry>& entries() { return entries_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffff;
  static constexpr std::size_t kNone = ~std::size_t{0};
  static constexpr std::size_t kMinSlots = 16;      // and below which a table does not shrink
  static constexpr std::uint32_t kSizeMask = 0x7f;  // ids are at most 64 bytes
  static constexpr std::uint32_t kMark = 0x80;
  static constexpr std::uint32_t kLowBits = kSizeMask | kMark;
  // A slot: the entry's index (kEmpty: free) and its tag: the hash's high 24 bits, the mark
  // (see marked) and the key's size (7 bits). Eight to a 64-byte aligned line.
  struct alignas(8) Slot {
    std::uint32_t index = kEmpty;
    std::uint32_t tag = 0;
  };
  struct alignas(64) Line {
    Slot slots[8];
  };
  static constexpr std::size_t kLineMask = 7;
  Slot& at(std::size_t i) { return table_[i >> 3].slots[i & kLineMask]; }
  const Slot& at(std::size_t i) const { return table_[i >> 3].slots[i & kLineMask]; }

  static std::uint32_t tag_of(std::uint64_t h, std::size_t key_size) {
    return (static_cast<std::uint32_t>(h >> 32) & ~kLowBits) | static_cast<std::uint32_t>(key_size);
  }
  std::size_t capacity() const { return mask_ ? mask_ + 1 : 0; }
  // Where a key of hash `h` is looked for first: the first slot of a cache line, so the
  // slots probed next are most often in the line already read (and prefetched).
  std::size_t home(std::uint64_t h) const { return h & mask_ & ~kLineMask; }
  const std::uint8_t* key_at(std::uint32_t index) const {
    return keys_.data() + std::size_t{index} * key_stride_;
  }
  std::uint8_t* key_at(std::uint32_t index) {
    return keys_.data() + std::size_t{index} * key_stride_;
  }

  std::size_t slot_of(ByteView key, std::uint64_t h) const {
    if (!mask_) return kNone;
    const std::uint32_t tag = tag_of(h, key.size());
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const Slot s = at(i);
      if (s.index == kEmpty) return kNone;
      if ((s.tag & ~kMark) == tag && same_id_bytes(key_at(s.index), key.data(), key.size()))
        return i;
    }
  }

  template <class F>
  std::size_t slot_where(std::uint64_t h, F&& match) const {
    if (!mask_) return kNone;
    const auto high = static_cast<std::uint32_t>(h >> 32) & ~kLowBits;
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const Slot s = at(i);
      if (s.index == kEmpty) return kNone;
      if ((s.tag & ~kLowBits) == high && entries_[s.index].hash == h &&
          match(entries_[s.index].value))
        return i;
    }
  }
  std::size_t slot_of(const Entry& e) const {
    return slot_of_index(e.hash, static_cast<std::uint32_t>(&e - entries_.data()));
  }
  std::size_t slot_of_index(std::uint64_t h, std::uint32_t index) const {
    for (std::size_t i = home(h);; i = (i + 1) & mask_)
      if (at(i).index == index) return i;
  }

  void place(std::uint64_t h, Slot slot) {
    std::size_t i = home(h);
    while (at(i).index != kEmpty) i = (i + 1) & mask_;
    at(i) = slot;
  }

  // A table of `slots` slots, every entry placed again (its tag goes with it).
  void rebuild(std::size_t slots) {
    std::vector<Line> old(slots / 8);
    old.swap(table_);
    mask_ = slots - 1;
    for (const Line& line : old)
      for (const Slot& s : line.slots)
        if (s.index != kEmpty) place(entries_[s.index].hash, s);
  }

  // Keys laid out again at `stride` bytes each, for a key longer than any before.
  void restride(std::size_t stride) {
    std::vector<std::uint8_t> wider(entries_.size() * stride);
    for (std::size_t i = 0; i < entries_.size(); ++i)
      std::memcpy(wider.data() + i * stride, keys_.data() + i * key_stride_, key_stride_);
    keys_.swap(wider);
    key_stride_ = stride;
  }

  void erase_slot(std::size_t i) {
    const std::uint32_t index = at(i).index;
    remove_slot(i);
    const auto last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (index != last) {
      // Move the last entry and its key into the hole and repoint its slot.
      at(slot_of_index(entries_[last].hash, last)).index = index;
      entries_[index] = std::move(entries_[last]);
      std::memcpy(key_at(index), key_at(last), key_stride_);
    }
    entries_.pop_back();
    keys_.resize(keys_.size() - key_stride_);
    shrink_if_sparse();
  }

  // After a burst, tables sized for its peak would stay allocated for the node's life: when
  // entries fall to 1/8 of the slots, the table halves (to 1/4 load, so that growth at 3/4
  // is far) and the entries' and keys' spare capacity goes; an empty map frees everything.
  // Entry order is kept, so nothing that iterates entries() sees a difference.
  void shrink_if_sparse() {
    if (entries_.empty()) {
      std::vector<Line>().swap(table_);
      std::vector<Entry>().swap(entries_);
      std::vector<std::uint8_t>().swap(keys_);
      mask_ = 0;
      key_stride_ = 0;
      return;
    }
    if (capacity() <= kMinSlots || entries_.size() * 8 > capacity()) return;
    rebuild(capacity() / 2);
    if (entries_.capacity() >= 4 * entries_.size()) {
      entries_.shrink_to_fit();
      keys_.shrink_to_fit();
    }
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  void remove_slot(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      const std::uint32_t index = at(j).index;
      if (index == kEmpty) break;
      const std::size_t h = home(entries_[index].hash);
      // Slot j's entry may move to i iff i lies cyclically in [h, j).
      const bool movable = (j > i) ? (h <= i || h > j) : (h <= i && h > j);
      if (movable) {
        at(i) = at(j);
        i = j;
      }
    }
    at(i) = Slot{};
  }

  std::vector<Line> table_;  // capacity() slots
  std::size_t mask_ = 0;     // capacity() - 1, or 0 before the first insert
  std::vector<Entry> entries_;
  std::vector<std::uint8_t> keys_;  // entries_[i]'s key at i * key_stride_
  std::size_t key_stride_ = 0;      // the longest key's size
};

}  // namespace p2pgossip::router
