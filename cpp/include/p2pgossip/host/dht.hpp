// A node's Kademlia DHT (/ipfs/kad/1.0.0, libp2p kad-dht spec) as a sans-I/O machine between
// kad's pieces and a shell. It answers the remote's requests from its kad::Server, runs
// lookups (kad::Lookup) by asking the shell to carry queries (DhtQuery: to a connected peer
// or one to dial), keeps the routing table from what the shell reports (connections of peers
// that speak kad as servers, answers, failures), bootstraps with a self-lookup, refreshes
// buckets when due, and, as a discovery source, walks the keyspace (lookups of random keys)
// while the shell wants more peers, naming every server it learns of (DhtPeerFound). Values
// and provider records (dht_records.cpp): get_value and get_providers walk toward the key
// asking GET_VALUE / GET_PROVIDERS and end at the first valid record / k providers;
// put_value and add_provider find the k closest servers, then send them PUT_VALUE /
// ADD_PROVIDER. Our own stores take part as the spec's local node does.
//
// Queries travel as request/response exchanges (host/request_response.hpp): one
// length-prefixed kad Message each way, as go-, rust- and py-libp2p send them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
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
  // Records of checked namespaces waiting for the application's verdict (DhtCheck): at most
  // this many at once (a PUT_VALUE past it is refused), each for at most check_timeout
  // (then taken as invalid).
  std::size_t max_checks = 64;
  Duration check_timeout = std::chrono::seconds(10);
};

using QueryToken = std::uint64_t;
using LookupId = std::uint64_t;
using CheckToken = std::uint64_t;

// Send `request` (an encoded kad Message, without its length prefix) to `peer` under
// /ipfs/kad/1.0.0, dialling `addrs` (binary multiaddrs) if it is not connected; report
// query_answered or query_failed for `token`.
struct DhtQuery {
  QueryToken token;
  Bytes peer;
  std::vector<Bytes> addrs;
  Bytes request;
};
enum class DhtOp : std::uint8_t { kFindNode, kGetValue, kPutValue, kGetProviders, kAddProvider };

// A lookup ended: the k closest servers that answered, closest first; for kGetValue the
// record found, for kGetProviders the providers, for kPutValue / kAddProvider how many of
// the closest acknowledged the record / were sent the provider record.
struct DhtLookupDone {
  LookupId id;
  DhtOp op = DhtOp::kFindNode;
  Bytes target;
  std::vector<kad::LookupPeer> closest;
  std::uint32_t hops = 0;
  std::size_t queries = 0, timeouts = 0;
  std::optional<Bytes> value;
  std::vector<kad::LookupPeer> providers;
  std::size_t stored = 0;
};
// A server a walk learned of, while more peers are wanted: a dial candidate.
struct DhtPeerFound {
  Bytes peer;
  std::vector<Bytes> addrs;
};
// A record whose key is in a checked namespace ("/<namespace>/...", go-libp2p-record's
// NamespacedValidator) needs the application's verdict: answer with record_checked(). It is
// the remote's PUT_VALUE (held by the shell until then) or a record a get_value lookup met.
struct DhtCheck {
  CheckToken token;
  Bytes key;
  Bytes value;
};
// A get_value lookup found several different valid records under a key of a namespace the
// application selects among (set_selected_namespaces; the spec's Validator.Select): answer
// with record_selected(token, index into values). Without an answer by check_timeout, the
// first one found is taken (and no holder corrected).
struct DhtSelect {
  CheckToken token;
  Bytes key;
  std::vector<Bytes> values;  // distinct, in the order they were found
};
using DhtEvent = std::variant<DhtQuery, DhtLookupDone, DhtPeerFound, DhtCheck, DhtSelect>;

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
  std::uint64_t records_checked = 0;   // verdicts asked for (DhtCheck)
  std::uint64_t records_rejected = 0;  // the application said invalid, or did not answer
  std::uint64_t checks_timed_out = 0;
  std::uint64_t checks_refused = 0;     // a PUT_VALUE past max_checks
  std::uint64_t records_selected = 0;   // selections asked for (DhtSelect)
  std::uint64_t records_corrected = 0;  // PUT_VALUEs of the best record to outdated holders
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
  // Values and provider records (dht_records.cpp). put_value stores locally first (an
  // error when our own store refuses it: the validator, its size); add_provider names us
  // at our listen addresses (set_listen_addrs).
  Result<LookupId> put_value(ByteView key, ByteView value, Instant now);
  // The spec's value retrieval: the walk collects valid records until `quorum` of them
  // (ours, if we hold one, among them; fewer if the walk ends first). For a selected
  // namespace with different records among them, the application chooses (DhtSelect) and
  // the best is sent to every holder of another (PUT_VALUE); otherwise the first found is
  // returned. A quorum of 1 ends at the first valid record.
  LookupId get_value(ByteView key, Instant now, std::size_t quorum = 1);
  Result<LookupId> add_provider(ByteView key, Instant now);
  LookupId get_providers(ByteView key, Instant now);
  void set_listen_addrs(std::vector<Bytes> addrs) { listen_addrs_ = std::move(addrs); }
  // Record checks (dht_checks.cpp). Keys "/<namespace>/..." of these namespaces need the
  // application's verdict before they are stored or returned by get_value.
  void set_checked_namespaces(std::vector<std::string> namespaces) {
    checked_ = std::move(namespaces);
  }
  bool checked(ByteView key) const;
  void set_selected_namespaces(std::vector<std::string> namespaces) {
    selected_ = std::move(namespaces);
  }
  // The application's choice for a DhtSelect. An index out of range is no choice: the first
  // is returned and no holder is told otherwise.
  void record_selected(CheckToken token, std::size_t index, Instant now);
  // The remote's request, if it is a PUT_VALUE of a checked key: its check token (a DhtCheck
  // is out; the shell holds the request until record_checked), or an error to refuse it
  // with (too many checks waiting). nullopt: not held, handle_request it now.
  Result<std::optional<CheckToken>> hold_request(ByteView peer, ByteView request, Instant now);
  // The application's verdict. For a held request: what handle_request would answer, or the
  // error to refuse it with (invalid, or its check expired); for a lookup's record: nothing
  // (the lookup may end with the record).
  Result<std::optional<Bytes>> record_checked(CheckToken token, bool valid, Instant now);
  kad::RecordStore& records() { return server_.records(); }
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
  // How long a query may take: the shell's deadline for one it carries.
  Duration query_timeout() const { return config_.lookup.query_timeout; }
  std::size_t running() const { return lookups_.size(); }

 private:
  struct Running {
    Bytes target;
    kad::Lookup lookup;
    bool walk = false;  // its learned servers are reported as found
    DhtOp op = DhtOp::kFindNode;
    std::optional<Bytes> value;  // kPutValue: to store; kGetValue: found
    std::vector<kad::LookupPeer> providers;
    // kPutValue / kAddProvider, once the closest are known: stores sent and unanswered.
    bool storing = false;
    std::size_t awaiting = 0, stored = 0;
    std::vector<kad::LookupPeer> closest;
    std::size_t checking = 0;  // kGetValue: records waiting for their verdict
    // kGetValue: valid records found and who holds them (an empty peer: ours), how many are
    // wanted, and whether the application is choosing among them.
    std::vector<std::pair<kad::LookupPeer, Bytes>> found;
    std::size_t quorum = 1;
    std::optional<CheckToken> selecting;
  };
  struct Check {
    Instant deadline;
    std::optional<LookupId> lookup;  // a lookup's record (or selection); else a held request's
    Bytes peer, request;             // the held request
    Bytes value;                     // the lookup's record
    std::vector<Bytes> addrs;        // of the lookup record's holder
    bool select = false;             // a DhtSelect, not a DhtCheck
  };
  struct Pending {
    LookupId lookup;
    Bytes peer;
    std::vector<Bytes> addrs;
    Instant deadline;  // failed then, if the shell has not reported it
    // ADD_PROVIDER has no answer: how its stream ends says nothing of the peer.
    bool unanswered = false;
  };

  LookupId start(Bytes target, bool walk, DhtOp op = DhtOp::kFindNode);
  void send(LookupId id, kad::LookupPeer peer, const kad::Message& m, bool unanswered, Instant now);
  kad::Message request_of(const Running& run) const;
  // An answer's record or providers taken into `run`; true when the lookup may end now.
  bool take_records(LookupId id, Running& run, const kad::LookupPeer& from, kad::Message& answer,
                    Instant now);
  // A get_value's records are in: the first kept and the lookup ended; or, when the
  // application selects among different ones, a DhtSelect out (record_selected goes on).
  void conclude_get(std::map<LookupId, Running>::iterator it, Instant now);
  // The best (run.value) to every holder of another record, and to our store if ours was one.
  void correct(LookupId id, Running& run, Instant now);
  bool selected(ByteView key) const;
  CheckToken ask_check(Check check, ByteView key, ByteView value);
  void expire_checks(Instant now);
  // The lookup part is over: a put or add_provider sends its stores; the rest end.
  void lookup_finished(LookupId id, Running& run, Instant now);
  void store_answered(LookupId id, Running& run, bool ok);
  void end(std::map<LookupId, Running>::iterator it, Instant now);
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
  std::vector<Bytes> listen_addrs_;
  std::vector<std::string> checked_, selected_;
  std::map<CheckToken, Check> checks_;
  CheckToken next_check_ = 1;
  DhtCounters counters_;
};

}  // namespace p2pgossip::host
