// Declarations shared by bind_net.cpp and bind_peer.cpp.
#pragma once

#include "bindings.hpp"

namespace p2pgossip::bindings {

// Identify, ping, private-network certificates and the peer manager.
void bind_peer(py::module_& m);

}  // namespace p2pgossip::bindings
