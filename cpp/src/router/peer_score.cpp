#include "peer_score.hpp"

#include <algorithm>
#include <cmath>

namespace p2pgossip::router {

namespace {

constexpr std::size_t kMaxRetained = 4096;

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

void decay_to(double& v, double factor, double to_zero) {
  v *= factor;
  if (v < to_zero) v = 0;
}

}  // namespace

bool PeerScore::weighted(const PeerScoreParams& p) {
  if (p.app_specific_weight != 0 || p.ip_colocation_factor_weight != 0 ||
      p.behaviour_penalty_weight != 0)
    return true;
  for (const auto& [name, t] : p.topics)
    if (t.topic_weight != 0 &&
        (t.time_in_mesh_weight != 0 || t.first_message_deliveries_weight != 0 ||
         t.mesh_message_deliveries_weight != 0 || t.mesh_failure_penalty_weight != 0 ||
         t.invalid_message_deliveries_weight != 0))
      return true;
  return false;
}

PeerScore::PeerScore(const PeerScoreParams& params, Duration record_ttl, std::size_t max_records,
                     IdPool* pool)
    : params_(params),
      t_(weighted(params) ? std::make_unique<Tables>(record_ttl, max_records, pool) : nullptr) {}

void PeerScore::add_topic(std::uint32_t topic, const std::string& name) {
  if (!t_) return;
  if (topic >= t_->topic_params_.size()) t_->topic_params_.resize(topic + 1, nullptr);
  auto it = params_.topics.find(name);
  // A topic without its own parameters takes the default topic's (key ""), if any: a node
  // that does not know its topics in advance still penalises invalid messages on all of them.
  if (it == params_.topics.end()) it = params_.topics.find(std::string(kDefaultTopic));
  t_->topic_params_[topic] = it == params_.topics.end() ? nullptr : &it->second;
}

PeerScore::PeerStats& PeerScore::peer(std::uint32_t slot) {
  if (slot >= t_->peers_.size()) t_->peers_.resize(slot + 1);
  return t_->peers_[slot];
}

void PeerScore::add_peer(std::uint32_t slot, const Bytes& peer_id, Instant now) {
  if (!t_) return;
  PeerStats& p = peer(slot);
  p = PeerStats{};
  if (auto it = t_->retained_.find(peer_id); it != t_->retained_.end()) {
    p = std::move(it->second);
    t_->retained_.erase(it);
  }
  p.connected = true;
  p.peer_id = peer_id;
}

void PeerScore::remove_peer(std::uint32_t slot, Instant now) {
  if (!t_ || slot >= t_->peers_.size()) return;
  PeerStats& p = t_->peers_[slot];
  drop_ip(slot);
  p.ip.clear();
  for (TopicStats& t : p.topics) {
    // Leaving the mesh by disconnecting still counts a delivery deficit (P3b); first
    // deliveries (P2) are not carried over to a reconnection.
    if (t.in_mesh) prune(slot, t.topic, now);
    t.first_deliveries = 0;
  }
  p.connected = false;
  t_->deliveries_.forget(slot);
  // Only a score that would hurt the peer is worth remembering.
  if (score(slot, now) < 0 && !p.peer_id.empty()) {
    if (t_->retained_.size() >= kMaxRetained) {
      auto oldest =
          std::min_element(t_->retained_.begin(), t_->retained_.end(),
                           [](auto& a, auto& b) { return a.second.expire < b.second.expire; });
      t_->retained_.erase(oldest);
    }
    p.expire = now + params_.retain_score;
    t_->retained_[p.peer_id] = std::move(p);
  }
  p = PeerStats{};
}

PeerScore::TopicStats* PeerScore::topic_stats(std::uint32_t slot, std::uint32_t topic,
                                              bool create) {
  PeerStats& p = peer(slot);
  for (TopicStats& t : p.topics)
    if (t.topic == topic) return &t;
  const TopicScoreParams* tp = params(topic);
  if (!create || !tp) return nullptr;
  p.topics.push_back(TopicStats{tp, topic});
  return &p.topics.back();
}

void PeerScore::graft(std::uint32_t slot, std::uint32_t topic, Instant now) {
  if (!t_) return;
  if (TopicStats* t = topic_stats(slot, topic, true)) {
    t->in_mesh = true;
    t->mesh_active = false;
    t->graft_time = now;
  }
}

void PeerScore::prune(std::uint32_t slot, std::uint32_t topic, Instant now) {
  if (!t_) return;
  TopicStats* t = topic_stats(slot, topic, false);
  if (!t) return;
  const TopicScoreParams& tp = *t->params;
  if (t->mesh_active && t->mesh_deliveries < tp.mesh_message_deliveries_threshold) {
    const double deficit = tp.mesh_message_deliveries_threshold - t->mesh_deliveries;
    t->mesh_failure_penalty += deficit * deficit;
  }
  t->in_mesh = false;
  t->mesh_active = false;
}

void PeerScore::first_delivery(std::uint32_t slot, std::uint32_t topic, const MessageId& id,
                               Instant now) {
  if (!t_) return;
  t_->deliveries_.add(id, DeliveryRecords::Status::kValid, topic, slot, now);
  TopicStats* t = topic_stats(slot, topic, true);
  if (!t) return;
  const TopicScoreParams& tp = *t->params;
  t->first_deliveries = std::min(tp.first_message_deliveries_cap, t->first_deliveries + 1);
  if (t->in_mesh)
    t->mesh_deliveries = std::min(tp.mesh_message_deliveries_cap, t->mesh_deliveries + 1);
}

void PeerScore::rejected(std::uint32_t slot, std::uint32_t topic, const MessageId& id,
                         Instant now) {
  if (!t_) return;
  t_->deliveries_.add(id, DeliveryRecords::Status::kInvalid, topic, slot, now);
  invalid_message(slot, topic);
}

void PeerScore::ignored(std::uint32_t slot, std::uint32_t topic, const MessageId& id, Instant now) {
  if (!t_) return;
  t_->deliveries_.add(id, DeliveryRecords::Status::kIgnored, topic, slot, now);
}

void PeerScore::invalid_message(std::uint32_t slot, std::uint32_t topic) {
  if (!t_) return;
  if (TopicStats* t = topic_stats(slot, topic, true)) t->invalid_deliveries += 1;
}

bool PeerScore::duplicate(std::uint32_t slot, const MessageId& id, Instant now) {
  if (!t_) return false;
  bool repeat = false;
  const DeliveryRecords::Record* r = t_->deliveries_.duplicate(id, slot, repeat);
  if (!r) return repeat;
  switch (r->status) {
    case DeliveryRecords::Status::kValid: {
      TopicStats* t = topic_stats(slot, r->topic, false);
      if (!t || !t->in_mesh) return false;
      const TopicScoreParams& tp = *t->params;
      if (now > r->validated + tp.mesh_message_deliveries_window) return false;
      t->mesh_deliveries = std::min(tp.mesh_message_deliveries_cap, t->mesh_deliveries + 1);
      return false;
    }
    case DeliveryRecords::Status::kInvalid:
      invalid_message(slot, r->topic);
      return false;
    case DeliveryRecords::Status::kIgnored:
      return false;
  }
  return false;
}

void PeerScore::add_penalty(std::uint32_t slot, double count) {
  if (!t_) return;
  peer(slot).behaviour_penalty += count;
}

void PeerScore::set_application_score(std::uint32_t slot, double value) {
  if (!t_) return;
  peer(slot).application_score = value;
}

void PeerScore::drop_ip(std::uint32_t slot) {
  const std::string& ip = t_->peers_[slot].ip;
  if (ip.empty()) return;
  if (auto it = t_->peers_per_ip_.find(ip); it != t_->peers_per_ip_.end() && --it->second <= 0)
    t_->peers_per_ip_.erase(it);
}

void PeerScore::set_ip(std::uint32_t slot, const std::string& ip) {
  if (!t_) return;
  PeerStats& p = peer(slot);
  drop_ip(slot);
  p.ip = ip;
  if (!ip.empty()) ++t_->peers_per_ip_[ip];
}

ScoreBreakdown PeerScore::breakdown(std::uint32_t slot, Instant now,
                                    std::vector<std::uint32_t>& topic_ids) const {
  ScoreBreakdown b;
  compute(slot, now, &b, &topic_ids);
  return b;
}

double PeerScore::compute(std::uint32_t slot, Instant now, ScoreBreakdown* out,
                          std::vector<std::uint32_t>* topic_ids) const {
  if (!t_ || slot >= t_->peers_.size()) return 0;
  const PeerStats& p = t_->peers_[slot];
  double topics = 0;
  for (const TopicStats& t : p.topics) {
    const TopicScoreParams& tp = *t.params;
    TopicScoreBreakdown terms;
    if (t.in_mesh) {
      // Whole quanta only, as in go-libp2p-pubsub.
      const double quanta =
          std::floor(seconds(now - t.graft_time) / seconds(tp.time_in_mesh_quantum));
      terms.time_in_mesh = tp.time_in_mesh_weight * std::min(quanta, tp.time_in_mesh_cap);
    }
    terms.first_deliveries = tp.first_message_deliveries_weight * t.first_deliveries;
    if (t.mesh_active && t.mesh_deliveries < tp.mesh_message_deliveries_threshold) {
      const double deficit = tp.mesh_message_deliveries_threshold - t.mesh_deliveries;
      terms.mesh_deliveries = tp.mesh_message_deliveries_weight * deficit * deficit;
    }
    terms.mesh_failure_penalty = tp.mesh_failure_penalty_weight * t.mesh_failure_penalty;
    terms.invalid_deliveries =
        tp.invalid_message_deliveries_weight * t.invalid_deliveries * t.invalid_deliveries;
    terms.total =
        tp.topic_weight * (terms.time_in_mesh + terms.first_deliveries + terms.mesh_deliveries +
                           terms.mesh_failure_penalty + terms.invalid_deliveries);
    topics += terms.total;
    if (out) {
      out->topics.push_back(terms);
      topic_ids->push_back(t.topic);
    }
  }
  if (params_.topic_score_cap > 0) topics = std::min(topics, params_.topic_score_cap);
  const double application = params_.app_specific_weight * p.application_score;
  double colocation = 0, behaviour = 0;
  if (!p.ip.empty()) {
    auto it = t_->peers_per_ip_.find(p.ip);
    const double n = it == t_->peers_per_ip_.end() ? 0 : it->second;
    if (n > params_.ip_colocation_factor_threshold) {
      const double surplus = n - params_.ip_colocation_factor_threshold;
      colocation = params_.ip_colocation_factor_weight * surplus * surplus;
    }
  }
  if (p.behaviour_penalty > params_.behaviour_penalty_threshold) {
    const double excess = p.behaviour_penalty - params_.behaviour_penalty_threshold;
    behaviour = params_.behaviour_penalty_weight * excess * excess;
  }
  const double total = topics + application + colocation + behaviour;
  if (out) {
    out->topics_total = topics;
    out->application = application;
    out->ip_colocation = colocation;
    out->behaviour = behaviour;
    out->total = total;
  }
  return total;
}

void PeerScore::decay(PeerStats& p) const {
  const double z = params_.decay_to_zero;
  for (TopicStats& t : p.topics) {
    const TopicScoreParams& tp = *t.params;
    decay_to(t.first_deliveries, tp.first_message_deliveries_decay, z);
    decay_to(t.mesh_deliveries, tp.mesh_message_deliveries_decay, z);
    decay_to(t.mesh_failure_penalty, tp.mesh_failure_penalty_decay, z);
    decay_to(t.invalid_deliveries, tp.invalid_message_deliveries_decay, z);
  }
  decay_to(p.behaviour_penalty, params_.behaviour_penalty_decay, z);
}

void PeerScore::refresh(Instant now) {
  if (!t_) return;
  for (PeerStats& p : t_->peers_)
    for (TopicStats& t : p.topics)
      if (t.in_mesh && !t.mesh_active &&
          now - t.graft_time >= t.params->mesh_message_deliveries_activation)
        t.mesh_active = true;
  if (!t_->decay_started_) {
    t_->decay_started_ = true;
    t_->next_decay_ = now + params_.decay_interval;
    return;
  }
  while (now >= t_->next_decay_) {
    for (PeerStats& p : t_->peers_)
      if (p.connected) decay(p);
    for (auto& [id, p] : t_->retained_) decay(p);
    t_->next_decay_ += std::max(params_.decay_interval, Duration{1});
  }
  std::erase_if(t_->retained_, [&](const auto& kv) { return kv.second.expire <= now; });
  t_->deliveries_.expire(now);
}

}  // namespace p2pgossip::router
