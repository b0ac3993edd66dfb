// A node's application commands, forwarded to its host on the I/O thread, and the metrics
// snapshot read from it (runtime/node.cpp holds the sockets, timers and the host's outputs).
#include "p2pgossip/net/peer_manager.hpp"
#include "runtime/connection.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

using router::PeerIndex;

void Node::publish(MessagePtr message, RequestId request) {
  auto r = host_.publish(std::move(message), now());
  done(request, r ? std::nullopt : std::optional<std::string>(r.error().what));
}

void Node::publish(const std::string& topic, std::vector<host::Publication>& publications,
                   PublishTally* tally, RequestId request) {
  for (host::Publication& p : publications) {
    auto r = host_.publish(topic, p, now());
    if (r) continue;
    if (!tally) {
      count(Drop::kPublishFailed);
      log(LogLevel::kWarning, "publish failed",
          {{"topic", topic}, {"reason", std::string(r.error().what)}});
    } else if (tally->failed++ == 0) {
      tally->first = r.error().what;
    }
  }
  if (request == 0) return;
  std::optional<std::string> error = tally ? tally->first : std::nullopt;
  if (tally && tally->failed > 1)
    *error += " (" + std::to_string(tally->failed) + " of the batch failed)";
  done(request, std::move(error));
}

void Node::subscribe(const std::string& topic, RequestId request) {
  host_.subscribe(topic, now());
  done(request);
}

void Node::unsubscribe(const std::string& topic, RequestId request) {
  host_.unsubscribe(topic, now());
  done(request);
}

void Node::set_validator(const std::string& topic, bool registered) {
  host_.set_validator(topic, registered);
}

void Node::validation_result(ValidationToken token, router::ValidationResult result) {
  host_.validation_result(token, result, now());
}

void Node::set_app_score(const Bytes& peer_id, double value) {
  host_.set_app_score(peer_id, value);
}

void Node::set_link(const Bytes& peer_id, LinkShaping shaping) { host_.set_link(peer_id, shaping); }

void Node::block(const std::vector<Bytes>& peer_ids) {
  for (const Bytes& p : peer_ids) host_.block(p, now());
}

void Node::unblock(const std::vector<Bytes>& peer_ids) {
  for (const Bytes& p : peer_ids) host_.unblock(p);
}

void Node::ban(const net::BanTarget& target, std::optional<Duration> duration,
               const std::string& note) {
  const Instant t = now();
  std::optional<Instant> until;
  if (duration) until = t + *duration;
  host_.ban(target, until, net::BanReason::kManual, note, t);
}

void Node::unban(const net::BanTarget& target) { host_.unban(target); }

std::vector<net::BanEntry> Node::bans() { return host_.ban_entries(now()); }

std::optional<router::ScoreBreakdown> Node::score_breakdown(const Bytes& peer_id) {
  const router::Router& router = host_.router();
  const auto peer = router.index_of(peer_id);
  return peer ? router.score_breakdown(*peer, now()) : std::nullopt;
}

NodeMetrics Node::snapshot() {
  NodeMetrics m;
  const router::Router& router = host_.router();
  m.router = router.counters();
  for (std::size_t i = 0; i < protocols_.size(); ++i)
    m.protocols[std::string(kProtocolIds[i])] = protocols_[i];
  m.drops = host_.drops();
  m.tcp_bytes_in = tcp_bytes_in_;
  m.tcp_bytes_out = tcp_bytes_out_;
  m.connections_opened = connections_opened_;
  m.connections_closed = connections_closed_;
  m.reads_paused = reads_paused_;
  if (const net::PeerManager* pm = host_.peer_manager()) {
    m.peer_manager = pm->counters();
    m.bans = pm->ban_counters();
  }
  if (mdns_) m.mdns = mdns_->counters();
  if (dht_) {
    m.dht = dht_->counters();
    m.dht_table_size = dht_->server().table().size();
  }
  const auto t = now();
  for (const auto& c : connections_) m.outbound_queue_bytes += c->queued_bytes();
  m.outbound_queue_memory = budget_.used();
  for (const auto& c : slots_) {
    if (!c) continue;
    std::string proto;
    if (auto p = c->pubsub_protocol()) proto = kProtocolIds[static_cast<std::size_t>(proto_of(*p))];
    m.peers.push_back(ConnectedPeer{c->peer_id(), c->remote_addr(), c->direction(), proto,
                                    c->in_router ? router.score(c->slot, t) : 0.0});
  }
  for (const auto& topic : router.topics()) {
    const std::vector<PeerIndex> mesh = router.mesh(topic);
    m.mesh_sizes[topic] = mesh.size();
    m.topic_peers[topic] = router.peers(topic).size();
    std::vector<Bytes>& ids = m.meshes[topic];
    for (PeerIndex p : mesh)
      if (p < slots_.size() && slots_[p]) ids.push_back(slots_[p]->peer_id());
  }
  return m;
}

}  // namespace p2pgossip::runtime
