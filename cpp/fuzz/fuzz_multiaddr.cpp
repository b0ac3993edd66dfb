// Multiaddr: arbitrary text and binary must parse or fail cleanly, and what parses must
// format back to an equal value.
#include <cstdlib>

#include "p2pgossip/net/multiaddr.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (auto a = net::Multiaddr::from_bytes(in)) {
    if (a->to_bytes() != to_bytes(in)) std::abort();
  }
  if (auto a = net::Multiaddr::parse(as_chars(in))) {
    auto again = net::Multiaddr::parse(a->to_string());
    if (!again || !(*again == *a)) std::abort();
  }
  return 0;
}
