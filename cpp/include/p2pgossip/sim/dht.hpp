// A Kademlia DHT of simulated nodes (issue 14): every node is the runtime's sans-I/O
// host::Dht (bootstrap, lookups, routing-table upkeep, bucket refreshes: the same decisions
// real nodes make), driven here by a discrete-event loop in virtual time. Requests and
// answers are the encoded /ipfs/kad/1.0.0 messages, each way one link latency drawn from the
// simulator's Latency model. A DHT dials whomever a lookup names, so any two nodes are one
// link apart here, not a gossip graph's neighbours. Deterministic under `seed`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "p2pgossip/host/dht.hpp"
#include "p2pgossip/kad/lookup.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/sim/latency.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::sim {

struct DhtConfig {
  std::size_t nodes = 1000;
  Latency latency = Latency::lognormal(40e6, 0.5);
  std::size_t k = kad::kK;
  std::size_t alpha = kad::kAlpha;
  // The fraction of nodes that never answer (gone, or behind a NAT): queries to them time out.
  double unreachable = 0.0;
  Duration query_timeout = std::chrono::seconds(10);  // go-libp2p-kad-dht's
  // Node i joins at i × join_interval, so joins overlap as when a network starts.
  Duration join_interval = std::chrono::milliseconds(10);
  std::uint64_t seed = 1;
};

struct DhtLookup {
  std::uint32_t origin = 0;
  std::uint32_t target = 0;  // the node whose peer id was looked up
  bool found = false;        // the target is among the k closest peers the lookup returned
  std::uint32_t hops = 0;    // kad::Lookup::hops(): the chain of answers to the closest peer
  Duration latency{};        // from the lookup's start to its end
  std::size_t queries = 0, timeouts = 0;
};

class DhtSimulation {
 public:
  // Nodes join one after another, `join_interval` apart, each connecting to a random
  // reachable node that joined before it; its host::Dht then bootstraps (a lookup of its own
  // id), and every node it queries learns it in turn. Returns when every bootstrap has ended.
  explicit DhtSimulation(DhtConfig config);
  ~DhtSimulation();

  // `n` lookups started at the same instant, each of a random node's peer id from another
  // random node; returns when all have ended. Unreachable nodes are neither origins nor
  // targets. Virtual time goes on from call to call, so the nodes' bucket refreshes (every
  // 10 minutes) happen as they would.
  std::vector<DhtLookup> lookups(std::size_t n);
  // How many peers each node's routing table holds.
  std::vector<std::size_t> table_sizes() const;
  const DhtConfig& config() const { return config_; }

 private:
  struct Node;
  struct Event;
  struct Later {
    bool operator()(const Event& a, const Event& b) const;
  };

  void join(std::uint32_t i);
  // Carries out what node i's host::Dht asks for, then schedules its next deadline.
  void drain(std::uint32_t i);
  void process(Event e);
  // Runs events in time order until `*outstanding` is 0.
  void run_while(const std::size_t* outstanding);
  Duration one_way();
  std::optional<std::uint32_t> node_of(ByteView id) const;
  std::uint32_t random_reachable();

  DhtConfig config_;
  Random rng_;
  Instant now_{};
  std::uint64_t seq_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::uint32_t> index_;  // sorted by peer id, for the reverse lookup
  std::priority_queue<Event, std::vector<Event>, Later> events_;
  std::vector<std::uint32_t> joined_;  // reachable nodes that have joined
  std::size_t bootstrapping_ = 0;
  // Lookups of the current lookups() call: (origin, host lookup id) -> row.
  std::map<std::pair<std::uint32_t, host::LookupId>, std::size_t> rows_;
  std::vector<DhtLookup> results_;
  Instant lookups_started_{};
  std::size_t running_ = 0;
};

}  // namespace p2pgossip::sim
