// The runtime's bounded event queue and its eventfd: writers (I/O threads) append batches;
// the reader (Python) takes everything at once. The eventfd is written only when the queue
// goes from empty to non-empty, so one wakeup covers a whole batch.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "p2pgossip/runtime/events.hpp"

namespace p2pgossip::runtime {

class EventQueue {
 public:
  explicit EventQueue(std::size_t max_traffic_events);
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  int fd() const { return fd_; }
  // Appends `batch` (emptied) under one lock. Traffic events past the bound are dropped;
  // ValidationRequests dropped that way are returned in `refused` so the node can settle
  // them (as ignored) instead of waiting for an answer that cannot come.
  void push(std::vector<Event>& batch, std::vector<Event>* refused = nullptr);
  std::vector<Event> drain();
  std::uint64_t dropped() const;

 private:
  static bool is_traffic(const Event& e);

  int fd_;
  std::size_t max_traffic_;
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::size_t traffic_ = 0;  // traffic events in events_
  std::uint64_t dropped_ = 0;
};

}  // namespace p2pgossip::runtime
