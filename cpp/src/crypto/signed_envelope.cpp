#include "p2pgossip/crypto/signed_envelope.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "p2pgossip/crypto/keys.hpp"
#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::crypto {

namespace {

Error fail(std::string_view field, const std::string& rule) {
  return Error{"Envelope." + std::string(field) + ": " + rule};
}

void put_length_prefixed(Bytes& out, ByteView b) {
  wire::put_varint(out, b.size());
  out.insert(out.end(), b.begin(), b.end());
}

}  // namespace

Bytes envelope_signing_input(std::string_view domain, ByteView payload_type, ByteView payload) {
  Bytes out;
  out.reserve(3 * wire::kMaxVarintBytes + domain.size() + payload_type.size() + payload.size());
  put_length_prefixed(out, as_bytes(domain));
  put_length_prefixed(out, payload_type);
  put_length_prefixed(out, payload);
  return out;
}

Envelope seal_envelope(const Identity& signer, std::string_view domain, ByteView payload_type,
                       ByteView payload) {
  Envelope e{signer.public_key(), to_bytes(payload_type), to_bytes(payload), {}};
  e.signature = signer.sign(envelope_signing_input(domain, payload_type, payload));
  return e;
}

// proto3 as go- and py-libp2p write it: empty fields are left out, so equal envelopes are
// equal bytes across implementations.
Bytes encode_envelope(const Envelope& e) {
  Bytes out;
  wire::put_len_field(out, envelope_field::kPublicKey, encode_ed25519_public_key(e.public_key));
  if (!e.payload_type.empty())
    wire::put_len_field(out, envelope_field::kPayloadType, e.payload_type);
  if (!e.payload.empty()) wire::put_len_field(out, envelope_field::kPayload, e.payload);
  wire::put_len_field(out, envelope_field::kSignature, e.signature);
  return out;
}

Result<Envelope> decode_envelope(ByteView data) {
  if (data.size() > kMaxEnvelopeBytes)
    return Error{"Envelope: " + std::to_string(data.size()) + " bytes exceeds " +
                 std::to_string(kMaxEnvelopeBytes)};
  Envelope e;
  bool seen[envelope_field::kSignature + 1] = {};
  wire::Reader r(data);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"Envelope: " + f.error().what};
    const char* name = nullptr;
    switch (f->number) {
      case envelope_field::kPublicKey:
        name = "public_key";
        break;
      case envelope_field::kPayloadType:
        name = "payload_type";
        break;
      case envelope_field::kPayload:
        name = "payload";
        break;
      case envelope_field::kSignature:
        name = "signature";
        break;
      default:
        continue;  // unknown fields are skipped (protobuf rules)
    }
    if (f->type != wire::WireType::kLen) return fail(name, "is not length-delimited");
    // Signed data has one reading: a repeated field would merge or override differently in
    // different protobuf libraries.
    if (std::exchange(seen[f->number], true)) return fail(name, "appears twice");
    switch (f->number) {
      case envelope_field::kPublicKey: {
        auto key = decode_ed25519_public_key(f->bytes);
        if (!key) return fail(name, key.error().what);
        e.public_key = *key;
        break;
      }
      case envelope_field::kPayloadType:
        e.payload_type = to_bytes(f->bytes);
        break;
      case envelope_field::kPayload:
        e.payload = to_bytes(f->bytes);
        break;
      case envelope_field::kSignature:
        if (f->bytes.size() != kEd25519SignatureSize)
          return fail(name, std::to_string(f->bytes.size()) + " bytes, expected 64 (Ed25519)");
        std::copy(f->bytes.begin(), f->bytes.end(), e.signature.begin());
        break;
    }
  }
  if (!seen[envelope_field::kPublicKey]) return fail("public_key", "missing");
  if (!seen[envelope_field::kSignature]) return fail("signature", "missing");
  return e;
}

Status verify_envelope(const Envelope& e, std::string_view domain) {
  if (!ed25519_verify(e.public_key, envelope_signing_input(domain, e.payload_type, e.payload),
                      e.signature))
    return fail("signature", "does not verify for domain \"" + std::string(domain) +
                                 "\" (tampered, signed by another key, or for another domain)");
  return Ok{};
}

}  // namespace p2pgossip::crypto
