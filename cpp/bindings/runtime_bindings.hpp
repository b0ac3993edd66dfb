// What the runtime's bindings share (bind_runtime.cpp, bind_deliveries.cpp).
#pragma once

#include <memory>

#include "bindings.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::bindings {

inline py::object message_to_py(const MessagePtr& m) {
  // Python's Message class holds shared_ptr<Message>; the runtime never mutates a message
  // after it is queued, and Python exposes it read-only.
  return py::cast(std::const_pointer_cast<Message>(m));
}

}  // namespace p2pgossip::bindings
