#include "p2pgossip/net/network_cert.hpp"

#include <algorithm>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net {

namespace {

namespace field {
constexpr std::uint32_t kPeerPublicKey = 1, kExpiry = 2, kSignature = 3;
}

Error malformed(const std::string& rule) {
  return Error{"network certificate: malformed (" + rule + ")"};
}

template <std::size_t N>
Status copy_fixed(const wire::Field& f, std::array<std::uint8_t, N>& out, const char* name) {
  if (f.type != wire::WireType::kLen) return malformed(std::string(name) + " is not bytes");
  if (f.bytes.size() != N)
    return malformed(std::string(name) + " is not " + std::to_string(N) + " bytes");
  std::copy(f.bytes.begin(), f.bytes.end(), out.begin());
  return Ok{};
}

}  // namespace

Bytes encode_certificate(const NetworkCertificate& cert) {
  Bytes out;
  wire::put_len_field(out, field::kPeerPublicKey, cert.peer_public_key);
  if (cert.expiry_unix_s) wire::put_varint_field(out, field::kExpiry, *cert.expiry_unix_s);
  wire::put_len_field(out, field::kSignature, cert.signature);
  return out;
}

Result<NetworkCertificate> decode_certificate(ByteView data) {
  if (data.size() > kMaxNetworkCertificateBytes)
    return malformed("longer than " + std::to_string(kMaxNetworkCertificateBytes) + " bytes");
  NetworkCertificate cert;
  bool has_key = false, has_sig = false;
  wire::Reader r(data);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return malformed(f.error().what);
    switch (f->number) {
      case field::kPeerPublicKey:
        if (has_key) return malformed("duplicate peer_public_key");
        if (auto st = copy_fixed(*f, cert.peer_public_key, "peer_public_key"); !st)
          return st.error();
        has_key = true;
        break;
      case field::kExpiry:
        if (cert.expiry_unix_s) return malformed("duplicate expiry");
        if (f->type != wire::WireType::kVarint) return malformed("expiry is not a varint");
        cert.expiry_unix_s = f->varint;
        break;
      case field::kSignature:
        if (has_sig) return malformed("duplicate signature");
        if (auto st = copy_fixed(*f, cert.signature, "signature"); !st) return st.error();
        has_sig = true;
        break;
      default:
        break;
    }
  }
  if (!has_key) return malformed("no peer_public_key");
  if (!has_sig) return malformed("no signature");
  return cert;
}

Bytes certificate_signing_input(const crypto::Ed25519PublicKey& peer_public_key,
                                std::optional<std::uint64_t> expiry_unix_s) {
  Bytes msg = to_bytes(as_bytes(kNetworkCertSigningPrefix));
  msg.insert(msg.end(), peer_public_key.begin(), peer_public_key.end());
  msg.push_back(expiry_unix_s ? 1 : 0);
  std::uint64_t e = expiry_unix_s.value_or(0);
  for (int shift = 56; shift >= 0; shift -= 8) msg.push_back(static_cast<std::uint8_t>(e >> shift));
  return msg;
}

Bytes issue_certificate(const crypto::Identity& network,
                        const crypto::Ed25519PublicKey& peer_public_key,
                        std::optional<std::uint64_t> expiry_unix_s) {
  NetworkCertificate cert{peer_public_key, expiry_unix_s, {}};
  cert.signature = network.sign(certificate_signing_input(peer_public_key, expiry_unix_s));
  return encode_certificate(cert);
}

Status verify_certificate(const crypto::Ed25519PublicKey& network_public_key,
                          const crypto::Ed25519PublicKey& peer_public_key, ByteView cert_bytes,
                          std::uint64_t now_unix_s) {
  if (cert_bytes.empty()) return Error{"network certificate: missing"};
  auto cert = decode_certificate(cert_bytes);
  // The detail of a malformed certificate is for logs; the metric reason stays fixed.
  if (!cert) return cert.error();
  if (cert->peer_public_key != peer_public_key)
    return Error{"network certificate: for another peer"};
  if (!crypto::ed25519_verify(network_public_key,
                              certificate_signing_input(cert->peer_public_key, cert->expiry_unix_s),
                              cert->signature))
    return Error{"network certificate: bad signature (wrong network key or tampered)"};
  if (cert->expiry_unix_s && now_unix_s >= *cert->expiry_unix_s)
    return Error{"network certificate: expired"};
  return Ok{};
}

}  // namespace p2pgossip::net
