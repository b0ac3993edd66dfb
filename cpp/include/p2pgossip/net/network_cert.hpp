// Private networks: a network key (Ed25519) certifies the identity keys of the nodes
// allowed in, the role a private CA plays for TLS deployments. A node carries its
// certificate in the Noise handshake payload (NoiseExtensions field
// noise::kNetworkCertificateField); a node configured with the network key refuses a remote
// whose certificate is missing, malformed, for another key, badly signed or expired.
//
//   message NetworkCertificate {
//     bytes  peer_public_key = 1;  // the certified Ed25519 identity key (32 bytes)
//     uint64 expiry          = 2;  // unix seconds; absent = never expires
//     bytes  signature       = 3;  // Ed25519 by the network key over the signing input
//   }
//   signing input = "p2pgossip-network-cert:" || peer_public_key || has_expiry (1 byte)
//                   || expiry (8 bytes big-endian, 0 when absent)
// The input has fixed-length fields after a domain-separation prefix, so a certificate
// signature can never be replayed as any other signature made with the network key.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net {

constexpr std::string_view kNetworkCertSigningPrefix = "p2pgossip-network-cert:";
constexpr std::size_t kMaxNetworkCertificateBytes = 128;

struct NetworkCertificate {
  crypto::Ed25519PublicKey peer_public_key{};
  std::optional<std::uint64_t> expiry_unix_s;
  crypto::Ed25519Signature signature{};
  bool operator==(const NetworkCertificate&) const = default;
};

Bytes encode_certificate(const NetworkCertificate& cert);
// Strict: both keys' lengths, no duplicate fields, at most kMaxNetworkCertificateBytes.
Result<NetworkCertificate> decode_certificate(ByteView data);

Bytes certificate_signing_input(const crypto::Ed25519PublicKey& peer_public_key,
                                std::optional<std::uint64_t> expiry_unix_s);

// An encoded certificate for `peer_public_key`, signed by the network identity.
Bytes issue_certificate(const crypto::Identity& network,
                        const crypto::Ed25519PublicKey& peer_public_key,
                        std::optional<std::uint64_t> expiry_unix_s = std::nullopt);

// Ok when `cert` is a certificate for `peer_public_key` signed by `network_public_key` and
// not expired at `now_unix_s`. Each refusal starts with a fixed reason (a metric label):
// "network certificate: missing" (empty `cert`), "...: malformed (<rule>)", "...: for
// another peer", "...: bad signature (wrong network key or tampered)", "...: expired".
Status verify_certificate(const crypto::Ed25519PublicKey& network_public_key,
                          const crypto::Ed25519PublicKey& peer_public_key, ByteView cert,
                          std::uint64_t now_unix_s);

}  // namespace p2pgossip::net
