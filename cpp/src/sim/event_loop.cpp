// The simulator's core: the event loop, the hosts' actions carried out, RPCs put on links
// and taken off them, deliveries logged and traced. Everything an RPC does on its way is in
// this one file, so the compiler sees (and inlines) the whole hot path. Helpers used only here
// are defined `inline`, as they were inside the class: out of line, GCC inlined less of them
// (0.9% more instructions).
#include <algorithm>
#include <stdexcept>

#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {
namespace {

// Events some places ahead touch cold memory (a random node each), through a chain of
// pointers: their in-flight slot and node are fetched first, then the link and the stages
// of router state those name, one stage closer to the event each time.
constexpr std::size_t kPrefetchNode = 12;
constexpr std::size_t kPrefetchRouter[router::Router::kPrefetchStages] = {10, 7, 4};

}  // namespace

// The shard's events before the window's end, in (time, node, key) order.
void Simulation::Impl::run_events(Shard& s) {
  while (!s.queue.empty() && s.queue.top().time < window_end) {
    const Event e = s.queue.pop();
    s.now = e.time;
    ++s.events;
    prefetch_ahead(s);
    switch (e.kind()) {
      case EventKind::kMessageArrive:
        on_message_arrival(s, e);
        break;
      case EventKind::kRpcArrive:
        on_arrival(s, e);
        break;
      case EventKind::kTick:
        on_tick(e);
        break;
      case EventKind::kPublish:
        publish_at(e.node, s.publishes.take(e.arg), e.time);
        break;
    }
  }
}

inline void Simulation::Impl::prefetch_ahead(Shard& s) {
  if (const Event* a = s.queue.ahead(kPrefetchNode)) {
    __builtin_prefetch(&nodes[a->node]);
    if (a->kind() == EventKind::kRpcArrive) __builtin_prefetch(&s.inflight[a->arg]);
    if (a->kind() == EventKind::kMessageArrive) __builtin_prefetch(&offsets[a->pusher()]);
  }
  for (int stage = 0; stage < router::Router::kPrefetchStages; ++stage) {
    const Event* a = s.queue.ahead(kPrefetchRouter[stage]);
    if (!a) continue;
    std::uint32_t from;
    std::uint32_t carried = CarriedMessages::kNone;  // what it carries, if a lone message
    if (a->kind() == EventKind::kMessageArrive) {
      // Its link is found in the sender's adjacency, then read: one stage each.
      from = a->pusher();
      carried = a->arg;
      if (stage == 0) __builtin_prefetch(&neighbour[offsets[from]]);
      if (stage == 1) __builtin_prefetch(&links[link_index(from, a->node)]);
    } else if (a->kind() == EventKind::kRpcArrive) {
      const InFlight& f = s.inflight[a->arg];
      if (stage == 0 && f.link != kNoLink) __builtin_prefetch(&links[f.link]);
      from = f.from;
      if (f.carries_message()) carried = f.content;
    } else {
      continue;
    }
    // Router::prefetch's stages 1 and 2 read the id (its slot, then its record).
    const MessageId* id =
        stage >= 1 && carried != CarriedMessages::kNone ? s.carried.id_hint(carried) : nullptr;
    if (const auto& h = nodes[a->node].host) h->router().prefetch(stage, from, id);
  }
}

// A lone message from the event's pusher: the event is the whole packet.
void Simulation::Impl::on_message_arrival(Shard& s, const Event& e) {
  const std::uint32_t from = e.pusher();
  const std::uint32_t l = link_index(from, e.node);
  Node& node = nodes[e.node];
  if (!node.host || l == kNoLink || !links[l].carries(e.time)) {
    ++node.stats.dropped_link_down;
    s.carried.drop(e.arg);
    return;
  }
  if (busy(node, e.time)) {  // wait in the node's CPU queue, as a packet of its own
    InFlight f;
    f.arrival = e.time;
    f.content = e.arg;
    f.link = l;
    f.from = from;
    f.size = s.carried.size(e.arg);
    f.kind = static_cast<std::uint32_t>(InFlight::Kind::kMessage);
    push(e.node, node.cpu_free_at, EventKind::kRpcArrive, e.node, s.inflight.put(f));
    return;
  }
  ++node.stats.rpcs_in;
  node.stats.bytes_in += s.carried.size(e.arg);
  receive_message(s, e.node, from, e.arg, e.time);
}

void Simulation::Impl::on_arrival(Shard& s, const Event& e) {
  const InFlight f = s.inflight[e.arg];
  Node& node = nodes[e.node];
  if (!node.host || (f.link != kNoLink && !links[f.link].carries(f.arrival))) {
    ++node.stats.dropped_link_down;
    discard(s, e.node, s.inflight.take(e.arg));
    return;
  }
  if (busy(node, e.time)) {  // wait in the node's CPU queue
    push(e.node, node.cpu_free_at, EventKind::kRpcArrive, e.node, e.arg);
    return;
  }
  (void)s.inflight.take(e.arg);
  ++node.stats.rpcs_in;
  node.stats.bytes_in += f.size;
  switch (f.what()) {
    case InFlight::Kind::kBytes: {
      const Bytes segment = s.segments.take(f.content);
      receive_segment(e.node, reverse[f.link], segment, e.time);
      return;
    }
    case InFlight::Kind::kMessage:
    case InFlight::Kind::kMessageAndIDontWant:
    case InFlight::Kind::kIDontWant:
      return receive_message(s, e.node, f.from, f.content, e.time, f.what());
    case InFlight::Kind::kRpc:
      break;
  }
  s.verifications_in_call = 0;
  std::unique_ptr<Rpc> rpc = s.boxed_rpcs.take(f.content);
  node.host->rpc_received(f.from, *rpc, Instant{e.time});
  const std::int64_t t_out = charge(node, e.time, rpc->publish.size(), s.verifications_in_call, 0);
  release(e.node, f.from, std::move(rpc));
  drive(e.node, t_out, e.time);
}

// Hands node u the RPC from `from` that carried the message its shard holds at index
// `carried`: the message, the message and an IDONTWANT of its id, or that IDONTWANT (`kind`).
void Simulation::Impl::receive_message(Shard& s, std::uint32_t u, std::uint32_t from,
                                       std::uint32_t carried, std::int64_t t, InFlight::Kind kind) {
  Node& node = nodes[u];
  s.verifications_in_call = 0;
  Rpc& rpc = kind == InFlight::Kind::kMessage ? s.arrival_scratch : s.idontwant_scratch;
  MessagePtr m = s.carried.take(carried);
  if (kind != InFlight::Kind::kMessage) {
    MessageIds& ids = rpc.control->idontwant.front().message_ids;
    ids.clear();
    ids.push_back(s.services->message_id(*m).view());
  }
  rpc.publish.clear();
  if (kind != InFlight::Kind::kIDontWant) rpc.publish.push_back(std::move(m));
  node.host->rpc_received(from, rpc, Instant{t});
  const std::size_t messages = rpc.publish.size();
  rpc.publish.clear();
  const std::int64_t t_out = charge(node, t, messages, s.verifications_in_call, 0);
  drive(u, t_out, t);
}

void Simulation::Impl::discard(Shard& s, std::uint32_t to, const InFlight& f) {
  switch (f.what()) {
    case InFlight::Kind::kMessage:
    case InFlight::Kind::kMessageAndIDontWant:
    case InFlight::Kind::kIDontWant:
      s.carried.drop(f.content);
      break;
    case InFlight::Kind::kRpc:
      release(to, f.from, s.boxed_rpcs.take(f.content));
      break;
    case InFlight::Kind::kBytes:
      (void)s.segments.take(f.content);
      break;
  }
}

void Simulation::Impl::on_tick(const Event& e) {
  Node& node = nodes[e.node];
  if (!node.host || e.arg != node.incarnation || e.time != node.tick_at) return;  // stale
  if (busy(node, e.time)) {
    node.tick_at = node.cpu_free_at;
    push(e.node, node.cpu_free_at, EventKind::kTick, e.node, node.incarnation);
    return;
  }
  node.tick_at = kNever;
  // Full stack: which peers do not read what we send, as the runtime samples its sockets'
  // queues at its host's deadlines (stalled peers are pruned, then disconnected); then the
  // connection machines' own deadlines.
  if (!ends.empty()) {
    for (std::uint32_t l = offsets[e.node]; l < offsets[e.node + 1]; ++l)
      if (ends[l] && ends[l]->in_router)
        node.host->outbound_backlog(neighbour[l], ends[l]->outbox.backlogged(), Instant{e.time});
    ends_timeouts(e.node, e.time);
  }
  node.host->tick(Instant{e.time});
  drive(e.node, e.time, e.time + 1);  // a deadline not moved past now must not spin
}

// Runs `fn` at `t`: now if `t` is not in the future, else between windows (parallel.cpp).
// From a callback in the middle of an event, always between windows, at the callback's
// time or later: the event's caller still holds the state `fn` may change.
void Simulation::Impl::at(std::int64_t t, std::function<void(std::int64_t)> fn) {
  if (callback_at) {
    t = std::max(t, *callback_at);
    commands.emplace(t, std::move(fn));
    window_end = std::min(window_end, t);
    return;
  }
  if (t <= now) {
    fn(now);
    return;
  }
  commands.emplace(t, std::move(fn));
}

// An event for node `to`, keyed by the node that pushes it, in `to`'s shard: the caller
// runs `to`'s shard, or runs between windows.
void Simulation::Impl::push(std::uint32_t src, std::int64_t t, EventKind kind, std::uint32_t to,
                            std::uint32_t arg) {
  shard_of(to).queue.push(t, kind, to, arg, event_key(src, nodes[src].pushes++));
}

void Simulation::Impl::publish_at(std::uint32_t u, MessagePtr message, std::int64_t t) {
  Node& node = nodes[u];
  if (!node.host) {
    ++node.stats.publish_failed;
    return;
  }
  if (busy(node, t)) {
    push(u, node.cpu_free_at, EventKind::kPublish, u, shard_of(u).publishes.put(message));
    return;
  }
  Shard& s = shard_of(u);
  s.verifications_in_call = 0;
  if (!node.host->publish(message, Instant{t})) ++node.stats.publish_failed;
  const std::int64_t t_out = charge(node, t, 1, s.verifications_in_call, 1);
  drive(u, t_out, t);
}

// Not size-checked: inject() sends what a router must refuse.
Message Simulation::Impl::build_message(std::uint32_t author, const std::string& topic,
                                        Bytes data) {
  Node& node = nodes[author];
  return publisher.message(*node.identity, topic, std::move(data),
                           publisher.signs() ? ++node.seqno : 0);
}

// Charges the cost model for work done at `t`; returns when its outputs leave the node.
inline std::int64_t Simulation::Impl::charge(Node& node, std::int64_t t, std::uint64_t messages,
                                             std::uint64_t verifies, std::uint64_t signs) {
  if (!cfg.cost) return t;
  const std::int64_t busy = static_cast<std::int64_t>(messages) * cfg.cost->per_message_ns +
                            static_cast<std::int64_t>(verifies) * cfg.cost->verify_ns +
                            static_cast<std::int64_t>(signs) * cfg.cost->sign_ns;
  node.stats.cpu_busy_ns += busy;
  node.cpu_free_at = t + busy;
  return node.cpu_free_at;
}

// Carries out a host's queued actions, stamped `t_out`, then re-arms its timer.
void Simulation::Impl::drive(std::uint32_t u, std::int64_t t_out, std::int64_t not_before) {
  Shard& s = shard_of(u);
  if (s.action_buffers.size() <= s.action_depth) s.action_buffers.emplace_back();
  std::vector<router::Action>& actions = s.action_buffers[s.action_depth++];
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
        transmit_rpc(u, send->peer, *send->rpc, t_out);
      else
        enqueue(u, send->peer, std::move(*send->rpc), t_out);
    } else if (auto* deliver = std::get_if<router::Deliver>(&action)) {
      record_delivery(u, *deliver, t_out);
    } else {
      ++nodes[u].stats.px_ignored;
    }
  }
  actions.clear();
  --s.action_depth;
  while (auto e = h.poll()) handle(u, *e, t_out);
  schedule_tick(u, std::max(not_before, s.now));
}

void Simulation::Impl::handle(std::uint32_t u, host::HostEvent& event, std::int64_t t) {
  if (auto* close = std::get_if<host::Close>(&event)) {
    std::uint32_t v = close->peer ? *close->peer : kNoLink;
    if (v == kNoLink && close->connection && !connections.empty())
      if (auto it = connections[u].peer_of.find(*close->connection);
          it != connections[u].peer_of.end())
        v = it->second;
    const std::uint32_t li = v == kNoLink ? kNoLink : link_index(u, v);
    if (li == kNoLink) return;
    if (close->drop == host::Drop::kGraylisted) ++nodes[u].stats.disconnects;
    // Both ends: at the window's end.
    shard_of(u).closes.push_back(Close{t, li, close->drop != host::Drop::kBlocked});
  } else if (auto* d = std::get_if<host::Dial>(&event)) {
    dial(u, *d, t);
  } else if (auto* p = std::get_if<host::Ping>(&event)) {
    nodes[u].host->ping_result(p->connection, Duration{0}, Instant{t});
  } else if (auto* up = std::get_if<host::PeerUp>(&event)) {
    peer_up(u, *up, t);
  } else if (auto* q = std::get_if<host::CancelQueued>(&event); q && !ends.empty()) {
    const std::uint32_t l = link_index(u, q->peer);
    if (l != kNoLink && ends[l]) {
      const std::size_t n = ends[l]->outbox.cancel(q->message);
      (q->why == host::Drop::kEchoCancelled ? nodes[u].stats.echo_cancelled
                                            : nodes[u].stats.idontwant_cancelled) += n;
    }
  }
}

inline void Simulation::Impl::schedule_tick(std::uint32_t u, std::int64_t not_before) {
  Node& node = nodes[u];
  if (!node.host) return;
  const auto deadline = node.host->next_deadline();
  std::int64_t earliest = deadline ? deadline->count() : kNever;
  if (!ends.empty()) earliest = std::min(earliest, ends_deadline(u));
  if (earliest == kNever) return;
  const std::int64_t when = std::max<std::int64_t>(earliest, not_before);
  if (when >= node.tick_at) return;
  node.tick_at = when;
  push(u, when, EventKind::kTick, u, node.incarnation);
}

// The link from u to peer if it is up; otherwise counts the drop and returns kNoLink.
inline std::uint32_t Simulation::Impl::up_link(std::uint32_t u, std::uint32_t peer) {
  const std::uint32_t li = link_index(u, peer);
  if (li != kNoLink && links[li].up) return li;
  ++nodes[u].stats.dropped_link_down;
  return kNoLink;
}

// Puts an RPC of `body` encoded bytes from u on link li at t, counting and tracing it.
// Returns when it arrives, kRefused when the link's queue is full (the sender's to repair),
// or -1 when it does not arrive (lost, or not decodable by the receiver).
inline std::int64_t Simulation::Impl::send_on_link(std::uint32_t u, std::uint32_t peer,
                                                   std::uint32_t li, std::size_t body, bool decoded,
                                                   std::int64_t t) {
  Node& node = nodes[u];
  const std::uint64_t size = body + wire::varint_size(body);
  LinkState& link = links[li];
  const Transmission tx = transmit(link, params[link.params], cfg.seed, li, u, peer, t, size);
  if (tx.drop == LinkDrop::kQueueFull) {
    ++node.stats.dropped_queue_full;
    return kRefused;
  }
  ++node.stats.rpcs_out;
  node.stats.bytes_out += size;
  node.trace = trace_fold(node.trace, 1, t, u, peer, size, {});
  if (tx.drop == LinkDrop::kLoss) {
    ++node.stats.dropped_loss;
    return -1;
  }
  if (!decoded) {  // wire_fidelity, on one thread: the receiver's count
    ++nodes[peer].stats.dropped_wire_decode;
    return -1;
  }
  return tx.arrival;
}

// What u sends on link li, of `size` bytes, arriving at `to` at `arrival`: a message or an
// RPC (`known`: the message's memo entry in u's shard, if any).
inline void Simulation::Impl::launch(std::uint32_t li, std::uint32_t u, std::uint32_t to,
                                     std::uint64_t size, std::int64_t arrival, MessagePtr message,
                                     std::unique_ptr<Rpc> rpc, MessageMemo::Entry* known,
                                     InFlight::Kind kind) {
  InFlight f;
  f.arrival = arrival;
  f.link = li;
  f.from = u;
  f.size = static_cast<std::uint32_t>(size);
  f.kind = static_cast<std::uint32_t>(message ? kind : InFlight::Kind::kRpc);
  post(u, to, arrival, f, std::move(message), std::move(rpc), known);
}

// A packet from src to `to`: into to's shard at once if it is src's, else as mail: in a
// window, into src's outbox until the window ends (it arrives after that).
void Simulation::Impl::post(std::uint32_t src, std::uint32_t to, std::int64_t arrival, InFlight f,
                            MessagePtr message, std::unique_ptr<Rpc> rpc,
                            MessageMemo::Entry* known) {
  const Event e{arrival, event_key(src, nodes[src].pushes++) << 2, to, 0};
  const std::uint32_t from = part[src], into = part[to];
  if (from == into) return accept(*shards[into], e, f, std::move(message), std::move(rpc), known);
  if (parallel && arrival < window_end)  // the scheme's one assumption broken: say so
    throw std::logic_error("simulation: a packet for another shard arrives in its window");
  Shard& sender = *shards[from];
  MailBox& box = parallel ? sender.outbox[mail_side][into] : serial_mail;
  if (message && !known) known = sender.memo.find(message.get());
  const auto first = static_cast<std::uint32_t>(box.messages.size());
  box.mail.push_back(Mail{e, f, std::move(message),
                          known ? known->replica : MessageMemo::kNoReplica, first, std::move(rpc)});
  if (Rpc* r = box.mail.back().rpc.get())
    for (MessagePtr& m : r->publish) {
      const MessageMemo::Entry* k = sender.memo.find(m.get());
      box.replicas.push_back(k ? k->replica : MessageMemo::kNoReplica);
      box.messages.push_back(std::move(m));
    }
  if (!parallel) {  // between windows: the receiver's shard is this thread's to touch
    take_letter(*shards[into], box.mail.back(), box);
    box.clear();
  }
}

// A packet joins shard d: its content into d's tables, its arrival into d's queue. A lone
// message on a link is its event alone: the event names its receiver and sender, and the
// link is found from them.
void Simulation::Impl::accept(Shard& d, const Event& e, InFlight f, MessagePtr message,
                              std::unique_ptr<Rpc> rpc, MessageMemo::Entry* known) {
  if (f.carries_message()) {
    // The memo's entry keeps the message's index in d's table between packets, and the
    // size of the packet that carries it alone.
    if (!known) known = d.memo.find(message.get());
    const std::uint32_t alone =
        known ? static_cast<std::uint32_t>(known->rpc_size + wire::varint_size(known->rpc_size))
              : f.size;
    f.content = known ? d.carried.carry(message, alone, &known->id, &known->carried)
                      : d.carried.carry(message, f.size, nullptr, nullptr);
    if (f.what() == InFlight::Kind::kMessage && f.link != kNoLink &&
        d.carried.size(f.content) == f.size)
      return d.queue.push(e.time, EventKind::kMessageArrive, e.node, f.content, e.seq());
  } else {
    f.content = d.boxed_rpcs.put(std::move(rpc));
  }
  d.queue.push(e.time, EventKind::kRpcArrive, e.node, d.inflight.put(f), e.seq());
}

// An RPC past what the receiver decodes (or past the runtime's merged-RPC size) leaves in
// the parts the runtime's outbox would send it in.
void Simulation::Impl::transmit_rpc(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::int64_t t) {
  const std::size_t size = wire::encoded_rpc_size(rpc);
  host::Outbox& shaper = shard_of(u).shaper;
  if (shaper.fits_whole(rpc, size)) return transmit_whole(u, peer, rpc, size, t);
  // A large message and its IDONTWANT leave apart (the control first): the IDONTWANT's packet
  // can name the message and carry no id of its own.
  MessagePtr named;
  if (rpc.publish.size() == 1 && rpc.control && idontwant_of(shard_of(u), rpc, *rpc.publish[0]))
    named = rpc.publish[0];
  refused(u, peer, shaper.push(std::move(rpc)).lost);
  Rpc piece;
  while (shaper.pop(piece))
    transmit_whole(u, peer, piece, wire::encoded_rpc_size(piece), t,
                   named.get() ? &named : nullptr);
}

void Simulation::Impl::transmit_whole(std::uint32_t u, std::uint32_t peer, Rpc& rpc,
                                      std::size_t size, std::int64_t t, const MessagePtr* named) {
  const std::uint32_t li = up_link(u, peer);
  if (li == kNoLink) return;
  std::size_t body = size;
  bool decoded = true;
  if (cfg.wire_fidelity) {
    Bytes& scratch = shard_of(u).wire_scratch;
    scratch.clear();
    wire::encode_rpc(rpc, scratch);
    body = scratch.size();
    auto back = wire::decode_rpc(scratch);
    if (back) rpc = std::move(*back);
    decoded = back.ok();
  }
  const std::int64_t arrival = send_on_link(u, peer, li, body, decoded, t);
  if (arrival == kRefused) refused(u, peer, rpc.publish);
  if (arrival < 0) return;
  const std::uint64_t framed = body + wire::varint_size(body);
  using Kind = InFlight::Kind;
  if (rpc.subscriptions.empty() && rpc.publish_hops.empty()) {
    if (rpc.publish.size() == 1 && !rpc.control)
      return launch(li, u, peer, framed, arrival, std::move(rpc.publish[0]), nullptr, nullptr);
    if (rpc.publish.size() == 1 && idontwant_of(shard_of(u), rpc, *rpc.publish[0]))
      return launch(li, u, peer, framed, arrival, std::move(rpc.publish[0]), nullptr, nullptr,
                    Kind::kMessageAndIDontWant);
    if (rpc.publish.empty() && named && idontwant_of(shard_of(u), rpc, **named))
      return launch(li, u, peer, framed, arrival, *named, nullptr, nullptr, Kind::kIDontWant);
  }
  launch(li, u, peer, framed, arrival, nullptr, std::make_unique<Rpc>(std::move(rpc)), nullptr);
}

// Whether `rpc`'s control is an IDONTWANT of m's id and nothing else: its receiver can be
// handed it again from m alone.
inline bool Simulation::Impl::idontwant_of(Shard& s, const Rpc& rpc, const Message& m) {
  if (!rpc.control) return false;
  const ControlMessage& c = *rpc.control;
  if (!c.ihave.empty() || !c.iwant.empty() || !c.graft.empty() || !c.prune.empty() ||
      c.idontwant.size() != 1 || c.idontwant.front().message_ids.size() != 1)
    return false;
  const ByteView said = *c.idontwant.front().message_ids.begin();  // any size: an adversary's
  const MessageId id = s.services->message_id(m);
  return said.size() == id.size() && std::equal(said.begin(), said.end(), id.view().begin());
}

inline void Simulation::Impl::transmit_message(std::uint32_t u, std::uint32_t peer, MessagePtr m,
                                               std::int64_t t) {
  if (cfg.wire_fidelity) {  // through the codec like any RPC
    Rpc rpc;
    rpc.publish.push_back(std::move(m));
    transmit_rpc(u, peer, rpc, t);
    return;
  }
  const std::uint32_t li = up_link(u, peer);
  if (li == kNoLink) return;
  MessageMemo::Entry* known = shard_of(u).memo.find(m.get());
  const std::size_t body = known ? known->rpc_size : wire::encoded_rpc_size(*m);
  const std::int64_t arrival = send_on_link(u, peer, li, body, true, t);
  if (arrival == kRefused) refused(u, peer, {&m, 1});
  if (arrival < 0) return;
  launch(li, u, peer, body + wire::varint_size(body), arrival, std::move(m), nullptr, known);
}

// Between windows only: the message table is read by every shard.
std::uint32_t Simulation::Impl::message_slot(const MessageId& id, const std::string& topic) {
  auto [it, inserted] = message_index.try_emplace(id, static_cast<std::uint32_t>(messages.size()));
  if (inserted) {
    messages.push_back(MessageInfo{id, topic, -1, -1});
    hops.emplace_back(n, kNoHops);
  }
  return it->second;
}

// A delivery of a message with no index yet, or an adversary's spam whose publisher is not
// known yet, waits for resolve_deliveries (parallel.cpp) to count its hops.
void Simulation::Impl::record_delivery(std::uint32_t u, const router::Deliver& d, std::int64_t t) {
  Shard& s = shard_of(u);
  nodes[u].trace = trace_fold(nodes[u].trace, 2, t, u, d.from, 0, d.id.view());
  const std::int32_t from = d.from == router::kLocalPeer ? -1 : static_cast<std::int32_t>(d.from);
  const auto it = message_index.find(d.id);
  std::uint32_t mi = 0;
  std::int32_t count = -1;
  if (it == message_index.end() || (from < 0 && messages[it->second].publisher < 0)) {
    s.unresolved.push_back(Unresolved{s.log.node.size(), d.message, d.id, u, t, from});
  } else {
    mi = it->second;
    count = count_hops(mi, u, from);
  }
  s.log.message.push_back(mi);
  s.log.node.push_back(u);
  s.log.time.push_back(t);
  s.log.hops.push_back(count);
  s.log.from.push_back(from);
}

// u's copy of message mi came from `from` (-1: its own publish): one hop more than from's.
// A node's own entry is written by its shard; from's was written in an earlier window.
std::int32_t Simulation::Impl::count_hops(std::uint32_t mi, std::uint32_t u, std::int64_t from) {
  auto& h = hops[mi];
  std::int32_t count = -1;
  if (from < 0) {
    count = 0;
  } else if (from < n && h[from] != kNoHops) {
    count = h[from] + 1;
  }
  if (h[u] == kNoHops && count >= 0) h[u] = static_cast<std::uint16_t>(std::min(count, 0xfffe));
  return count;
}

}  // namespace p2pgossip::sim
