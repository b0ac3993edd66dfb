// The simulated network: nodes with their identities and hosts, the links between them in
// CSR form, and bringing a pair of links up or down as the network's state says.
#include <algorithm>
#include <cstring>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/sim/rng.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {

Simulation::Impl::Impl(std::uint32_t nodes_count, const std::vector<Edge>& edges, SimConfig config)
    : cfg(std::move(config)),
      publisher(cfg.gossip.signature_policy, cfg.message_id, cfg.gossip.max_message_size),
      host_config(make_host_config()),
      n(nodes_count) {
  build_links(edges);
  for (auto [a, b] : cfg.dialled) {
    const std::uint32_t li = a < n && b < n ? link_index(a, b) : kNoLink;
    if (li == kNoLink) throw std::invalid_argument("dialled: names a pair that is not a link");
    given_dialler.resize(links.size());
    given_dialler[li] = 1;
    given_dialler[reverse[li]] = 2;
  }
  make_shards(cfg.threads, cfg.partitioning);
  for (auto& s : shards) s->services = std::make_shared<const router::Services>(make_services(*s));
  params.push_back(cfg.link);
  group.assign(n, 0);
  nodes = std::vector<Node>(n);  // hosts do not move
  if (cfg.full_stack && cfg.peer_exchange)
    throw std::invalid_argument("full_stack with peer exchange is not supported yet");
  if (cfg.full_stack && cfg.link.loss > 0)
    throw std::invalid_argument("full_stack links are reliable byte streams: loss must be 0");
  if (cfg.full_stack) {
    stack_limits.max_idontwant_ids =
        static_cast<std::size_t>(std::max(1, cfg.gossip.max_idontwant_length));
    ends.resize(links.size());
    noise_identities.resize(n);
    for (std::uint32_t v = 0; v < n; ++v)
      budgets.push_back(std::make_unique<host::OutboundBudget>(8 << 20));
  }
  if (cfg.peer_exchange) {
    dials.resize(links.size());
    for (std::uint32_t li = 0; li < links.size(); ++li) dials[li].src_dialled = dialled(li);
    extra.resize(n);
    connections.resize(n);
    records.resize(n);
  }
  if (cfg.record_mesh)
    for (std::uint32_t v = 0; v < n; ++v)
      recorders.emplace_back(shard_of(v).mesh_log, shard_of(v).mesh_topics, v);
  for (std::uint32_t v = 0; v < n; ++v) {
    std::array<std::uint8_t, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); i += 8) {
      const std::uint64_t w = draw(cfg.seed, kIdentityStream + v, i);
      std::memcpy(seed.data() + i, &w, 8);
    }
    nodes[v].identity = std::move(crypto::Identity::from_seed(seed).value());
    if (cfg.peer_exchange) node_of_peer.emplace(to_bytes(nodes[v].identity->peer_id().bytes()), v);
    start_host(v);
  }
  for (std::uint32_t li = 0; li < links.size(); ++li)
    if (link_src[li] < neighbour[li]) update_link(li, 0);
}

void Simulation::Impl::build_links(const std::vector<Edge>& edges) {
  std::vector<Edge> directed;
  directed.reserve(edges.size() * 2);
  for (auto [a, b] : edges) {
    if (a >= n || b >= n) throw std::out_of_range("edge names a node outside 0..n-1");
    if (a == b) continue;
    directed.emplace_back(a, b);
    directed.emplace_back(b, a);
  }
  std::sort(directed.begin(), directed.end());
  directed.erase(std::unique(directed.begin(), directed.end()), directed.end());
  offsets.assign(n + 1, 0);
  for (auto [a, b] : directed) ++offsets[a + 1];
  for (std::uint32_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  link_src.reserve(directed.size());
  neighbour.reserve(directed.size());
  for (auto [a, b] : directed) {
    link_src.push_back(a);
    neighbour.push_back(b);
  }
  links.resize(directed.size());
  severed.assign(directed.size(), 0);
  reverse.resize(directed.size());
  for (std::uint32_t li = 0; li < directed.size(); ++li)
    reverse[li] = link_index(neighbour[li], link_src[li]);
}

std::shared_ptr<const host::HostConfig> Simulation::Impl::make_host_config() const {
  auto h = std::make_shared<host::HostConfig>();
  h->gossip = std::make_shared<const router::GossipConfig>(cfg.gossip);
  h->message_id = cfg.message_id;
  // Without peer exchange the links are fixed: suggestions are counted (px_ignored).
  h->accept_px = cfg.peer_exchange;
  h->peers = cfg.peers;
  h->seed = cfg.seed;
  h->reject_marked_invalid = true;  // the simulated application
  return h;
}

// The services of shard `sh`'s hosts: its memo, its verification cache, its counts, and the
// pool its routers keep their message ids in (each id once a shard, not once a node).
router::Services Simulation::Impl::make_services(Shard& sh) {
  router::Services s;
  s.ids = router::make_id_pool();
  s.message_id = [this, &sh](const Message& m) {
    if (const MessageMemo::Entry* e = sh.memo.find(&m)) return e->id;
    return publisher.id(m);
  };
  s.verify_signature = [this, &sh](const Message& m) {
    ++sh.verifications;
    ++sh.verifications_in_call;
    if (cfg.verify_cache)
      if (const MessageMemo::Entry* e = sh.memo.find(&m))
        return e->key && host::verify_message(m, sh.verify_cache, *e->key);
    return host::verify_message(m, &sh.verify_cache);
  };
  // The host's rule (HostConfig::reject_marked_invalid): the shards share these services.
  s.validate = [config = host_config](const std::string&, const Message& m, router::PeerIndex) {
    return host::rejects_marked_invalid(*config, m) ? router::ValidationResult::kReject
                                                    : router::ValidationResult::kAccept;
  };
  if (cfg.peer_exchange) s.peer_record = [this](ByteView peer_id) { return peer_record(peer_id); };
  return s;
}

void Simulation::Impl::start_host(std::uint32_t v) {
  Node& node = nodes[v];
  node.host.emplace(node.identity, host_config, shard_of(v).services,
                    draw(cfg.seed, kRouterStream + v, node.incarnation));
  if (!recorders.empty()) node.host->router().set_tracer(&recorders[v]);
  if (auto r = roles.find(v); r != roles.end()) node.host->set_role(r->second, Instant{now});
  for (const auto& topic : node.topics) node.host->subscribe(topic, Instant{now});
  node.cpu_free_at = now;
}

router::Protocol Simulation::Impl::protocol() const {
  return cfg.gossip.strategy == router::Strategy::kFloodSub ? router::Protocol::kFloodsub
                                                            : router::Protocol::kMeshsub12;
}

bool Simulation::Impl::should_be_up(std::uint32_t li, std::int64_t t) {
  const std::uint32_t u = link_src[li], v = neighbour[li];
  return nodes[u].host && nodes[v].host && group[u] == group[v] && !severed[li] &&
         (dials.empty() || !dials[li].dynamic || dials[li].held) && !refuses(u, v, t) &&
         !refuses(v, u, t);
}

bool Simulation::Impl::refuses(std::uint32_t u, std::uint32_t v, std::int64_t t) {
  return nodes[u].host->refuses(nodes[v].identity->peer_id().bytes(), ip_of(v), Instant{t});
}

// Brings the pair of directed links up or down to match the network state, telling both
// routers as a transport would (a connection opened or lost).
void Simulation::Impl::update_link(std::uint32_t li, std::int64_t t) {
  const bool want = should_be_up(li, t);
  if (links[li].up == want) return;
  const std::uint32_t back = reverse[li];
  const std::uint32_t u = link_src[li], v = neighbour[li];
  links[li].up = links[back].up = want;
  if (want && !dials.empty()) {
    connect(li, t);
  } else if (want && !ends.empty()) {
    open_ends(li, t);
  } else if (want) {
    nodes[u].host->pubsub_opened(v, nodes[v].identity->peer_id().bytes(), dialled(li), protocol(),
                                 ip_of(v), Instant{t});
    nodes[v].host->pubsub_opened(u, nodes[u].identity->peer_id().bytes(), dialled(back), protocol(),
                                 ip_of(u), Instant{t});
  } else {
    links[li].cut();
    links[back].cut();
    if (!ends.empty()) {
      fail_requests_on(li, t);
      ends[li].reset();
      ends[back].reset();
    }
    if (!dials.empty()) {
      dials[li].held = dials[back].held = false;
      disconnect(u, v, t);
      disconnect(v, u, t);
    } else {
      if (nodes[u].host) nodes[u].host->pubsub_closed(v, Instant{t});
      if (nodes[v].host) nodes[v].host->pubsub_closed(u, Instant{t});
    }
  }
  if (nodes[u].host) drive(u, t, t);
  if (nodes[v].host) drive(v, t, t);
}

void Simulation::Impl::update_links_of(std::uint32_t u, std::int64_t t) {
  for (std::uint32_t li = offsets[u]; li < offsets[u + 1]; ++li) update_link(li, t);
  if (!extra.empty())
    for (std::size_t i = 0; i < extra[u].size(); ++i) update_link(extra[u][i].second, t);
}

void Simulation::Impl::update_all_links(std::int64_t t) {
  for (std::uint32_t li = 0; li < links.size(); ++li)
    if (link_src[li] < neighbour[li]) update_link(li, t);
}

}  // namespace p2pgossip::sim
