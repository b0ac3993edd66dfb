// IdPool: message ids held once for the IdMaps that share it (id_map.hpp, "pooled"). A
// simulation's routers on one thread hold the same ids by the thousand; sharing a pool, a
// router's table keeps a 4-byte handle an id where it kept the id (16 bytes and its size for
// XXH3 ids). An id is interned by the first map that inserts it and forgotten when the last
// one lets go, so the pool holds what its maps hold. Not thread-safe: the maps sharing a pool
// are used by one thread at a time (a simulation's shard); a router given none keeps its ids.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "id_map.hpp"

namespace p2pgossip::router {

class IdPool {
 public:
  IdPool() = default;
  IdPool(const IdPool&) = delete;
  IdPool& operator=(const IdPool&) = delete;

  // One more reference to the handle of `id` (of hash `h`, as from hash_id), the id interned
  // if new.
  std::uint32_t hold(const MessageId& id, std::uint64_t h) {
    auto [e, created] = index_.insert_entry(id, h, 0);
    if (created) e->value = intern(id.view());
    ++refs_[e->value];
    return e->value;
  }
  // One reference less to `handle`; the id is forgotten with the last.
  void drop(std::uint32_t handle) {
    if (--refs_[handle] > 0) return;
    index_.erase(MessageId(id(handle)));
    free_.push_back(handle);
  }
  // The id of a handle held (bytes() its first byte), valid until the next hold.
  ByteView id(std::uint32_t handle) const { return ByteView(bytes(handle), sizes_[handle]); }
  const std::uint8_t* bytes(std::uint32_t handle) const {
    return ids_.data() + std::size_t{handle} * stride_;
  }

  std::size_t size() const { return index_.size(); }

 private:
  // A handle for a new id: a free one, else the next; its bytes laid out at the handle.
  std::uint32_t intern(ByteView id) {
    if (id.size() > stride_) {  // ids laid out again, as long as the longest
      std::vector<std::uint8_t> wider(refs_.size() * id.size());
      for (std::size_t i = 0; i < refs_.size(); ++i)
        std::memcpy(wider.data() + i * id.size(), ids_.data() + i * stride_, stride_);
      ids_.swap(wider);
      stride_ = id.size();
    }
    std::uint32_t handle;
    if (free_.empty()) {
      handle = static_cast<std::uint32_t>(refs_.size());
      refs_.push_back(0);
      sizes_.push_back(0);
      ids_.resize(ids_.size() + stride_);
    } else {
      handle = free_.back();
      free_.pop_back();
    }
    sizes_[handle] = static_cast<std::uint8_t>(id.size());
    if (!id.empty()) std::memcpy(ids_.data() + std::size_t{handle} * stride_, id.data(), id.size());
    return handle;
  }

  IdMap<std::uint32_t, IdPool> index_;  // id -> handle (the pool's own map keeps its keys)
  std::vector<std::uint8_t> ids_;       // by handle, stride_ bytes each
  std::vector<std::uint8_t> sizes_;     // by handle
  std::vector<std::uint32_t> refs_;     // by handle: the maps holding it (0: free)
  std::vector<std::uint32_t> free_;     // handles not in use
  std::size_t stride_ = 0;
};

}  // namespace p2pgossip::router
