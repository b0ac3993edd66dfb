// The simulation's results: the delivery and mesh logs, per-node statistics, counters and
// router state, the trace digest.
#include "p2pgossip/sim/simulation.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {

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

std::array<std::uint8_t, 16> Simulation::trace_digest() const { return impl_->trace.digest(); }

std::uint64_t Simulation::verify_cache_hits() const { return impl_->verify_cache.hits(); }
std::uint64_t Simulation::verifications() const { return impl_->verifications; }

}  // namespace p2pgossip::sim
