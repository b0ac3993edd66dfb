#include "p2pgossip/kad/store.hpp"

#include <algorithm>

namespace p2pgossip::kad {

namespace {

std::string size_rule(const char* what, std::size_t n, std::size_t max) {
  return std::string(what) + ": " + std::to_string(n) + " bytes exceeds " + std::to_string(max);
}

}  // namespace

Status RecordStore::validate(ByteView key, ByteView value) const {
  if (key.empty() || key.size() > config_.max_key_bytes)
    return Error{key.empty() ? std::string("record key: empty")
                             : size_rule("record key", key.size(), config_.max_key_bytes)};
  if (value.size() > config_.max_value_bytes)
    return Error{size_rule("record value", value.size(), config_.max_value_bytes)};
  if (validator_)
    if (auto st = validator_(key, value); !st) return Error{"record invalid: " + st.error().what};
  return Ok{};
}

Status RecordStore::put(ByteView key, ByteView value, Instant now) {
  if (auto st = validate(key, value); !st) {
    const bool size = st.error().what.rfind("record invalid", 0) != 0;
    ++(size ? counters_.rejected_size : counters_.rejected_invalid);
    return st;
  }
  Bytes k = to_bytes(key);
  auto it = records_.find(k);
  if (it != records_.end() && it->second.expires <= now) {
    records_.erase(it);
    ++counters_.expired;
    it = records_.end();
  }
  if (it == records_.end()) {
    if (records_.size() >= config_.max_records) {
      expire(now);
      if (records_.size() >= config_.max_records) {
        ++counters_.rejected_full;
        return Error{"record store full: " + std::to_string(config_.max_records) + " records"};
      }
    }
    records_.emplace(k, StoredRecord{k, to_bytes(value), now, now + config_.record_ttl});
    ++counters_.stored;
    return Ok{};
  }
  if (selector_ && !selector_(key, it->second.value, value)) {
    ++counters_.rejected_not_better;
    return Error{"record not better than the one held"};
  }
  it->second.value = to_bytes(value);
  it->second.received = now;
  it->second.expires = now + config_.record_ttl;
  ++counters_.replaced;
  return Ok{};
}

const StoredRecord* RecordStore::get(ByteView key, Instant now) const {
  auto it = records_.find(to_bytes(key));
  if (it == records_.end() || it->second.expires <= now) return nullptr;
  return &it->second;
}

bool RecordStore::remove(ByteView key) { return records_.erase(to_bytes(key)) > 0; }

std::size_t RecordStore::expire(Instant now) {
  const std::size_t n =
      std::erase_if(records_, [now](const auto& kv) { return kv.second.expires <= now; });
  counters_.expired += n;
  return n;
}

std::optional<Instant> RecordStore::next_expiry() const {
  std::optional<Instant> out;
  for (const auto& [k, r] : records_)
    if (!out || r.expires < *out) out = r.expires;
  return out;
}

Status ProviderStore::add(ByteView key, ByteView peer_id, std::span<const Bytes> addrs,
                          Instant now) {
  if (key.empty() || key.size() > config_.max_key_bytes) {
    ++counters_.rejected_size;
    return Error{key.empty() ? std::string("provider key: empty")
                             : size_rule("provider key", key.size(), config_.max_key_bytes)};
  }
  if (peer_id.empty() || peer_id.size() > config_.max_peer_id_bytes) {
    ++counters_.rejected_size;
    return Error{peer_id.empty()
                     ? std::string("provider id: empty")
                     : size_rule("provider id", peer_id.size(), config_.max_peer_id_bytes)};
  }
  const std::size_t n_addrs = std::min(addrs.size(), config_.max_addrs_per_provider);
  std::vector<Bytes> kept(addrs.begin(), addrs.begin() + static_cast<std::ptrdiff_t>(n_addrs));
  Bytes k = to_bytes(key);
  auto it = providers_.find(k);
  if (it == providers_.end()) {
    if (providers_.size() >= config_.max_keys) {
      expire(now);
      if (providers_.size() >= config_.max_keys) {
        ++counters_.rejected_full;
        return Error{"provider store full: " + std::to_string(config_.max_keys) + " keys"};
      }
    }
    it = providers_.emplace(std::move(k), std::vector<Provider>{}).first;
  }
  auto& list = it->second;
  std::erase_if(list, [now, this](const Provider& p) {
    if (p.expires > now) return false;
    ++counters_.expired;
    return true;
  });
  for (auto& p : list)
    if (std::equal(p.peer_id.begin(), p.peer_id.end(), peer_id.begin(), peer_id.end())) {
      if (!kept.empty()) p.addrs = std::move(kept);
      p.expires = now + config_.provider_ttl;
      ++counters_.refreshed;
      return Ok{};
    }
  if (list.size() >= config_.max_providers_per_key) {
    ++counters_.rejected_full;
    return Error{"providers of this key full: " + std::to_string(config_.max_providers_per_key)};
  }
  list.push_back(Provider{to_bytes(peer_id), std::move(kept), now + config_.provider_ttl});
  ++counters_.added;
  return Ok{};
}

std::vector<const Provider*> ProviderStore::get(ByteView key, Instant now) const {
  std::vector<const Provider*> out;
  auto it = providers_.find(to_bytes(key));
  if (it == providers_.end()) return out;
  for (const auto& p : it->second)
    if (p.expires > now) out.push_back(&p);
  return out;
}

std::size_t ProviderStore::expire(Instant now) {
  std::size_t n = 0;
  for (auto it = providers_.begin(); it != providers_.end();) {
    n += std::erase_if(it->second, [now](const Provider& p) { return p.expires <= now; });
    it = it->second.empty() ? providers_.erase(it) : std::next(it);
  }
  counters_.expired += n;
  return n;
}

std::optional<Instant> ProviderStore::next_expiry() const {
  std::optional<Instant> out;
  for (const auto& [k, list] : providers_)
    for (const auto& p : list)
      if (!out || p.expires < *out) out = p.expires;
  return out;
}

std::size_t ProviderStore::size() const {
  std::size_t n = 0;
  for (const auto& [k, list] : providers_) n += list.size();
  return n;
}

}  // namespace p2pgossip::kad
