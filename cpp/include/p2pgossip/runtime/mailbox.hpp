// The latest deliveries of one topic at one node, kept natively for a reader that may read
// few of them or none (LocalNetwork's subscriptions): a delivery costs a push here, and an
// interpreter object only when it is read. Written by the node's I/O thread, read from any.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "p2pgossip/runtime/events.hpp"

namespace p2pgossip::runtime {

class Mailbox {
 public:
  // Keeps at most `maxsize`; when full, a new delivery evicts the oldest, or is itself
  // dropped with `drop_newest`. Each drop is passed to `count_drop` (on the I/O thread).
  Mailbox(std::uint64_t token, std::size_t maxsize, bool drop_newest,
          std::function<void()> count_drop);

  std::uint64_t token() const { return token_; }
  // I/O thread. True when a reader waits for this delivery (wait() armed): wake it.
  bool push(const Delivered& d);
  // The oldest `max` kept deliveries, removed.
  std::vector<Delivered> take(std::size_t max);
  std::size_t size() const;
  // False when deliveries are kept; otherwise arms one wakeup (push returns true) and true.
  bool wait();
  std::uint64_t delivered() const;
  std::uint64_t dropped() const;

 private:
  const std::uint64_t token_;
  const std::size_t maxsize_;
  const bool drop_newest_;
  const std::function<void()> count_drop_;
  mutable std::mutex mu_;
  std::deque<Delivered> items_;
  std::uint64_t delivered_ = 0, dropped_ = 0;
  bool waiting_ = false;
};

}  // namespace p2pgossip::runtime
