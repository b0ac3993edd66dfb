// Splitting a byte stream into frames (Noise transport messages, yamux frames) while holding
// no more than the one frame the input cut in two. Whole frames are handed on where they lie
// in the input, never copied; only the cut frame is kept, in a buffer sized to that frame and
// freed once it is complete. A connection that appended every read to one buffer kept that
// buffer at the largest size a burst grew it to (reads of 32 KiB on top of a partial 64 KiB
// frame, doubled by the vector): 400 connections of a 50-node burst held 52 MB so.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip {

class FrameBuffer {
 public:
  // Feeds `data`. `size_of(prefix)` is the whole size of the frame `prefix` begins (header
  // included), nullopt while its header is incomplete; a frame too large to accept should be
  // sized as its header alone, so that `on_frame` sees and refuses it before anything is
  // buffered. `on_frame(frame)` false stops: the rest is dropped (the stream failed).
  template <class SizeOf, class OnFrame>
  void feed(ByteView data, SizeOf&& size_of, OnFrame&& on_frame) {
    if (!partial_.empty()) {
      // A header cut in two is completed a byte at a time (they are a few bytes long).
      std::optional<std::size_t> size;
      while (!(size = size_of(ByteView(partial_)))) {
        if (data.empty()) return;
        partial_.push_back(data.front());
        data = data.subspan(1);
      }
      if (partial_.capacity() < *size) partial_.reserve(*size);
      const std::size_t take = std::min(*size - partial_.size(), data.size());
      partial_.insert(partial_.end(), data.begin(),
                      data.begin() + static_cast<std::ptrdiff_t>(take));
      data = data.subspan(take);
      if (partial_.size() < *size) return;
      const bool go_on = on_frame(ByteView(partial_));
      clear();
      if (!go_on) return;
    }
    while (!data.empty()) {
      const std::optional<std::size_t> size = size_of(data);
      if (!size || *size > data.size()) {
        if (size) partial_.reserve(*size);
        partial_.assign(data.begin(), data.end());
        return;
      }
      if (!on_frame(data.first(*size))) return;
      data = data.subspan(*size);
    }
  }

  // Bytes of the cut frame held.
  std::size_t buffered() const { return partial_.size(); }
  std::size_t capacity() const { return partial_.capacity(); }
  void clear() {
    partial_.clear();
    release_if_grown(partial_);
  }

 private:
  Bytes partial_;
};

}  // namespace p2pgossip
