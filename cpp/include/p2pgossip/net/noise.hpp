// The Noise Protocol Framework (revision 34) objects for Noise_XX_25519_ChaChaPoly_SHA256:
// CipherState, SymmetricState and HandshakeState, on libsodium. Names follow the spec.
// Keys live in fixed arrays that are wiped (sodium_memzero) when dropped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::noise {

constexpr std::string_view kProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
constexpr std::size_t kDhLen = 32;
constexpr std::size_t kHashLen = 32;
constexpr std::size_t kKeyLen = 32;
constexpr std::size_t kTagLen = 16;
// Noise caps every message, handshake or transport, at 65535 bytes.
constexpr std::size_t kMaxMessageBytes = 65535;

using Key = std::array<std::uint8_t, kKeyLen>;
using Hash = std::array<std::uint8_t, kHashLen>;

// A fixed-size secret wiped on destruction and on overwrite.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(const Key& k) : k_(k) {}
  SecretKey(const SecretKey& o) : k_(o.k_) {}
  SecretKey& operator=(const SecretKey& o);
  ~SecretKey();
  const Key& bytes() const { return k_; }
  Key& bytes() { return k_; }

 private:
  Key k_{};
};

struct DhKeypair {
  SecretKey private_key;
  Key public_key{};
};

// X25519 keypair from a private key (clamped by X25519 itself), or a fresh random one.
DhKeypair dh_keypair(const SecretKey& private_key);
DhKeypair generate_dh_keypair();

class CipherState {
 public:
  void initialize_key(const Key& k);
  bool has_key() const { return has_key_; }
  std::uint64_t nonce() const { return n_; }
  void set_nonce(std::uint64_t n) { n_ = n; }

  // Appends the result to `out`. Without a key they copy the input (spec behaviour);
  // nonce 2^64-1 is reserved, so reaching it is an error rather than a reuse.
  Status encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out);
  Status decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out);

 private:
  SecretKey k_;
  bool has_key_ = false;
  std::uint64_t n_ = 0;
};

class SymmetricState {
 public:
  explicit SymmetricState(std::string_view protocol_name);

  void mix_key(ByteView input_key_material);
  void mix_hash(ByteView data);
  Status encrypt_and_hash(ByteView plaintext, Bytes& out);
  Status decrypt_and_hash(ByteView ciphertext, Bytes& out);
  // The two transport CipherStates: first for initiator→responder, second for the reverse.
  std::pair<CipherState, CipherState> split() const;
  const Hash& handshake_hash() const { return h_; }

 private:
  CipherState cipher_;
  SecretKey ck_;
  Hash h_{};
};

// XX:  -> e   <- e, ee, s, es   -> s, se
class HandshakeState {
 public:
  // `ephemeral` is injected by tests (vectors); production passes nullopt and a fresh
  // key is drawn from libsodium's CSPRNG when the first message needs it.
  HandshakeState(bool initiator, ByteView prologue, const SecretKey& static_private,
                 std::optional<SecretKey> ephemeral = std::nullopt);

  // Handshake messages alternate starting with the initiator; calling out of turn, after
  // completion, or after a failure is an error. A failed read poisons the handshake.
  Result<Bytes> write_message(ByteView payload);
  Result<Bytes> read_message(ByteView message);

  bool is_initiator() const { return initiator_; }
  bool my_turn() const { return (index_ % 2 == 0) == initiator_; }
  bool complete() const { return index_ == 3; }
  // Meaningful once the remote's `s` token was read (after message 2 for the
  // initiator, message 3 for the responder).
  const Key& remote_static() const { return rs_; }
  const Key& local_static_public() const { return s_.public_key; }
  const Hash& handshake_hash() const { return symmetric_.handshake_hash(); }
  // After complete(): (send, receive) CipherStates for this side.
  std::pair<CipherState, CipherState> split() const;

 private:
  Status dh_mix(const DhKeypair& local, const Key& remote);
  const DhKeypair& ephemeral();

  bool initiator_;
  bool failed_ = false;
  int index_ = 0;
  SymmetricState symmetric_;
  DhKeypair s_;
  std::optional<DhKeypair> e_;
  std::optional<SecretKey> injected_e_;
  Key rs_{};
  Key re_{};
};

}  // namespace p2pgossip::net::noise
