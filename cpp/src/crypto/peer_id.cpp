#include "p2pgossip/crypto/peer_id.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "p2pgossip/crypto/base58.hpp"
#include "p2pgossip/crypto/keys.hpp"
#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::crypto {

namespace {
constexpr std::size_t kSha256Size = 32;
}

PeerId PeerId::from_public_key(const Ed25519PublicKey& public_key) {
  const Bytes key = encode_ed25519_public_key(public_key);
  Bytes mh;
  mh.reserve(2 + key.size());
  wire::put_varint(mh, multihash_code::kIdentity);
  wire::put_varint(mh, key.size());
  mh.insert(mh.end(), key.begin(), key.end());
  return PeerId(std::move(mh));
}

Result<PeerId> PeerId::from_bytes(ByteView multihash) {
  wire::Reader r(multihash);
  auto code = r.varint();
  if (!code) return Error{"peer id: multihash code: " + code.error().what};
  auto len = r.varint();
  if (!len) return Error{"peer id: multihash length: " + len.error().what};
  // Minimal varints only: peer ids compare bytewise, so one id must have one encoding.
  if (r.position() != wire::varint_size(*code) + wire::varint_size(*len))
    return Error{"peer id: multihash header is not minimally encoded"};
  const std::size_t rest = multihash.size() - r.position();
  if (*len != rest)
    return Error{"peer id: multihash length " + std::to_string(*len) + " but " +
                 std::to_string(rest) + " digest bytes follow"};
  const ByteView digest = multihash.subspan(r.position());
  switch (*code) {
    case multihash_code::kIdentity: {
      if (digest.size() > kMaxInlineKeySize)
        return Error{"peer id: identity multihash of " + std::to_string(digest.size()) +
                     " bytes exceeds the 42-byte inline limit"};
      auto pk = decode_ed25519_public_key(digest);
      if (!pk) return Error{"peer id: " + pk.error().what};
      return PeerId(to_bytes(multihash));
    }
    case multihash_code::kSha256:
      if (digest.size() != kSha256Size)
        return Error{"peer id: sha2-256 multihash digest is " + std::to_string(digest.size()) +
                     " bytes, expected 32"};
      return PeerId(to_bytes(multihash));
    default:
      return Error{"peer id: unsupported multihash code " + std::to_string(*code) +
                   " (expected identity 0x00 or sha2-256 0x12)"};
  }
}

Result<PeerId> PeerId::parse(std::string_view text) {
  auto bytes = base58_decode(text);
  if (!bytes) return Error{"peer id: " + bytes.error().what};
  return from_bytes(*bytes);
}

std::string PeerId::to_string() const { return base58_encode(bytes_); }

std::optional<Ed25519PublicKey> PeerId::inlined_ed25519_key(ByteView multihash) {
  // identity code, length 36, then PublicKey{Type = Ed25519, Data = 32 bytes}
  static constexpr std::uint8_t kPrefix[] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
  if (multihash.size() != sizeof kPrefix + kEd25519PublicKeySize ||
      !std::equal(std::begin(kPrefix), std::end(kPrefix), multihash.begin()))
    return std::nullopt;
  Ed25519PublicKey pk{};
  std::copy(multihash.begin() + sizeof kPrefix, multihash.end(), pk.begin());
  return pk;
}

// The factories admit exactly two forms: the canonical Ed25519 identity multihash
// (which this reads) and sha2-256 (which hides the key).
std::optional<Ed25519PublicKey> PeerId::public_key() const { return inlined_ed25519_key(bytes_); }

}  // namespace p2pgossip::crypto
