#include "interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace p2pgossip::runtime {

std::vector<InterfaceAddress> interface_addresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    InterfaceAddress a;
    if (i->ifa_addr->sa_family == AF_INET) {
      sockaddr_in in{};
      std::memcpy(&in, i->ifa_addr, sizeof in);
      a.address = asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, i->ifa_addr, sizeof in6);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
      a.address = asio::ip::address_v6(bytes, in6.sin6_scope_id);
    } else {
      continue;
    }
    a.name = i->ifa_name;
    a.index = if_nametoindex(i->ifa_name);
    a.loopback = i->ifa_flags & IFF_LOOPBACK;
    a.multicast = i->ifa_flags & IFF_MULTICAST;
    out.push_back(std::move(a));
  }
  freeifaddrs(list);
  return out;
}

}  // namespace p2pgossip::runtime
