#include "p2pgossip/kad/routing_table.hpp"

#include <algorithm>
#include <cstring>

namespace p2pgossip::kad {

namespace {

bool same_id(const Entry& e, ByteView id) {
  return e.peer_id.size() == id.size() && std::equal(id.begin(), id.end(), e.peer_id.begin());
}

}  // namespace

RoutingTable::RoutingTable(ByteView local_peer_id, RoutingTableConfig config, Instant now)
    : local_id_(to_bytes(local_peer_id)), local_key_(Key::of(local_peer_id)), config_(config) {
  if (config_.k == 0) config_.k = 1;
  buckets_.emplace_back();
  buckets_.back().refreshed_at = now;
}

std::size_t RoutingTable::bucket_index(const Key& key) const {
  return std::min(common_prefix_length(local_key_, key), buckets_.size() - 1);
}

std::vector<Bytes> RoutingTable::bounded(std::span<const Bytes> addrs) const {
  const std::size_t n = std::min(addrs.size(), config_.max_addrs_per_peer);
  return {addrs.begin(), addrs.begin() + static_cast<std::ptrdiff_t>(n)};
}

// The peer's entry as last seen now: taken out of the bucket's replacement cache if it waits
// there, else made.
Entry RoutingTable::take_candidate(Bucket& b, ByteView peer_id, const Key& key,
                                   std::span<const Bytes> addrs, bool connected,
                                   Instant now) const {
  auto r = std::find_if(b.replacements.begin(), b.replacements.end(),
                        [&](const Entry& e) { return same_id(e, peer_id); });
  Entry e;
  if (r != b.replacements.end()) {
    e = std::move(*r);
    b.replacements.erase(r);
  } else {
    e.peer_id = to_bytes(peer_id);
    e.key = key;
  }
  if (!addrs.empty()) e.addrs = bounded(addrs);
  e.connected = connected;
  e.last_seen = now;
  return e;
}

UpdateResult RoutingTable::update(ByteView peer_id, std::span<const Bytes> addrs, bool connected,
                                  Instant now) {
  if (peer_id.empty() || peer_id.size() > config_.max_peer_id_bytes) return UpdateResult::kRejected;
  const Key key = Key::of(peer_id);
  if (key == local_key_) return UpdateResult::kRejected;
  for (;;) {
    const std::size_t index = bucket_index(key);
    Bucket& b = buckets_[index];
    auto it = std::find_if(b.entries.begin(), b.entries.end(),
                           [&](const Entry& e) { return same_id(e, peer_id); });
    if (it != b.entries.end()) {
      Entry e = std::move(*it);
      b.entries.erase(it);
      if (!addrs.empty()) e.addrs = bounded(addrs);
      e.connected = connected;
      e.last_seen = now;
      b.entries.push_back(std::move(e));  // most recently seen last
      return UpdateResult::kUpdated;
    }
    if (b.entries.size() < config_.k) {
      // A candidate that was waiting moves in.
      b.entries.push_back(take_candidate(b, peer_id, key, addrs, connected, now));
      ++size_;
      return UpdateResult::kInserted;
    }
    // Full. The last bucket covers every longer prefix: split it and try again.
    if (index == buckets_.size() - 1 && buckets_.size() < kKeyBits) {
      split_last();
      continue;
    }
    b.replacements.push_back(take_candidate(b, peer_id, key, addrs, connected, now));
    while (b.replacements.size() > config_.replacement_cache_size) b.replacements.pop_front();
    return UpdateResult::kPending;
  }
}

void RoutingTable::split_last() {
  const std::size_t last = buckets_.size() - 1;
  Bucket next;
  next.refreshed_at = buckets_[last].refreshed_at;
  Bucket& old = buckets_[last];
  auto moves = [&](const Entry& e) { return common_prefix_length(local_key_, e.key) > last; };
  auto keep_end = std::stable_partition(old.entries.begin(), old.entries.end(),
                                        [&](const Entry& e) { return !moves(e); });
  std::move(keep_end, old.entries.end(), std::back_inserter(next.entries));
  old.entries.erase(keep_end, old.entries.end());
  std::deque<Entry> stay;
  for (auto& e : old.replacements) (moves(e) ? next.replacements : stay).push_back(std::move(e));
  old.replacements = std::move(stay);
  buckets_.push_back(std::move(next));
  // Room made on either side is filled from the candidates waiting there.
  promote(buckets_[last]);
  promote(buckets_.back());
}

void RoutingTable::promote(Bucket& b) {
  while (b.entries.size() < config_.k && !b.replacements.empty()) {
    b.entries.push_back(std::move(b.replacements.back()));
    b.replacements.pop_back();
    ++size_;
  }
}

bool RoutingTable::set_connected(ByteView peer_id, bool connected, Instant now) {
  Bucket& b = buckets_[bucket_index(Key::of(peer_id))];
  for (auto& e : b.entries)
    if (same_id(e, peer_id)) {
      e.connected = connected;
      if (connected) e.last_seen = now;
      return true;
    }
  for (auto& e : b.replacements)
    if (same_id(e, peer_id)) {
      e.connected = connected;
      if (connected) e.last_seen = now;
      return true;
    }
  return false;
}

bool RoutingTable::remove(ByteView peer_id) {
  Bucket& b = buckets_[bucket_index(Key::of(peer_id))];
  auto it = std::find_if(b.entries.begin(), b.entries.end(),
                         [&](const Entry& e) { return same_id(e, peer_id); });
  if (it != b.entries.end()) {
    b.entries.erase(it);
    --size_;
    promote(b);
    return true;
  }
  auto r = std::find_if(b.replacements.begin(), b.replacements.end(),
                        [&](const Entry& e) { return same_id(e, peer_id); });
  if (r == b.replacements.end()) return false;
  b.replacements.erase(r);
  return true;
}

const Entry* RoutingTable::find(ByteView peer_id) const {
  const Bucket& b = buckets_[bucket_index(Key::of(peer_id))];
  for (const auto& e : b.entries)
    if (same_id(e, peer_id)) return &e;
  return nullptr;
}

std::vector<const Entry*> RoutingTable::closest(const Key& target, std::size_t n) const {
  std::vector<std::pair<Distance, const Entry*>> all;
  all.reserve(size_);
  for (const auto& b : buckets_)
    for (const auto& e : b.entries) all.emplace_back(distance(e.key, target), &e);
  const std::size_t m = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m), all.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Entry*> out;
  out.reserve(m);
  for (std::size_t i = 0; i < m; ++i) out.push_back(all[i].second);
  return out;
}

Instant RoutingTable::next_refresh_deadline() const {
  Instant earliest = Instant::max();
  for (const auto& b : buckets_)
    earliest = std::min(earliest, b.refreshed_at + config_.refresh_interval);
  return earliest;
}

std::vector<std::size_t> RoutingTable::buckets_due(Instant now) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i].refreshed_at + config_.refresh_interval <= now) out.push_back(i);
  return out;
}

void RoutingTable::mark_refreshed(std::size_t bucket, Instant now) {
  if (bucket < buckets_.size()) buckets_[bucket].refreshed_at = now;
}

Key RoutingTable::refresh_target(std::size_t bucket, Random& rng) const {
  bucket = std::min(bucket, buckets_.size() - 1);
  if (bucket + 1 < buckets_.size()) return random_key_with_prefix(local_key_, bucket, rng);
  // The last bucket covers every prefix length >= its index: keep that many bits of ours.
  Key k = random_key_with_prefix(local_key_, bucket, rng);
  const std::size_t byte = bucket / 8;
  const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bucket % 8));
  if (rng.next() & 1) k.bytes[byte] ^= mask;  // bit `bucket` equal to ours half of the time
  return k;
}

}  // namespace p2pgossip::kad
