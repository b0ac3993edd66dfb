// The CPU cost model: virtual time a node spends on the work that bounds real nodes.
// A node handles one thing at a time; input that arrives while it is busy waits.
#pragma once

#include <cstdint>

namespace p2pgossip::sim {

struct CpuCost {
  std::int64_t verify_ns = 0;       // per Ed25519 signature verification
  std::int64_t sign_ns = 0;         // per message signed (own publishes)
  std::int64_t per_message_ns = 0;  // per message handled: every publish entry received
                                    // (duplicates included) and every own publish
};

}  // namespace p2pgossip::sim
