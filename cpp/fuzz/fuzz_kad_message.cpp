// kad Message: arbitrary bytes must decode or fail cleanly, what decodes must re-encode to a
// message that decodes to the same value, and answering it must not crash a server.
#include <cstdlib>

#include "p2pgossip/kad/message.hpp"
#include "p2pgossip/kad/server.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = kad::decode(ByteView(data, size));
  if (!decoded) return 0;
  auto again = kad::decode(kad::encode(*decoded));
  if (!again || !(*again == *decoded)) std::abort();
  static const Bytes local = {'l', 'o', 'c', 'a', 'l'}, sender = {'p', 'e', 'e', 'r'};
  kad::Server server(local, {}, Instant{});
  for (const auto& p : decoded->closer_peers) server.table().update(p.id, p.addrs, true, Instant{});
  (void)server.handle(sender, *decoded, Instant{});
  return 0;
}
