// The simulation's results: the delivery and mesh logs, per-node statistics, counters and
// router state, the trace digest. The shards' logs are merged in (time, node) order, each
// node's rows in the order it made them: the same tables for any number of threads.
#include <algorithm>
#include <numeric>
#include <tuple>

#include "p2pgossip/sim/simulation.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {
namespace {

// The order of rows (time[i], node[i]), ties in row order: a node's rows are in one shard,
// in its order.
std::vector<std::size_t> canonical_order(const std::vector<std::int64_t>& time,
                                         const std::vector<std::uint32_t>& node) {
  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return time[a] != time[b] ? time[a] < time[b] : node[a] < node[b];
  });
  return order;
}

template <class T>
void append_in(std::vector<T>& out, const std::vector<T>& all,
               const std::vector<std::size_t>& order) {
  out.clear();
  out.reserve(order.size());
  for (std::size_t i : order) out.push_back(all[i]);
}

auto columns(DeliveryLog& l) { return std::tie(l.message, l.node, l.time, l.hops, l.from); }
auto columns(MeshLog& l) { return std::tie(l.time, l.node, l.peer, l.topic, l.joined); }

// `out` is `all` with its rows in canonical order.
template <class Log>
Log& reorder(Log& out, Log& all) {
  const auto order = canonical_order(all.time, all.node);
  std::apply(
      [&](auto&... dst) {
        std::apply([&](auto&... src) { (append_in(dst, src, order), ...); }, columns(all));
      },
      columns(out));
  return out;
}

template <class T>
void concat(std::vector<T>& out, const std::vector<T>& part) {
  out.insert(out.end(), part.begin(), part.end());
}

}  // namespace

std::uint64_t Simulation::events_processed() const {
  std::uint64_t events = 0;
  for (const auto& s : impl_->shards) events += s->events;
  return events;
}

std::size_t Simulation::pending_events() const {
  std::size_t pending = 0;
  for (const auto& s : impl_->shards) {
    pending += s->queue.size();
    for (const MailBox& box : s->outbox[impl_->mail_side]) pending += box.mail.size();
  }
  return pending;
}

const DeliveryLog& Simulation::deliveries() const {
  DeliveryLog all;
  for (const auto& s : impl_->shards) {
    concat(all.message, s->log.message);
    concat(all.node, s->log.node);
    concat(all.time, s->log.time);
    concat(all.hops, s->log.hops);
    concat(all.from, s->log.from);
  }
  return reorder(impl_->merged_log, all);
}

// Topics are numbered in name order, whatever order the shards met them in.
const MeshLog& Simulation::mesh_changes() const {
  MeshLog all;
  for (const auto& s : impl_->shards) concat(all.topics, s->mesh_log.topics);
  std::sort(all.topics.begin(), all.topics.end());
  all.topics.erase(std::unique(all.topics.begin(), all.topics.end()), all.topics.end());
  for (const auto& s : impl_->shards) {
    concat(all.time, s->mesh_log.time);
    concat(all.node, s->mesh_log.node);
    concat(all.peer, s->mesh_log.peer);
    concat(all.joined, s->mesh_log.joined);
    for (std::uint32_t t : s->mesh_log.topic) {
      const std::string& name = s->mesh_log.topics[t];
      all.topic.push_back(static_cast<std::uint32_t>(
          std::lower_bound(all.topics.begin(), all.topics.end(), name) - all.topics.begin()));
    }
  }
  impl_->merged_mesh_log.topics = all.topics;
  return reorder(impl_->merged_mesh_log, all);
}

const std::vector<MessageInfo>& Simulation::messages() const { return impl_->messages; }

const NodeStats& Simulation::stats(std::uint32_t node) const {
  impl_->check_node(node);
  return impl_->nodes[node].stats;
}

const std::array<std::uint64_t, host::kDropCount>* Simulation::drops(std::uint32_t node) const {
  impl_->check_node(node);
  const auto& h = impl_->nodes[node].host;
  return h ? &h->drops() : nullptr;
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

std::size_t Simulation::message_state_bytes(std::uint32_t node) const {
  impl_->check_node(node);
  const auto& h = impl_->nodes[node].host;
  return h ? h->router().message_state_bytes() : 0;
}

std::size_t Simulation::pending_event_bytes() const {
  std::size_t bytes = 0;
  for (const auto& s : impl_->shards) bytes += s->queue.memory_bytes();
  return bytes;
}

std::size_t Simulation::packet_table_bytes() const {
  std::size_t bytes = 0;
  for (const auto& s : impl_->shards)
    bytes += s->inflight.memory_bytes() + s->boxed_rpcs.memory_bytes() +
             s->boxed_rpcs.size() * sizeof(Rpc) + s->segments.memory_bytes() +
             s->publishes.memory_bytes() + s->carried.memory_bytes();
  return bytes;
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
  std::vector<std::uint64_t> hashes(impl_->n);
  for (std::uint32_t v = 0; v < impl_->n; ++v) hashes[v] = impl_->nodes[v].trace;
  return sim::trace_digest(hashes);
}

std::uint64_t Simulation::verify_cache_hits() const {
  std::uint64_t hits = 0;
  for (const auto& s : impl_->shards) hits += s->verify_cache.hits();
  return hits;
}

std::uint64_t Simulation::verifications() const {
  std::uint64_t count = 0;
  for (const auto& s : impl_->shards) count += s->verifications;
  return count;
}

}  // namespace p2pgossip::sim
