// GossipConfig: every router parameter, named as in the GossipSub spec. Defaults equal
// go-libp2p-pubsub's (gossipsub.go DefaultGossipSubParams and pubsub.go).
#pragma once

#include <chrono>
#include <cstdint>

namespace p2pgossip::router {

using Duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

enum class Strategy : std::uint8_t { kGossipSub, kFloodSub, kRandomSub };
enum class SignaturePolicy : std::uint8_t { kStrictSign, kStrictNoSign };

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
  int opportunistic_graft_ticks = 60;
  int opportunistic_graft_peers = 2;

  // IHAVE / IWANT spam caps.
  int max_ihave_length = 5000;
  int max_ihave_messages = 10;
  Duration iwant_followup_time = 3s;

  // IDONTWANT (v1.2).
  std::size_t idontwant_message_threshold = 1024;
  int max_idontwant_messages = 1000;
  int idontwant_message_ttl_heartbeats = 3;

  bool flood_publish = true;
  std::size_t max_message_size = 1 << 20;

  // Per-peer inbound rate limit (token buckets); 0 disables a bucket.
  double rate_limit_messages_per_s = 100;
  double rate_limit_bytes_per_s = 1 << 20;
  double rate_limit_burst_s = 1.0;  // bucket depth in seconds of rate

  // randomsub: forward to `randomsub_k` random subscribed peers, at most `randomsub_ttl` hops.
  int randomsub_k = 6;
  int randomsub_ttl = 8;
};

}  // namespace p2pgossip::router
