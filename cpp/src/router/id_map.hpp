// IdMap: a flat open-addressing hash map keyed by MessageId. A slot of the table is 8 bytes:
// the entry's index (with a mark) and a tag (the hash's high 25 bits and the key's size),
// eight to a cache line, so a lookup probes a line whose address the hash alone gives (and
// can be prefetched); a tag that matches is confirmed against the key, kept beside the
// entries in an array of its own (each at the entry's index, all as long as the longest key
// seen). Keys were kept in the slots before, 32 bytes a slot for 16-byte ids: a router keeps
// a table per kind of message state and a simulation keeps routers by the thousand, so the
// table's slack (it is at most 3/4 full) cost 24 bytes a slot. A slot's home line is taken
// from the hash bits in its own tag, so rebuilding and deleting place slots again without the
// entries' hashes: an entry is its value alone (a hash beside each cost 8 bytes an entry).
// Entries live densely in a vector; nothing is allocated per lookup. Used by the message
// table, IDONTWANT, promises and scoring.
//
// Pooled: a map given an IdPool (id_pool.hpp) keeps a 4-byte handle an entry where it kept
// the key, and the pool keeps each id once for all the maps that share it (a simulation's
// routers on one thread hold the same ids by the thousand). Slots and tags are the same; a
// tag that matches is confirmed against the id's bytes in the pool, which its sharers keep
// warm. Only an insert and the last erase of an id look it up in the pool.
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

class IdPool;  // id_pool.hpp, included below

// `Pool` is a parameter only so that the pool's own map can be an IdMap; it is IdPool.
template <class V, class Pool = IdPool>
class IdMap {
 public:
  struct Entry {
    V value;
  };

  // `pool`, if not null, must outlive the map; a pooled map holds a reference to each of
  // its ids there.
  explicit IdMap(Pool* pool = nullptr) : pool_(pool) {}
  ~IdMap() { release_all(); }
  IdMap(IdMap&& o) noexcept
      : table_(std::move(o.table_)),
        mask_(std::exchange(o.mask_, 0)),
        key_stride_(std::exchange(o.key_stride_, 0)),
        pool_(o.pool_),
        keys_(std::move(o.keys_)),
        entries_(std::move(o.entries_)),
        sizes_(std::move(o.sizes_)) {}
  IdMap& operator=(IdMap&&) = delete;
  IdMap(const IdMap&) = delete;
  IdMap& operator=(const IdMap&) = delete;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  bool contains(ByteView key) const { return slot_of(key, hash_id(key)) != kNone; }
  V* find(ByteView key) { return find(key, hash_id(key)); }
  const V* find(ByteView key) const { return const_cast<IdMap*>(this)->find(key, hash_id(key)); }
  V* find(const MessageId& key) { return find(key.view()); }
  const V* find(const MessageId& key) const { return find(key.view()); }
  V* find(ByteView key, std::uint64_t h) {
    const std::size_t i = slot_of(key, h);
    return i == kNone ? nullptr : &entries_[at(i).entry()].value;
  }

  // Pulls the line a key of hash `h` is looked up in first into cache.
  void prefetch(std::uint64_t h) const {
    if (!mask_) return;
    __builtin_prefetch(&at(home(tag_of(h, 0))));
  }

  // Once the line prefetch(h) pulled is in cache: the entry and the key of the first slot in
  // it whose hash bits match (the key is not compared: this only warms the lines a find reads).
  void prefetch_entry(std::uint64_t h) const {
    if (!mask_) return;
    const std::uint32_t high = tag_of(h, 0);
    for (const Slot& s : table_[home(high) >> 3].slots)
      if (!s.empty() && (s.tag & ~kSizeMask) == high) {
        __builtin_prefetch(entries_.data() + s.entry());
        __builtin_prefetch(stored_key(s.entry()));
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
  // The same, returning the entry (to mark it).
  std::pair<Entry*, bool> insert_entry(const MessageId& key, V value) {
    return insert_entry(key, hash_id(key), std::move(value));
  }
  // The same, for a caller that has the key's hash_id already.
  std::pair<Entry*, bool> insert_entry(const MessageId& key, std::uint64_t h, V value) {
    if (const std::size_t i = slot_of(key.view(), h); i != kNone)
      return {&entries_[at(i).entry()], false};
    if ((entries_.size() + 1) * 4 > capacity() * 3) rebuild(std::max(capacity() * 2, kMinSlots));
    const auto index = static_cast<std::uint32_t>(entries_.size());
    if (pool_) {
      const std::uint32_t handle = pool_->hold(key, h);
      key_stride_ = sizeof handle;
      keys_.resize(keys_.size() + sizeof handle);
      std::memcpy(stored_key(index), &handle, sizeof handle);
    } else {
      if (key.size() > key_stride_) restride(key.size());
      sizes_.push_back(static_cast<std::uint8_t>(key.size()));
      keys_.resize(keys_.size() + key_stride_);
      if (key.size()) std::memcpy(stored_key(index), key.view().data(), key.size());
    }
    entries_.push_back(Entry{std::move(value)});
    place(Slot{index, tag_of(h, key.size())});
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
           sizes_.capacity() + keys_.capacity();
  }

  // Finds or erases, without the key, the entry with hash `h` (as from hash_id) whose value
  // satisfies `match`: for callers that remember an entry by hash and a unique value (the
  // hash's high 25 bits and the value are compared).
  template <class F>
  Entry* find_where(std::uint64_t h, F&& match) {
    const std::size_t i = slot_where(h, match);
    return i == kNone ? nullptr : &entries_[at(i).entry()];
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
    release_all();
    entries_.clear();
    sizes_.clear();
    keys_.clear();
    std::fill(table_.begin(), table_.end(), Line{});
  }

  // The key of entries()[i], or of an entry found by find_where.
  MessageId key(const Entry& e) const {
    return key(static_cast<std::size_t>(&e - entries_.data()));
  }
  MessageId key(std::size_t i) const { return MessageId(key_view(static_cast<std::uint32_t>(i))); }
  // The same as a view, valid until the map changes.
  ByteView key_view(const Entry& e) const {
    return key_view(static_cast<std::uint32_t>(&e - entries_.data()));
  }

  // One flag per entry, kept in its slot: a lookup that needs only the flag (the message
  // table's "seen") reads no line beyond the slot's and the key's. Cleared for a new entry.
  bool marked(ByteView key) const { return marked(key, hash_id(key)); }
  bool marked(ByteView key, std::uint64_t h) const {
    const std::size_t i = slot_of(key, h);
    return i != kNone && at(i).marked();
  }
  bool marked(const Entry& e) const { return at(slot_of(e)).marked(); }
  void set_mark(const Entry& e, bool on) { at(slot_of(e)).set_mark(on); }
  // The same for the entry of `key` (of hash `h`), which must exist: no rehash to find it.
  void set_mark(const MessageId& key, std::uint64_t h, bool on) {
    at(slot_of(key.view(), h)).set_mark(on);
  }
  // Entries in insertion order perturbed by erasures: callers needing a deterministic order
  // must not depend on hash values, and this order depends only on the operation sequence.
  const std::vector<Entry>& entries() const { return entries_; }
  // Values may be changed in place through this; hashes must not be.
  std::vector<Entry>& entries() { return entries_; }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};
  static constexpr std::size_t kMinSlots = 16;  // and below which a table does not shrink
  static constexpr std::uint32_t kMark = 0x80000000;
  static constexpr std::uint32_t kEmpty = 0x7fffffff;  // an index no entry has
  static constexpr std::uint32_t kSizeMask = 0x7f;     // ids are at most 64 bytes
  // A slot: the entry's index, with the mark (see marked) in its top bit, and its tag: the
  // hash's high 25 bits and the key's size (7 bits). Eight to a 64-byte aligned line.
  struct alignas(8) Slot {
    std::uint32_t index = kEmpty;
    std::uint32_t tag = 0;
    bool empty() const { return index == kEmpty; }
    std::uint32_t entry() const { return index & ~kMark; }
    bool marked() const { return index & kMark; }
    void set_mark(bool on) { index = on ? index | kMark : index & ~kMark; }
  };
  struct alignas(64) Line {
    Slot slots[8];
  };
  static constexpr std::size_t kLineMask = 7;
  Slot& at(std::size_t i) { return table_[i >> 3].slots[i & kLineMask]; }
  const Slot& at(std::size_t i) const { return table_[i >> 3].slots[i & kLineMask]; }

  static std::uint32_t tag_of(std::uint64_t h, std::size_t key_size) {
    return (static_cast<std::uint32_t>(h >> 32) & ~kSizeMask) |
           static_cast<std::uint32_t>(key_size);
  }
  std::size_t capacity() const { return mask_ ? std::size_t{mask_} + 1 : 0; }
  // Where a slot of tag `tag` is looked for first: the first slot of the line its tag's hash
  // bits number (a table of more than 2^25 lines, 2 GiB, would use only the first 2^25 as
  // homes), so the slots probed next are most often in the line already read (and
  // prefetched), and a slot can be placed again from its tag alone.
  std::size_t home(std::uint32_t tag) const { return (std::size_t{tag >> 7} << 3) & mask_; }
  // The entry's key: its bytes and size (kept apart, off the lookup's path, so that keys of
  // one size stay aligned to it), or, pooled, its handle's in the pool.
  ByteView key_view(std::uint32_t index) const;
  const std::uint8_t* key_at(std::uint32_t index) const;
  // What the map stores for the entry's key: the key, or its handle in the pool.
  const std::uint8_t* stored_key(std::uint32_t index) const {
    return keys_.data() + std::size_t{index} * key_stride_;
  }
  std::uint8_t* stored_key(std::uint32_t index) {
    return keys_.data() + std::size_t{index} * key_stride_;
  }
  std::uint32_t handle_at(std::uint32_t index) const {
    std::uint32_t handle;
    std::memcpy(&handle, stored_key(index), sizeof handle);
    return handle;
  }

  std::size_t slot_of(ByteView key, std::uint64_t h) const {
    if (!mask_) return kNone;
    const std::uint32_t tag = tag_of(h, key.size());
    for (std::size_t i = home(tag);; i = (i + 1) & mask_) {
      const Slot s = at(i);
      if (s.empty()) return kNone;
      if (s.tag == tag && same_id_bytes(key_at(s.entry()), key.data(), key.size())) return i;
    }
  }

  template <class F>
  std::size_t slot_where(std::uint64_t h, F&& match) const {
    if (!mask_) return kNone;
    const std::uint32_t high = tag_of(h, 0);
    for (std::size_t i = home(high);; i = (i + 1) & mask_) {
      const Slot s = at(i);
      if (s.empty()) return kNone;
      if ((s.tag & ~kSizeMask) == high && match(entries_[s.entry()].value)) return i;
    }
  }
  // The slot of an entry found before: its key hashed again, its index looked for.
  std::size_t slot_of(const Entry& e) const {
    return slot_of_index(static_cast<std::uint32_t>(&e - entries_.data()));
  }
  std::size_t slot_of_index(std::uint32_t index) const {
    for (std::size_t i = home(tag_of(hash_id(key_view(index)), 0));; i = (i + 1) & mask_)
      if (at(i).entry() == index) return i;
  }

  void place(Slot slot) {
    std::size_t i = home(slot.tag);
    while (!at(i).empty()) i = (i + 1) & mask_;
    at(i) = slot;
  }

  // A table of `slots` slots (a power of two), every slot placed again (its mark goes with it).
  void rebuild(std::size_t slots) {
    std::vector<Line> old(slots / 8);
    old.swap(table_);
    mask_ = static_cast<std::uint32_t>(slots - 1);
    for (const Line& line : old)
      for (const Slot& s : line.slots)
        if (!s.empty()) place(s);
  }

  // Keys laid out again at `stride` bytes each, for a key longer than any before.
  void restride(std::size_t stride) {
    std::vector<std::uint8_t> wider(entries_.size() * stride);
    for (std::size_t i = 0; i < entries_.size(); ++i)
      std::memcpy(wider.data() + i * stride, keys_.data() + i * key_stride_, key_stride_);
    keys_.swap(wider);
    key_stride_ = static_cast<std::uint32_t>(stride);
  }

  void erase_slot(std::size_t i) {
    const std::uint32_t index = at(i).entry();
    const std::uint32_t handle = pool_ ? handle_at(index) : 0;
    remove_slot(i);
    const auto last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (index != last) {
      // Move the last entry and its key into the hole and repoint its slot (keeping its mark).
      Slot& moved = at(slot_of_index(last));
      moved.index = index | (moved.index & kMark);
      entries_[index] = std::move(entries_[last]);
      if (!pool_) sizes_[index] = sizes_[last];
      std::memcpy(stored_key(index), stored_key(last), key_stride_);
    }
    entries_.pop_back();
    if (!pool_) sizes_.pop_back();
    keys_.resize(keys_.size() - key_stride_);
    if (pool_) pool_->drop(handle);
    shrink_if_sparse();
  }

  // A pooled map lets go of its ids in the pool.
  void release_all() {
    if (pool_)
      for (std::uint32_t i = 0; i < entries_.size(); ++i) pool_->drop(handle_at(i));
  }

  // After a burst, tables sized for its peak would stay allocated for the node's life: when
  // entries fall to 1/8 of the slots, the table halves (to 1/4 load, so that growth at 3/4
  // is far) and the entries' and keys' spare capacity goes; an empty map frees everything.
  // Entry order is kept, so nothing that iterates entries() sees a difference.
  void shrink_if_sparse() {
    if (entries_.empty()) {
      std::vector<Line>().swap(table_);
      std::vector<Entry>().swap(entries_);
      std::vector<std::uint8_t>().swap(sizes_);
      std::vector<std::uint8_t>().swap(keys_);
      mask_ = 0;
      key_stride_ = 0;
      return;
    }
    if (capacity() <= kMinSlots || entries_.size() * 8 > capacity()) return;
    rebuild(capacity() / 2);
    if (entries_.capacity() >= 4 * entries_.size()) {
      entries_.shrink_to_fit();
      sizes_.shrink_to_fit();
      keys_.shrink_to_fit();
    }
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  void remove_slot(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (at(j).empty()) break;
      const std::size_t h = home(at(j).tag);
      // Slot j's entry may move to i iff i lies cyclically in [h, j).
      const bool movable = (j > i) ? (h <= i || h > j) : (h <= i && h > j);
      if (movable) {
        at(i) = at(j);
        i = j;
      }
    }
    at(i) = Slot{};
  }

  // What a lookup reads, first and within 48 bytes: a router prefetches them (a message
  // table's owner of the pool, 16 bytes, comes before).
  std::vector<Line> table_;       // capacity() slots
  std::uint32_t mask_ = 0;        // capacity() - 1, or 0 before the first insert
  std::uint32_t key_stride_ = 0;  // the longest key's size (pooled: a handle's)
  Pool* pool_ = nullptr;
  std::vector<std::uint8_t> keys_;  // entries_[i]'s key (pooled: handle) at i * key_stride_
  std::vector<Entry> entries_;
  std::vector<std::uint8_t> sizes_;  // entries_[i]'s key size (unpooled)
};

}  // namespace p2pgossip::router

#include "id_pool.hpp"

namespace p2pgossip::router {

template <class V, class Pool>
ByteView IdMap<V, Pool>::key_view(std::uint32_t index) const {
  return pool_ ? pool_->id(handle_at(index)) : ByteView(stored_key(index), sizes_[index]);
}

template <class V, class Pool>
const std::uint8_t* IdMap<V, Pool>::key_at(std::uint32_t index) const {
  return pool_ ? pool_->bytes(handle_at(index)) : stored_key(index);
}

}  // namespace p2pgossip::router
