// Router counters: plain integers owned by one router (one thread), read by the shells.
#pragma once

#include <cstdint>

namespace p2pgossip::router {

struct Counters {
  // Messages.
  std::uint64_t messages_published = 0;
  std::uint64_t messages_received = 0;   // every publish entry received, duplicates included
  std::uint64_t messages_delivered = 0;  // first valid receipt, handed to the application
  std::uint64_t messages_forwarded = 0;  // message copies sent to peers
  std::uint64_t duplicates = 0;
  // Duplicates a peer had already sent us (each peer sends a message once) and we had not
  // asked it for by IWANT; counted, and penalized (P7), only while scoring is on, as the
  // delivery records exist only then.
  std::uint64_t duplicates_repeated = 0;
  std::uint64_t hop_limit_reached = 0;  // randomsub: delivered, not forwarded (randomsub_ttl)
  // Control traffic, sent and received.
  std::uint64_t ihave_sent = 0, ihave_received = 0;
  std::uint64_t iwant_sent = 0, iwant_received = 0;
  std::uint64_t graft_sent = 0, graft_received = 0;
  std::uint64_t prune_sent = 0, prune_received = 0;
  std::uint64_t idontwant_sent = 0, idontwant_received = 0;
  // First copies of messages we had asked for with IWANT: gossip filling a gap (a copy the
  // limiter refused and we asked for again, a lost link, or an IHAVE that came before the
  // mesh's copy).
  std::uint64_t iwant_recovered = 0;
  // Ids of forwards the shell could not queue (a full outbound queue or budget), offered to
  // their peer again by IHAVE (Router::forward_refused).
  std::uint64_t refused_offered = 0;
  // Drops by reason.
  std::uint64_t dropped_invalid_signature = 0;
  std::uint64_t dropped_too_large = 0;
  std::uint64_t dropped_rejected = 0;  // validator said reject
  std::uint64_t dropped_ignored = 0;   // validator said ignore
  std::uint64_t dropped_rate_limited = 0;
  std::uint64_t dropped_validation_full = 0;  // the shell's validation queue was full
  std::uint64_t dropped_seen_cache_full = 0;
  std::uint64_t dropped_unsubscribed_topic = 0;
  std::uint64_t dropped_spam = 0;           // IHAVE/IWANT/IDONTWANT/SUBSCRIBE over their caps
  std::uint64_t dropped_topic_churn = 0;    // SUBSCRIBEs over max_subscribes_per_heartbeat
  std::uint64_t dropped_graylisted = 0;     // RPCs ignored: sender scored below graylist_threshold
  std::uint64_t broken_promises = 0;        // IWANTs not answered within iwant_followup_time
  std::uint64_t disconnects_requested = 0;  // DisconnectPeer (disconnect_graylisted)
  // Topic table entries freed: nobody (we or a connected peer) subscribes, and no mesh,
  // fanout, mcache or backoff state is left for the topic.
  std::uint64_t topics_forgotten = 0;
};

}  // namespace p2pgossip::router

// Every Counters field by name, for the shells and bindings that list them
// (X(name) once per field, in declaration order).
// clang-format off
#define P2PGOSSIP_ROUTER_COUNTERS(X) \
  X(messages_published)              \
  X(messages_received)               \
  X(messages_delivered)              \
  X(messages_forwarded)              \
  X(duplicates)                      \
  X(duplicates_repeated)             \
  X(hop_limit_reached)               \
  X(ihave_sent)                      \
  X(ihave_received)                  \
  X(iwant_sent)                      \
  X(iwant_received)                  \
  X(graft_sent)                      \
  X(graft_received)                  \
  X(prune_sent)                      \
  X(prune_received)                  \
  X(idontwant_sent)                  \
  X(idontwant_received)              \
  X(iwant_recovered)                 \
  X(refused_offered)                 \
  X(dropped_invalid_signature)       \
  X(dropped_too_large)               \
  X(dropped_rejected)                \
  X(dropped_ignored)                 \
  X(dropped_rate_limited)            \
  X(dropped_validation_full)         \
  X(dropped_seen_cache_full)         \
  X(dropped_unsubscribed_topic)      \
  X(dropped_spam)                    \
  X(dropped_topic_churn)             \
  X(dropped_graylisted)              \
  X(broken_promises)                 \
  X(disconnects_requested)           \
  X(topics_forgotten)
// clang-format on
