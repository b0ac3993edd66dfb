// The benchmark baseline: a bare discrete-event mesh-push loop with nothing of the
// router in it (std::priority_queue binary heap, a hash set of seen ids per node, no
// control traffic, no bytes). Each node forwards a message it sees first to D fixed
// random neighbours except the sender; latency is log-normal per packet.
#pragma once

#include <cstdint>
#include <vector>

#include "p2pgossip/sim/edge.hpp"

namespace p2pgossip::sim {

struct MeshPushResult {
  std::uint64_t events = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t duplicates = 0;
  double latency_p50_s = 0;
  double latency_p99_s = 0;
};

// `publishers[i]` publishes message i at time 0.
MeshPushResult mesh_push_baseline(std::uint32_t n, const std::vector<Edge>& edges, int D,
                                  const std::vector<std::uint32_t>& publishers,
                                  double median_latency_s, double sigma, std::uint64_t seed);

}  // namespace p2pgossip::sim
