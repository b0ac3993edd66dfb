#include "sim/in_flight.hpp"

namespace p2pgossip::sim {

std::uint32_t CarriedMessages::carry_first(const MessagePtr& m, std::uint32_t size,
                                           const MessageId* id_hint, std::uint32_t* cache) {
  std::uint32_t i;
  if (cache) {
    i = *cache = entries_.put(Entry{m, id_hint, cache, 0, size});
  } else {
    auto [it, added] = index_.try_emplace(m.get(), 0);
    if (added) it->second = entries_.put(Entry{m, id_hint, nullptr, 0, size});
    i = it->second;
  }
  ++entries_[i].packets;
  return i;
}

}  // namespace p2pgossip::sim
