// A hash of message ids for hash maps outside the router (whose IdMap hashes its own keys).
#pragma once

#include <xxhash.h>

#include <cstddef>

#include "p2pgossip/message.hpp"

namespace p2pgossip {

struct MessageIdHash {
  std::size_t operator()(const MessageId& id) const {
    return static_cast<std::size_t>(XXH3_64bits(id.view().data(), id.size()));
  }
};

}  // namespace p2pgossip
