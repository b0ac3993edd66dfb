// Known-peers file: arbitrary bytes must load or be refused whole, and a loaded file must
// export to a file that loads again.
#include <cstdlib>

#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/net/peer_manager.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto local = crypto::Identity::from_seed(Bytes(32, 7)).value()->peer_id();
  net::PeerManagerConfig config;
  config.target_outbound = 0;
  net::PeerManager pm(local, config);
  if (pm.import_known_peers(ByteView(data, size), Instant{})) {
    net::PeerManager again(local, config);
    if (!again.import_known_peers(pm.export_known_peers(), Instant{})) std::abort();
  }
  return 0;
}
