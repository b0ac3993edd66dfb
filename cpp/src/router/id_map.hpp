// IdMap: a flat open-addressing hash map keyed by MessageId. Each slot of the table holds the
// key itself (size and bytes, after a hash tag and the entry's index), so a lookup that finds
// its key reads one slot and nothing else: one cache line, whose address the hash alone
// gives, so it can be prefetched without a dependent second step. Slots are a power-of-two
// size fitted to the longest id seen (32 bytes for 16-byte XXH3 ids), in a 64-byte aligned
// table, so no slot straddles two lines. Entries (hash, value) live densely in a vector;
// nothing is allocated per lookup. Used by the seen cache, mcache, IDONTWANT and scoring.
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
    return i == kNone ? nullptr : &entries_[index_at(i)].value;
  }

  // Pulls the line a key of hash `h` is looked up in first into cache, and the line after it,
  // where the probe goes on when the first is full.
  void prefetch(std::uint64_t h) const {
    if (!mask_) return;
    __builtin_prefetch(slot(home(h)));
    __builtin_prefetch(slot((home(h) + line_mask_ + 1) & mask_));
  }

  // What inserting a new key of hash `h` writes: its slot's line and the end of the entries.
  void prefetch_insert(std::uint64_t h) const {
    prefetch(h);
    if (entries_.size() < entries_.capacity())
      __builtin_prefetch(entries_.data() + entries_.size());
  }

  // Inserts `value` under `key` unless present; returns the stored value and whether it is new.
  std::pair<V*, bool> insert(const MessageId& key, V value) {
    const std::uint64_t h = hash_id(key);
    if (V* v = find(key.view(), h)) return {v, false};
    const bool full = (entries_.size() + 1) * 4 > capacity() * 3;
    if (full || key.size() + kHead > stride_)
      rebuild(full ? std::max(capacity() * 2, std::size_t{16}) : capacity(),
              std::max(stride_, fitted_stride(key.size())));
    entries_.push_back(Entry{h, std::move(value)});
    place(h, static_cast<std::uint32_t>(entries_.size() - 1), key.view());
    return {&entries_.back().value, true};
  }

  bool erase(const MessageId& key) {
    const std::size_t i = slot_of(key.view(), hash_id(key));
    if (i == kNone) return false;
    erase_slot(i);
    return true;
  }

  // Bytes held by the table and the entries (not what values own on the heap).
  std::size_t memory_bytes() const {
    return table_.capacity() * sizeof(Line) + entries_.capacity() * sizeof(Entry);
  }

  // Finds or erases, without the key, the entry with hash `h` (as from hash_id) whose value
  // satisfies `match`: for callers that remember an entry by hash and a unique value.
  template <class F>
  const Entry* find_where(std::uint64_t h, F&& match) const {
    return const_cast<IdMap*>(this)->find_where(h, match);
  }
  template <class F>
  Entry* find_where(std::uint64_t h, F&& match) {
    const std::size_t i = slot_where(h, match);
    return i == kNone ? nullptr : &entries_[index_at(i)];
  }
  // Erases an entry found by find or find_where (entries move: pointers to them go stale).
  void erase(const Entry& e) {
    const auto index = static_cast<std::uint32_t>(&e - entries_.data());
    erase_slot(slot_of_index(e.hash, index));
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
    for (std::size_t i = 0; i < capacity(); ++i) set_index(i, kEmpty);
  }

  // The key of entries()[i], or of an entry found by find_where.
  MessageId key(const Entry& e) const {
    return key(static_cast<std::size_t>(&e - entries_.data()));
  }
  MessageId key(std::size_t i) const {
    const std::uint8_t* s = slot(slot_of_index(entries_[i].hash, static_cast<std::uint32_t>(i)));
    return MessageId(ByteView(s + kHead, s[kSizeAt]));
  }
  // Entries in insertion order perturbed by erasures: callers needing a deterministic order
  // must not depend on hash values, and this order depends only on the operation sequence.
  const std::vector<Entry>& entries() const { return entries_; }
  // Values may be changed in place through this; hashes must not be.
  std::vector<Entry>& entries() { return entries_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffff;
  static constexpr std::size_t kNone = ~std::size_t{0};
  // A slot: entry index (kEmpty: free) at 0, the hash's high half at 4, key size at 8, key
  // bytes from 9, padded to stride_.
  static constexpr std::size_t kTagAt = 4, kSizeAt = 8, kHead = 9;
  static constexpr std::size_t kMinShrink = 16;  // slots below which a table does not shrink
  struct alignas(64) Line {
    std::uint8_t bytes[64];
  };

  static std::size_t fitted_stride(std::size_t key_size) {
    std::size_t stride = 16;
    while (stride < key_size + kHead) stride *= 2;
    return stride;
  }
  std::size_t capacity() const { return mask_ ? mask_ + 1 : 0; }
  // Where a key of hash `h` is looked for first: the first slot of a cache line, so the
  // slots probed next are most often in the line already read (and prefetched).
  std::size_t home(std::uint64_t h) const { return h & mask_ & ~line_mask_; }
  const std::uint8_t* slot(std::size_t i) const { return table_.front().bytes + i * stride_; }
  std::uint8_t* slot(std::size_t i) { return table_.front().bytes + i * stride_; }
  std::uint32_t index_at(std::size_t i) const {
    std::uint32_t v;
    std::memcpy(&v, slot(i), 4);
    return v;
  }
  std::uint32_t tag_at(std::size_t i) const {
    std::uint32_t v;
    std::memcpy(&v, slot(i) + kTagAt, 4);
    return v;
  }
  void set_index(std::size_t i, std::uint32_t index) { std::memcpy(slot(i), &index, 4); }

  std::size_t slot_of(ByteView key, std::uint64_t h) const {
    if (!mask_) return kNone;
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const std::uint8_t* s = slot(i);
      std::uint32_t index, t;
      std::memcpy(&index, s, 4);
      if (index == kEmpty) return kNone;
      std::memcpy(&t, s + kTagAt, 4);
      if (t == tag && s[kSizeAt] == key.size() && same_id_bytes(s + kHead, key.data(), key.size()))
        return i;
    }
  }

  template <class F>
  std::size_t slot_where(std::uint64_t h, F&& match) const {
    if (!mask_) return kNone;
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const std::uint32_t index = index_at(i);
      if (index == kEmpty) return kNone;
      if (tag_at(i) == tag && entries_[index].hash == h && match(entries_[index].value)) return i;
    }
  }
  std::size_t slot_of_index(std::uint64_t h, std::uint32_t index) const {
    for (std::size_t i = home(h);; i = (i + 1) & mask_)
      if (index_at(i) == index) return i;
  }

  void place(std::uint64_t h, std::uint32_t index, ByteView key) {
    std::size_t i = home(h);
    while (index_at(i) != kEmpty) i = (i + 1) & mask_;
    std::uint8_t* s = slot(i);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::memcpy(s, &index, 4);
    std::memcpy(s + kTagAt, &tag, 4);
    s[kSizeAt] = static_cast<std::uint8_t>(key.size());
    if (!key.empty()) std::memcpy(s + kHead, key.data(), key.size());
  }

  // A table of `slots` slots of `stride` bytes, every entry placed again.
  void rebuild(std::size_t slots, std::size_t stride) {
    std::vector<Line> old;
    old.swap(table_);
    const std::size_t old_capacity = capacity(), old_stride = stride_;
    table_.assign((slots * stride + 63) / 64, Line{});
    mask_ = slots - 1;
    stride_ = stride;
    line_mask_ = stride < 64 ? 64 / stride - 1 : 0;
    for (std::size_t i = 0; i < slots; ++i) set_index(i, kEmpty);
    for (std::size_t i = 0; i < old_capacity; ++i) {
      const std::uint8_t* s = old.front().bytes + i * old_stride;
      std::uint32_t index;
      std::memcpy(&index, s, 4);
      if (index != kEmpty) place(entries_[index].hash, index, ByteView(s + kHead, s[kSizeAt]));
    }
  }

  void erase_slot(std::size_t i) {
    const std::uint32_t index = index_at(i);
    remove_slot(i);
    const std::uint32_t last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (index != last) {
      // Move the last entry into the hole and repoint its slot.
      set_index(slot_of_index(entries_[last].hash, last), index);
      entries_[index] = std::move(entries_[last]);
    }
    entries_.pop_back();
    shrink_if_sparse();
  }

  // After a burst, tables sized for its peak would stay allocated for the node's life: when
  // entries fall to 1/8 of the slots, the table halves (to 1/4 load, so that growth at 3/4
  // is far) and the entries' spare capacity goes; an empty map frees everything. Entry order
  // is kept, so nothing that iterates entries() sees a difference.
  void shrink_if_sparse() {
    if (entries_.empty()) {
      std::vector<Line>().swap(table_);
      std::vector<Entry>().swap(entries_);
      mask_ = 0;
      return;
    }
    if (capacity() <= kMinShrink || entries_.size() * 8 > capacity()) return;
    rebuild(capacity() / 2, stride_);
    if (entries_.capacity() >= 4 * entries_.size()) entries_.shrink_to_fit();
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  void remove_slot(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      const std::uint32_t index = index_at(j);
      if (index == kEmpty) break;
      const std::size_t at = home(entries_[index].hash);
      // Slot j's entry may move to i iff i lies cyclically in [at, j).
      const bool movable = (j > i) ? (at <= i || at > j) : (at <= i && at > j);
      if (movable) {
        std::memcpy(slot(i), slot(j), stride_);
        i = j;
      }
    }
    set_index(i, kEmpty);
  }

  std::vector<Line> table_;  // capacity() slots of stride_ bytes
  std::size_t mask_ = 0;     // capacity() - 1, or 0 before the first insert
  std::size_t stride_ = 0;
  std::size_t line_mask_ = 0;  // slots per line - 1
  std::vector<Entry> entries_;
};

}  // namespace p2pgossip::router
