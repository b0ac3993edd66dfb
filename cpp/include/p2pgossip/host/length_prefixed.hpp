// Unsigned-varint length-prefixed messages on a byte stream (pubsub RPCs, identify): a
// sans-I/O reader with a size cap checked on the prefix, before anything is buffered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::host {

class LengthPrefixedReader {
 public:
  explicit LengthPrefixedReader(std::size_t max_message_bytes) : max_(max_message_bytes) {}

  void feed(ByteView data) { buf_.insert(buf_.end(), data.begin(), data.end()); }

  // The next whole message; nullopt when more bytes are needed. An error (a prefix above
  // the cap, or an overlong varint) is final: the stream is to be reset.
  Result<std::optional<Bytes>> next() {
    std::uint64_t len = 0;
    std::size_t i = 0;
    for (;; ++i) {
      if (i == 10) return Error{"length prefix: overlong varint"};
      if (pos_ + i >= buf_.size()) return std::optional<Bytes>{};
      const std::uint8_t b = buf_[pos_ + i];
      len |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) break;
    }
    if (len > max_)
      return Error{"length prefix: " + std::to_string(len) + " bytes exceed the limit " +
                   std::to_string(max_)};
    const std::size_t start = pos_ + i + 1;
    if (buf_.size() - start < len) return std::optional<Bytes>{};
    Bytes msg(buf_.begin() + static_cast<std::ptrdiff_t>(start),
              buf_.begin() + static_cast<std::ptrdiff_t>(start + len));
    pos_ = start + len;
    // Compact once the consumed prefix dominates, so the buffer stays O(pending bytes).
    if (pos_ == buf_.size()) {
      buf_.clear();
      release_if_grown(buf_);
      pos_ = 0;
    } else if (pos_ > buf_.size() / 2) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
      pos_ = 0;
    }
    return std::optional<Bytes>{std::move(msg)};
  }

  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::size_t max_;
  Bytes buf_;
  std::size_t pos_ = 0;
};

}  // namespace p2pgossip::host
