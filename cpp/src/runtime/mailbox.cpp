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

std::uint32_t Mailbox::sender_index(ByteView peer) {
  // Newest first: deliveries come in runs from the same few neighbours.
  for (std::size_t i = senders_.size(); i-- > 0;)
    if (std::ranges::equal(senders_[i], peer)) return static_cast<std::uint32_t>(i);
  if (senders_.size() >= senders_limit_) drop_unused_senders();
  senders_.push_back(to_bytes(peer));
  return static_cast<std::uint32_t>(senders_.size() - 1);
}

void Mailbox::drop_unused_senders() {
  std::vector<std::uint32_t> remap(senders_.size(), 0);
  std::vector<bool> used(senders_.size(), false);
  for (std::size_t i = 0; i < count_; ++i) used[at(i).from] = true;
  std::vector<Bytes> kept;
  for (std::size_t i = 0; i < senders_.size(); ++i)
    if (used[i]) {
      remap[i] = static_cast<std::uint32_t>(kept.size());
      kept.push_back(std::move(senders_[i]));
    }
  for (std::size_t i = 0; i < count_; ++i) at(i).from = remap[at(i).from];
  senders_ = std::move(kept);
  // Rebuilt again only after as many new senders as are named now: amortised O(1) a push.
  senders_limit_ = std::max(kMinSenders, 2 * senders_.size());
}

void Mailbox::grow() {
  std::vector<Kept> bigger;
  bigger.reserve(std::min(maxsize_, std::max<std::size_t>(16, 2 * ring_.size())));
  for (std::size_t i = 0; i < count_; ++i) bigger.push_back(std::move(at(i)));
  bigger.resize(bigger.capacity());
  ring_ = std::move(bigger);
  head_ = 0;
}

bool Mailbox::push(const Delivered& d) {
  bool dropped = false, wake = false;
  {
    std::lock_guard lock(mu_);
    if (count_ >= maxsize_) {
      ++dropped_;
      dropped = true;
      if (!drop_newest_) {  // evict the oldest
        at(0) = Kept{};
        head_ = (head_ + 1) % ring_.size();
        --count_;
      }
    }
    if (!dropped || !drop_newest_) {
      if (count_ == ring_.size()) grow();
      const std::uint32_t from = sender_index(d.received_from);
      at(count_) = Kept{d.message, d.received_at, d.node, from, d.id};
      ++count_;
      ++delivered_;
      wake = std::exchange(waiting_, false);
    }
  }
  if (dropped && count_drop_) count_drop_();
  return wake;
}

std::vector<Delivered> Mailbox::take(std::size_t max) {
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(max, count_);
  std::vector<Delivered> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Kept& k = at(i);
    out.push_back(Delivered{k.node, std::move(k.message), k.id, senders_[k.from], k.at});
  }
  head_ = ring_.empty() ? 0 : (head_ + n) % ring_.size();
  count_ -= n;
  if (count_ == 0) {  // drained: an idle subscription holds nothing
    std::vector<Kept>().swap(ring_);
    std::vector<Bytes>().swap(senders_);
    senders_limit_ = kMinSenders;
    head_ = 0;
  }
  return out;
}

std::size_t Mailbox::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

bool Mailbox::wait() {
  std::lock_guard lock(mu_);
  waiting_ = count_ == 0;
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

std::size_t Mailbox::memory_bytes() const {
  std::lock_guard lock(mu_);
  std::size_t bytes = ring_.capacity() * sizeof(Kept) + senders_.capacity() * sizeof(Bytes);
  for (const Bytes& s : senders_) bytes += s.capacity();
  return bytes;
}

}  // namespace p2pgossip::runtime
