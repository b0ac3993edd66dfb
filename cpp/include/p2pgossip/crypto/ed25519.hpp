// Ed25519 (RFC 8032) through libsodium: the one signature scheme of p2pgossip identities.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip::crypto {

constexpr std::size_t kEd25519SeedSize = 32;
constexpr std::size_t kEd25519PublicKeySize = 32;
constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

// Idempotent and thread-safe; needed before libsodium draws randomness.
void init_libsodium();

// False (never an exception) for a public key or signature of the wrong length.
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

// Signs with a 32-byte RFC 8032 seed; the expanded secret key is wiped before returning.
// The seed length is the caller's contract (checked: std::invalid_argument).
Ed25519Signature ed25519_sign_with_seed(ByteView seed, ByteView message);

}  // namespace p2pgossip::crypto
