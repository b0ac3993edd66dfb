#include "p2pgossip/runtime/metric_families.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "p2pgossip/crypto/peer_id.hpp"

namespace p2pgossip::runtime {

namespace {

using metrics::FamilySnapshot;
using metrics::MetricType;

struct Families {
  std::string node;
  std::deque<FamilySnapshot> out;  // add() hands out references: they must stay valid

  FamilySnapshot& add(std::string name, std::string help, MetricType type,
                      std::initializer_list<std::string> labels) {
    FamilySnapshot f{std::move(name), std::move(help), type, {"node"}, {}};
    f.label_names.insert(f.label_names.end(), labels);
    return out.emplace_back(std::move(f));
  }

  void sample(FamilySnapshot& f, double value, std::initializer_list<std::string> labels = {}) {
    metrics::Sample s;
    s.label_values.push_back(node);
    s.label_values.insert(s.label_values.end(), labels);
    s.value = value;
    f.samples.push_back(std::move(s));
  }
};

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

std::vector<FamilySnapshot> node_families(const NodeMetrics& m, const std::string& node,
                                          const AppDrops& app_drops) {
  Families fs{node, {}};
  const router::Counters& r = m.router;

  auto& msgs = fs.add("p2pgossip_messages_total",
                      "Pubsub messages by event: published, received (duplicates included), "
                      "delivered, forwarded (copies sent), duplicates.",
                      MetricType::counter, {"event"});
  fs.sample(msgs, r.messages_published, {"published"});
  fs.sample(msgs, r.messages_received, {"received"});
  fs.sample(msgs, r.messages_delivered, {"delivered"});
  fs.sample(msgs, r.messages_forwarded, {"forwarded"});
  fs.sample(msgs, r.duplicates, {"duplicate"});

  auto& control =
      fs.add("p2pgossip_control_total", "GossipSub control messages by type and direction.",
             MetricType::counter, {"type", "direction"});
  const std::pair<std::string_view, std::pair<std::uint64_t, std::uint64_t>> kinds[] = {
      {"ihave", {r.ihave_sent, r.ihave_received}},
      {"iwant", {r.iwant_sent, r.iwant_received}},
      {"graft", {r.graft_sent, r.graft_received}},
      {"prune", {r.prune_sent, r.prune_received}},
      {"idontwant", {r.idontwant_sent, r.idontwant_received}},
  };
  for (const auto& [kind, counts] : kinds) {
    fs.sample(control, counts.first, {upper(kind), "out"});
    fs.sample(control, counts.second, {upper(kind), "in"});
  }

  auto& drops = fs.add("p2pgossip_dropped_total",
                       "Messages, RPCs and connections dropped, by layer and reason.",
                       MetricType::counter, {"layer", "reason"});
  const std::pair<std::string_view, std::uint64_t> router_drops[] = {
      {"invalid_signature", r.dropped_invalid_signature},
      {"too_large", r.dropped_too_large},
      {"rejected", r.dropped_rejected},
      {"ignored", r.dropped_ignored},
      {"rate_limited", r.dropped_rate_limited},
      {"seen_cache_full", r.dropped_seen_cache_full},
      {"unsubscribed_topic", r.dropped_unsubscribed_topic},
      {"spam", r.dropped_spam},
      {"topic_churn", r.dropped_topic_churn},
      {"graylisted", r.dropped_graylisted},
      {"broken_promise", r.broken_promises},
  };
  for (const auto& [reason, v] : router_drops) fs.sample(drops, v, {"router", std::string(reason)});
  for (std::size_t i = 0; i < kDropCount; ++i)
    fs.sample(drops, m.drops[i], {"net", std::string(drop_name(static_cast<Drop>(i)))});
  for (const auto& [reason, v] : app_drops) fs.sample(drops, v, {"app", reason});

  auto& proto_msgs = fs.add("p2pgossip_protocol_messages_total",
                            "Messages (RPCs for pubsub protocols) by protocol and direction.",
                            MetricType::counter, {"protocol", "direction"});
  auto& proto_bytes = fs.add("p2pgossip_protocol_bytes_total", "Bytes by protocol and direction.",
                             MetricType::counter, {"protocol", "direction"});
  for (const auto& [proto, s] : m.protocols) {
    fs.sample(proto_msgs, s.messages_in, {proto, "in"});
    fs.sample(proto_msgs, s.messages_out, {proto, "out"});
    fs.sample(proto_bytes, s.bytes_in, {proto, "in"});
    fs.sample(proto_bytes, s.bytes_out, {proto, "out"});
  }

  auto& tcp = fs.add("p2pgossip_tcp_bytes_total", "TCP bytes.", MetricType::counter, {"direction"});
  fs.sample(tcp, m.tcp_bytes_in, {"in"});
  fs.sample(tcp, m.tcp_bytes_out, {"out"});

  auto& conns = fs.add("p2pgossip_connections_total", "Connections opened and closed.",
                       MetricType::counter, {"event"});
  fs.sample(conns, m.connections_opened, {"opened"});
  fs.sample(conns, m.connections_closed, {"closed"});

  auto& paused = fs.add("p2pgossip_reads_paused_total",
                        "Times a connection stopped reading while its peer's inbound budget "
                        "refilled (flow control slows the peer instead of dropping).",
                        MetricType::counter, {});
  fs.sample(paused, m.reads_paused, {});

  auto& queued = fs.add("p2pgossip_outbound_queue_bytes",
                        "Bytes of the RPCs queued for this node's peers, as they would be sent.",
                        MetricType::gauge, {});
  fs.sample(queued, static_cast<double>(m.outbound_queue_bytes));
  auto& memory = fs.add("p2pgossip_outbound_queue_memory_bytes",
                        "Memory taken by the RPCs queued for this node's peers (a message queued "
                        "for several peers counted once).",
                        MetricType::gauge, {});
  fs.sample(memory, static_cast<double>(m.outbound_queue_memory));

  auto& peers = fs.add("p2pgossip_peers", "Connected peers.", MetricType::gauge, {});
  fs.sample(peers, static_cast<double>(m.peers.size()));
  auto& mesh = fs.add("p2pgossip_mesh_peers", "Mesh size per topic.", MetricType::gauge, {"topic"});
  for (const auto& [topic, size] : m.mesh_sizes)
    fs.sample(mesh, static_cast<double>(size), {topic});

  // The lowest-scored peers only: a label per peer id churns series as peers come and go, so
  // the set is bounded, and the peers worth watching are the ones sinking.
  auto& scores = fs.add("p2pgossip_peer_score",
                        "GossipSub v1.1 score of the (at most 32) lowest-scored connected peers.",
                        MetricType::gauge, {"peer"});
  std::vector<const ConnectedPeer*> by_score;
  for (const ConnectedPeer& p : m.peers) by_score.push_back(&p);
  const std::size_t shown = std::min(by_score.size(), kScoredPeers);
  std::partial_sort(
      by_score.begin(), by_score.begin() + static_cast<std::ptrdiff_t>(shown), by_score.end(),
      [](const ConnectedPeer* a, const ConnectedPeer* b) { return a->score < b->score; });
  for (std::size_t i = 0; i < shown; ++i) {
    auto id = crypto::PeerId::from_bytes(by_score[i]->peer_id);
    fs.sample(scores, by_score[i]->score, {id ? id->to_string() : std::string("?")});
  }

  auto& bans = fs.add("p2pgossip_bans_total",
                      "Bans made (by rule), connections they refused or closed, and bans ended.",
                      MetricType::counter, {"event", "rule"});
  for (std::size_t i = 0; i < net::kBanReasonCount; ++i)
    fs.sample(bans, m.bans.made[i],
              {"made", std::string(net::ban_reason_name(static_cast<net::BanReason>(i)))});
  const std::pair<std::string_view, std::uint64_t> ban_events[] = {
      {"refused_inbound", m.bans.refused_inbound},
      {"refused_dial", m.bans.refused_dials},
      {"closed", m.bans.closed_connections},
      {"expired", m.bans.expired},
      {"unbanned", m.bans.unbanned},
      {"evicted", m.bans.evicted},
  };
  for (const auto& [event, v] : ban_events) fs.sample(bans, v, {std::string(event), ""});

  return {std::make_move_iterator(fs.out.begin()), std::make_move_iterator(fs.out.end())};
}

}  // namespace p2pgossip::runtime
