// mDNS packets: arbitrary bytes must decode or fail cleanly, what decodes must re-encode
// (names written out) to a packet that decodes to the same message, and discovery must
// not crash on it.
#include <cstdlib>

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
  return 0;
}
