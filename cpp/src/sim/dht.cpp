#include "p2pgossip/sim/dht.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace p2pgossip::sim {

struct DhtSimulation::Node {
  Node(Bytes id, Bytes addr, const host::DhtConfig& config, Instant now, std::uint64_t seed)
      : id(std::move(id)), addr(std::move(addr)), dht(this->id, config, now, seed) {}
  Bytes id;
  Bytes addr;  // /ip4/10.x.y.z/tcp/4001, binary
  host::Dht dht;
  bool reachable = true;
  Instant tick_at = Instant::max();  // the deadline a kTick is scheduled for
};

// What happens at `at`: node `to` joins, handles a request from `from`, takes the answer to
// its query `token` (or its failure: the stream was reset), or reaches its deadline.
struct DhtSimulation::Event {
  enum class Kind : std::uint8_t { kJoin, kRequest, kAnswer, kReset, kTick };
  Instant at;
  std::uint64_t seq;  // ties in time keep their order: determinism
  Kind kind;
  std::uint32_t to;
  std::uint32_t from = 0;
  host::QueryToken token = 0;
  Bytes bytes;
};

bool DhtSimulation::Later::operator()(const Event& a, const Event& b) const {
  return a.at != b.at ? a.at > b.at : a.seq > b.seq;
}

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

}  // namespace

DhtSimulation::DhtSimulation(DhtConfig config) : config_(config), rng_(config.seed) {
  if (config_.nodes < 2) throw std::invalid_argument("a DHT needs at least 2 nodes");
  if (!(config_.unreachable >= 0 && config_.unreachable < 1))
    throw std::invalid_argument("unreachable must be in [0, 1)");
  host::DhtConfig hc;
  hc.server.closer_peers = config_.k;
  hc.server.table.k = config_.k;
  hc.lookup.k = config_.k;
  hc.lookup.alpha = config_.alpha;
  hc.lookup.query_timeout = config_.query_timeout;
  nodes_.reserve(config_.nodes);
  for (std::size_t i = 0; i < config_.nodes; ++i) {
    const Instant joins{config_.join_interval * static_cast<std::int64_t>(i)};
    Bytes id = peer_id_of(rng_);
    nodes_.push_back(std::make_unique<Node>(std::move(id), addr_of(i), hc, joins, rng_()));
    nodes_.back()->reachable = i == 0 || rng_.unit() >= config_.unreachable;
    events_.push(Event{joins, seq_++, Event::Kind::kJoin, static_cast<std::uint32_t>(i)});
  }
  index_.resize(nodes_.size());
  for (std::uint32_t i = 0; i < index_.size(); ++i) index_[i] = i;
  std::sort(index_.begin(), index_.end(),
            [this](std::uint32_t a, std::uint32_t b) { return nodes_[a]->id < nodes_[b]->id; });
  bootstrapping_ = nodes_.size();
  run_while(&bootstrapping_);
}

DhtSimulation::~DhtSimulation() = default;

void DhtSimulation::join(std::uint32_t i) {
  Node& n = *nodes_[i];
  if (!joined_.empty()) {
    // Both ends of the connection learn the other, as identify tells real nodes; the
    // newcomer's first connection starts its bootstrap.
    const std::uint32_t via = joined_[rng_.below(joined_.size())];
    Node& v = *nodes_[via];
    v.dht.peer_connected(n.id, {&n.addr, 1}, now_);
    n.dht.peer_connected(v.id, {&v.addr, 1}, now_);
    drain(via);
    drain(i);
  }  // the first node has nobody to ask: it bootstraps when the second connects to it
  if (n.reachable) joined_.push_back(i);
}

Duration DhtSimulation::one_way() { return Duration(config_.latency.sample(rng_(), rng_())); }

std::optional<std::uint32_t> DhtSimulation::node_of(ByteView id) const {
  auto it = std::lower_bound(index_.begin(), index_.end(), id, [this](std::uint32_t i, ByteView v) {
    return std::lexicographical_compare(nodes_[i]->id.begin(), nodes_[i]->id.end(), v.begin(),
                                        v.end());
  });
  if (it == index_.end() || !std::ranges::equal(nodes_[*it]->id, id)) return std::nullopt;
  return *it;
}

void DhtSimulation::drain(std::uint32_t i) {
  Node& n = *nodes_[i];
  while (auto e = n.dht.poll()) {
    if (auto* q = std::get_if<host::DhtQuery>(&*e)) {
      const auto j = node_of(q->peer);
      // Nobody answers for an unknown or unreachable peer: the query fails at its deadline.
      if (!j || !nodes_[*j]->reachable) continue;
      events_.push(
          Event{now_ + one_way(), seq_++, Event::Kind::kRequest, *j, i, q->token, q->request});
    } else if (auto* done = std::get_if<host::DhtLookupDone>(&*e)) {
      if (std::ranges::equal(done->target, n.id)) {
        --bootstrapping_;
        continue;
      }
      auto row = rows_.find({i, done->id});
      if (row == rows_.end()) continue;  // a refresh
      DhtLookup& r = results_[row->second];
      const Bytes& target = nodes_[r.target]->id;
      r.found = std::ranges::any_of(done->closest,
                                    [&](const kad::LookupPeer& p) { return p.id == target; });
      r.hops = done->hops;
      r.latency = now_ - lookups_started_;
      r.queries = done->queries;
      r.timeouts = done->timeouts;
      rows_.erase(row);
      --running_;
    }
  }
  if (auto deadline = n.dht.next_deadline(); deadline && *deadline < n.tick_at) {
    n.tick_at = std::max(*deadline, now_);
    events_.push(Event{n.tick_at, seq_++, Event::Kind::kTick, i});
  }
}

void DhtSimulation::process(Event e) {
  now_ = e.at;
  Node& n = *nodes_[e.to];
  switch (e.kind) {
    case Event::Kind::kJoin:
      join(e.to);
      return;
    case Event::Kind::kRequest: {
      Node& from = *nodes_[e.from];
      // The querier connected: a server learns it (go-libp2p-kad-dht adds server-mode peers).
      n.dht.peer_connected(from.id, {&from.addr, 1}, now_);
      auto answer = n.dht.handle_request(from.id, e.bytes, now_);
      drain(e.to);
      if (answer && !*answer) return;  // ADD_PROVIDER: nothing comes back
      const auto kind = answer ? Event::Kind::kAnswer : Event::Kind::kReset;
      events_.push(Event{now_ + one_way(), seq_++, kind, e.from, e.to, e.token,
                         answer ? std::move(**answer) : Bytes{}});
      return;
    }
    case Event::Kind::kAnswer:
      n.dht.query_answered(e.token, e.bytes, now_);
      break;
    case Event::Kind::kReset:
      n.dht.query_failed(e.token, now_);
      break;
    case Event::Kind::kTick:
      if (e.at != n.tick_at) return;  // superseded by an earlier deadline
      n.tick_at = Instant::max();
      n.dht.tick(now_);
      break;
  }
  drain(e.to);
}

void DhtSimulation::run_while(const std::size_t* outstanding) {
  while (*outstanding > 0 && !events_.empty()) {
    Event e = events_.top();
    events_.pop();
    process(std::move(e));
  }
}

std::uint32_t DhtSimulation::random_reachable() {
  for (;;) {
    const auto i = static_cast<std::uint32_t>(rng_.below(nodes_.size()));
    if (nodes_[i]->reachable) return i;
  }
}

std::vector<DhtLookup> DhtSimulation::lookups(std::size_t n) {
  results_.assign(n, DhtLookup{});
  rows_.clear();
  lookups_started_ = now_;
  for (std::size_t k = 0; k < n; ++k) {
    DhtLookup& r = results_[k];
    r.origin = random_reachable();
    r.target = random_reachable();
    while (r.target == r.origin) r.target = random_reachable();
    rows_[{r.origin, nodes_[r.origin]->dht.find_node(nodes_[r.target]->id, now_)}] = k;
    ++running_;
    drain(r.origin);
  }
  run_while(&running_);
  return std::move(results_);
}

std::vector<std::size_t> DhtSimulation::table_sizes() const {
  std::vector<std::size_t> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n->dht.server().table().size());
  return out;
}

}  // namespace p2pgossip::sim
