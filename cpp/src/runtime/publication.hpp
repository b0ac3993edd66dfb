// A message published through Runtime::publish_batch: signed on the caller's thread, and
// built into the router's Message on the node's I/O thread. The Message's own allocations
// (five, for a signed message) are then made on the thread that holds it and, when the
// mcache lets it go, freed there: the caller allocates the data alone, and a publisher
// does not pay for the memory of the messages its router keeps.
#pragma once

#include <cstdint>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/message_signing.hpp"
#include "p2pgossip/message.hpp"

namespace p2pgossip::runtime {

struct Publication {
  Bytes data;
  std::uint64_t seqno = 0;               // StrictSign only
  crypto::Ed25519Signature signature{};  // StrictSign only
};

// Sets the fields of `m` but the signature to those of a publication of `data` on `topic`
// (StrictSign: from `identity`, with `seqno`; StrictNoSign: neither), assigning into the
// buffers `m` has, so a message reused from call to call allocates only what grew.
void set_publication_fields(Message& m, const crypto::Identity& identity,
                            crypto::SignaturePolicy policy, std::string_view topic, Bytes data,
                            std::uint64_t seqno);

// The router's Message for `p` (its data moved out).
MessagePtr to_message(const crypto::Identity& identity, crypto::SignaturePolicy policy,
                      std::string_view topic, Publication& p);

}  // namespace p2pgossip::runtime
