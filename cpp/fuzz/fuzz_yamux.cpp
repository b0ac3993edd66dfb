// yamux: arbitrary bytes fed to a client and a server session, then local operations on
// whatever streams exist; invariants on the stream limit.
#include <cstdlib>

#include "p2pgossip/net/yamux.hpp"

using namespace p2pgossip;
namespace yamux = net::yamux;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (auto role : {yamux::Role::kClient, yamux::Role::kServer}) {
    yamux::Session s(role, {4, yamux::kInitialWindow, 1024, 4096});
    std::size_t third = size / 3;
    s.receive(ByteView(data, third));
    if (auto id = s.open_stream()) (void)s.send(*id, ByteView(data, third));
    s.receive(ByteView(data + third, size - third));
    if (s.stream_count() > 4) std::abort();
    while (auto ev = s.poll_event()) {
      if (auto* d = std::get_if<yamux::Data>(&*ev))
        if (!s.consume(d->stream_id, static_cast<std::uint32_t>(d->data.size()))) std::abort();
    }
    (void)s.take_output();
  }
  return 0;
}
