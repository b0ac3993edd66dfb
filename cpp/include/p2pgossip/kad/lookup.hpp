// One iterative lookup (libp2p kad-dht spec, "Peer routing") as a sans-I/O state machine:
// the driver sends FIND_NODE (or GET_VALUE / GET_PROVIDERS: the walk is the same) to the
// peers `poll_query` names, and feeds back each answer's closer peers (`on_response`), each
// error (`on_failure`) and the clock (`handle_timeout`).
//
//  - Seeds: the k closest peers of the routing table (the spec since r2).
//  - At most alpha queries in flight; the next one goes to the closest peer not yet asked
//    among the k closest known peers that have not failed.
//  - Termination (Kademlia paper, as the spec quotes it): the lookup is done when the k
//    closest peers it knows, failed ones left out, have all answered; or early, when every
//    known peer has been asked and fewer than k answered.
//  - A query unanswered `query_timeout` after it was sent counts as failed.
//  - Hops: a seed is one hop away; a peer first learned from the answer of a peer h hops
//    away is h + 1 hops away (the smallest such h when several name it). The result's `hops`
//    is that of its closest peer: the length of the chain of answers that led to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/kad/key.hpp"
#include "p2pgossip/kad/routing_table.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::kad {

constexpr std::size_t kAlpha = 3;

struct LookupConfig {
  std::size_t k = kK;
  std::size_t alpha = kAlpha;
  Duration query_timeout = std::chrono::seconds(10);
  // Bound on peers remembered (asked or not); beyond it the farthest never-asked ones go.
  std::size_t max_peers = 1000;
  // Peers taken from one answer (an answer may name more than k).
  std::size_t max_peers_per_response = kK;
};

struct LookupPeer {
  Bytes id;
  std::vector<Bytes> addrs;
};

enum class PeerState : std::uint8_t { kNotContacted, kWaiting, kSucceeded, kFailed };

struct LookupEntry {
  Key key;
  Distance distance;
  Bytes id;
  std::vector<Bytes> addrs;
  PeerState state = PeerState::kNotContacted;
  std::uint32_t hops = 1;
  Instant deadline{};  // while waiting
};

struct LookupStats {
  std::size_t queries = 0;    // requests sent
  std::size_t responses = 0;  // answers taken
  std::size_t failures = 0;   // errors reported by the driver
  std::size_t timeouts = 0;   // queries that ran out of time
  std::size_t peers_learned = 0;
  std::size_t peers_dropped = 0;  // beyond max_peers
};

class Lookup {
 public:
  // `local_peer_id` (ours) is never queried nor returned, should a peer name us.
  Lookup(const Key& target, std::span<const LookupPeer> seeds, LookupConfig config,
         ByteView local_peer_id = {});

  const Key& target() const { return target_; }

  // The next peer to query, marked as waiting until now + query_timeout; nullopt when alpha
  // are in flight, nothing is left to ask, or the lookup is finished.
  std::optional<LookupPeer> poll_query(Instant now);
  // An answer from a peer we asked. False (and ignored) when the peer was not waiting (never
  // asked, already timed out or answered).
  bool on_response(ByteView peer_id, std::span<const LookupPeer> closer_peers);
  bool on_failure(ByteView peer_id);
  // Queries past their deadline fail.
  void handle_timeout(Instant now);
  // The earliest query deadline; nullopt when none is in flight.
  std::optional<Instant> next_deadline() const;

  bool finished() const;
  std::size_t in_flight() const { return in_flight_; }

  // The k closest peers that answered, closest first (the lookup's result once finished).
  std::vector<const LookupEntry*> closest() const;
  // Hops of the closest peer that answered (0 when none did), and the most of any of the
  // k closest.
  std::uint32_t hops() const;
  std::uint32_t max_hops() const;
  const LookupStats& stats() const { return stats_; }
  // Every peer known, closest first.
  const std::vector<LookupEntry>& peers() const { return peers_; }

 private:
  void learn(const LookupPeer& p, std::uint32_t hops);
  LookupEntry* find(ByteView peer_id);
  void fail(LookupEntry& e);

  Key target_;
  LookupConfig config_;
  Bytes local_id_;
  std::vector<LookupEntry> peers_;  // sorted by distance to the target
  std::size_t in_flight_ = 0;
  LookupStats stats_;
};

}  // namespace p2pgossip::kad
