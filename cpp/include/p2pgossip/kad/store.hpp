// What a DHT server keeps for others (libp2p kad-dht spec, "Value storage and retrieval",
// "Content provider advertisement and discovery"): value records (PUT_VALUE / GET_VALUE) and
// provider records (ADD_PROVIDER / GET_PROVIDERS), each bounded in count and size and
// expiring. `now` comes in; expired entries are never returned and `expire(now)` drops them
// (the driver calls it by `next_expiry()`, or now and then: the spec allows periodic pruning).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::kad {

// Validator hook (the spec's Validator.Validate): an error rejects the record, and its text
// is the reason given back.
using RecordValidator = std::function<Status(ByteView key, ByteView value)>;
// The spec's Validator.Select for two records: true when `incoming` should replace
// `existing`. Without one, the newer record replaces the older.
using RecordSelector = std::function<bool(ByteView key, ByteView existing, ByteView incoming)>;

struct RecordStoreConfig {
  std::size_t max_records = 1024;  // rust-libp2p's MemoryStore defaults
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = 65 * 1024;
  Duration record_ttl = std::chrono::hours(36);  // go-libp2p-kad-dht's MaxRecordAge
};

struct StoredRecord {
  Bytes key;
  Bytes value;
  Instant received{};
  Instant expires{};
};

struct StoreCounters {
  std::size_t stored = 0;
  std::size_t replaced = 0;
  std::size_t rejected_invalid = 0;     // the validator said no
  std::size_t rejected_size = 0;        // key or value over its limit
  std::size_t rejected_full = 0;        // a new key with the store full
  std::size_t rejected_not_better = 0;  // the selector kept the existing record
  std::size_t expired = 0;
};

class RecordStore {
 public:
  explicit RecordStore(RecordStoreConfig config = {}) : config_(config) {}

  void set_validator(RecordValidator v) { validator_ = std::move(v); }
  void set_selector(RecordSelector s) { selector_ = std::move(s); }

  // Validates and stores; the error says why not (and is counted).
  Status put(ByteView key, ByteView value, Instant now);
  // The checks put() makes (sizes, the validator), storing nothing: for records a lookup
  // receives.
  Status validate(ByteView key, ByteView value) const;
  // The live record under `key`, if any.
  const StoredRecord* get(ByteView key, Instant now) const;
  bool remove(ByteView key);
  // Drops expired records; returns how many.
  std::size_t expire(Instant now);
  std::optional<Instant> next_expiry() const;
  std::size_t size() const { return records_.size(); }
  const StoreCounters& counters() const { return counters_; }
  const RecordStoreConfig& config() const { return config_; }

 private:
  RecordStoreConfig config_;
  RecordValidator validator_;
  RecordSelector selector_;
  std::map<Bytes, StoredRecord> records_;
  StoreCounters counters_;
};

struct ProviderStoreConfig {
  std::size_t max_keys = 1024;             // distinct provided keys
  std::size_t max_providers_per_key = 20;  // k
  std::size_t max_key_bytes = 80;          // a multihash (go-libp2p-kad-dht refuses longer)
  std::size_t max_addrs_per_provider = 16;
  std::size_t max_peer_id_bytes = 128;
  Duration provider_ttl = std::chrono::hours(48);  // the spec's expiration interval (IPFS)
};

struct Provider {
  Bytes peer_id;
  std::vector<Bytes> addrs;
  Instant expires{};
};

struct ProviderCounters {
  std::size_t added = 0;
  std::size_t refreshed = 0;
  std::size_t rejected_size = 0;
  std::size_t rejected_full = 0;  // a new key with the store full, or a key with k providers
  std::size_t expired = 0;
};

class ProviderStore {
 public:
  explicit ProviderStore(ProviderStoreConfig config = {}) : config_(config) {}

  // Adds or refreshes (new expiry, new addresses) a provider of `key`.
  Status add(ByteView key, ByteView peer_id, std::span<const Bytes> addrs, Instant now);
  // Live providers of `key`, in the order they were first added.
  std::vector<const Provider*> get(ByteView key, Instant now) const;
  std::size_t expire(Instant now);
  std::optional<Instant> next_expiry() const;
  std::size_t key_count() const { return providers_.size(); }
  std::size_t size() const;
  const ProviderCounters& counters() const { return counters_; }
  const ProviderStoreConfig& config() const { return config_; }

 private:
  ProviderStoreConfig config_;
  std::map<Bytes, std::vector<Provider>> providers_;
  ProviderCounters counters_;
};

}  // namespace p2pgossip::kad
