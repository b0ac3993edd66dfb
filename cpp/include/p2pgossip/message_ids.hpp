// The message ids of one IHAVE, IWANT or IDONTWANT entry, packed into one buffer (each id
// after its length), so a list costs one allocation however many ids it holds: routers of a
// large simulation build millions of these lists, most of one or a few 16-byte ids. Ids of
// any length are held, so wire tools can craft oversized ones; decoders bound them.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip {

class MessageIds {
  using Length = std::uint32_t;

 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ByteView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = ByteView;

    iterator() = default;
    ByteView operator*() const { return {p_ + sizeof(Length), length()}; }
    iterator& operator++() {
      p_ += sizeof(Length) + length();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator&) const = default;

   private:
    friend class MessageIds;
    explicit iterator(const std::uint8_t* p) : p_(p) {}
    Length length() const {
      Length n;
      std::memcpy(&n, p_, sizeof n);
      return n;
    }
    const std::uint8_t* p_ = nullptr;
  };

  MessageIds() = default;
  MessageIds(std::initializer_list<ByteView> ids) {
    for (ByteView id : ids) push_back(id);
  }

  void push_back(ByteView id) {
    const Length n = static_cast<Length>(id.size());
    const std::size_t at = packed_.size();
    packed_.resize(at + sizeof n + n);
    std::memcpy(packed_.data() + at, &n, sizeof n);
    if (n) std::memcpy(packed_.data() + at + sizeof n, id.data(), n);
    ++count_;
  }
  // Room for `ids` ids of `id_size` bytes each, allocated once.
  void reserve(std::size_t ids, std::size_t id_size) {
    packed_.reserve(ids * (sizeof(Length) + id_size));
  }

  // Empties it and keeps its room, for a scratch list reused without allocating.
  void clear() {
    packed_.clear();
    count_ = 0;
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  iterator begin() const { return iterator(packed_.data()); }
  iterator end() const { return iterator(packed_.data() + packed_.size()); }

  bool operator==(const MessageIds&) const = default;

 private:
  Bytes packed_;
  std::size_t count_ = 0;
};

}  // namespace p2pgossip
