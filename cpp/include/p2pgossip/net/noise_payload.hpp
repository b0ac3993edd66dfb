// The libp2p Noise handshake payload (libp2p/specs noise/README.md):
//   message NoiseExtensions { repeated bytes webtransport_certhashes = 1;
//                             repeated string stream_muxers = 2; }
//   message NoiseHandshakePayload { bytes identity_key = 1; bytes identity_sig = 2;
//                                   NoiseExtensions extensions = 4; }
// identity_key is a PublicKey protobuf (peer-ids spec); identity_sig signs
// "noise-libp2p-static-key:" || the sender's static X25519 public key.
// p2pgossip adds one NoiseExtensions field of its own, `bytes network_certificate = 1024`
// (a private network's NetworkCertificate, see network_cert.hpp). The number is far above
// the spec's (1, 2) so it will not collide with a future spec field; other implementations
// skip it as an unknown field, per protobuf rules.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/net/noise.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::noise {

constexpr std::string_view kStaticKeySignaturePrefix = "noise-libp2p-static-key:";
constexpr std::size_t kMaxExtensionEntries = 16;
constexpr std::size_t kMaxExtensionEntryBytes = 256;
constexpr std::size_t kEd25519PublicKeyBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;
constexpr std::uint32_t kNetworkCertificateField = 1024;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeyBytes>;

struct Extensions {
  std::vector<Bytes> webtransport_certhashes;
  std::vector<std::string> stream_muxers;
  Bytes network_certificate;  // raw field kNetworkCertificateField; empty when absent
  bool empty() const {
    return webtransport_certhashes.empty() && stream_muxers.empty() && network_certificate.empty();
  }
  bool operator==(const Extensions&) const = default;
};

struct HandshakePayload {
  Bytes identity_key;
  Bytes identity_sig;
  std::optional<Extensions> extensions;
  bool operator==(const HandshakePayload&) const = default;
};

Bytes encode_payload(const HandshakePayload& payload);
// Bounded: unknown fields skipped, at most kMaxExtensionEntries entries per list, each at
// most kMaxExtensionEntryBytes (the network certificate included).
Result<HandshakePayload> decode_payload(ByteView data);

// PublicKey { Type = 1 (Ed25519), Data = key }, encoded deterministically.
Bytes encode_ed25519_public_key(const Ed25519PublicKey& key);
// The peer id of a public key: the identity multihash of its PublicKey encoding
// (keys of at most 42 encoded bytes are inlined, per the peer-ids spec).
Bytes peer_id_of(const Ed25519PublicKey& key);

// The bytes the identity key signs.
Bytes static_key_signing_input(const Key& static_public_key);

struct VerifiedIdentity {
  Ed25519PublicKey public_key{};
  Bytes peer_id;
};

// Checks that `payload` carries an Ed25519 identity whose signature covers
// `remote_static`. Other key types are refused by name.
Result<VerifiedIdentity> verify_payload(const HandshakePayload& payload, const Key& remote_static);

}  // namespace p2pgossip::net::noise
