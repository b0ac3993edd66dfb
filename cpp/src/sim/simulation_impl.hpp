// The simulator's state and the member functions of its parts, each part in a file of its
// own: network.cpp (nodes, hosts and links, up or down), event_loop.cpp (events, the hosts'
// actions, packets on links, deliveries), peer_exchange.cpp (links as the peer managers'
// connections), full_stack.cpp (links as byte streams between connection machines),
// parallel.cpp (windows of virtual time, a thread per shard of nodes) and simulation.cpp /
// results.cpp (the public class: commands in, results out).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/connection.hpp"
#include "p2pgossip/host/host.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/sim/event_queue.hpp"
#include "p2pgossip/sim/simulation.hpp"
#include "sim/in_flight.hpp"
#include "sim/mesh_recorder.hpp"
#include "sim/message_memo.hpp"
#include "sim/shard.hpp"
#include "sim/trace_hash.hpp"

namespace p2pgossip::sim {

constexpr std::uint16_t kNoHops = 0xffff;
// Random streams: links use their index; these sit far above any link index.
constexpr std::uint64_t kIdentityStream = 1ULL << 40;
constexpr std::uint64_t kRouterStream = 2ULL << 40;
constexpr std::uint64_t kDialStream = 3ULL << 40;

struct BytesHash {
  std::size_t operator()(const Bytes& b) const {
    return static_cast<std::size_t>(XXH3_64bits(b.data(), b.size()));
  }
};

struct MessageIdHash {
  std::size_t operator()(const MessageId& id) const {
    return static_cast<std::size_t>(XXH3_64bits(id.view().data(), id.size()));
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
  std::uint64_t pushes = 0;  // events it pushed: their keys (event_key)
  std::uint64_t trace = 0;   // its sends and deliveries, folded (trace_fold)
};

struct Simulation::Impl {
  SimConfig cfg;
  host::Publisher publisher;
  std::shared_ptr<const host::HostConfig> host_config;  // one copy for every host
  std::uint32_t n = 0;
  // Adjacency in CSR form; directed link i goes from link_src[i] to neighbour[i].
  std::vector<std::uint32_t> offsets, neighbour, link_src, reverse;
  std::vector<LinkState> links;
  std::vector<std::uint8_t> severed;        // a router disconnected the pair: stays down
  std::vector<std::uint8_t> given_dialler;  // per graph link: 1 its source dialled, 2 not, 0 coin
  std::vector<LinkParams> params;           // [0] is the default
  std::vector<std::uint32_t> group;         // partition group per node
  // Peer exchange (SimConfig::peer_exchange); all empty without it.
  std::vector<LinkDial> dials;                                              // per directed link
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> extra;  // (neighbour, link)
  std::vector<Connections> connections;                                     // per node
  std::vector<Bytes> records;  // per node, sealed when first suggested
  std::unordered_map<Bytes, std::uint32_t, BytesHash> node_of_peer;
  // Full stack (SimConfig::full_stack); empty without it.
  // Declared before the ends, whose outboxes hand their bytes back to them when destroyed.
  std::vector<std::unique_ptr<host::OutboundBudget>> budgets;  // per node
  host::OutboxLimits stack_limits;                             // the runtime's defaults
  std::vector<std::unique_ptr<LinkEnd>> ends;                  // per directed link, at its source
  std::vector<std::optional<net::noise::LocalIdentity>> noise_identities;  // per node, lazily
  Bytes frame;
  // Request/response over the ends (requests.cpp): a request's machine token is its id + 1.
  std::vector<std::vector<std::string>> served;  // per node once one serves: what it answers
  RequestHandler request_handler;
  RequestEnded request_ended;
  std::vector<RequestRecord> request_log;
  std::map<host::RequestToken, std::uint32_t> open_requests;  // -> the link it went out on

  std::vector<Node> nodes;
  std::map<std::uint32_t, host::Role> roles;  // adversaries' roles, reapplied at restart
  std::vector<std::string> ips;               // per node, for P6 (set_ip); empty until one is set
  std::int64_t now = 0;
  // While a request's handler or end hook runs: its virtual time (the user's now()).
  std::optional<std::int64_t> callback_at;
  std::multimap<std::int64_t, std::function<void(std::int64_t)>> commands;  // FIFO at one time

  // Shards of nodes (parallel.cpp): the one each node is in; its own thread in a window.
  std::vector<std::unique_ptr<Shard>> shards;
  std::vector<std::uint32_t> part;     // per node
  std::int64_t lookahead = 0;          // no link delivers sooner (ns)
  std::int64_t until = 0;              // of the run under way
  std::int64_t window_end = 0;         // events before it are in the window under way
  bool parallel = false;               // in a window on several threads
  std::uint32_t mail_side = 0;         // the outboxes' side the window posts on
  std::vector<Close> closes;           // gathered from the shards, applied at their window's end
  std::uint64_t released_at_trim = 0;  // the queues' released_bytes() at the last heap trim
  std::vector<MessageMemo::Entry> remembered;  // the messages built here, by replica number
  MailBox serial_mail;                         // a packet between shards, between windows

  std::vector<MessageInfo> messages;
  std::unordered_map<MessageId, std::uint32_t, MessageIdHash> message_index;
  std::vector<std::vector<std::uint16_t>> hops;  // per message, per node: hops of its copy
  std::set<std::string> all_topics;
  std::vector<MeshRecorder> recorders;  // one per node under record_mesh
  mutable DeliveryLog merged_log;       // the shards' logs in canonical order, when read
  mutable MeshLog merged_mesh_log;

  Shard& shard_of(std::uint32_t u) { return *shards[part[u]]; }

  // ---- network.cpp: nodes, hosts and links ---------------------------------------------
  Impl(std::uint32_t nodes_count, const std::vector<Edge>& edges, SimConfig config);
  void build_links(const std::vector<Edge>& edges);
  std::shared_ptr<const host::HostConfig> make_host_config() const;
  router::Services make_services(Shard& s);
  void start_host(std::uint32_t v);
  router::Protocol protocol() const;
  std::string ip_of(std::uint32_t v) const { return ips.empty() ? std::string{} : ips[v]; }
  // Both nodes up, in one group, not severed, and neither bans the other (peer or address).
  bool should_be_up(std::uint32_t li, std::int64_t t);
  bool refuses(std::uint32_t u, std::uint32_t v, std::int64_t t);
  // Whether link li's source dialled it: as SimConfig::dialled says, else a seeded coin per
  // pair, so a node's outbound links (which GossipSub's D_out counts) do not depend on its
  // number.
  bool dialled(std::uint32_t li) const {
    if (li < given_dialler.size() && given_dialler[li]) return given_dialler[li] == 1;
    const std::uint32_t u = link_src[li], v = neighbour[li];
    const std::uint64_t pair = std::uint64_t{std::min(u, v)} << 32 | std::max(u, v);
    return ((draw(cfg.seed, kDialStream, pair) & 1) != 0) == (u < v);
  }
  void update_link(std::uint32_t li, std::int64_t t);
  void update_links_of(std::uint32_t u, std::int64_t t);
  void update_all_links(std::int64_t t);

  // The directed link from u to v, or kNoLink. On every send: here, to be inlined.
  std::uint32_t link_index(std::uint32_t u, std::uint32_t v) const {
    const auto first = neighbour.begin() + offsets[u], last = neighbour.begin() + offsets[u + 1];
    const auto it = std::lower_bound(first, last, v);
    if (it != last && *it == v) return static_cast<std::uint32_t>(it - neighbour.begin());
    if (!extra.empty())
      for (auto [w, li] : extra[u])
        if (w == v) return li;
    return kNoLink;
  }

  // ---- parallel.cpp: windows of virtual time, a thread per shard ------------------------
  void make_shards(std::uint32_t threads, Partitioning partitioning);
  void run_until(std::int64_t to);
  void give_back_memory();
  bool next_window();
  void run_window(std::uint32_t p);
  void take_mail(std::uint32_t p);
  void take_letter(Shard& d, Mail& m, MailBox& box);
  void release(std::uint32_t to, std::uint32_t from, std::unique_ptr<Rpc> rpc);
  void between_windows(std::int64_t t);
  void gather();
  void apply_closes(std::int64_t t);
  void resolve_deliveries();
  void remember(const MessagePtr& message, const MessageId& id, std::uint32_t u);
  std::int64_t grid_end(std::int64_t t) const {
    const std::int64_t g = std::max<std::int64_t>(lookahead, 1);
    return (t / g + 1) * g;
  }

  // ---- event_loop.cpp: events, actions, packets, deliveries ------------------------------
  // Up to window_end, which a command given during the window (a request's callback) may
  // bring closer.
  void run_events(Shard& s);
  void prefetch_ahead(Shard& s);
  void on_arrival(Shard& s, const Event& e);
  void on_message_arrival(Shard& s, const Event& e);
  void receive_message(Shard& s, std::uint32_t u, std::uint32_t from, std::uint32_t carried,
                       std::int64_t t, InFlight::Kind kind = InFlight::Kind::kMessage);
  void on_tick(const Event& e);
  void at(std::int64_t t, std::function<void(std::int64_t)> fn);
  void push(std::uint32_t src, std::int64_t t, EventKind kind, std::uint32_t to, std::uint32_t arg);
  void publish_at(std::uint32_t u, MessagePtr message, std::int64_t t);
  Message build_message(std::uint32_t author, const std::string& topic, Bytes data);
  void drive(std::uint32_t u, std::int64_t t_out, std::int64_t not_before);
  void handle(std::uint32_t u, host::HostEvent& event, std::int64_t t);
  void schedule_tick(std::uint32_t u, std::int64_t not_before);
  std::int64_t charge(Node& node, std::int64_t t, std::uint64_t messages, std::uint64_t verifies,
                      std::uint64_t signs);
  bool busy(const Node& node, std::int64_t t) const { return cfg.cost && node.cpu_free_at > t; }
  std::uint32_t up_link(std::uint32_t u, std::uint32_t peer);
  static constexpr std::int64_t kRefused = -2;  // send_on_link: the link's queue is full
  std::int64_t send_on_link(std::uint32_t u, std::uint32_t peer, std::uint32_t li, std::size_t body,
                            bool decoded, std::int64_t t);
  void launch(std::uint32_t li, std::uint32_t u, std::uint32_t to, std::uint64_t size,
              std::int64_t arrival, MessagePtr message, std::unique_ptr<Rpc> rpc,
              MessageMemo::Entry* known, InFlight::Kind kind = InFlight::Kind::kMessage);
  static bool idontwant_of(Shard& s, const Rpc& rpc, const Message& m);
  void post(std::uint32_t src, std::uint32_t to, std::int64_t arrival, InFlight f,
            MessagePtr message, std::unique_ptr<Rpc> rpc, MessageMemo::Entry* known);
  void accept(Shard& d, const Event& e, InFlight f, MessagePtr message, std::unique_ptr<Rpc> rpc,
              MessageMemo::Entry* known);
  void transmit_rpc(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::int64_t t);
  // `named`: the message an IDONTWANT in `rpc` may be of (it was split from its RPC).
  void transmit_whole(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::size_t size,
                      std::int64_t t, const MessagePtr* named = nullptr);
  void transmit_message(std::uint32_t u, std::uint32_t peer, MessagePtr m, std::int64_t t);
  void discard(Shard& s, std::uint32_t to, const InFlight& f);  // what a lost packet carries
  std::uint32_t message_slot(const MessageId& id, const std::string& topic);
  void record_delivery(std::uint32_t u, const router::Deliver& d, std::int64_t t);
  std::int32_t count_hops(std::uint32_t mi, std::uint32_t u, std::int64_t from);

  // ---- peer_exchange.cpp: links as the peer managers' connections -------------------------
  std::uint32_t add_link(std::uint32_t u, std::uint32_t v);
  std::optional<Bytes> peer_record(ByteView peer_id);
  std::uint32_t dialler(std::uint32_t li) const;
  void connect(std::uint32_t li, std::int64_t t);
  void disconnect(std::uint32_t u, std::uint32_t v, std::int64_t t);
  void dial(std::uint32_t u, const host::Dial& d, std::int64_t t);
  void peer_up(std::uint32_t u, const host::PeerUp& up, std::int64_t t);

  // ---- full_stack.cpp: links as byte streams between connection machines ------------------
  void open_ends(std::uint32_t li, std::int64_t t);
  void flush(std::uint32_t l, std::int64_t t);
  void send_segment(std::uint32_t l, Bytes segment, std::int64_t t);
  void receive_segment(std::uint32_t v, std::uint32_t l, const Bytes& segment, std::int64_t t);
  // What v's end `l` has to say (after bytes arrived or a timeout): events to v's host, answers
  // back onto the wire.
  void take_events(std::uint32_t v, std::uint32_t l, std::int64_t t);
  // The earliest deadline of u's ends (kNever: none), and those past it handled at t.
  std::int64_t ends_deadline(std::uint32_t u) const;
  void ends_timeouts(std::uint32_t u, std::int64_t t);

  // ---- requests.cpp: request/response exchanges over the ends --------------------------
  void start_request(RequestId id, Bytes data, Duration timeout, std::size_t max_response,
                     std::int64_t t);
  void answer(std::uint32_t v, std::uint32_t l, host::RequestReceived& r, std::int64_t t);
  void end_request(host::RequestToken token, std::optional<Bytes> response,
                   std::optional<host::RequestError> error, std::int64_t t);
  // The ends of link li and its reverse are going: their requests fail connection_closed.
  void fail_requests_on(std::uint32_t li, std::int64_t t);
  // Forwards from u that `peer`'s queue refused: u's router offers them again by IHAVE.
  void refused(std::uint32_t u, std::uint32_t peer, std::span<const MessagePtr> lost) {
    if (nodes[u].host)
      for (const MessagePtr& m : lost) nodes[u].host->router().forward_refused(peer, *m);
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
    nodes[u].stats.idontwant_shed += r.idontwant_shed;
    refused(u, peer, r.lost);
    flush(l, t);
  }

  void check_node(std::uint32_t u) const {
    if (u >= n)
      throw std::out_of_range("node " + std::to_string(u) + " not in 0.." + std::to_string(n) +
                              "-1");
  }
};

}  // namespace p2pgossip::sim
