#include "p2pgossip/crypto/verify_cache.hpp"

#include <sodium.h>

#include <cstring>

namespace p2pgossip::crypto {

namespace {
void update_with_length(crypto_generichash_state& st, ByteView b) {
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(b.size() >> (8 * i));
  crypto_generichash_update(&st, len, sizeof len);
  crypto_generichash_update(&st, b.data(), b.size());
}
}  // namespace

VerifyCache::VerifyCache(std::size_t capacity, bool enabled)
    : capacity_(capacity == 0 ? 1 : capacity), enabled_(enabled) {
  index_.reserve(capacity_);
}

VerifyCache::Digest VerifyCache::digest(ByteView signed_bytes, ByteView signature,
                                        ByteView public_key) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, std::tuple_size_v<Digest>);
  update_with_length(st, signed_bytes);
  update_with_length(st, signature);
  update_with_length(st, public_key);
  Digest d{};
  crypto_generichash_final(&st, d.data(), d.size());
  return d;
}

std::size_t VerifyCache::DigestHash::operator()(const Digest& d) const {
  std::size_t h;  // the digest is uniformly distributed already
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

bool VerifyCache::contains(const Digest& d) {
  std::lock_guard lock(mu_);
  if (!enabled_) return false;
  auto it = index_.find(d);
  if (it == index_.end()) {
    ++misses_;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++hits_;
  return true;
}

void VerifyCache::insert(const Digest& d) {
  std::lock_guard lock(mu_);
  if (!enabled_ || index_.contains(d)) return;
  if (index_.size() >= capacity_) {
    index_.erase(lru_.back());
    lru_.pop_back();
    ++evictions_;
  }
  lru_.push_front(d);
  index_.emplace(d, lru_.begin());
}

std::size_t VerifyCache::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

bool VerifyCache::enabled() const {
  std::lock_guard lock(mu_);
  return enabled_;
}

void VerifyCache::set_enabled(bool enabled) {
  std::lock_guard lock(mu_);
  enabled_ = enabled;
  if (!enabled) {
    index_.clear();
    lru_.clear();
  }
}

std::uint64_t VerifyCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::uint64_t VerifyCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

std::uint64_t VerifyCache::evictions() const {
  std::lock_guard lock(mu_);
  return evictions_;
}

void VerifyCache::clear() {
  std::lock_guard lock(mu_);
  index_.clear();
  lru_.clear();
  hits_ = misses_ = evictions_ = 0;
}

}  // namespace p2pgossip::crypto
