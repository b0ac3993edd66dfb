// Fifo: a queue that holds no memory while empty. std::deque allocates a map and a 512-byte
// block when constructed and keeps a block once emptied; a router has a FIFO per kind of
// message state, a simulation has routers by the thousand, and most of those FIFOs are empty
// most of the time (the score's records while scoring is off; all of them between bursts).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace p2pgossip::router {

template <class T>
class Fifo {
 public:
  bool empty() const { return !q_; }
  std::size_t size() const { return q_ ? q_->size() : 0; }
  const T& front() const { return q_->front(); }
  const T& back() const { return q_->back(); }
  void push_back(T value) {
    if (!q_) q_ = std::make_unique<std::deque<T>>();
    q_->push_back(std::move(value));
  }
  void pop_front() {
    q_->pop_front();
    if (q_->empty()) q_.reset();
  }

 private:
  std::unique_ptr<std::deque<T>> q_;  // null while empty
};

}  // namespace p2pgossip::router
