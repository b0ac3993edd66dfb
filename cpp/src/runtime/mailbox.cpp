#include "p2pgossip/runtime/mailbox.hpp"

#include <algorithm>
#include <utility>

namespace p2pgossip::runtime {

Mailbox::Mailbox(std::uint64_t token, std::size_t maxsize, bool drop_newest,
                 std::function<void()> count_drop)
    : token_(token),
      maxsize_(std::max<std::size_t>(1, maxsize)),
      drop_newest_(drop_newest),
      count_drop_(std::move(count_drop)) {}

bool Mailbox::push(const Delivered& d) {
  bool dropped = false, wake = false;
  {
    std::lock_guard lock(mu_);
    if (items_.size() >= maxsize_) {
      ++dropped_;
      dropped = true;
      if (!drop_newest_) items_.pop_front();
    }
    if (!dropped || !drop_newest_) {
      items_.push_back(d);
      ++delivered_;
      wake = std::exchange(waiting_, false);
    }
  }
  if (dropped && count_drop_) count_drop_();
  return wake;
}

std::vector<Delivered> Mailbox::take(std::size_t max) {
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(max, items_.size());
  std::vector<Delivered> out(std::make_move_iterator(items_.begin()),
                             std::make_move_iterator(items_.begin() + n));
  items_.erase(items_.begin(), items_.begin() + n);
  return out;
}

std::size_t Mailbox::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

bool Mailbox::wait() {
  std::lock_guard lock(mu_);
  waiting_ = items_.empty();
  return waiting_;
}

std::uint64_t Mailbox::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

std::uint64_t Mailbox::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace p2pgossip::runtime
