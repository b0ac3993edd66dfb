// A node's metrics as Prometheus families: the one place their names, help and labels are
// defined. The runtime's /metrics endpoint and Python's collector both read these.
//
// Names follow Prometheus conventions: counters end in _total, one family per quantity,
// with what varies (event, protocol, direction, layer, reason, topic) as labels, and every
// sample labelled with the node's peer id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "p2pgossip/metrics/registry.hpp"
#include "p2pgossip/runtime/metrics.hpp"

namespace p2pgossip::runtime {

// Drops counted by the application layer above the runtime (validator errors, subscription
// overflow in Python), by reason; exposed under layer="app".
using AppDrops = std::map<std::string, std::uint64_t>;

// How many peers' scores p2pgossip_peer_score exposes (the lowest).
constexpr std::size_t kScoredPeers = 32;  // said in the family's help text

std::vector<metrics::FamilySnapshot> node_families(const NodeMetrics& m, const std::string& node,
                                                   const AppDrops& app_drops);

}  // namespace p2pgossip::runtime
