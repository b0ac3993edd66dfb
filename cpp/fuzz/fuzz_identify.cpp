// Identify: arbitrary bytes must decode or fail cleanly (as one message and as a stream),
// and what decodes must re-encode to a message that decodes to the same value.
#include <cstdlib>

#include "p2pgossip/net/identify.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  for (auto decoded : {net::identify::decode(in), net::identify::decode_stream(in)}) {
    if (!decoded) continue;
    auto again = net::identify::decode(net::identify::encode(*decoded));
    if (!again || !(*again == *decoded)) std::abort();
  }
  return 0;
}
