// A Kademlia DHT of simulated nodes (issue 14): every node runs kad::Server, every lookup
// runs kad::Lookup, and requests and answers are the encoded /ipfs/kad/1.0.0 messages, each
// way one link latency drawn from the simulator's Latency model. A DHT dials whomever a
// lookup names, so any two nodes are one link apart here, not a gossip graph's neighbours.
// Deterministic under `seed`, in virtual time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "p2pgossip/kad/lookup.hpp"
#include "p2pgossip/kad/server.hpp"
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
  std::uint64_t seed = 1;
};

struct DhtLookup {
  std::uint32_t origin = 0;
  std::uint32_t target = 0;  // the node whose peer id was looked up
  bool found = false;        // the target is among the k closest peers the lookup returned
  std::uint32_t hops = 0;    // kad::Lookup::hops(): the chain of answers to the closest peer
  Duration latency{};        // from the first query to the lookup's end
  std::size_t queries = 0, timeouts = 0;
};

class DhtSimulation {
 public:
  // Nodes join one by one, in a random order, through a node that joined before them: each
  // learns that node and runs a lookup of its own id (the spec's bootstrap), and every node
  // it queries learns it in turn. Routing tables are what those joins leave.
  explicit DhtSimulation(DhtConfig config);
  ~DhtSimulation();

  // `n` lookups, one after another, each of a random node's peer id from another random
  // node. Unreachable nodes are neither origins nor targets.
  std::vector<DhtLookup> lookups(std::size_t n);
  // How many peers each node's routing table holds.
  std::vector<std::size_t> table_sizes() const;
  const DhtConfig& config() const { return config_; }

 private:
  struct Node;
  DhtLookup run_lookup(std::uint32_t origin, std::uint32_t target);
  std::uint32_t random_reachable();

  DhtConfig config_;
  Random rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::uint32_t> index_;  // sorted by peer id, for the reverse lookup
};

}  // namespace p2pgossip::sim
