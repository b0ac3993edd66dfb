// A node's Kademlia DHT (/ipfs/kad/1.0.0, libp2p kad-dht spec) as a sans-I/O machine between
// kad's pieces and a shell. It answers the remote's requests from its kad::Server, runs
// lookups (kad::Lookup) by asking the shell to carry queries (DhtQuery: to a connected peer
// or one to dial), keeps the routing table from what the shell reports (connections of peers
// that speak kad as servers, answers, failures), bootstraps with a self-lookup, refreshes
// buckets when due, and, as a discovery source, walks the keyspace (lookups of random keys)
// while the shell wants more peers, naming every server it learns of (DhtPeerFound).
//
// Queries travel as request/response exchanges (host/request_response.hpp): one
// length-prefixed kad Message each way, as go-, rust- and py-libp2p send them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/kad/lookup.hpp"
#include "p2pgossip/kad/message.hpp"
#include "p2pgossip/kad/server.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::host {

struct DhtConfig {
  kad::ServerConfig server;
  kad::LookupConfig lookup;
  kad::Limits limits;           // decoding the remote's messages
  std::size_t max_lookups = 4;  // running at once (bootstrap, refreshes, walks, find_node)
  // While more peers are wanted, a walk starts this long after the previous one ended.
  Duration walk_interval = std::chrono::seconds(2);
};

using QueryToken = std::uint64_t;
using LookupId = std::uint64_t;

// Send `request` (an encoded kad Message, without its length prefix) to `peer` under
// /ipfs/kad/1.0.0, dialling `addrs` (binary multiaddrs) if it is not connected; report
// query_answered or query_failed for `token`.
struct DhtQuery {
  QueryToken token;
  Bytes peer;
  std::vector<Bytes> addrs;
  Bytes request;
};
// A lookup ended: the k closest servers that answered, closest first.
struct DhtLookupDone {
  LookupId id;
  Bytes target;
  std::vector<kad::LookupPeer> closest;
  std::uint32_t hops = 0;
  std::size_t queries = 0;
};
// A server a walk learned of, while more peers are wanted: a dial candidate.
struct DhtPeerFound {
  Bytes peer;
  std::vector<Bytes> addrs;
};
using DhtEvent = std::variant<DhtQuery, DhtLookupDone, DhtPeerFound>;

struct DhtCounters {
  std::uint64_t lookups_started = 0;
  std::uint64_t lookups_done = 0;
  std::uint64_t lookups_empty = 0;  // ended with no peer answering
  std::uint64_t queries = 0;
  std::uint64_t answers = 0;
  std::uint64_t failures = 0;           // failed, timed out or undecodable answers
  std::uint64_t requests_answered = 0;  // the remote's
  std::uint64_t requests_refused = 0;
  std::uint64_t peers_found = 0;
};

class Dht {
 public:
  Dht(ByteView local_peer_id, DhtConfig config, Instant now, std::uint64_t seed);

  // ---- inputs ----------------------------------------------------------------------------
  // A connected peer that speaks kad as a server (identify lists /ipfs/kad/1.0.0), at its
  // listen addresses. The first one starts the bootstrap self-lookup.
  void peer_connected(ByteView peer, std::span<const Bytes> addrs, Instant now);
  void peer_disconnected(ByteView peer, Instant now);
  // The remote's request: our response (nullopt: none is sent, ADD_PROVIDER), or an error
  // (the shell resets the stream).
  Result<std::optional<Bytes>> handle_request(ByteView peer, ByteView request, Instant now);
  void query_answered(QueryToken token, ByteView response, Instant now);
  void query_failed(QueryToken token, Instant now);
  // Looks up the servers closest to `key` (a peer id, or any key's bytes).
  LookupId find_node(ByteView key, Instant now);
  // Discovery: while true, the keyspace is walked and the servers found are reported.
  void want_peers(bool more) { wanted_ = more; }
  void tick(Instant now);

  // ---- outputs ---------------------------------------------------------------------------
  std::optional<DhtEvent> poll() {
    if (events_.empty()) return std::nullopt;
    DhtEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  std::optional<Instant> next_deadline() const;

  const kad::Server& server() const { return server_; }
  const DhtCounters& counters() const { return counters_; }
  std::size_t running() const { return lookups_.size(); }

 private:
  struct Running {
    Bytes target;
    kad::Lookup lookup;
    bool walk = false;  // its learned servers are reported as found
  };
  struct Pending {
    LookupId lookup;
    Bytes peer;
    std::vector<Bytes> addrs;
  };

  LookupId start(Bytes target, bool walk);
  // Starts what is due (refreshes, a walk) within max_lookups, sends the queries the running
  // lookups may send, ends the finished ones; again while an end made room.
  void advance(Instant now);
  void start_due(Instant now);
  void query_failed_for(const Pending& p, std::map<LookupId, Running>::iterator run, Instant now);
  bool walking() const;

  kad::Server server_;
  DhtConfig config_;
  Random rng_;
  std::map<LookupId, Running> lookups_;
  std::map<QueryToken, Pending> queries_;
  std::deque<DhtEvent> events_;
  LookupId next_lookup_ = 1;
  QueryToken next_query_ = 1;
  bool bootstrapped_ = false;
  bool wanted_ = false;
  Instant next_walk_{};
  DhtCounters counters_;
};

}  // namespace p2pgossip::host
