// The full-stack mode (SimConfig::full_stack): every link is a byte stream between two of
// the runtime's host::Connection machines (multistream, Noise XX, yamux, framing), fed by a
// host::Outbox through the runtime's host::pump; reliable and in order, as TCP.
#include "p2pgossip/host/pump.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {

// The two ends of link li come up: the end that dialled (dialled()) dials, as the graph's
// edges are dialled elsewhere.
void Simulation::Impl::open_ends(std::uint32_t li, std::int64_t t) {
  for (std::uint32_t l : {li, reverse[li]}) {
    const std::uint32_t a = link_src[l], b = neighbour[l];
    if (!noise_identities[a])
      noise_identities[a] = net::noise::local_identity_of(nodes[a].identity);
    host::ConnectionConfig c;
    c.dialer = dialled(l);
    c.noise.identity = *noise_identities[a];
    if (c.dialer) c.expected_peer_id = to_bytes(nodes[b].identity->peer_id().bytes());
    c.pubsub_protocols = host::pubsub_protocols(cfg.gossip.strategy);
    c.identify_message = [this, a] {
      return nodes[a].host ? nodes[a].host->identify_message(std::nullopt) : Bytes{};
    };
    c.max_rpc_size = stack_limits.decode.max_rpc_size;
    c.request_protocols = [this, a] {
      return served.empty() ? std::vector<std::string>{} : served[a];
    };
    ends[l] = std::make_unique<LinkEnd>(std::move(c), stack_limits, *budgets[a]);
  }
  flush(li, t);
  flush(reverse[li], t);
}

// What the end at link l's source has for the wire: queued RPCs into its pubsub stream,
// then its bytes onto the link.
void Simulation::Impl::flush(std::uint32_t l, std::int64_t t) {
  LinkEnd* end = ends[l].get();
  if (!end) return;
  host::pump(end->outbox, end->machine, frame, 0, [](std::size_t) {});
  Bytes segment;
  while (end->machine.poll_transmit(segment)) send_segment(l, std::move(segment), t);
}

// Reliable and in order, as TCP: the link's loss and queue bound do not apply to bytes.
void Simulation::Impl::send_segment(std::uint32_t l, Bytes segment, std::int64_t t) {
  const std::uint32_t u = link_src[l], v = neighbour[l];
  LinkState& link = links[l];
  LinkParams p = params[link.params];
  p.loss = 0;
  p.queue_limit_bytes = UINT64_MAX;
  const std::uint64_t size = segment.size();
  const Transmission tx = transmit(link, p, cfg.seed, l, u, v, t, size);
  Node& node = nodes[u];
  ++node.stats.rpcs_out;
  node.stats.bytes_out += size;
  node.trace = trace_fold(node.trace, 1, t, u, v, size, {});
  InFlight f;
  f.arrival = tx.arrival;
  f.link = l;
  f.from = u;
  f.size = static_cast<std::uint32_t>(size);
  f.kind = static_cast<std::uint32_t>(InFlight::Kind::kBytes);
  Shard& d = shard_of(v);  // the only one: a full-stack run has one shard
  f.content = d.segments.put(std::move(segment));
  d.queue.push(tx.arrival, EventKind::kRpcArrive, v, d.inflight.put(f),
               event_key(u, node.pushes++));
}

// Bytes from the link arrive at v's end `l` (toward their sender).
void Simulation::Impl::receive_segment(std::uint32_t v, std::uint32_t l, const Bytes& segment,
                                       std::int64_t t) {
  if (!ends[l]) return;
  ends[l]->machine.handle_bytes(Instant{t}, segment);
  take_events(v, l, t);
}

void Simulation::Impl::take_events(std::uint32_t v, std::uint32_t l, std::int64_t t) {
  const std::uint32_t peer = neighbour[l];
  host::Host& h = *nodes[v].host;
  while (ends[l]) {
    auto event = ends[l]->machine.poll_event();
    if (!event) break;
    if (auto* s = std::get_if<host::PubsubStream>(&*event)) {
      if (!std::exchange(ends[l]->in_router, true))
        h.pubsub_opened(peer, nodes[peer].identity->peer_id().bytes(), v < peer, s->protocol,
                        ip_of(peer), Instant{t});
    } else if (auto* r = std::get_if<host::RpcReceived>(&*event)) {
      if (!h.rpc_bytes(peer, r->rpc, stack_limits.decode, Instant{t})) {
        ++nodes[v].stats.dropped_wire_decode;
        ends[l]->machine.reject_rpc(r->stream);
      }
    } else if (auto* q = std::get_if<host::RequestReceived>(&*event)) {
      answer(v, l, *q, t);
    } else if (auto* a = std::get_if<host::ResponseReceived>(&*event)) {
      end_request(a->request, std::move(a->response), std::nullopt, t);
    } else if (auto* f = std::get_if<host::RequestFailed>(&*event)) {
      end_request(f->request, std::nullopt, f->error, t);
    } else if (auto* refused = std::get_if<host::StreamRefused>(&*event)) {
      h.count(refused->drop);
    } else if (auto* closed = std::get_if<host::Closed>(&*event)) {
      if (closed->drop) h.count(*closed->drop);
      severed[l] = severed[reverse[l]] = 1;  // the machine gave up: a broken stream
      update_link(l, t);
      return;
    }
  }
  drive(v, t, t);
  flush(l, t);
}

std::int64_t Simulation::Impl::ends_deadline(std::uint32_t u) const {
  std::int64_t earliest = kNever;
  for (std::uint32_t l = offsets[u]; l < offsets[u + 1]; ++l)
    if (ends[l])
      if (auto d = ends[l]->machine.next_deadline()) earliest = std::min(earliest, d->count());
  return earliest;
}

// Handshakes and streams that outlived their deadline (a request unanswered in time).
void Simulation::Impl::ends_timeouts(std::uint32_t u, std::int64_t t) {
  for (std::uint32_t l = offsets[u]; l < offsets[u + 1]; ++l) {
    if (!ends[l]) continue;
    if (auto d = ends[l]->machine.next_deadline(); !d || d->count() > t) continue;
    ends[l]->machine.handle_timeout(Instant{t});
    take_events(u, l, t);
  }
}

}  // namespace p2pgossip::sim
