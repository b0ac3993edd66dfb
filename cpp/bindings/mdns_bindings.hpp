// Shared by bind_mdns.cpp and bind_runtime.cpp: mDNS discovery's counters as a dict.
#pragma once

#include "bindings.hpp"
#include "p2pgossip/net/mdns_discovery.hpp"

namespace p2pgossip::bindings {

py::dict mdns_counters(const net::MdnsCounters& c);

}  // namespace p2pgossip::bindings
