#include "p2pgossip/sim/simulation.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/host.hpp"
#include "p2pgossip/host/message_id.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/host/pump.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/net/peer_record.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/sim/event_queue.hpp"
#include "p2pgossip/sim/rng.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "sim/message_memo.hpp"

namespace p2pgossip::sim {
namespace {

constexpr std::uint32_t kNoLink = 0xffffffff;
constexpr std::uint32_t kNoSlot = 0xffffffff;
constexpr std::uint16_t kNoHops = 0xffff;
// Random streams: links use their index; these sit far above any link index.
constexpr std::uint64_t kIdentityStream = 1ULL << 40;
constexpr std::uint64_t kRouterStream = 2ULL << 40;

struct BytesHash {
  std::size_t operator()(const Bytes& b) const {
    return static_cast<std::size_t>(XXH3_64bits(b.data(), b.size()));
  }
};

// Under peer_exchange, how a directed link came up: made by a dial (not in the topology),
// held up by one, which end dialled it, and the dial bringing it up (its source's id).
struct LinkDial {
  bool dynamic = false;
  bool held = false;
  bool src_dialled = false;
  host::ConnectionId pending = 0;  // 0: none
};

// A node's peer-manager connections, by id and by neighbour.
struct Connections {
  std::unordered_map<host::ConnectionId, std::uint32_t> peer_of;
  std::unordered_map<std::uint32_t, host::ConnectionId> to;
};

// Full stack: one end of a link, at its source: the connection machine and what waits for it.
struct LinkEnd {
  LinkEnd(host::ConnectionConfig config, const host::OutboxLimits& limits,
          host::OutboundBudget& budget)
      : machine(std::move(config)), outbox(limits, budget) {}
  host::Connection machine;
  host::Outbox outbox;
  bool in_router = false;  // the pubsub stream is up: the peer is the router's
};

// The virtual address of node v: 10.0.0.0/8 numbers 16 M nodes.
net::Multiaddr address_of(std::uint32_t v) {
  return net::Multiaddr::parse("/ip4/10." + std::to_string((v >> 16) & 255) + "." +
                               std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255) +
                               "/tcp/4001")
      .value();
}

struct MessageIdHash {
  std::size_t operator()(const MessageId& id) const {
    return static_cast<std::size_t>(XXH3_64bits(id.view().data(), id.size()));
  }
};

// Most RPCs in flight carry one forwarded message and nothing else: those hold just the
// shared message, keeping the slot small and allocation-free; any other RPC is boxed. A slot
// is one cache line (48 bytes at a 48-byte stride would straddle two lines half the time,
// and the prefetch takes one).
struct alignas(64) InFlight {
  MessagePtr message;
  std::unique_ptr<Rpc> rpc;
  std::unique_ptr<Bytes> bytes;  // full stack: a segment of the link's byte stream
  // The lone message's id where the memo knows it, for prefetching: a hint (the memo may
  // reuse the entry meanwhile), never used for the message's handling.
  const MessageId* id_hint = nullptr;
  std::uint32_t link = kNoLink;  // kNoLink: injected, not carried by a link
  std::uint32_t generation = 0;
  std::uint32_t from = 0;
  std::uint32_t size = 0;
};

// What every event at a node reads (its host's router, timer and RPC counts) is in its first
// cache lines: with thousands of nodes, each event finds its node's lines cold.
struct alignas(64) Node {
  std::optional<host::Host> host;  // empty while crashed
  std::int64_t tick_at = Simulation::kNever;
  std::uint32_t incarnation = 0;
  NodeStats stats;  // rpcs and bytes out and in first
  std::int64_t cpu_free_at = 0;
  crypto::IdentityPtr identity;
  std::set<std::string> topics;  // restored on restart
  std::uint64_t seqno = 0;
};

// Records one node's router's mesh changes in the simulation's log.
class MeshRecorder : public router::Tracer {
 public:
  MeshRecorder(MeshLog& log, std::unordered_map<std::string, std::uint32_t>& topic_index,
               std::uint32_t node)
      : log_(&log), topic_index_(&topic_index), node_(node) {}
  void graft(router::PeerIndex peer, const std::string& topic, Instant now) override {
    record(peer, topic, now, true);
  }
  void prune(router::PeerIndex peer, const std::string& topic, Instant now) override {
    record(peer, topic, now, false);
  }

 private:
  void record(router::PeerIndex peer, const std::string& topic, Instant now, bool joined) {
    auto [it, added] =
        topic_index_->try_emplace(topic, static_cast<std::uint32_t>(log_->topics.size()));
    if (added) log_->topics.push_back(topic);
    log_->time.push_back(now.count());
    log_->node.push_back(node_);
    log_->peer.push_back(peer);
    log_->topic.push_back(it->second);
    log_->joined.push_back(joined);
  }
  MeshLog* log_;
  std::unordered_map<std::string, std::uint32_t>* topic_index_;
  std::uint32_t node_;
};

}  // namespace

struct Simulation::Impl {
  SimConfig cfg;
  host::Publisher publisher;
  std::shared_ptr<const host::HostConfig> host_config;  // one copy for every host
  std::shared_ptr<const router::Services> services;     // likewise
  std::uint32_t n = 0;
  // Adjacency in CSR form; directed link i goes from link_src[i] to neighbour[i].
  std::vector<std::uint32_t> offsets, neighbour, link_src, reverse;
  std::vector<LinkState> links;
  std::vector<std::uint8_t> severed;  // a router disconnected the pair: stays down
  std::vector<LinkParams> params;     // [0] is the default
  std::vector<std::uint32_t> group;   // partition group per node
  // Peer exchange (SimConfig::peer_exchange); all empty without it.
  std::vector<LinkDial> dials;                                              // per directed link
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> extra;  // (neighbour, link)
  std::vector<Connections> connections;                                     // per node
  std::vector<Bytes> records;  // per node, sealed when first suggested
  std::unordered_map<Bytes, std::uint32_t, BytesHash> node_of_peer;
  // Full stack (SimConfig::full_stack); empty without it.
  std::vector<std::unique_ptr<LinkEnd>> ends;                  // per directed link, at its source
  std::vector<std::unique_ptr<host::OutboundBudget>> budgets;  // per node
  std::vector<std::optional<net::noise::LocalIdentity>> noise_identities;  // per node, lazily
  host::OutboxLimits stack_limits;                                         // the runtime's defaults
  Bytes frame;

  std::vector<Node> nodes;
  std::map<std::uint32_t, host::Role> roles;  // adversaries' roles, reapplied at restart
  EventQueue queue;
  std::int64_t now = 0;
  std::uint64_t events = 0;

  std::vector<InFlight> inflight;
  std::vector<std::uint32_t> free_slots;
  std::vector<std::function<void(std::int64_t)>> commands;
  std::deque<std::vector<router::Action>> action_buffers;  // stable under nested drives
  std::size_t action_depth = 0;
  Bytes wire_scratch;
  Rpc arrival_scratch;  // reused to hand a lone in-flight message to its router
  // Splits an oversized RPC as the runtime's outbox does; never holds anything between calls.
  host::OutboxLimits shaper_limits;
  host::OutboundBudget shaper_budget{SIZE_MAX};
  host::Outbox shaper{shaper_limits, shaper_budget};

  std::vector<MessageInfo> messages;
  std::unordered_map<MessageId, std::uint32_t, MessageIdHash> message_index;
  std::vector<std::vector<std::uint16_t>> hops;  // per message, per node: hops of its copy
  std::set<std::string> all_topics;
  DeliveryLog log;
  MeshLog mesh_log;
  std::unordered_map<std::string, std::uint32_t> mesh_topics;
  std::vector<MeshRecorder> recorders;  // one per node under record_mesh
  XXH3_state_t trace;
  // Trace records are gathered here and hashed a batch at a time: XXH3's streaming update
  // has a fixed cost per call, and the digest depends only on the bytes, not the batching.
  Bytes trace_pending;

  crypto::VerifyCache verify_cache;
  MessageMemo memo;  // ids and cache keys of the messages built here, by address
  std::uint64_t verifications = 0;
  std::uint64_t verifications_in_call = 0;

  Impl(std::uint32_t nodes_count, const std::vector<Edge>& edges, SimConfig config)
      : cfg(std::move(config)),
        publisher(cfg.gossip.signature_policy, cfg.message_id, cfg.gossip.max_message_size),
        host_config(make_host_config()),
        services(std::make_shared<const router::Services>(make_services())),
        n(nodes_count),
        verify_cache(1 << 16, cfg.verify_cache) {
    XXH3_128bits_reset(&trace);
    trace_pending.reserve(kTraceBatch + 29 + MessageId::kMaxSize);
    build_links(edges);
    params.push_back(cfg.link);
    group.assign(n, 0);
    nodes = std::vector<Node>(n);  // hosts do not move
    if (cfg.full_stack && cfg.peer_exchange)
      throw std::invalid_argument("full_stack with peer exchange is not supported yet");
    if (cfg.full_stack && cfg.link.loss > 0)
      throw std::invalid_argument("full_stack links are reliable byte streams: loss must be 0");
    if (cfg.full_stack) {
      ends.resize(links.size());
      noise_identities.resize(n);
      for (std::uint32_t v = 0; v < n; ++v)
        budgets.push_back(std::make_unique<host::OutboundBudget>(8 << 20));
    }
    if (cfg.peer_exchange) {
      dials.resize(links.size());
      for (std::uint32_t li = 0; li < links.size(); ++li)
        dials[li].src_dialled = link_src[li] < neighbour[li];
      extra.resize(n);
      connections.resize(n);
      records.resize(n);
    }
    if (cfg.record_mesh)
      for (std::uint32_t v = 0; v < n; ++v) recorders.emplace_back(mesh_log, mesh_topics, v);
    for (std::uint32_t v = 0; v < n; ++v) {
      std::array<std::uint8_t, 32> seed{};
      for (std::size_t i = 0; i < seed.size(); i += 8) {
        const std::uint64_t w = draw(cfg.seed, kIdentityStream + v, i);
        std::memcpy(seed.data() + i, &w, 8);
      }
      nodes[v].identity = std::move(crypto::Identity::from_seed(seed).value());
      if (cfg.peer_exchange)
        node_of_peer.emplace(to_bytes(nodes[v].identity->peer_id().bytes()), v);
      start_host(v);
    }
    for (std::uint32_t li = 0; li < links.size(); ++li)
      if (link_src[li] < neighbour[li]) update_link(li, 0);
  }

  void build_links(const std::vector<Edge>& edges) {
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

  std::uint32_t link_index(std::uint32_t u, std::uint32_t v) const {
    const auto first = neighbour.begin() + offsets[u], last = neighbour.begin() + offsets[u + 1];
    const auto it = std::lower_bound(first, last, v);
    if (it != last && *it == v) return static_cast<std::uint32_t>(it - neighbour.begin());
    if (!extra.empty())
      for (auto [w, li] : extra[u])
        if (w == v) return li;
    return kNoLink;
  }

  // A pair of directed links between u and v beyond the topology (a dial made it).
  std::uint32_t add_link(std::uint32_t u, std::uint32_t v) {
    const auto li = static_cast<std::uint32_t>(links.size());
    for (auto [a, b] : {std::pair{u, v}, std::pair{v, u}}) {
      link_src.push_back(a);
      neighbour.push_back(b);
      links.emplace_back();
      severed.push_back(0);
      dials.push_back(LinkDial{true, false, false, 0});
    }
    reverse.push_back(li + 1);
    reverse.push_back(li);
    extra[u].emplace_back(v, li);
    extra[v].emplace_back(u, li + 1);
    return li;
  }

  std::shared_ptr<const host::HostConfig> make_host_config() const {
    auto h = std::make_shared<host::HostConfig>();
    h->gossip = std::make_shared<const router::GossipConfig>(cfg.gossip);
    h->message_id = cfg.message_id;
    // Without peer exchange the links are fixed: suggestions are counted (px_ignored).
    h->accept_px = cfg.peer_exchange;
    h->peers = cfg.peers;
    h->seed = cfg.seed;
    return h;
  }

  router::Services make_services() {
    router::Services s;
    s.message_id = [this](const Message& m) {
      if (const MessageMemo::Entry* e = memo.find(&m)) return e->id;
      return publisher.id(m);
    };
    s.verify_signature = [this](const Message& m) {
      ++verifications;
      ++verifications_in_call;
      if (cfg.verify_cache) {
        if (MessageMemo::Entry* e = memo.find(&m)) {
          if (!e->keyed) {
            e->key = host::verify_cache_key(m);
            e->keyed = true;
          }
          return e->key && host::verify_message(m, verify_cache, *e->key);
        }
      }
      return host::verify_message(m, &verify_cache);
    };
    s.validate = [](const std::string&, const Message& m, router::PeerIndex) {
      return host::marked_invalid(m) ? router::ValidationResult::kReject
                                     : router::ValidationResult::kAccept;
    };
    if (cfg.peer_exchange)
      s.peer_record = [this](ByteView peer_id) -> std::optional<Bytes> {
        auto it = node_of_peer.find(to_bytes(peer_id));
        if (it == node_of_peer.end()) return std::nullopt;
        const std::uint32_t v = it->second;
        if (records[v].empty())
          records[v] =
              net::SignedPeerRecord::seal(*nodes[v].identity, 1, {address_of(v)}).envelope();
        return records[v];
      };
    return s;
  }

  void start_host(std::uint32_t v) {
    Node& node = nodes[v];
    node.host.emplace(node.identity, host_config, services,
                      draw(cfg.seed, kRouterStream + v, node.incarnation));
    if (!recorders.empty()) node.host->router().set_tracer(&recorders[v]);
    if (auto r = roles.find(v); r != roles.end()) node.host->set_role(r->second, Instant{now});
    for (const auto& topic : node.topics) node.host->subscribe(topic, Instant{now});
    node.cpu_free_at = now;
  }

  router::Protocol protocol() const {
    return cfg.gossip.strategy == router::Strategy::kFloodSub ? router::Protocol::kFloodsub
                                                              : router::Protocol::kMeshsub12;
  }

  bool should_be_up(std::uint32_t li) const {
    const std::uint32_t u = link_src[li], v = neighbour[li];
    return nodes[u].host && nodes[v].host && group[u] == group[v] && !severed[li] &&
           (dials.empty() || !dials[li].dynamic || dials[li].held);
  }

  // Brings the pair of directed links up or down to match the network state, telling both
  // routers as a transport would (a connection opened or lost).
  void update_link(std::uint32_t li, std::int64_t t) {
    const bool want = should_be_up(li);
    if (links[li].up == want) return;
    const std::uint32_t back = reverse[li];
    const std::uint32_t u = link_src[li], v = neighbour[li];
    links[li].up = links[back].up = want;
    if (want && !dials.empty()) {
      connect(li, t);
    } else if (want && !ends.empty()) {
      open_ends(li, t);
    } else if (want) {
      nodes[u].host->pubsub_opened(v, nodes[v].identity->peer_id().bytes(), u < v, protocol(), {},
                                   Instant{t});
      nodes[v].host->pubsub_opened(u, nodes[u].identity->peer_id().bytes(), v < u, protocol(), {},
                                   Instant{t});
    } else {
      ++links[li].generation;
      ++links[back].generation;
      if (!ends.empty()) {
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

  void update_links_of(std::uint32_t u, std::int64_t t) {
    for (std::uint32_t li = offsets[u]; li < offsets[u + 1]; ++li) update_link(li, t);
    if (!extra.empty())
      for (std::size_t i = 0; i < extra[u].size(); ++i) update_link(extra[u][i].second, t);
  }

  // ---- full stack: links as byte streams between connection machines -----------------------

  // The two ends of link li come up: the lower-numbered node dials, as the graph's edges
  // are dialled elsewhere.
  void open_ends(std::uint32_t li, std::int64_t t) {
    for (std::uint32_t l : {li, reverse[li]}) {
      const std::uint32_t a = link_src[l], b = neighbour[l];
      if (!noise_identities[a])
        noise_identities[a] = net::noise::local_identity_of(nodes[a].identity);
      host::ConnectionConfig c;
      c.dialer = a < b;
      c.noise.identity = *noise_identities[a];
      if (c.dialer) c.expected_peer_id = to_bytes(nodes[b].identity->peer_id().bytes());
      c.pubsub_protocols = host::pubsub_protocols(cfg.gossip.strategy);
      c.identify_message = [this, a] {
        return nodes[a].host ? nodes[a].host->identify_message(std::nullopt) : Bytes{};
      };
      c.max_rpc_size = stack_limits.decode.max_rpc_size;
      ends[l] = std::make_unique<LinkEnd>(std::move(c), stack_limits, *budgets[a]);
    }
    flush(li, t);
    flush(reverse[li], t);
  }

  // What the end at link l's source has for the wire: queued RPCs into its pubsub stream,
  // then its bytes onto the link.
  void flush(std::uint32_t l, std::int64_t t) {
    LinkEnd* end = ends[l].get();
    if (!end) return;
    host::pump(end->outbox, end->machine, frame, 0, [](std::size_t) {});
    Bytes segment;
    while (end->machine.poll_transmit(segment)) send_segment(l, std::move(segment), t);
  }

  // Reliable and in order, as TCP: the link's loss and queue bound do not apply to bytes.
  void send_segment(std::uint32_t l, Bytes segment, std::int64_t t) {
    const std::uint32_t u = link_src[l], v = neighbour[l];
    LinkState& link = links[l];
    LinkParams p = params[link.params];
    p.loss = 0;
    p.queue_limit_bytes = UINT64_MAX;
    const std::uint64_t size = segment.size();
    const Transmission tx = transmit(link, p, cfg.seed, l, t, size);
    ++nodes[u].stats.rpcs_out;
    nodes[u].stats.bytes_out += size;
    trace_record(1, t, u, v, size, {});
    InFlight& f = inflight[launch(l, u, v, size, tx.arrival)];
    f.id_hint = nullptr;
    f.bytes = std::make_unique<Bytes>(std::move(segment));
  }

  // A send of the router at u to `peer` joins that link's outbox (refusals counted).
  template <class Payload>
  void enqueue(std::uint32_t u, std::uint32_t peer, Payload&& payload, std::int64_t t) {
    const std::uint32_t l = link_index(u, peer);
    if (l == kNoLink || !ends[l]) {
      ++nodes[u].stats.dropped_link_down;
      return;
    }
    const host::Outbox::Refused r = ends[l]->outbox.push(std::forward<Payload>(payload));
    nodes[u].stats.dropped_queue_full += r.messages + r.control;
    flush(l, t);
  }

  // Bytes from the link arrive at v's end `l` (toward their sender): the machine's events go
  // to v's host, v's answers back onto the wire.
  void receive_segment(std::uint32_t v, std::uint32_t l, const Bytes& segment, std::int64_t t) {
    if (!ends[l]) return;
    ends[l]->machine.handle_bytes(Instant{t}, segment);
    const std::uint32_t peer = neighbour[l];
    host::Host& h = *nodes[v].host;
    while (ends[l]) {
      auto event = ends[l]->machine.poll_event();
      if (!event) break;
      if (auto* s = std::get_if<host::PubsubStream>(&*event)) {
        if (!std::exchange(ends[l]->in_router, true))
          h.pubsub_opened(peer, nodes[peer].identity->peer_id().bytes(), v < peer, s->protocol, {},
                          Instant{t});
      } else if (auto* r = std::get_if<host::RpcReceived>(&*event)) {
        if (!h.rpc_bytes(peer, r->rpc, stack_limits.decode, Instant{t})) {
          ++nodes[v].stats.dropped_wire_decode;
          ends[l]->machine.reject_rpc(r->stream);
        }
      } else if (std::holds_alternative<host::Closed>(*event)) {
        severed[l] = severed[reverse[l]] = 1;  // the machine gave up: a broken stream
        update_link(l, t);
        return;
      }
    }
    drive(v, t, t);
    flush(l, t);
  }

  // ---- peer exchange: links as the peer managers' connections -------------------------------

  std::uint32_t dialler(std::uint32_t li) const {
    return dials[li].src_dialled ? link_src[li] : neighbour[li];
  }

  // The link came up: its dialler's connection (the dial that asked for it, or one made now
  // for a topology link) meets the other end's accept. A refusal on either side leaves the
  // link idle: no peer uses it.
  void connect(std::uint32_t li, std::int64_t t) {
    const std::uint32_t a = dialler(li), b = a == link_src[li] ? neighbour[li] : link_src[li];
    const std::uint32_t ab = a == link_src[li] ? li : reverse[li];
    host::Host& ha = *nodes[a].host;
    host::Host& hb = *nodes[b].host;
    host::ConnectionId out = std::exchange(dials[ab].pending, 0);
    if (out == 0) {
      auto dialled =
          ha.connect(address_of(b).with_peer_id(nodes[b].identity->peer_id()).value(), Instant{t});
      if (!dialled) return;
      out = *dialled;
    }
    ha.dial_succeeded(out, Instant{t});
    auto in = hb.accept(address_of(a), Instant{t});
    if (!in) {
      ha.connection_closed(out, std::nullopt, "refused by the remote", Instant{t});
      return;
    }
    connections[a].peer_of[out] = b;
    connections[a].to[b] = out;
    connections[b].peer_of[*in] = a;
    connections[b].to[a] = *in;
    ha.connection_up(out, nodes[b].identity->peer_id().bytes(), Instant{t});
    hb.connection_up(*in, nodes[a].identity->peer_id().bytes(), Instant{t});
  }

  // u's connection to v, if any, is gone.
  void disconnect(std::uint32_t u, std::uint32_t v, std::int64_t t) {
    Connections& c = connections[u];
    auto it = c.to.find(v);
    if (it == c.to.end()) return;
    const host::ConnectionId id = it->second;
    c.to.erase(it);
    c.peer_of.erase(id);
    if (nodes[u].host) nodes[u].host->connection_closed(id, v, "link down", Instant{t});
  }

  // A dial the peer manager asked for completes at once: over the link to the node whose
  // virtual address it names, made if the topology has none.
  void dial(std::uint32_t u, const host::Dial& d, std::int64_t t) {
    host::Host& h = *nodes[u].host;
    const auto peer = d.addr.peer_id();
    auto it = peer ? node_of_peer.find(to_bytes(peer->bytes())) : node_of_peer.end();
    const std::uint32_t v = it == node_of_peer.end() ? kNoLink : it->second;
    if (v == kNoLink || !nodes[v].host || group[u] != group[v])
      return h.dial_failed(d.connection, "unreachable", Instant{t});
    std::uint32_t li = link_index(u, v);
    if (li != kNoLink && (links[li].up || severed[li]))
      return h.dial_failed(d.connection, "link busy", Instant{t});
    if (li == kNoLink) li = add_link(u, v);
    const std::uint32_t back = reverse[li];
    dials[li].src_dialled = true;
    dials[back].src_dialled = false;
    dials[li].held = dials[back].held = true;
    dials[li].pending = d.connection;
    update_link(li, t);
  }

  void peer_up(std::uint32_t u, const host::PeerUp& up, std::int64_t t) {
    auto it = connections[u].peer_of.find(up.connection);
    if (it == connections[u].peer_of.end()) return;
    const std::uint32_t v = it->second;
    nodes[u].host->pubsub_opened(v, nodes[v].identity->peer_id().bytes(),
                                 dialler(link_index(u, v)) == u, protocol(), {}, Instant{t});
  }

  void update_all_links(std::int64_t t) {
    for (std::uint32_t li = 0; li < links.size(); ++li)
      if (link_src[li] < neighbour[li]) update_link(li, t);
  }

  // Charges the cost model for work done at `t`; returns when its outputs leave the node.
  std::int64_t charge(Node& node, std::int64_t t, std::uint64_t messages, std::uint64_t verifies,
                      std::uint64_t signs) {
    if (!cfg.cost) return t;
    const std::int64_t busy = static_cast<std::int64_t>(messages) * cfg.cost->per_message_ns +
                              static_cast<std::int64_t>(verifies) * cfg.cost->verify_ns +
                              static_cast<std::int64_t>(signs) * cfg.cost->sign_ns;
    node.stats.cpu_busy_ns += busy;
    node.cpu_free_at = t + busy;
    return node.cpu_free_at;
  }

  bool busy(const Node& node, std::int64_t t) const { return cfg.cost && node.cpu_free_at > t; }

  // Carries out a host's queued actions, stamped `t_out`, then re-arms its timer.
  void drive(std::uint32_t u, std::int64_t t_out, std::int64_t not_before) {
    if (action_buffers.size() <= action_depth) action_buffers.emplace_back();
    std::vector<router::Action>& actions = action_buffers[action_depth++];
    host::Host& h = *nodes[u].host;
    h.drain(actions, Instant{t_out});
    for (auto& action : actions) {
      if (auto* one = std::get_if<router::SendMessage>(&action)) {
        if (ends.empty())
          transmit_message(u, one->peer, std::move(one->message), t_out);
        else
          enqueue(u, one->peer, std::move(one->message), t_out);
      } else if (auto* send = std::get_if<router::SendRpc>(&action)) {
        if (ends.empty())
          transmit_rpc(u, send->peer, send->rpc, t_out);
        else
          enqueue(u, send->peer, std::move(send->rpc), t_out);
      } else if (auto* deliver = std::get_if<router::Deliver>(&action)) {
        record_delivery(u, *deliver, t_out);
      } else {
        ++nodes[u].stats.px_ignored;
      }
    }
    actions.clear();
    --action_depth;
    while (auto e = h.poll()) handle(u, *e, t_out);
    schedule_tick(u, std::max(not_before, now));
  }

  void handle(std::uint32_t u, host::HostEvent& event, std::int64_t t) {
    if (auto* close = std::get_if<host::Close>(&event)) {
      std::uint32_t v = close->peer ? *close->peer : kNoLink;
      if (v == kNoLink && close->connection && !connections.empty())
        if (auto it = connections[u].peer_of.find(*close->connection);
            it != connections[u].peer_of.end())
          v = it->second;
      const std::uint32_t li = v == kNoLink ? kNoLink : link_index(u, v);
      if (li == kNoLink) return;
      if (close->drop == host::Drop::kGraylisted) ++nodes[u].stats.disconnects;
      // A link a dial made is let go; a topology link stays down (as a graylisted peer's).
      if (!dials.empty() && dials[li].dynamic)
        dials[li].held = dials[reverse[li]].held = false;
      else
        severed[li] = severed[reverse[li]] = 1;
      update_link(li, t);
    } else if (auto* d = std::get_if<host::Dial>(&event)) {
      dial(u, *d, t);
    } else if (auto* p = std::get_if<host::Ping>(&event)) {
      nodes[u].host->ping_result(p->connection, Duration{0}, Instant{t});
    } else if (auto* up = std::get_if<host::PeerUp>(&event)) {
      peer_up(u, *up, t);
    } else if (auto* q = std::get_if<host::CancelQueued>(&event); q && !ends.empty()) {
      const std::uint32_t l = link_index(u, q->peer);
      if (l != kNoLink && ends[l])
        nodes[u].stats.idontwant_cancelled += ends[l]->outbox.cancel(q->message);
    }
  }

  void schedule_tick(std::uint32_t u, std::int64_t not_before) {
    Node& node = nodes[u];
    if (!node.host) return;
    const auto deadline = node.host->next_deadline();
    if (!deadline) return;
    const std::int64_t when = std::max<std::int64_t>(deadline->count(), not_before);
    if (when >= node.tick_at) return;
    node.tick_at = when;
    queue.push(when, EventKind::kTick, u, node.incarnation);
  }

  static constexpr std::size_t kTraceBatch = 1 << 15;

  void trace_record(std::uint8_t kind, std::int64_t t, std::uint32_t a, std::uint64_t b,
                    std::uint64_t size, ByteView id) {
    const std::size_t at = trace_pending.size();
    trace_pending.resize(at + 29 + id.size());
    std::uint8_t* buf = trace_pending.data() + at;
    buf[0] = kind;
    std::memcpy(buf + 1, &t, 8);
    std::memcpy(buf + 9, &a, 4);
    std::memcpy(buf + 13, &b, 8);
    std::memcpy(buf + 21, &size, 8);
    if (!id.empty()) std::memcpy(buf + 29, id.data(), id.size());
    if (trace_pending.size() >= kTraceBatch) {
      XXH3_128bits_update(&trace, trace_pending.data(), trace_pending.size());
      trace_pending.clear();
    }
  }

  // The link from u to peer if it is up; otherwise counts the drop and returns kNoLink.
  std::uint32_t up_link(std::uint32_t u, std::uint32_t peer) {
    const std::uint32_t li = link_index(u, peer);
    if (li != kNoLink && links[li].up) return li;
    ++nodes[u].stats.dropped_link_down;
    return kNoLink;
  }

  // Puts an RPC of `body` encoded bytes from u on link li at t, counting and tracing it.
  // Returns the in-flight slot the caller fills with the RPC's content, or kNoSlot when the
  // RPC does not arrive (queue full, lost, or not decodable by the receiver).
  std::uint32_t send_on_link(std::uint32_t u, std::uint32_t peer, std::uint32_t li,
                             std::size_t body, bool decoded, std::int64_t t) {
    Node& node = nodes[u];
    const std::uint64_t size = body + wire::varint_size(body);
    LinkState& link = links[li];
    const Transmission tx = transmit(link, params[link.params], cfg.seed, li, t, size);
    if (tx.drop == LinkDrop::kQueueFull) {
      ++node.stats.dropped_queue_full;
      return kNoSlot;
    }
    ++node.stats.rpcs_out;
    node.stats.bytes_out += size;
    trace_record(1, t, u, peer, size, {});
    if (tx.drop == LinkDrop::kLoss) {
      ++node.stats.dropped_loss;
      return kNoSlot;
    }
    if (!decoded) {
      ++nodes[peer].stats.dropped_wire_decode;
      return kNoSlot;
    }
    return launch(li, u, peer, size, tx.arrival);
  }

  // An in-flight slot for what u sends on link li, arriving at `to` at `arrival`; the caller
  // fills in its content.
  std::uint32_t launch(std::uint32_t li, std::uint32_t u, std::uint32_t to, std::uint64_t size,
                       std::int64_t arrival) {
    const std::uint32_t slot = allocate_slot();
    InFlight& f = inflight[slot];
    f.link = li;
    f.generation = links[li].generation;
    f.from = u;
    f.size = static_cast<std::uint32_t>(size);
    queue.push(arrival, EventKind::kRpcArrive, to, slot);
    return slot;
  }

  // An RPC past what the receiver decodes (or past the runtime's merged-RPC size) leaves in
  // the parts the runtime's outbox would send it in.
  void transmit_rpc(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::int64_t t) {
    const std::size_t size = wire::encoded_rpc_size(rpc);
    if (shaper.fits_whole(rpc, size)) return transmit_whole(u, peer, rpc, size, t);
    (void)shaper.push(std::move(rpc));
    Rpc part;
    while (shaper.pop(part)) transmit_whole(u, peer, part, wire::encoded_rpc_size(part), t);
  }

  void transmit_whole(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::size_t size,
                      std::int64_t t) {
    const std::uint32_t li = up_link(u, peer);
    if (li == kNoLink) return;
    std::size_t body = size;
    bool decoded = true;
    if (cfg.wire_fidelity) {
      wire_scratch.clear();
      wire::encode_rpc(rpc, wire_scratch);
      body = wire_scratch.size();
      auto back = wire::decode_rpc(wire_scratch);
      if (back) rpc = std::move(*back);
      decoded = back.ok();
    }
    const std::uint32_t slot = send_on_link(u, peer, li, body, decoded, t);
    if (slot == kNoSlot) return;
    InFlight& f = inflight[slot];
    f.id_hint = nullptr;
    if (rpc.publish.size() == 1 && rpc.subscriptions.empty() && !rpc.control &&
        rpc.publish_hops.empty()) {
      f.message = std::move(rpc.publish.front());
    } else {
      f.rpc = std::make_unique<Rpc>(std::move(rpc));
    }
  }

  void transmit_message(std::uint32_t u, std::uint32_t peer, MessagePtr m, std::int64_t t) {
    if (cfg.wire_fidelity) {  // through the codec like any RPC
      Rpc rpc;
      rpc.publish.push_back(std::move(m));
      transmit_rpc(u, peer, rpc, t);
      return;
    }
    const std::uint32_t li = up_link(u, peer);
    if (li == kNoLink) return;
    const MessageMemo::Entry* known = memo.find(m.get());
    const std::size_t body = known ? known->rpc_size : wire::encoded_rpc_size(*m);
    const std::uint32_t slot = send_on_link(u, peer, li, body, true, t);
    if (slot == kNoSlot) return;
    InFlight& f = inflight[slot];
    f.id_hint = known ? &known->id : nullptr;
    f.message = std::move(m);
  }

  std::uint32_t allocate_slot() {
    if (free_slots.empty()) {
      inflight.emplace_back();
      return static_cast<std::uint32_t>(inflight.size() - 1);
    }
    const std::uint32_t slot = free_slots.back();
    free_slots.pop_back();
    return slot;
  }

  std::uint32_t message_slot(const MessageId& id, const std::string& topic) {
    auto [it, inserted] =
        message_index.try_emplace(id, static_cast<std::uint32_t>(messages.size()));
    if (inserted) {
      messages.push_back(MessageInfo{id, topic, -1, -1});
      hops.emplace_back();
    }
    return it->second;
  }

  void record_delivery(std::uint32_t u, const router::Deliver& d, std::int64_t t) {
    const std::uint32_t mi = message_slot(d.id, d.message->topic);
    if (d.from == router::kLocalPeer && messages[mi].publisher < 0) {  // an adversary's spam
      messages[mi].publisher = u;
      messages[mi].published_at = t;
    }
    auto& h = hops[mi];
    if (h.empty()) h.assign(n, kNoHops);
    std::int32_t count = -1;
    if (d.from == router::kLocalPeer) {
      count = 0;
    } else if (d.from < n && h[d.from] != kNoHops) {
      count = h[d.from] + 1;
    }
    if (h[u] == kNoHops && count >= 0) h[u] = static_cast<std::uint16_t>(std::min(count, 0xfffe));
    log.message.push_back(mi);
    log.node.push_back(u);
    log.time.push_back(t);
    log.hops.push_back(count);
    log.from.push_back(d.from == router::kLocalPeer ? -1 : std::int64_t{d.from});
    trace_record(2, t, u, d.from, 0, d.id.view());
  }

  void on_arrival(const Event& e) {
    InFlight& f = inflight[e.arg];
    Node& node = nodes[e.node];
    const bool link_ok =
        f.link == kNoLink || (links[f.link].up && links[f.link].generation == f.generation);
    if (!node.host || !link_ok) {
      ++node.stats.dropped_link_down;
      f.message.reset();
      f.rpc.reset();
      f.bytes.reset();
      free_slots.push_back(e.arg);
      return;
    }
    if (busy(node, e.time)) {  // wait in the node's CPU queue
      queue.push(node.cpu_free_at, EventKind::kRpcArrive, e.node, e.arg);
      return;
    }
    ++node.stats.rpcs_in;
    node.stats.bytes_in += f.size;
    if (f.bytes) {
      const std::unique_ptr<Bytes> segment = std::move(f.bytes);
      const std::uint32_t l = reverse[f.link];
      free_slots.push_back(e.arg);
      receive_segment(e.node, l, *segment, e.time);
      return;
    }
    const std::uint32_t from = f.from;
    std::unique_ptr<Rpc> boxed = std::move(f.rpc);
    if (!boxed) {
      arrival_scratch.publish.resize(1);
      arrival_scratch.publish.front() = std::move(f.message);
    }
    free_slots.push_back(e.arg);
    const Rpc& rpc = boxed ? *boxed : arrival_scratch;
    const std::uint64_t handled = rpc.publish.size();
    verifications_in_call = 0;
    node.host->rpc_received(from, rpc, Instant{e.time});
    if (!boxed) arrival_scratch.publish.front().reset();
    const std::int64_t t_out = charge(node, e.time, handled, verifications_in_call, 0);
    drive(e.node, t_out, e.time);
  }

  void on_tick(const Event& e) {
    Node& node = nodes[e.node];
    if (!node.host || e.arg != node.incarnation || e.time != node.tick_at) return;  // stale
    if (busy(node, e.time)) {
      node.tick_at = node.cpu_free_at;
      queue.push(node.cpu_free_at, EventKind::kTick, e.node, node.incarnation);
      return;
    }
    node.tick_at = kNever;
    node.host->tick(Instant{e.time});
    drive(e.node, e.time, e.time + 1);  // a deadline not moved past now must not spin
  }

  // Runs `fn` at `t`: now if `t` is not in the future, else from the event queue.
  void at(std::int64_t t, std::function<void(std::int64_t)> fn) {
    if (t <= now) {
      fn(now);
      return;
    }
    commands.push_back(std::move(fn));
    queue.push(t, EventKind::kCommand, 0, static_cast<std::uint32_t>(commands.size() - 1));
  }

  void on_command(const Event& e) {
    auto fn = std::move(commands[e.arg]);
    commands[e.arg] = nullptr;
    fn(e.time);
  }

  void publish_at(std::uint32_t u, MessagePtr message, std::int64_t t) {
    Node& node = nodes[u];
    if (!node.host) {
      ++node.stats.publish_failed;
      return;
    }
    if (busy(node, t)) {
      at(node.cpu_free_at, [this, u, message](std::int64_t when) { publish_at(u, message, when); });
      return;
    }
    verifications_in_call = 0;
    if (!node.host->publish(message, Instant{t})) ++node.stats.publish_failed;
    const std::int64_t t_out = charge(node, t, 1, verifications_in_call, 1);
    drive(u, t_out, t);
  }

  // Not size-checked: inject() sends what a router must refuse.
  Message build_message(std::uint32_t author, const std::string& topic, Bytes data) {
    Node& node = nodes[author];
    return publisher.message(*node.identity, topic, std::move(data),
                             publisher.signs() ? ++node.seqno : 0);
  }

  // Events some places ahead touch cold memory (a random node each), through a chain of
  // pointers: their in-flight slot and node are fetched first, then the link and the stages
  // of router state those name, one stage closer to the event each time.
  static constexpr std::size_t kPrefetchNode = 12;
  static constexpr std::size_t kPrefetchRouter[router::Router::kPrefetchStages] = {8, 5, 2};

  void prefetch_ahead() {
    if (const Event* a = queue.ahead(kPrefetchNode)) {
      __builtin_prefetch(&nodes[a->node]);
      if (a->kind == EventKind::kRpcArrive) __builtin_prefetch(&inflight[a->arg]);
    }
    for (int stage = 0; stage < router::Router::kPrefetchStages; ++stage) {
      const Event* a = queue.ahead(kPrefetchRouter[stage]);
      if (!a || a->kind != EventKind::kRpcArrive) continue;
      const InFlight& f = inflight[a->arg];
      if (stage == 0 && f.link != kNoLink) __builtin_prefetch(&links[f.link]);
      if (const auto& h = nodes[a->node].host) h->router().prefetch(stage, f.from, f.id_hint);
    }
  }

  void run_until(std::int64_t until) {
    while (!queue.empty() && queue.top().time <= until) {
      const Event e = queue.pop();
      now = e.time;
      ++events;
      prefetch_ahead();
      switch (e.kind) {
        case EventKind::kRpcArrive:
          on_arrival(e);
          break;
        case EventKind::kTick:
          on_tick(e);
          break;
        case EventKind::kCommand:
          on_command(e);
          break;
      }
    }
    now = std::max(now, until);
  }

  void check_node(std::uint32_t u) const {
    if (u >= n)
      throw std::out_of_range("node " + std::to_string(u) + " not in 0.." + std::to_string(n) +
                              "-1");
  }
};

Simulation::Simulation(std::uint32_t nodes, const std::vector<Edge>& edges, SimConfig config)
    : impl_(std::make_unique<Impl>(nodes, edges, std::move(config))) {}
Simulation::~Simulation() = default;

std::uint32_t Simulation::size() const { return impl_->n; }
std::int64_t Simulation::now() const { return impl_->now; }

void Simulation::subscribe(std::uint32_t node, const std::string& topic, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, topic](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    impl_->all_topics.insert(topic);
    nd.topics.insert(topic);
    if (!nd.host) return;
    nd.host->subscribe(topic, Instant{t});
    impl_->drive(node, t, t);
  });
}

void Simulation::unsubscribe(std::uint32_t node, const std::string& topic, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, topic](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    nd.topics.erase(topic);
    if (!nd.host) return;
    nd.host->unsubscribe(topic, Instant{t});
    impl_->drive(node, t, t);
  });
}

Result<MessageId> Simulation::publish(std::uint32_t node, const std::string& topic, Bytes data,
                                      std::int64_t at) {
  impl_->check_node(node);
  if (auto ok = impl_->publisher.check_size(topic, data.size()); !ok) return ok.error();
  auto message =
      std::make_shared<const Message>(impl_->build_message(node, topic, std::move(data)));
  const MessageId id = impl_->publisher.id(*message);
  if (impl_->message_index.contains(id))
    return Error{
        "publish: message id already used (the default id hashes topic and data, so "
        "publish distinct data or use message_id='from-seqno')"};
  impl_->memo.remember(message, id);
  const std::uint32_t mi = impl_->message_slot(id, topic);
  impl_->messages[mi].published_at = std::max(at, impl_->now);
  impl_->messages[mi].publisher = node;
  impl_->at(at, [this, node, message](std::int64_t t) { impl_->publish_at(node, message, t); });
  return id;
}

Result<MessageId> Simulation::inject(std::uint32_t to, std::uint32_t via, std::uint32_t author,
                                     const std::string& topic, Bytes data, bool forge_signature,
                                     std::int64_t at) {
  impl_->check_node(to);
  impl_->check_node(via);
  impl_->check_node(author);
  if (impl_->cfg.gossip.signature_policy != router::SignaturePolicy::kStrictSign && forge_signature)
    return Error{"inject: forge_signature needs the StrictSign policy"};
  Message m = impl_->build_message(author, topic, std::move(data));
  if (forge_signature) (*m.signature)[0] ^= 1;
  auto message = std::make_shared<const Message>(std::move(m));
  const MessageId id = impl_->publisher.id(*message);
  impl_->memo.remember(message, id);
  const std::uint32_t mi = impl_->message_slot(id, topic);
  impl_->messages[mi].published_at = std::max(at, impl_->now);
  impl_->at(at, [this, to, via, message](std::int64_t t) {
    const std::uint32_t slot = impl_->allocate_slot();
    InFlight& f = impl_->inflight[slot];
    f.message = message;
    f.id_hint = nullptr;
    f.link = kNoLink;
    f.from = via;
    f.size = static_cast<std::uint32_t>(wire::encoded_rpc_size(*message));
    impl_->queue.push(t, EventKind::kRpcArrive, to, slot);
  });
  return id;
}

void Simulation::partition(const std::vector<std::vector<std::uint32_t>>& groups, std::int64_t at) {
  for (const auto& g : groups)
    for (auto u : g) impl_->check_node(u);
  impl_->at(at, [this, groups](std::int64_t t) {
    impl_->group.assign(impl_->n, static_cast<std::uint32_t>(groups.size()));
    for (std::uint32_t i = 0; i < groups.size(); ++i)
      for (auto u : groups[i]) impl_->group[u] = i;
    impl_->update_all_links(t);
  });
}

void Simulation::heal(std::int64_t at) {
  impl_->at(at, [this](std::int64_t t) {
    impl_->group.assign(impl_->n, 0);
    impl_->update_all_links(t);
  });
}

void Simulation::crash(std::uint32_t node, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    if (!nd.host) return;
    // The mesh log says the crashed node's meshes emptied, so a replay of it stays true.
    if (!impl_->recorders.empty())
      for (const std::string& topic : nd.host->router().topics())
        for (router::PeerIndex p : nd.host->router().mesh(topic))
          impl_->recorders[node].prune(p, topic, Instant{t});
    nd.host.reset();
    ++nd.incarnation;
    ++nd.stats.crashes;
    nd.tick_at = kNever;
    impl_->update_links_of(node, t);
  });
}

void Simulation::restart(std::uint32_t node, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    if (nd.host) return;
    for (std::uint32_t li = impl_->offsets[node]; li < impl_->offsets[node + 1]; ++li)
      impl_->severed[li] = impl_->severed[impl_->reverse[li]] = 0;  // a fresh start
    impl_->start_host(node);
    impl_->update_links_of(node, t);
    impl_->drive(node, t, t);
  });
}

void Simulation::set_role(std::uint32_t node, const host::Role& role, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, role](std::int64_t t) {
    if (role.honest())
      impl_->roles.erase(node);
    else
      impl_->roles[node] = role;
    Node& nd = impl_->nodes[node];
    if (!nd.host) return;
    nd.host->set_role(role, Instant{t});
    impl_->drive(node, t, t);
  });
}

Status Simulation::set_link(std::uint32_t u, std::uint32_t v, const LinkParams& params,
                            std::int64_t at) {
  impl_->check_node(u);
  impl_->check_node(v);
  const std::uint32_t li = impl_->link_index(u, v);
  if (li == kNoLink)
    return Error{"set_link: nodes " + std::to_string(u) + " and " + std::to_string(v) +
                 " are not neighbours"};
  if (impl_->params.size() >= 0xffff) return Error{"set_link: at most 65535 link settings"};
  impl_->at(at, [this, li, params](std::int64_t) {
    const auto index = static_cast<std::uint16_t>(impl_->params.size());
    impl_->params.push_back(params);
    impl_->links[li].params = impl_->links[impl_->reverse[li]].params = index;
  });
  return Ok{};
}

void Simulation::run_until(std::int64_t until) { impl_->run_until(until); }

std::uint64_t Simulation::events_processed() const { return impl_->events; }
std::size_t Simulation::pending_events() const { return impl_->queue.size(); }
const DeliveryLog& Simulation::deliveries() const { return impl_->log; }
const MeshLog& Simulation::mesh_changes() const { return impl_->mesh_log; }
const std::vector<MessageInfo>& Simulation::messages() const { return impl_->messages; }

const NodeStats& Simulation::stats(std::uint32_t node) const {
  impl_->check_node(node);
  return impl_->nodes[node].stats;
}

const net::PeerManagerCounters* Simulation::peer_manager(std::uint32_t node) const {
  impl_->check_node(node);
  const auto& h = impl_->nodes[node].host;
  const net::PeerManager* pm = h ? h->peer_manager() : nullptr;
  return pm ? &pm->counters() : nullptr;
}

const router::Counters& Simulation::counters(std::uint32_t node) const {
  static const router::Counters zero{};
  impl_->check_node(node);
  const auto& h = impl_->nodes[node].host;
  return h ? h->router().counters() : zero;
}

std::vector<std::uint32_t> Simulation::mesh(std::uint32_t node, const std::string& topic) const {
  impl_->check_node(node);
  const auto& h = impl_->nodes[node].host;
  if (!h) return {};
  auto peers = h->router().mesh(topic);
  return {peers.begin(), peers.end()};
}

std::optional<router::ScoreBreakdown> Simulation::score_breakdown(std::uint32_t node,
                                                                  std::uint32_t peer) const {
  impl_->check_node(node);
  impl_->check_node(peer);
  const auto& h = impl_->nodes[node].host;
  return h ? h->router().score_breakdown(peer, Instant{impl_->now}) : std::nullopt;
}

std::vector<std::string> Simulation::topics() const {
  return {impl_->all_topics.begin(), impl_->all_topics.end()};
}

bool Simulation::alive(std::uint32_t node) const {
  impl_->check_node(node);
  return impl_->nodes[node].host.has_value();
}

Bytes Simulation::peer_id(std::uint32_t node) const {
  impl_->check_node(node);
  return to_bytes(impl_->nodes[node].identity->peer_id().bytes());
}

std::array<std::uint8_t, 16> Simulation::trace_digest() const {
  XXH3_state_t state;
  XXH3_copyState(&state, &impl_->trace);
  XXH3_128bits_update(&state, impl_->trace_pending.data(), impl_->trace_pending.size());
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), c.digest, 16);
  return out;
}

std::uint64_t Simulation::verify_cache_hits() const { return impl_->verify_cache.hits(); }
std::uint64_t Simulation::verifications() const { return impl_->verifications; }

}  // namespace p2pgossip::sim
