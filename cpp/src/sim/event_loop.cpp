// The simulator's core: the event loop, the hosts' actions carried out, RPCs put on links
// and taken off them, deliveries logged and traced. Everything an RPC does on its way is in
// this one file, so the compiler sees (and inlines) the whole hot path. Helpers used only here
// are defined `inline`, as they were inside the class: out of line, GCC inlined less of them
// (0.9% more instructions).
#include <algorithm>

#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {
namespace {

// Events some places ahead touch cold memory (a random node each), through a chain of
// pointers: their in-flight slot and node are fetched first, then the link and the stages
// of router state those name, one stage closer to the event each time.
constexpr std::size_t kPrefetchNode = 12;
constexpr std::size_t kPrefetchRouter[router::Router::kPrefetchStages] = {8, 5, 2};

}  // namespace

void Simulation::Impl::run_until(std::int64_t until) {
  while (!queue.empty() && queue.top().time <= until) {
    const Event e = queue.pop();
    now = e.time;
    ++events;
    prefetch_ahead();
    switch (e.kind()) {
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

inline void Simulation::Impl::prefetch_ahead() {
  if (const Event* a = queue.ahead(kPrefetchNode)) {
    __builtin_prefetch(&nodes[a->node]);
    if (a->kind() == EventKind::kRpcArrive) __builtin_prefetch(&inflight[a->arg]);
  }
  for (int stage = 0; stage < router::Router::kPrefetchStages; ++stage) {
    const Event* a = queue.ahead(kPrefetchRouter[stage]);
    if (!a || a->kind() != EventKind::kRpcArrive) continue;
    const InFlight& f = inflight[a->arg];
    if (stage == 0 && f.link != kNoLink) __builtin_prefetch(&links[f.link]);
    // Only the seen-cache stage (Router::prefetch's 1) reads the id.
    const MessageId* id =
        stage == 1 && f.what() == InFlight::Kind::kMessage ? carried.id_hint(f.content) : nullptr;
    if (const auto& h = nodes[a->node].host) h->router().prefetch(stage, f.from, id);
  }
}

void Simulation::Impl::on_arrival(const Event& e) {
  const InFlight f = inflight[e.arg];
  Node& node = nodes[e.node];
  const bool link_ok =
      f.link == kNoLink || (links[f.link].up && links[f.link].generation == f.generation);
  if (!node.host || !link_ok) {
    ++node.stats.dropped_link_down;
    discard(inflight.take(e.arg));
    return;
  }
  if (busy(node, e.time)) {  // wait in the node's CPU queue
    queue.push(node.cpu_free_at, EventKind::kRpcArrive, e.node, e.arg);
    return;
  }
  (void)inflight.take(e.arg);
  ++node.stats.rpcs_in;
  node.stats.bytes_in += f.size;
  if (f.what() == InFlight::Kind::kBytes) {
    const Bytes segment = segments.take(f.content);
    receive_segment(e.node, reverse[f.link], segment, e.time);
    return;
  }
  std::uint64_t handled = 1;
  verifications_in_call = 0;
  if (f.what() == InFlight::Kind::kRpc) {
    const std::unique_ptr<Rpc> rpc = boxed_rpcs.take(f.content);
    handled = rpc->publish.size();
    node.host->rpc_received(f.from, *rpc, Instant{e.time});
  } else {
    arrival_scratch.publish.resize(1);
    arrival_scratch.publish.front() = carried.take(f.content);
    node.host->rpc_received(f.from, arrival_scratch, Instant{e.time});
    arrival_scratch.publish.front().reset();
  }
  const std::int64_t t_out = charge(node, e.time, handled, verifications_in_call, 0);
  drive(e.node, t_out, e.time);
}

void Simulation::Impl::discard(const InFlight& f) {
  switch (f.what()) {
    case InFlight::Kind::kMessage:
      carried.drop(f.content);
      break;
    case InFlight::Kind::kRpc:
      (void)boxed_rpcs.take(f.content);
      break;
    case InFlight::Kind::kBytes:
      (void)segments.take(f.content);
      break;
  }
}

void Simulation::Impl::on_tick(const Event& e) {
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
void Simulation::Impl::at(std::int64_t t, std::function<void(std::int64_t)> fn) {
  if (t <= now) {
    fn(now);
    return;
  }
  commands.push_back(std::move(fn));
  queue.push(t, EventKind::kCommand, 0, static_cast<std::uint32_t>(commands.size() - 1));
}

void Simulation::Impl::on_command(const Event& e) {
  auto fn = std::move(commands[e.arg]);
  commands[e.arg] = nullptr;
  fn(e.time);
}

void Simulation::Impl::publish_at(std::uint32_t u, MessagePtr message, std::int64_t t) {
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

inline void Simulation::Impl::schedule_tick(std::uint32_t u, std::int64_t not_before) {
  Node& node = nodes[u];
  if (!node.host) return;
  const auto deadline = node.host->next_deadline();
  if (!deadline) return;
  const std::int64_t when = std::max<std::int64_t>(deadline->count(), not_before);
  if (when >= node.tick_at) return;
  node.tick_at = when;
  queue.push(when, EventKind::kTick, u, node.incarnation);
}

// The link from u to peer if it is up; otherwise counts the drop and returns kNoLink.
inline std::uint32_t Simulation::Impl::up_link(std::uint32_t u, std::uint32_t peer) {
  const std::uint32_t li = link_index(u, peer);
  if (li != kNoLink && links[li].up) return li;
  ++nodes[u].stats.dropped_link_down;
  return kNoLink;
}

// Puts an RPC of `body` encoded bytes from u on link li at t, counting and tracing it.
// Returns the in-flight slot the caller fills with the RPC's content, or kNoSlot when the
// RPC does not arrive (queue full, lost, or not decodable by the receiver).
inline std::uint32_t Simulation::Impl::send_on_link(std::uint32_t u, std::uint32_t peer,
                                                    std::uint32_t li, std::size_t body,
                                                    bool decoded, std::int64_t t) {
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
  trace.record(1, t, u, peer, size, {});
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
std::uint32_t Simulation::Impl::launch(std::uint32_t li, std::uint32_t u, std::uint32_t to,
                                       std::uint64_t size, std::int64_t arrival) {
  const std::uint32_t slot = inflight.put(InFlight{});
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
void Simulation::Impl::transmit_rpc(std::uint32_t u, std::uint32_t peer, Rpc& rpc, std::int64_t t) {
  const std::size_t size = wire::encoded_rpc_size(rpc);
  if (shaper.fits_whole(rpc, size)) return transmit_whole(u, peer, rpc, size, t);
  (void)shaper.push(std::move(rpc));
  Rpc part;
  while (shaper.pop(part)) transmit_whole(u, peer, part, wire::encoded_rpc_size(part), t);
}

void Simulation::Impl::transmit_whole(std::uint32_t u, std::uint32_t peer, Rpc& rpc,
                                      std::size_t size, std::int64_t t) {
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
  if (rpc.publish.size() == 1 && rpc.subscriptions.empty() && !rpc.control &&
      rpc.publish_hops.empty()) {
    f.kind = static_cast<std::uint32_t>(InFlight::Kind::kMessage);
    f.content = carried.carry(rpc.publish.front(), nullptr, nullptr);
  } else {
    f.kind = static_cast<std::uint32_t>(InFlight::Kind::kRpc);
    f.content = boxed_rpcs.put(std::make_unique<Rpc>(std::move(rpc)));
  }
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
  MessageMemo::Entry* known = memo.find(m.get());
  const std::size_t body = known ? known->rpc_size : wire::encoded_rpc_size(*m);
  const std::uint32_t slot = send_on_link(u, peer, li, body, true, t);
  if (slot == kNoSlot) return;
  InFlight& f = inflight[slot];
  f.kind = static_cast<std::uint32_t>(InFlight::Kind::kMessage);
  f.content =
      known ? carried.carry(m, &known->id, &known->carried) : carried.carry(m, nullptr, nullptr);
}

std::uint32_t Simulation::Impl::message_slot(const MessageId& id, const std::string& topic) {
  auto [it, inserted] = message_index.try_emplace(id, static_cast<std::uint32_t>(messages.size()));
  if (inserted) {
    messages.push_back(MessageInfo{id, topic, -1, -1});
    hops.emplace_back();
  }
  return it->second;
}

void Simulation::Impl::record_delivery(std::uint32_t u, const router::Deliver& d, std::int64_t t) {
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
  trace.record(2, t, u, d.from, 0, d.id.view());
}

}  // namespace p2pgossip::sim
