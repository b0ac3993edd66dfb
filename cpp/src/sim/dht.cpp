#include "p2pgossip/sim/dht.hpp"

#include <algorithm>
#include <queue>
#include <stdexcept>

#include "p2pgossip/kad/message.hpp"

namespace p2pgossip::sim {

struct DhtSimulation::Node {
  Node(Bytes id, Bytes addr, const kad::ServerConfig& config)
      : id(std::move(id)), addr(std::move(addr)), server(this->id, config, Instant{}) {}
  Bytes id;
  Bytes addr;  // /ip4/10.x.y.z/tcp/4001, binary
  kad::Server server;
  bool reachable = true;
};

namespace {

// An Ed25519 peer id (identity multihash of the protobuf public key) over 32 random bytes:
// the shape real ids have, without the cost of key generation for 100k nodes.
Bytes peer_id_of(Random& rng) {
  Bytes id = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t r = rng();
    for (int b = 0; b < 8; ++b) id.push_back(static_cast<std::uint8_t>(r >> (8 * b)));
  }
  return id;
}

Bytes addr_of(std::size_t i) {
  return {0x04,
          10,
          static_cast<std::uint8_t>(i >> 16),
          static_cast<std::uint8_t>(i >> 8),
          static_cast<std::uint8_t>(i),
          0x06,
          0x0f,
          0xa1};
}

// An answer on its way back, or a query that will never be answered.
struct Arrival {
  Instant at;
  std::uint64_t seq;  // ties in time keep their order: determinism
  std::uint32_t from;
  std::vector<kad::LookupPeer> closer;
  bool operator>(const Arrival& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

}  // namespace

DhtSimulation::DhtSimulation(DhtConfig config) : config_(config), rng_(config.seed) {
  if (config_.nodes < 2) throw std::invalid_argument("a DHT needs at least 2 nodes");
  if (!(config_.unreachable >= 0 && config_.unreachable < 1))
    throw std::invalid_argument("unreachable must be in [0, 1)");
  kad::ServerConfig sc;
  sc.closer_peers = config_.k;
  sc.table.k = config_.k;
  nodes_.reserve(config_.nodes);
  for (std::size_t i = 0; i < config_.nodes; ++i) {
    nodes_.push_back(std::make_unique<Node>(peer_id_of(rng_), addr_of(i), sc));
    nodes_.back()->reachable = i == 0 || rng_.unit() >= config_.unreachable;
  }
  index_.resize(nodes_.size());
  for (std::uint32_t i = 0; i < index_.size(); ++i) index_[i] = i;
  std::sort(index_.begin(), index_.end(),
            [this](std::uint32_t a, std::uint32_t b) { return nodes_[a]->id < nodes_[b]->id; });
  // Joins: node 0 first; each later node through a random reachable one before it.
  std::vector<std::uint32_t> joined = {0};
  for (std::uint32_t i = 1; i < nodes_.size(); ++i) {
    const std::uint32_t via = joined[rng_.below(joined.size())];
    Node& n = *nodes_[i];
    n.server.table().update(nodes_[via]->id, {&nodes_[via]->addr, 1}, true, Instant{});
    run_lookup(i, i);
    if (n.reachable) joined.push_back(i);
  }
}

DhtSimulation::~DhtSimulation() = default;

std::uint32_t DhtSimulation::random_reachable() {
  for (;;) {
    const auto i = static_cast<std::uint32_t>(rng_.below(nodes_.size()));
    if (nodes_[i]->reachable) return i;
  }
}

std::vector<DhtLookup> DhtSimulation::lookups(std::size_t n) {
  std::vector<DhtLookup> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t origin = random_reachable();
    std::uint32_t target = random_reachable();
    while (target == origin) target = random_reachable();
    out.push_back(run_lookup(origin, target));
  }
  return out;
}

std::vector<std::size_t> DhtSimulation::table_sizes() const {
  std::vector<std::size_t> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n->server.table().size());
  return out;
}

DhtLookup DhtSimulation::run_lookup(std::uint32_t origin, std::uint32_t target) {
  Node& me = *nodes_[origin];
  const Bytes& target_id = nodes_[target]->id;
  const kad::Key key = kad::Key::of(target_id);
  std::vector<kad::LookupPeer> seeds;
  for (const kad::Entry* e : me.server.table().closest(key, config_.k))
    seeds.push_back({e->peer_id, e->addrs});
  kad::LookupConfig lc;
  lc.k = config_.k;
  lc.alpha = config_.alpha;
  lc.query_timeout = config_.query_timeout;
  kad::Lookup lookup(key, seeds, lc, me.id);

  kad::Message request;
  request.type = kad::MessageType::kFindNode;
  request.key = target_id;
  const Bytes encoded_request = kad::encode(request);

  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals;
  std::uint64_t seq = 0;
  Instant now{};
  auto node_of = [this](ByteView id) -> std::optional<std::uint32_t> {
    auto it =
        std::lower_bound(index_.begin(), index_.end(), id, [this](std::uint32_t i, ByteView v) {
          return std::lexicographical_compare(nodes_[i]->id.begin(), nodes_[i]->id.end(), v.begin(),
                                              v.end());
        });
    if (it == index_.end() || !std::ranges::equal(nodes_[*it]->id, id)) return std::nullopt;
    return *it;
  };
  for (;;) {
    while (auto q = lookup.poll_query(now)) {
      const auto j = node_of(q->id);
      if (!j || !nodes_[*j]->reachable) continue;  // no answer: its deadline fails it
      Node& peer = *nodes_[*j];
      // The request and the answer as bytes on the wire, handled by the peer's server.
      auto decoded = kad::decode(encoded_request);
      auto answer = peer.server.handle(me.id, *decoded, now);
      // A server learns the peers that query it (go-libp2p-kad-dht adds server-mode ones).
      peer.server.table().update(me.id, {&me.addr, 1}, true, now);
      Arrival a{now + Duration(config_.latency.sample(rng_(), rng_()) +
                               config_.latency.sample(rng_(), rng_())),
                seq++,
                *j,
                {}};
      if (answer && *answer) {
        auto back = kad::decode(kad::encode(**answer));
        for (kad::Peer& p : back->closer_peers)
          a.closer.push_back({std::move(p.id), std::move(p.addrs)});
      }
      arrivals.push(std::move(a));
    }
    if (lookup.finished()) break;
    const std::optional<Instant> deadline = lookup.next_deadline();
    if (!arrivals.empty() && (!deadline || arrivals.top().at <= *deadline)) {
      Arrival a = arrivals.top();
      arrivals.pop();
      now = a.at;
      if (lookup.on_response(nodes_[a.from]->id, a.closer))
        me.server.table().update(nodes_[a.from]->id, {&nodes_[a.from]->addr, 1}, true, now);
    } else if (deadline) {
      now = *deadline;
      lookup.handle_timeout(now);
    } else {
      break;  // nothing in flight and nothing to ask
    }
  }
  DhtLookup r;
  r.origin = origin;
  r.target = target;
  for (const kad::LookupEntry* e : lookup.closest())
    if (e->id == target_id) r.found = true;
  r.hops = lookup.hops();
  r.latency = now;
  r.queries = lookup.stats().queries;
  r.timeouts = lookup.stats().timeouts;
  return r;
}

}  // namespace p2pgossip::sim
