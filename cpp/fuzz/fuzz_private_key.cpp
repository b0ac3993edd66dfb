// libFuzzer: decoding a key file never crashes, and an accepted key re-encodes to the
// preferred 64-byte form that decodes to the same key pair.
#include <algorithm>
#include <cstdlib>

#include "p2pgossip/crypto/keys.hpp"

using namespace p2pgossip::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto pair = decode_ed25519_private_key({data, size});
  if (!pair) return 0;
  const SecretBytes encoded = encode_ed25519_private_key(*pair);
  auto again = decode_ed25519_private_key(encoded.view());
  if (!again || again->public_key != pair->public_key ||
      !std::ranges::equal(again->seed.view(), pair->seed.view()))
    std::abort();
  return 0;
}
