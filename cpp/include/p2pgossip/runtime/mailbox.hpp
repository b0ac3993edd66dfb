// The latest deliveries of one topic at one node, kept natively for a reader that may read
// few of them or none (LocalNetwork's subscriptions): a delivery costs a push here, and an
// interpreter object only when it is read. Written by the node's I/O thread, read from any.
#pragma once

#include <cstdint>
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
  // Bytes the mailbox holds besides the shared message bodies: the ring and the sender table.
  std::size_t memory_bytes() const;

 private:
  // A kept delivery: the sender is an index into senders_, not a copy of its peer id (a node
  // has a few neighbours and keeps up to maxsize deliveries from them). About 104 bytes; a
  // Delivered in a deque with its own peer id cost about 220.
  struct Kept {
    MessagePtr message;
    MonotonicNs at;
    NodeId node;
    std::uint32_t from;
    MessageId id;
  };

  std::uint32_t sender_index(ByteView peer);
  void drop_unused_senders();
  Kept& at(std::size_t i) { return ring_[(head_ + i) % ring_.size()]; }
  void grow();

  const std::uint64_t token_;
  const std::size_t maxsize_;
  const bool drop_newest_;
  const std::function<void()> count_drop_;
  mutable std::mutex mu_;
  // A ring of count_ deliveries from head_, grown by doubling up to maxsize_ (so a
  // subscription that receives little holds little) and freed when a take empties it.
  std::vector<Kept> ring_;
  std::size_t head_ = 0, count_ = 0;
  // Distinct senders of what is kept, by index; rebuilt from the ring when it reaches
  // senders_limit_, so it stays bounded by what the ring names.
  std::vector<Bytes> senders_;
  std::size_t senders_limit_ = kMinSenders;
  static constexpr std::size_t kMinSenders = 64;
  std::uint64_t delivered_ = 0, dropped_ = 0;
  bool waiting_ = false;
};

}  // namespace p2pgossip::runtime
