#include "p2pgossip/sim/mesh_push_baseline.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <unordered_set>

#include "p2pgossip/sim/rng.hpp"

namespace p2pgossip::sim {

MeshPushResult mesh_push_baseline(std::uint32_t n, const std::vector<Edge>& edges, int D,
                                  const std::vector<std::uint32_t>& publishers,
                                  double median_latency_s, double sigma, std::uint64_t seed) {
  Random rng(seed);
  std::vector<std::vector<std::uint32_t>> neighbours(n);
  for (auto [a, b] : edges) {
    neighbours[a].push_back(b);
    neighbours[b].push_back(a);
  }
  std::vector<std::vector<std::uint32_t>> mesh(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    auto nb = neighbours[v];
    rng.sample(nb, static_cast<std::size_t>(D));
    mesh[v] = std::move(nb);
  }
  struct Ev {
    double time;
    std::uint32_t node, from, msg;
    bool operator>(const Ev& o) const { return time > o.time; }
  };
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> queue;
  std::vector<std::unordered_set<std::uint32_t>> seen(n);
  std::vector<double> latencies;
  MeshPushResult r;
  for (std::uint32_t m = 0; m < publishers.size(); ++m)
    queue.push({0.0, publishers[m], publishers[m], m});
  while (!queue.empty()) {
    const Ev e = queue.top();
    queue.pop();
    ++r.events;
    if (!seen[e.node].insert(e.msg).second) {
      ++r.duplicates;
      continue;
    }
    ++r.deliveries;
    latencies.push_back(e.time);
    for (std::uint32_t peer : mesh[e.node]) {
      if (peer == e.from) continue;
      const double latency = median_latency_s * std::exp(sigma * to_normal(rng.next(), rng.next()));
      queue.push({e.time + latency, peer, e.node, e.msg});
    }
  }
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    r.latency_p50_s = latencies[latencies.size() / 2];
    r.latency_p99_s = latencies[latencies.size() * 99 / 100];
  }
  return r;
}

}  // namespace p2pgossip::sim
