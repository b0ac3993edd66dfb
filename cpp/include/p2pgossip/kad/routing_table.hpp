// The Kademlia routing table (libp2p kad-dht spec, "Kademlia routing table"): k-buckets over
// the SHA-256 keyspace, unfolded lazily as go-libp2p-kbucket does. It starts with one bucket
// holding every peer; bucket i holds the peers whose key shares exactly i leading bits with
// ours, except the last, which holds every peer sharing at least its index. When the last
// bucket is full and a peer belongs in it, it splits (up to 256 buckets), so the table
// keeps k peers for each common prefix length it has seen, as the spec asks; equivalently
// rust-libp2p's fixed buckets indexed by the distance's leading bit.
//
// Replacement: a full bucket keeps its entries. A candidate for it waits in the bucket's
// replacement cache (bounded, newest kept); when the driver declares an entry dead (a failed
// query, a failed dial: `remove`), the newest candidate takes its place. Liveness comes from
// the connection (the spec drops PING), so `connected` is the driver's to set; it is what
// responses advertise (CONNECTED / NOT_CONNECTED), not a reason to evict.
//
// Refresh: each bucket has a deadline, `refresh_interval` after its last refresh; the driver
// asks for the buckets due at `now`, runs a lookup for a random key in each
// (`refresh_target`) and calls `mark_refreshed`. A lookup of any key in a bucket's range also
// counts (`note_lookup`).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/kad/key.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::kad {

constexpr std::size_t kK = 20;  // replication parameter and bucket size

struct RoutingTableConfig {
  std::size_t k = kK;
  std::size_t replacement_cache_size = kK;  // candidates waiting, per bucket
  std::size_t max_addrs_per_peer = 16;
  std::size_t max_peer_id_bytes = 128;
  Duration refresh_interval = std::chrono::minutes(10);  // go-libp2p-kad-dht's default
};

struct Entry {
  Bytes peer_id;
  Key key;
  std::vector<Bytes> addrs;
  bool connected = false;
  Instant last_seen{};
};

struct Bucket {
  std::vector<Entry> entries;      // at most k, least recently seen first
  std::deque<Entry> replacements;  // at most replacement_cache_size, newest last
  Instant refreshed_at{};
};

enum class UpdateResult : std::uint8_t {
  kInserted,  // now in its bucket
  kUpdated,   // was already there: addresses, status, last_seen refreshed
  kPending,   // its bucket is full: waiting in the replacement cache
  kRejected,  // our own id, an empty or oversized id
};

class RoutingTable {
 public:
  RoutingTable(ByteView local_peer_id, RoutingTableConfig config, Instant now);

  const Key& local_key() const { return local_key_; }
  ByteView local_peer_id() const { return local_id_; }
  const RoutingTableConfig& config() const { return config_; }

  // A server-mode peer seen (a connection, a response, identify): inserts, updates or queues
  // it. `addrs` (when not empty) replace the known ones, bounded by max_addrs_per_peer.
  UpdateResult update(ByteView peer_id, std::span<const Bytes> addrs, bool connected, Instant now);
  // Connection status changed (no eviction; see the header comment). False if not held.
  bool set_connected(ByteView peer_id, bool connected, Instant now);
  // The peer is dead: removed from its bucket (or the replacement cache), and the newest
  // candidate of that bucket takes its place. False if not held.
  bool remove(ByteView peer_id);

  const Entry* find(ByteView peer_id) const;
  bool contains(ByteView peer_id) const { return find(peer_id) != nullptr; }

  // The `n` entries closest to `target` by XOR distance, closest first (exact: at most
  // 256 * k entries are ranked).
  std::vector<const Entry*> closest(const Key& target, std::size_t n) const;

  std::size_t size() const { return size_; }
  std::size_t bucket_count() const { return buckets_.size(); }
  const Bucket& bucket(std::size_t index) const { return buckets_.at(index); }
  // The bucket a key falls in (min(common prefix length, last index)).
  std::size_t bucket_index(const Key& key) const;

  // Refresh deadlines: the earliest over all buckets, and the buckets due at `now`.
  Instant next_refresh_deadline() const;
  std::vector<std::size_t> buckets_due(Instant now) const;
  void mark_refreshed(std::size_t bucket, Instant now);
  // A completed lookup of `target` refreshes the bucket it falls in.
  void note_lookup(const Key& target, Instant now) { mark_refreshed(bucket_index(target), now); }
  // A random keyspace target for refreshing `bucket` (the last bucket: any key it covers).
  Key refresh_target(std::size_t bucket, Random& rng) const;

 private:
  void split_last();
  void promote(Bucket& b);
  std::vector<Bytes> bounded(std::span<const Bytes> addrs) const;
  Entry take_candidate(Bucket& b, ByteView peer_id, const Key& key, std::span<const Bytes> addrs,
                       bool connected, Instant now) const;

  Bytes local_id_;
  Key local_key_;
  RoutingTableConfig config_;
  std::vector<Bucket> buckets_;
  std::size_t size_ = 0;
};

}  // namespace p2pgossip::kad
