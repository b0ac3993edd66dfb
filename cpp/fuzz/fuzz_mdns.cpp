// mDNS packets: arbitrary bytes must decode or fail cleanly, what decodes must re-encode
// (names written out) to a packet that decodes to the same message, and discovery must
// not crash on it; a response built from its TXT strings (whatever multiaddrs, or not, they
// hold) must encode and decode to itself.
#include <cstdlib>
#include <string>
#include <vector>

#include "p2pgossip/net/mdns.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = net::mdns::decode(ByteView(data, size));
  if (!decoded) return 0;
  auto encoded = net::mdns::encode(*decoded);
  if (!encoded) std::abort();
  auto again = net::mdns::decode(*encoded, {.max_message_bytes = encoded->size()});
  if (!again || !(*again == *decoded)) std::abort();
  (void)net::mdns::discovered_peers(*decoded);
  (void)net::mdns::is_peer_query(*decoded);
  (void)net::mdns::is_query_for(*decoded, "peer");
  std::vector<std::string> addrs;
  for (const auto& r : decoded->additionals)
    for (const auto& s : r.txt)
      if (s.size() <= 200) addrs.push_back(s);
  const auto response = net::mdns::peer_response("peer", addrs);
  auto bytes = net::mdns::encode(response);
  if (!bytes) return 0;  // over 9000 bytes or 65535 in one TXT: an error, not a crash
  auto back = net::mdns::decode(*bytes, {.max_message_bytes = bytes->size()});
  if (!back || !(*back == response)) std::abort();
  return 0;
}
