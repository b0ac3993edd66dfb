// The one dict shape of an RPC in Python (p2pgossip.wire's), converted to and from the C++
// Rpc. Shape errors (TypeError/ValueError) name the place, e.g. "rpc.control.prune[0].backoff".
#pragma once

#include "bindings.hpp"
#include "p2pgossip/rpc.hpp"

namespace p2pgossip::bindings {

Rpc rpc_from_dict(py::handle h);
py::dict rpc_to_dict(const Rpc& rpc);

}  // namespace p2pgossip::bindings
