// Peer scoring of GossipSub v1.1: per-topic P1 (time in mesh), P2 (first deliveries),
// P3 (mesh delivery deficit), P3b (mesh failure penalty), P4 (invalid messages), and per-peer
// P5 (application), P6 (IP colocation), P7 (behaviour penalty); counters decay every
// decay_interval. Peers are the router's slot numbers; a disconnected peer's stats are kept
// for retain_score under its peer id, so reconnecting does not reset a bad score.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "delivery_records.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/router/router.hpp"

namespace p2pgossip::router {

class PeerScore {
 public:
  // Delivery records are kept for `record_ttl` (the seen cache's), at most `max_records`,
  // their ids in `pool` if not null.
  PeerScore(const PeerScoreParams& params, Duration record_ttl, std::size_t max_records,
            IdPool* pool);

  // Whether any weight is set; when not, every score is 0 and the hooks do nothing.
  bool enabled() const { return t_ != nullptr; }
  static bool weighted(const PeerScoreParams& params);  // enabled() of a PeerScore of these

  void add_topic(std::uint32_t topic, const std::string& name);
  void add_peer(std::uint32_t slot, const Bytes& peer_id, Instant now);
  void remove_peer(std::uint32_t slot, Instant now);

  void graft(std::uint32_t slot, std::uint32_t topic, Instant now);
  void prune(std::uint32_t slot, std::uint32_t topic, Instant now);
  // Outcome of the first copy of message `id`, sent by `slot`: delivered (P2, P3), rejected
  // by the validator (P4), or ignored (no score change).
  void first_delivery(std::uint32_t slot, std::uint32_t topic, const MessageId& id, Instant now);
  void rejected(std::uint32_t slot, std::uint32_t topic, const MessageId& id, Instant now);
  void ignored(std::uint32_t slot, std::uint32_t topic, const MessageId& id, Instant now);
  // A copy whose signature failed (P4); not recorded, as such a copy is not marked seen.
  void invalid_message(std::uint32_t slot, std::uint32_t topic);
  // A later copy of a recorded message: P3 if it came from a mesh peer within
  // mesh_message_deliveries_window of the first delivery, P4 if the message was rejected.
  // True when `slot` had already sent this message (an honest peer sends it once).
  bool duplicate(std::uint32_t slot, const MessageId& id, Instant now);
  void add_penalty(std::uint32_t slot, double count);
  void set_application_score(std::uint32_t slot, double value);
  void set_ip(std::uint32_t slot, const std::string& ip);

  double score(std::uint32_t slot, Instant now) const { return compute(slot, now, nullptr); }
  // The same, term by term; `topic` of each entry is left empty, `topic_ids` gets their
  // interned topics in the same order.
  ScoreBreakdown breakdown(std::uint32_t slot, Instant now,
                           std::vector<std::uint32_t>& topic_ids) const;
  // Decays counters when decay_interval has passed; activates P3; expires retained stats.
  void refresh(Instant now);
  // What score() and a duplicate() from `slot` of the id of hash `*h` read first, pulled into
  // cache in the router's prefetch stages, each reading only what the one before pulled: this
  // object, then its tables' heads, then the record's slot line and the peer's stats.
  void prefetch(int stage, std::uint32_t slot, const std::uint64_t* h) const {
    if (stage == 0) {
      __builtin_prefetch(&t_);
      return;
    }
    if (!t_) return;
    if (stage == 1) {
      __builtin_prefetch(&t_->peers_);
      __builtin_prefetch(&t_->deliveries_);
      return;
    }
    if (slot < t_->peers_.size()) __builtin_prefetch(&t_->peers_[slot]);
    if (h) t_->deliveries_.prefetch(*h);
  }
  // Bytes of the per-message delivery records.
  std::size_t memory_bytes() const { return t_ ? t_->deliveries_.memory_bytes() : 0; }

 private:
  struct TopicStats {
    // The topic's parameters, kept here rather than looked up in topic_params_ (a router's
    // arrays are cold lines in a simulation of thousands). An id keeps its parameters: a
    // topic with its own is never forgotten, and a forgotten id goes to a topic without.
    const TopicScoreParams* params = nullptr;
    std::uint32_t topic = 0;
    bool in_mesh = false;
    bool mesh_active = false;  // P3 counts only after mesh_message_deliveries_activation
    Instant graft_time{};
    double first_deliveries = 0;
    double mesh_deliveries = 0;
    double mesh_failure_penalty = 0;
    double invalid_deliveries = 0;
  };
  struct PeerStats {
    bool connected = false;
    Bytes peer_id;
    Instant expire{};  // when retained stats are forgotten
    std::vector<TopicStats> topics;
    double application_score = 0;
    double behaviour_penalty = 0;
    std::string ip;
  };

  const TopicScoreParams* params(std::uint32_t topic) const {
    return topic < t_->topic_params_.size() ? t_->topic_params_[topic] : nullptr;
  }
  // The score, and with `out` every term of it (one computation for both).
  double compute(std::uint32_t slot, Instant now, ScoreBreakdown* out,
                 std::vector<std::uint32_t>* topic_ids = nullptr) const;
  TopicStats* topic_stats(std::uint32_t slot, std::uint32_t topic, bool create);
  PeerStats& peer(std::uint32_t slot);
  void decay(PeerStats& p) const;
  void drop_ip(std::uint32_t slot);

  // What scoring keeps, allocated only when it is on: most routers (every one in a default
  // simulation) never score, and these cost about 280 bytes a router.
  struct Tables {
    Tables(Duration record_ttl, std::size_t max_records, IdPool* pool)
        : deliveries_(record_ttl, max_records, pool) {}
    std::vector<const TopicScoreParams*> topic_params_;  // by interned topic
    std::vector<PeerStats> peers_;                       // by slot
    std::map<Bytes, PeerStats> retained_;                // by peer id
    std::map<std::string, int> peers_per_ip_;
    DeliveryRecords deliveries_;
    Instant next_decay_{};
    bool decay_started_ = false;
  };

  const PeerScoreParams& params_;
  std::unique_ptr<Tables> t_;  // null: scoring is off
};

}  // namespace p2pgossip::router
