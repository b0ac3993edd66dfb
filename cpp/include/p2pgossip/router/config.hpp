// GossipConfig: every router parameter, named as in the GossipSub spec. Defaults equal
// go-libp2p-pubsub's (gossipsub.go DefaultGossipSubParams and pubsub.go).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "p2pgossip/message.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::router {

using namespace std::chrono_literals;

enum class Strategy : std::uint8_t { kGossipSub, kFloodSub, kRandomSub };
using p2pgossip::SignaturePolicy;

// Per-topic peer-score parameters (GossipSub v1.1 P1..P4). A weight of 0 disables its term.
struct TopicScoreParams {
  double topic_weight = 1.0;
  // P1: time in mesh, counted in quanta, capped.
  double time_in_mesh_weight = 0.0;
  Duration time_in_mesh_quantum = 1s;
  double time_in_mesh_cap = 3600.0;
  // P2: first message deliveries (positive weight).
  double first_message_deliveries_weight = 0.0;
  double first_message_deliveries_decay = 0.5;
  double first_message_deliveries_cap = 2000.0;
  // P3: mesh message delivery deficit, squared (negative weight).
  double mesh_message_deliveries_weight = 0.0;
  double mesh_message_deliveries_decay = 0.5;
  double mesh_message_deliveries_cap = 100.0;
  double mesh_message_deliveries_threshold = 20.0;
  Duration mesh_message_deliveries_window = 10ms;
  Duration mesh_message_deliveries_activation = 5s;
  // P3b: sticky deficit penalty kept after a prune (negative weight).
  double mesh_failure_penalty_weight = 0.0;
  double mesh_failure_penalty_decay = 0.5;
  // P4: invalid messages, squared (negative weight).
  double invalid_message_deliveries_weight = 0.0;
  double invalid_message_deliveries_decay = 0.5;
};

// The PeerScoreParams::topics key whose parameters score every topic that has none of its own.
inline constexpr std::string_view kDefaultTopic = "";

// Peer-score parameters (GossipSub v1.1). With every weight 0 (the default, as in go without
// WithPeerScore) all scores are 0 and scoring changes no decision.
struct PeerScoreParams {
  // By topic name; the entry under kDefaultTopic applies to every topic without its own.
  std::map<std::string, TopicScoreParams> topics;
  double topic_score_cap = 0.0;              // 0: no cap on the summed topic score
  double app_specific_weight = 0.0;          // P5
  double ip_colocation_factor_weight = 0.0;  // P6 (negative)
  double ip_colocation_factor_threshold = 1.0;
  double behaviour_penalty_weight = 0.0;  // P7 (negative)
  double behaviour_penalty_threshold = 0.0;
  double behaviour_penalty_decay = 0.99;
  Duration decay_interval = 1s;
  double decay_to_zero = 0.01;
  Duration retain_score = 3600s;  // score of a disconnected peer kept for its reconnection
};

struct PeerScoreThresholds {
  double gossip_threshold = 0.0;     // below: no gossip to or from the peer
  double publish_threshold = 0.0;    // below: no flood publish to the peer
  double graylist_threshold = 0.0;   // below: the peer's RPCs are ignored (and, with
                                     // GossipConfig::disconnect_graylisted, the peer dropped)
  double accept_px_threshold = 0.0;  // PX from a PRUNE accepted only at or above
  double opportunistic_graft_threshold = 0.0;
};

struct GossipConfig {
  Strategy strategy = Strategy::kGossipSub;
  SignaturePolicy signature_policy = SignaturePolicy::kStrictSign;

  // Mesh degree.
  int D = 6;
  int D_lo = 5;
  int D_hi = 12;
  int D_score = 4;
  int D_out = 2;
  int D_lazy = 6;
  double gossip_factor = 0.25;

  Duration heartbeat_initial_delay = 100ms;
  // The first heartbeat comes a uniformly random part of this later again, so that nodes
  // started together do not beat in step: a simulation's nodes all start at one instant, and
  // in step all their IHAVEs would be in flight at once, every second (0: in step).
  Duration heartbeat_initial_jitter = 1s;
  Duration heartbeat_interval = 1s;
  Duration fanout_ttl = 60s;

  // mcache: mcache_len heartbeat windows kept, the newest mcache_gossip gossiped.
  int mcache_len = 5;
  int mcache_gossip = 3;
  int gossip_retransmission = 3;  // IWANT answers per message id per peer

  Duration seen_ttl = 120s;
  std::size_t seen_max_entries = 1'000'000;  // hard memory bound on the seen cache

  // PRUNE, backoff and peer exchange.
  int prune_peers = 16;
  Duration prune_backoff = 60s;
  Duration unsubscribe_backoff = 10s;
  Duration graft_flood_threshold = 10s;
  bool do_px = true;
  // A mesh at D_hi refuses GRAFTs from inbound peers, so peers that dial in (sybils) cannot
  // take it over (v1.1, as go-libp2p-pubsub). False takes every GRAFT, as v1.0 did: for
  // studying that baseline, not for a real node.
  bool mesh_takeover_defence = true;
  int opportunistic_graft_ticks = 60;
  int opportunistic_graft_peers = 2;

  // IHAVE / IWANT spam caps.
  int max_ihave_length = 5000;
  int max_ihave_messages = 10;
  Duration iwant_followup_time = 3s;

  // IDONTWANT (v1.2).
  std::size_t idontwant_message_threshold = 1024;
  int max_idontwant_messages = 1000;  // IDONTWANT RPCs accepted per peer per heartbeat (v1.2)
  int max_idontwant_length = 10;      // ids accepted per IDONTWANT RPC (go's MaxIDontWantLength)
  int idontwant_message_ttl_heartbeats = 3;

  bool flood_publish = true;
  std::size_t max_message_size = 1 << 20;

  // Per-peer inbound rate limit (token buckets); 0 disables a bucket. Charged only for what
  // costs: a first receipt about to have its signature checked and be validated. Duplicates
  // (one hash lookup) and messages refused before that (unsubscribed topic, too large) are
  // not charged. A message over budget is dropped without being marked seen, so another
  // peer's copy or gossip (IHAVE/IWANT) still brings it, and the peer takes one behaviour
  // penalty (P7) per heartbeat in which it went over. The defaults admit a burst of 5,000
  // messages (or 40 MiB) from one peer at once and 1,000 messages (8 MiB) per second after:
  // far above what a peer relays in an honest burst, while one peer can make us verify no
  // more than about a tenth of a core's signatures per second.
  double rate_limit_messages_per_s = 1000;
  double rate_limit_bytes_per_s = 8 << 20;
  double rate_limit_burst_s = 5.0;  // bucket depth in seconds of rate

  // randomsub: forward to `randomsub_k` random subscribed peers, and, with a hop limit
  // `randomsub_ttl` > 0, only copies that have crossed fewer than that many links (the
  // count travels in the p2pgossip publishHops RPC extension; a copy from an implementation
  // without it counts as one link). 0: no limit, as go-libp2p-pubsub's randomsub, where the
  // seen cache alone ends every flood.
  int randomsub_k = 6;
  int randomsub_ttl = 0;

  // At each heartbeat, ask the shell to close the connection of every non-explicit peer
  // scored below thresholds.graylist_threshold (DisconnectPeer), as Ethereum clients do on
  // top of GossipSub. Off by default: go-libp2p-pubsub and rust-libp2p only ignore them.
  bool disconnect_graylisted = false;

  // Topics one peer may be subscribed to; further SUBSCRIBEs are dropped (counted as spam).
  int max_subscriptions_per_peer = 128;
  // SUBSCRIBEs one peer may make per heartbeat (each to a topic it was not subscribed to);
  // further ones are refused (dropped_topic_churn) and the peer takes one behaviour penalty
  // (P7) per heartbeat in which it went over. Twice max_subscriptions_per_peer by default: a
  // peer may announce its whole list and change all of it once a heartbeat.
  int max_subscribes_per_heartbeat = 256;

  PeerScoreParams score;
  PeerScoreThresholds thresholds;
};

}  // namespace p2pgossip::router
