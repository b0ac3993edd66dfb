// The machine's network interfaces and their addresses (getifaddrs): where mDNS joins its
// group and sends, and what an unspecified listen address (0.0.0.0, ::) stands for.
#pragma once

#include <asio.hpp>
#include <string>
#include <vector>

namespace p2pgossip::runtime {

struct InterfaceAddress {
  std::string name;
  unsigned index = 0;
  asio::ip::address address;
  bool loopback = false;
  bool multicast = false;  // the interface has IFF_MULTICAST
};

// Every address of every interface that is up; empty when the system will not say.
std::vector<InterfaceAddress> interface_addresses();

}  // namespace p2pgossip::runtime
