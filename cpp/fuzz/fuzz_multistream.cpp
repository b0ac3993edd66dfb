// multistream-select: arbitrary bytes fed to a dialer and a listener, in two chunks.
#include "p2pgossip/net/multistream.hpp"

using namespace p2pgossip;
namespace ms = net::multistream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (auto role : {ms::Role::kDialer, ms::Role::kListener}) {
    ms::Negotiation n(role, {"/meshsub/1.2.0", "/noise"}, {64, 4});
    std::size_t half = size / 2;
    n.receive(ByteView(data, half));
    n.receive(ByteView(data + half, size - half));
    (void)n.take_output();
    (void)n.poll_event();
    (void)n.take_remaining();
  }
  return 0;
}
