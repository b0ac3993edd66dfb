// libp2p peer ids (peer-ids spec): a multihash of the protobuf PublicKey. Ed25519 keys
// encode to 36 bytes (<= 42), so their peer id inlines the key with the identity
// multihash (code 0x00) and text form "12D3KooW..."; larger keys (RSA, ECDSA) are hashed
// with sha2-256 (code 0x12, text form "Qm..."), which hides the key.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::crypto {

namespace multihash_code {
constexpr std::uint64_t kIdentity = 0x00, kSha256 = 0x12;
}

// Keys longer than this are hashed rather than inlined (peer-ids spec).
constexpr std::size_t kMaxInlineKeySize = 42;

class PeerId {
 public:
  static PeerId from_public_key(const Ed25519PublicKey& public_key);
  // Strict: an identity multihash of a canonical Ed25519 PublicKey, or a sha2-256 multihash
  // (32-byte digest); anything else (unknown code, wrong length, other inlined key types,
  // trailing bytes) is an error naming the rule.
  static Result<PeerId> from_bytes(ByteView multihash);
  // base58btc text form.
  static Result<PeerId> parse(std::string_view text);

  // The key of a canonical Ed25519 identity-multihash peer id, read in place without
  // allocating (the verification hot path); nullopt for anything else.
  static std::optional<Ed25519PublicKey> inlined_ed25519_key(ByteView multihash);

  ByteView bytes() const { return bytes_; }
  std::string to_string() const;
  // The inlined Ed25519 key; nullopt for sha2-256 peer ids.
  std::optional<Ed25519PublicKey> public_key() const;

  bool operator==(const PeerId&) const = default;
  std::strong_ordering operator<=>(const PeerId& o) const { return bytes_ <=> o.bytes_; }

 private:
  explicit PeerId(Bytes b) : bytes_(std::move(b)) {}
  Bytes bytes_;
};

}  // namespace p2pgossip::crypto
