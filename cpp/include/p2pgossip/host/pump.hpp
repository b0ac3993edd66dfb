// Feeding a connection from its outbox, for every shell that sends bytes (the runtime's
// sockets, the simulator's full-stack links): the one place RPCs leave the queue.
#pragma once

#include <cstddef>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/connection.hpp"
#include "p2pgossip/host/outbox.hpp"

namespace p2pgossip::host {

// Moves the outbox's RPCs, encoded into `frame`, into the connection's pubsub stream while it
// takes them (`in_flight`: bytes the transport holds and has not written); `sent(bytes)` is
// called per RPC. False when the stream failed (the connection closed itself).
template <class Sent>
bool pump(Outbox& outbox, Connection& connection, Bytes& frame, std::size_t in_flight,
          Sent&& sent) {
  while (connection.pubsub_writable(in_flight) && outbox.pop(frame)) {
    if (!connection.send_rpc_frame(frame)) return false;
    sent(frame.size());
  }
  return true;
}

}  // namespace p2pgossip::host
