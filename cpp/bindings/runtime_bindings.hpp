// What the runtime's bindings share (bind_runtime.cpp, bind_deliveries.cpp,
// bind_requests.cpp).
#pragma once

#include <memory>

#include "bindings.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/host/dht.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::bindings {

inline py::object message_to_py(const MessagePtr& m) {
  // Python's Message class holds shared_ptr<Message>; the runtime never mutates a message
  // after it is queued, and Python exposes it read-only.
  return py::cast(std::const_pointer_cast<Message>(m));
}

// stats()["dht"] (bind_requests.cpp).
py::dict dht_counters(const host::DhtCounters& c, std::size_t table_size);

// A peer id argument: PeerId or its binary multihash.
inline Bytes peer_id_of(const py::handle& h) {
  if (py::isinstance<crypto::PeerId>(h)) return to_bytes(h.cast<const crypto::PeerId&>().bytes());
  if (py::isinstance<py::bytes>(h)) return to_bytes(view_of(py::reinterpret_borrow<py::bytes>(h)));
  throw py::type_error("peer id must be a PeerId or bytes");
}

}  // namespace p2pgossip::bindings
