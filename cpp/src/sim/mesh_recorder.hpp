// Records one simulated node's router's mesh changes in the simulation's log.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "p2pgossip/router/router.hpp"
#include "p2pgossip/sim/simulation.hpp"

namespace p2pgossip::sim {

class MeshRecorder : public router::Tracer {
 public:
  MeshRecorder(MeshLog& log, std::unordered_map<std::string, std::uint32_t>& topic_index,
               std::uint32_t node)
      : log_(&log), topic_index_(&topic_index), node_(node) {}
  void graft(router::PeerIndex peer, const std::string& topic, Instant now) override {
    record(peer, topic, now, true);
  }
  void prune(router::PeerIndex peer, const std::string& topic, Instant now) override {
    record(peer, topic, now, false);
  }

 private:
  void record(router::PeerIndex peer, const std::string& topic, Instant now, bool joined) {
    auto [it, added] =
        topic_index_->try_emplace(topic, static_cast<std::uint32_t>(log_->topics.size()));
    if (added) log_->topics.push_back(topic);
    log_->time.push_back(now.count());
    log_->node.push_back(node_);
    log_->peer.push_back(peer);
    log_->topic.push_back(it->second);
    log_->joined.push_back(joined);
  }
  MeshLog* log_;
  std::unordered_map<std::string, std::uint32_t>* topic_index_;
  std::uint32_t node_;
};

}  // namespace p2pgossip::sim
