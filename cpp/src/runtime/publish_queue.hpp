// Publishes on their way from callers' threads to a node's I/O thread: the queue that
// coalesces them into few wakeups, and the share of the runtime-wide bound each holds.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "p2pgossip/host/publisher.hpp"
#include "p2pgossip/runtime/runtime.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

// Holds a share of Impl::pending_publishes until the messages it counts have been taken by
// the router, or were dropped with their handler (unknown node, runtime stopped).
class PendingSlots {
 public:
  PendingSlots(std::atomic<std::size_t>& counter, std::size_t n) : counter_(&counter), n_(n) {
    counter.fetch_add(n);
  }
  PendingSlots(PendingSlots&& o) noexcept
      : counter_(std::exchange(o.counter_, nullptr)), n_(o.n_) {}
  PendingSlots& operator=(PendingSlots&&) = delete;
  ~PendingSlots() {
    if (counter_ && n_) counter_->fetch_sub(n_);
  }
  std::size_t total() const { return counter_ ? counter_->load() : 0; }
  // Moves k of this share into a share of its own.
  PendingSlots split(std::size_t k) {
    n_ -= k;
    return PendingSlots(counter_, k);
  }
  // Takes over the share of `o` (of the same counter).
  void merge(PendingSlots&& o) { n_ += std::exchange(o.n_, 0); }

 private:
  PendingSlots(std::atomic<std::size_t>* counter, std::size_t n) : counter_(counter), n_(n) {}
  std::atomic<std::size_t>* counter_;
  std::size_t n_;
};

// Publishes signed on callers' threads, waiting for the node's I/O thread. At most one
// drain handler is posted at a time, and only when a caller asks for one (a chunk that is
// not deferred, a flush, or kPublishCoalesce messages waiting): a stream of small calls
// (publish_nowait, or many awaited publishes in one loop iteration) costs the I/O thread
// one wakeup per flush or per kPublishCoalesce messages, not one per message (each wakeup
// is a syscall and a context switch, on a 2-core machine taken from the publisher).
// Messages of a node reach its router in call order.
struct PublishQueue {
  struct Entry {
    std::string topic;
    std::vector<host::Publication> publications;
    std::shared_ptr<PublishTally> tally;  // null: each refusal is counted as a drop
    RequestId request;                    // reports the tally once these are routed; 0: none
    PendingSlots slots;
  };
  std::mutex mu;
  std::vector<Entry> entries;
  std::size_t waiting = 0;  // publications in entries
  bool drain_posted = false;

  // Queues `publications` (moved from). Unreported ones join the last entry when it is
  // unreported too and of the same topic, so a stream of single publishes costs one entry,
  // not one each. Returns whether the caller must post a drain: `wake`, or enough wait,
  // and none is posted yet.
  bool push(std::string_view topic, std::span<host::Publication> publications,
            std::shared_ptr<PublishTally> tally, RequestId request, PendingSlots slots, bool wake) {
    std::lock_guard lock(mu);
    waiting += publications.size();
    const auto begin = std::make_move_iterator(publications.begin());
    const auto end = std::make_move_iterator(publications.end());
    if (!tally && !entries.empty() && !entries.back().tally && entries.back().topic == topic) {
      Entry& last = entries.back();
      last.publications.insert(last.publications.end(), begin, end);
      last.slots.merge(std::move(slots));
    } else {
      entries.push_back(
          {std::string(topic), {begin, end}, std::move(tally), request, std::move(slots)});
    }
    return claim_drain(wake || waiting >= Runtime::kPublishCoalesce);
  }
  // Whether the caller must post a drain for what waits (none posted yet).
  bool flush() {
    std::lock_guard lock(mu);
    return claim_drain(!entries.empty());
  }
  std::vector<Entry> take() {
    std::lock_guard lock(mu);
    drain_posted = false;
    waiting = 0;
    return std::exchange(entries, {});
  }

 private:
  bool claim_drain(bool wanted) {
    if (!wanted || drain_posted) return false;
    drain_posted = true;
    return true;
  }
};

}  // namespace p2pgossip::runtime
