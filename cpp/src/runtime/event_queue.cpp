#include "runtime/event_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace p2pgossip::runtime {

EventQueue::EventQueue(std::size_t max_traffic_events)
    : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), max_traffic_(max_traffic_events) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

EventQueue::~EventQueue() { ::close(fd_); }

bool EventQueue::is_traffic(const Event& e) {
  return std::holds_alternative<Delivered>(e) || std::holds_alternative<ValidationRequest>(e) ||
         std::holds_alternative<Log>(e);
}

void EventQueue::push(std::vector<Event>& batch, std::vector<Event>* refused) {
  if (batch.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = events_.empty();
    for (Event& e : batch) {
      if (is_traffic(e)) {
        if (traffic_ >= max_traffic_) {
          ++dropped_;
          if (refused && std::holds_alternative<ValidationRequest>(e))
            refused->push_back(std::move(e));
          continue;
        }
        ++traffic_;
      }
      events_.push_back(std::move(e));
    }
    wake = wake && !events_.empty();
    // Written under the lock so that drain(), which resets the eventfd under it too, never
    // leaves queued events behind an unreadable fd.
    if (wake) {
      const std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    }
  }
  batch.clear();
}

std::vector<Event> EventQueue::drain() {
  std::vector<Event> out;
  std::lock_guard lock(mu_);
  out.swap(events_);
  traffic_ = 0;
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
  return out;
}

std::uint64_t EventQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace p2pgossip::runtime
