// libFuzzer: PeerId::from_bytes and PeerId::parse never crash, and what they accept
// round-trips through both forms.
#include <cstdlib>

#include "p2pgossip/crypto/peer_id.hpp"

using p2pgossip::ByteView;
using p2pgossip::crypto::PeerId;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  if (auto id = PeerId::from_bytes(in)) {
    auto again = PeerId::parse(id->to_string());
    if (!again || *again != *id) std::abort();
    if (id->public_key() && PeerId::from_public_key(*id->public_key()) != *id) std::abort();
  }
  if (auto id = PeerId::parse(p2pgossip::as_chars(in))) {
    if (PeerId::from_bytes(id->bytes()).value() != *id) std::abort();
  }
  return 0;
}
