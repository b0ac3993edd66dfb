// Signed envelopes (libp2p/specs RFC 0002): a payload, its type, and a signature by the key
// carried beside it, made for one "domain" so that a signature made for one purpose is never
// valid for another.
//   message Envelope { PublicKey public_key = 1; bytes payload_type = 2; bytes payload = 3;
//                      bytes signature = 5; }
// The RFC text numbers the signature 4; go-, rust-, js- and py-libp2p all put it in field 5,
// which is what is on the wire. The signature covers
//   uvarint(len(domain)) || domain || uvarint(len(payload_type)) || payload_type
//   || uvarint(len(payload)) || payload
// and the domain itself is never sent: an envelope checked against another domain than the one
// it was signed for fails as a bad signature. Only Ed25519 keys are admitted, as everywhere in
// p2pgossip.
#pragma once

#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::crypto {

namespace envelope_field {
constexpr std::uint32_t kPublicKey = 1, kPayloadType = 2, kPayload = 3, kSignature = 5;
}

// Identify carries at most 4 KiB of signed peer record (identify::Limits); envelopes are
// bounded the same wherever they come from.
constexpr std::size_t kMaxEnvelopeBytes = 4096;

struct Envelope {
  Ed25519PublicKey public_key{};
  Bytes payload_type;
  Bytes payload;
  Ed25519Signature signature{};

  bool operator==(const Envelope&) const = default;
};

Bytes envelope_signing_input(std::string_view domain, ByteView payload_type, ByteView payload);

// An envelope of `payload` signed by `signer` for `domain`.
Envelope seal_envelope(const Identity& signer, std::string_view domain, ByteView payload_type,
                       ByteView payload);

Bytes encode_envelope(const Envelope& envelope);
// Strict and bounded; the signature is not checked here (verify_envelope). Errors name the
// field: too large, malformed protobuf, duplicate or missing field, a key that is not a
// canonical Ed25519 PublicKey, a signature that is not 64 bytes.
Result<Envelope> decode_envelope(ByteView data);

// Ok when the signature covers the envelope's payload type and payload for `domain`.
Status verify_envelope(const Envelope& envelope, std::string_view domain);

}  // namespace p2pgossip::crypto
