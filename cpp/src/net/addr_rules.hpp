// Address rules the peer manager's files share: which IP an address is from, loopback,
// and which addresses are dialable.
#pragma once

#include <algorithm>

#include "p2pgossip/net/multiaddr.hpp"

namespace p2pgossip::net {

// A remote IP as bytes: the value of the first /ip4 or /ip6 component.
inline Bytes ip_of(const Multiaddr& addr) {
  for (const auto& c : addr.components())
    if (c.protocol == Protocol::kIp4 || c.protocol == Protocol::kIp6) return c.value;
  return {};
}

inline bool is_loopback(const Bytes& ip) {
  if (ip.size() == 4) return ip[0] == 127;
  if (ip.size() == 16)
    return std::all_of(ip.begin(), ip.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
           ip.back() == 1;
  return false;
}

// A transport address we can dial: /ip4|/ip6|/dns*, then /tcp, and nothing else.
inline bool dialable(const Multiaddr& addr) {
  const auto& c = addr.components();
  if (c.size() != 2 || c[1].protocol != Protocol::kTcp) return false;
  switch (c[0].protocol) {
    case Protocol::kIp4:
    case Protocol::kIp6:
    case Protocol::kDns:
    case Protocol::kDns4:
    case Protocol::kDns6:
      return true;
    default:
      return false;
  }
}

}  // namespace p2pgossip::net
