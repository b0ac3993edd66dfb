// Noise: arbitrary bytes as a libp2p handshake payload (decode, verify) and as the
// handshake messages a responder and an initiator receive.
#include <sodium.h>

#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/net/noise_session.hpp"

using namespace p2pgossip;
namespace noise = net::noise;

namespace {

noise::SessionConfig config(bool initiator) {
  noise::SessionConfig c;
  c.initiator = initiator;
  c.identity.sign = [](ByteView) { return Bytes(64); };
  // Fixed keys keep runs reproducible.
  c.static_key = noise::SecretKey(noise::Key{1});
  c.ephemeral_key = noise::SecretKey(noise::Key{2});
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool sodium_ready = sodium_init() >= 0;
  (void)sodium_ready;
  ByteView in(data, size);
  if (auto p = noise::decode_payload(in)) {
    (void)noise::encode_payload(*p);
    (void)noise::verify_payload(*p, noise::Key{});
  }
  for (bool initiator : {true, false}) {
    noise::Session s(config(initiator));
    s.receive(in);
    (void)s.take_output();
    (void)s.poll_event();
  }
  return 0;
}
