// A directed simulated link: latency, bandwidth with a bounded FIFO send queue, loss.
// The queue is modelled by when the link's transmitter is next free, so a packet costs
// no event until it arrives: departure = max(now, busy_until) + size / bandwidth,
// arrival = departure + latency, and arrivals never overtake (RPCs ride one ordered
// stream, as over TCP or QUIC).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "p2pgossip/sim/latency.hpp"
#include "p2pgossip/sim/rng.hpp"

namespace p2pgossip::sim {

struct LinkParams {
  Latency latency = Latency::constant(0);
  double bandwidth_bytes_per_s = 0;           // 0: unlimited (no serialisation delay)
  double loss = 0;                            // probability an RPC is lost
  std::uint64_t queue_limit_bytes = 1 << 22;  // bytes waiting to be sent before drops
};

enum class LinkDrop : std::uint8_t { kNone, kLoss, kQueueFull };

struct alignas(32) LinkState {    // two to a cache line, none straddling two
  std::int64_t busy_until = 0;    // transmitter free from here (bandwidth-limited links)
  std::int64_t last_arrival = 0;  // keeps arrivals in send order
  // Packets arriving at or before this were sent before the link last went down: they die.
  // Arrivals keep send order, so the time a packet arrives says which side of a cut it was
  // sent on, and a packet needs no copy of a per-link generation.
  std::int64_t cut_at = -1;
  std::uint32_t packets = 0;  // per-link draw counter
  std::uint16_t params = 0;   // index into the simulation's LinkParams table
  bool up = false;

  // Whether a packet arriving at `arrival` gets through: the link is up and has not gone
  // down since the packet was sent.
  bool carries(std::int64_t arrival) const { return up && arrival > cut_at; }
  // The link goes down: what is on it dies; what is sent later arrives after it.
  void cut() {
    cut_at = last_arrival;
    last_arrival += 1;
  }
};
static_assert(sizeof(LinkState) == 32);

struct Transmission {
  LinkDrop drop = LinkDrop::kNone;
  std::int64_t arrival = 0;
};

// The key of the unordered pair {u, v}'s per-link draws: symmetric, and apart from every
// link's packet stream (the tag).
inline std::uint64_t pair_key(std::uint64_t seed, std::uint32_t u, std::uint32_t v) {
  const std::uint64_t pair = std::uint64_t{std::min(u, v)} << 32 | std::max(u, v);
  return stream_key(seed ^ 0x5045524c494e4b00ULL, pair);  // "PERLINK"
}

// Sends `bytes` from u to v over `link` at `now`; `stream` names the link's random stream.
inline Transmission transmit(LinkState& link, const LinkParams& p, std::uint64_t seed,
                             std::uint64_t stream, std::uint32_t u, std::uint32_t v,
                             std::int64_t now, std::uint64_t bytes) {
  const std::uint64_t counter = std::uint64_t{link.packets++} * 3;
  const std::uint64_t key = stream_key(seed, stream);  // draw(seed, stream, c) = mix64(key + c)
  if (p.loss > 0 && to_unit(mix64(key + counter)) < p.loss) return {LinkDrop::kLoss, 0};
  std::int64_t departure = now;
  if (p.bandwidth_bytes_per_s > 0) {
    const std::int64_t start = std::max(now, link.busy_until);
    const double queued = static_cast<double>(start - now) * 1e-9 * p.bandwidth_bytes_per_s;
    if (queued + static_cast<double>(bytes) > static_cast<double>(p.queue_limit_bytes))
      return {LinkDrop::kQueueFull, 0};
    departure = start + static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 /
                                                  p.bandwidth_bytes_per_s);
    link.busy_until = departure;
  }
  const std::int64_t latency =
      p.latency.per_link ? p.latency.sample_link(pair_key(seed, u, v), mix64(key + counter + 1))
      : p.latency.kind == Latency::Kind::kConstant
          ? static_cast<std::int64_t>(p.latency.a)
          : p.latency.sample(mix64(key + counter + 1), mix64(key + counter + 2));
  const std::int64_t arrival = std::max(departure + latency, link.last_arrival);
  link.last_arrival = arrival;
  return {LinkDrop::kNone, arrival};
}

}  // namespace p2pgossip::sim
