#include "p2pgossip/net/noise_payload.hpp"

#include <sodium.h>

#include <cstring>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net::noise {

namespace {

// KeyType values of the peer-ids spec's PublicKey message.
constexpr std::uint64_t kKeyTypeEd25519 = 1;
constexpr std::uint64_t kMultihashIdentity = 0x00;

std::string key_type_name(std::uint64_t type) {
  switch (type) {
    case 0:
      return "RSA";
    case 2:
      return "Secp256k1";
    case 3:
      return "ECDSA";
    default:
      return "unknown";
  }
}

Result<Extensions> decode_extensions(ByteView data) {
  Extensions ext;
  wire::Reader r(data);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"NoiseExtensions: " + f.error().what};
    if (f->number != 1 && f->number != 2 && f->number != kNetworkCertificateField) continue;
    if (f->type != wire::WireType::kLen) return Error{"NoiseExtensions: field is not bytes"};
    if (f->bytes.size() > kMaxExtensionEntryBytes)
      return Error{"NoiseExtensions: entry longer than 256 bytes"};
    if (f->number == kNetworkCertificateField) {
      ext.network_certificate = to_bytes(f->bytes);
      continue;
    }
    if (ext.webtransport_certhashes.size() + ext.stream_muxers.size() == kMaxExtensionEntries)
      return Error{"NoiseExtensions: more than 16 entries"};
    if (f->number == 1)
      ext.webtransport_certhashes.push_back(to_bytes(f->bytes));
    else
      ext.stream_muxers.emplace_back(as_chars(f->bytes));
  }
  return ext;
}

}  // namespace

Bytes encode_payload(const HandshakePayload& payload) {
  Bytes out;
  wire::put_len_field(out, 1, payload.identity_key);
  wire::put_len_field(out, 2, payload.identity_sig);
  if (payload.extensions) {
    Bytes ext;
    for (const auto& h : payload.extensions->webtransport_certhashes)
      wire::put_len_field(ext, 1, h);
    for (const auto& m : payload.extensions->stream_muxers)
      wire::put_len_field(ext, 2, as_bytes(m));
    if (!payload.extensions->network_certificate.empty())
      wire::put_len_field(ext, kNetworkCertificateField, payload.extensions->network_certificate);
    wire::put_len_field(out, 4, ext);
  }
  return out;
}

Result<HandshakePayload> decode_payload(ByteView data) {
  HandshakePayload p;
  wire::Reader r(data);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"NoiseHandshakePayload: " + f.error().what};
    if (f->number != 1 && f->number != 2 && f->number != 4) continue;
    if (f->type != wire::WireType::kLen)
      return Error{"NoiseHandshakePayload: field " + std::to_string(f->number) + " is not bytes"};
    if (f->number == 1) {
      p.identity_key = to_bytes(f->bytes);
    } else if (f->number == 2) {
      p.identity_sig = to_bytes(f->bytes);
    } else {
      auto ext = decode_extensions(f->bytes);
      if (!ext) return ext.error();
      p.extensions = std::move(ext).value();
    }
  }
  return p;
}

Bytes encode_ed25519_public_key(const Ed25519PublicKey& key) {
  Bytes out;
  wire::put_varint_field(out, 1, kKeyTypeEd25519);
  wire::put_len_field(out, 2, key);
  return out;
}

Bytes peer_id_of(const Ed25519PublicKey& key) {
  Bytes encoded = encode_ed25519_public_key(key);
  Bytes out;
  wire::put_varint(out, kMultihashIdentity);
  wire::put_varint(out, encoded.size());
  out.insert(out.end(), encoded.begin(), encoded.end());
  return out;
}

Bytes static_key_signing_input(const Key& static_public_key) {
  Bytes msg = to_bytes(as_bytes(kStaticKeySignaturePrefix));
  msg.insert(msg.end(), static_public_key.begin(), static_public_key.end());
  return msg;
}

Result<VerifiedIdentity> verify_payload(const HandshakePayload& payload, const Key& remote_static) {
  std::optional<std::uint64_t> type;
  ByteView data;
  bool has_data = false;
  wire::Reader r(payload.identity_key);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"noise payload identity_key: " + f.error().what};
    if (f->number == 1 && f->type == wire::WireType::kVarint) {
      type = f->varint;
    } else if (f->number == 2 && f->type == wire::WireType::kLen) {
      data = f->bytes;
      has_data = true;
    }
  }
  if (!type || !has_data) return Error{"noise payload identity_key: missing Type or Data"};
  // Only Ed25519 identities are admitted: the peer manager, message signing and private
  // network certificates all assume Ed25519 keys.
  if (*type != kKeyTypeEd25519)
    return Error{"noise payload identity_key: key type " + std::to_string(*type) + " (" +
                 key_type_name(*type) + ") is not supported, only Ed25519 (1)"};
  if (data.size() != kEd25519PublicKeyBytes)
    return Error{"noise payload identity_key: Ed25519 key is not 32 bytes"};
  if (payload.identity_sig.size() != kEd25519SignatureBytes)
    return Error{"noise payload identity_sig: not 64 bytes"};
  VerifiedIdentity id;
  std::memcpy(id.public_key.data(), data.data(), data.size());
  Bytes msg = static_key_signing_input(remote_static);
  if (crypto_sign_verify_detached(payload.identity_sig.data(), msg.data(), msg.size(),
                                  id.public_key.data()) != 0)
    return Error{"noise payload identity_sig: signature does not cover the static key"};
  // Derived from the canonical re-encoding, so one key has exactly one peer id.
  id.peer_id = peer_id_of(id.public_key);
  return id;
}

}  // namespace p2pgossip::net::noise
