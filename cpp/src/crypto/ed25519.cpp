#include "p2pgossip/crypto/ed25519.hpp"

#include <sodium.h>

#include <stdexcept>

namespace p2pgossip::crypto {

void init_libsodium() {
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium failed to initialize");
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize)
    return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

Ed25519Signature ed25519_sign_with_seed(ByteView seed, ByteView message) {
  if (seed.size() != kEd25519SeedSize) throw std::invalid_argument("Ed25519 seed must be 32 bytes");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, seed.data());
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return sig;
}

}  // namespace p2pgossip::crypto
