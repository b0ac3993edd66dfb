// Signed envelopes and peer records: arbitrary bytes must decode or fail cleanly, what decodes
// must re-encode to an equal value, and opening must never accept a record that is not signed
// by its own peer.
#include <cstdlib>

#include "p2pgossip/crypto/signed_envelope.hpp"
#include "p2pgossip/net/peer_record.hpp"

using namespace p2pgossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  if (auto e = crypto::decode_envelope(in)) {
    auto again = crypto::decode_envelope(crypto::encode_envelope(*e));
    if (!again || !(*again == *e)) std::abort();
  }
  if (auto r = net::decode_peer_record(in)) {
    auto again = net::decode_peer_record(net::encode_peer_record(*r));
    if (!again || !(*again == *r)) std::abort();
  }
  if (auto opened = net::SignedPeerRecord::open(in)) {
    auto e = crypto::decode_envelope(in);
    if (!e || opened->record().peer_id != crypto::PeerId::from_public_key(e->public_key))
      std::abort();
  }
  return 0;
}
