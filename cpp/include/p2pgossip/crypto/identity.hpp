// A node's Ed25519 identity: the key pair it signs with and the peer id derived from it.
// The secret key lives only in SecretBytes (wiped on destruction) and is never printed.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/crypto/secret_bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::crypto {

class Identity;
using IdentityPtr = std::shared_ptr<Identity>;

class Identity {
 public:
  static IdentityPtr generate();
  // Error unless the seed is 32 bytes.
  static Result<IdentityPtr> from_seed(ByteView seed);
  // A serialized libp2p PrivateKey protobuf (see keys.hpp for what is rejected).
  static Result<IdentityPtr> from_private_key(ByteView encoded);
  // read_key_file, then from_private_key.
  static Result<IdentityPtr> load(const std::filesystem::path& path);
  // Reads a key file (at most 4 KiB) into memory that is wiped after use. On an I/O
  // error, *os_error (when given) receives the errno value.
  static Result<SecretBytes> read_key_file(const std::filesystem::path& path,
                                           int* os_error = nullptr);

  // Writes the PrivateKey protobuf with mode 0600, atomically (a temporary file in the
  // same directory, fsync, rename), so a crash never leaves a partial key file.
  Status save(const std::filesystem::path& path) const;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  const PeerId& peer_id() const { return peer_id_; }
  Ed25519Signature sign(ByteView data) const;

  // The pubsub seqno counter, as go-libp2p-pubsub does it: starts at the wall-clock time
  // in nanoseconds when the identity is created (so a restarted node does not reuse
  // seqnos) and is incremented before each use. Thread-safe.
  std::uint64_t next_seqno() { return seqno_counter_.fetch_add(1, std::memory_order_relaxed) + 1; }

  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

 private:
  struct Private {};

 public:
  // Use the factories; public only for std::make_shared.
  Identity(Private, ByteView seed);

 private:
  SecretBytes secret_key_;  // libsodium's 64-byte form: seed || public key
  Ed25519PublicKey public_key_{};
  PeerId peer_id_;
  std::atomic<std::uint64_t> seqno_counter_;
};

}  // namespace p2pgossip::crypto
