// Network certificates: arbitrary bytes must decode or fail cleanly, what decodes must
// re-encode to an equal certificate, and verification must never accept garbage.
#include <cstdlib>

#include "p2pgossip/net/network_cert.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (auto cert = net::decode_certificate(in)) {
    auto again = net::decode_certificate(net::encode_certificate(*cert));
    if (!again || !(*again == *cert)) std::abort();
    // A certificate verifies only with a signature over its own fields: all-zero keys and
    // a fuzzer-made signature are refused.
    if (net::verify_certificate(crypto::Ed25519PublicKey{}, cert->peer_public_key, in, 0))
      std::abort();
  }
  return 0;
}
