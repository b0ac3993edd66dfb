// libp2p key serialization (peer-ids spec): the PublicKey and PrivateKey protobufs
// {KeyType Type = 1; bytes Data = 2;}. Only Ed25519 keys are supported.
#pragma once

#include <cstdint>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/secret_bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::crypto {

enum class KeyType : std::uint64_t { kRsa = 0, kEd25519 = 1, kSecp256k1 = 2, kEcdsa = 3 };

namespace key_field {
constexpr std::uint32_t kType = 1, kData = 2;
}

// Ed25519 private key Data: seed || public key (64 bytes), or the legacy
// seed || public key || public key (96 bytes) that old libp2p versions wrote.
constexpr std::size_t kEd25519PrivateKeyDataSize = 64;
constexpr std::size_t kEd25519LegacyPrivateKeyDataSize = 96;

// Canonical encoding: Type then Data, nothing else (peer ids depend on these exact bytes).
Bytes encode_ed25519_public_key(const Ed25519PublicKey& public_key);
// Strict: an Ed25519 key in canonical encoding; errors name the rule that failed.
Result<Ed25519PublicKey> decode_ed25519_public_key(ByteView encoded);

// The decoded private key: seed and public key, checked to belong together.
struct Ed25519KeyPair {
  SecretBytes seed;
  Ed25519PublicKey public_key{};
};

SecretBytes encode_ed25519_private_key(const Ed25519KeyPair& key);
// Rejects a wrong type, a wrong Data length, a legacy key whose two public halves
// differ, and a public half that does not match the seed.
Result<Ed25519KeyPair> decode_ed25519_private_key(ByteView encoded);

}  // namespace p2pgossip::crypto
