// An undirected edge of a simulated topology, between node indices 0..n-1.
#pragma once

#include <cstdint>
#include <utility>

namespace p2pgossip::sim {

using Edge = std::pair<std::uint32_t, std::uint32_t>;

}  // namespace p2pgossip::sim
