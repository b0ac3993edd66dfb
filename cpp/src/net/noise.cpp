#include "p2pgossip/net/noise.hpp"

#include <sodium.h>

#include <cstring>
#include <limits>

namespace p2pgossip::net::noise {

namespace {

constexpr std::uint64_t kReservedNonce = std::numeric_limits<std::uint64_t>::max();

// ChaChaPoly nonce: 4 zero bytes then the 64-bit counter, little-endian.
std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce_bytes(std::uint64_t n) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> out{};
  for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return out;
}

void hmac(const Key& key, ByteView a, ByteView b, std::uint8_t* out) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, a.data(), a.size());
  crypto_auth_hmacsha256_update(&st, b.data(), b.size());
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
}

// HKDF as the Noise spec defines it, with two outputs.
void hkdf2(const Key& chaining_key, ByteView ikm, SecretKey& out1, SecretKey& out2) {
  SecretKey temp;
  hmac(chaining_key, ikm, {}, temp.bytes().data());
  const std::uint8_t one = 0x01, two = 0x02;
  hmac(temp.bytes(), ByteView(&one, 1), {}, out1.bytes().data());
  hmac(temp.bytes(), out1.bytes(), ByteView(&two, 1), out2.bytes().data());
}

}  // namespace

SecretKey& SecretKey::operator=(const SecretKey& o) {
  if (this != &o) k_ = o.k_;
  return *this;
}

SecretKey::~SecretKey() { sodium_memzero(k_.data(), k_.size()); }

DhKeypair dh_keypair(const SecretKey& private_key) {
  DhKeypair kp{private_key, {}};
  crypto_scalarmult_base(kp.public_key.data(), private_key.bytes().data());
  return kp;
}

DhKeypair generate_dh_keypair() {
  SecretKey k;
  randombytes_buf(k.bytes().data(), k.bytes().size());
  return dh_keypair(k);
}

void CipherState::initialize_key(const Key& k) {
  k_ = SecretKey(k);
  has_key_ = true;
  n_ = 0;
}

Status CipherState::encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return Ok{};
  }
  if (n_ == kReservedNonce) return Error{"noise: send nonce exhausted"};
  std::size_t at = out.size();
  out.resize(at + plaintext.size() + kTagLen);
  auto nonce = nonce_bytes(n_);
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + at, nullptr, plaintext.data(),
                                            plaintext.size(), ad.data(), ad.size(), nullptr,
                                            nonce.data(), k_.bytes().data());
  ++n_;
  return Ok{};
}

Status CipherState::decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return Ok{};
  }
  if (n_ == kReservedNonce) return Error{"noise: receive nonce exhausted"};
  if (ciphertext.size() < kTagLen) return Error{"noise: ciphertext shorter than its tag"};
  std::size_t at = out.size();
  out.resize(at + ciphertext.size() - kTagLen);
  auto nonce = nonce_bytes(n_);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data() + at, nullptr, nullptr,
                                                ciphertext.data(), ciphertext.size(), ad.data(),
                                                ad.size(), nonce.data(), k_.bytes().data()) != 0) {
    out.resize(at);
    return Error{"noise: decryption failed (bad tag)"};
  }
  ++n_;
  return Ok{};
}

SymmetricState::SymmetricState(std::string_view protocol_name) {
  if (protocol_name.size() <= kHashLen)
    std::memcpy(h_.data(), protocol_name.data(), protocol_name.size());
  else
    crypto_hash_sha256(h_.data(), reinterpret_cast<const std::uint8_t*>(protocol_name.data()),
                       protocol_name.size());
  ck_ = SecretKey(h_);
}

void SymmetricState::mix_key(ByteView input_key_material) {
  SecretKey ck, temp_k;
  hkdf2(ck_.bytes(), input_key_material, ck, temp_k);
  ck_ = ck;
  cipher_.initialize_key(temp_k.bytes());
}

void SymmetricState::mix_hash(ByteView data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, h_.data(), h_.size());
  crypto_hash_sha256_update(&st, data.data(), data.size());
  crypto_hash_sha256_final(&st, h_.data());
}

Status SymmetricState::encrypt_and_hash(ByteView plaintext, Bytes& out) {
  std::size_t at = out.size();
  if (auto st = cipher_.encrypt_with_ad(h_, plaintext, out); !st) return st;
  mix_hash(ByteView(out).subspan(at));
  return Ok{};
}

Status SymmetricState::decrypt_and_hash(ByteView ciphertext, Bytes& out) {
  if (auto st = cipher_.decrypt_with_ad(h_, ciphertext, out); !st) return st;
  mix_hash(ciphertext);
  return Ok{};
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  SecretKey k1, k2;
  hkdf2(ck_.bytes(), {}, k1, k2);
  std::pair<CipherState, CipherState> out;
  out.first.initialize_key(k1.bytes());
  out.second.initialize_key(k2.bytes());
  return out;
}

HandshakeState::HandshakeState(bool initiator, ByteView prologue, const SecretKey& static_private,
                               std::optional<SecretKey> ephemeral)
    : initiator_(initiator),
      symmetric_(kProtocolName),
      s_(dh_keypair(static_private)),
      injected_e_(std::move(ephemeral)) {
  symmetric_.mix_hash(prologue);
}

const DhKeypair& HandshakeState::ephemeral() {
  if (!e_) e_ = injected_e_ ? dh_keypair(*injected_e_) : generate_dh_keypair();
  injected_e_.reset();
  return *e_;
}

Status HandshakeState::dh_mix(const DhKeypair& local, const Key& remote) {
  SecretKey shared;
  // libsodium refuses a low-order remote key (all-zero shared secret): a forced-key attack.
  if (crypto_scalarmult(shared.bytes().data(), local.private_key.bytes().data(), remote.data()) !=
      0)
    return Error{"noise: remote public key is of low order"};
  symmetric_.mix_key(shared.bytes());
  return Ok{};
}

Result<Bytes> HandshakeState::write_message(ByteView payload) {
  if (failed_) return Error{"noise: handshake already failed"};
  if (complete()) return Error{"noise: handshake already complete"};
  if (!my_turn()) return Error{"noise: not our turn to write"};
  Bytes out;
  auto write_e = [&] {
    const DhKeypair& e = ephemeral();
    out.insert(out.end(), e.public_key.begin(), e.public_key.end());
    symmetric_.mix_hash(e.public_key);
  };
  Status st = Ok{};
  switch (index_) {
    case 0:  // -> e
      write_e();
      break;
    case 1:  // <- e, ee, s, es
      write_e();
      st = dh_mix(*e_, re_);
      if (st) st = symmetric_.encrypt_and_hash(s_.public_key, out);
      if (st) st = dh_mix(s_, re_);
      break;
    case 2:  // -> s, se
      st = symmetric_.encrypt_and_hash(s_.public_key, out);
      if (st) st = dh_mix(s_, re_);
      break;
  }
  if (st) st = symmetric_.encrypt_and_hash(payload, out);
  if (st && out.size() > kMaxMessageBytes) st = Error{"noise: handshake message over 65535 bytes"};
  if (!st) {
    failed_ = true;
    return st.error();
  }
  ++index_;
  return out;
}

Result<Bytes> HandshakeState::read_message(ByteView message) {
  if (failed_) return Error{"noise: handshake already failed"};
  if (complete()) return Error{"noise: handshake already complete"};
  if (my_turn()) return Error{"noise: not our turn to read"};
  if (message.size() > kMaxMessageBytes) {
    failed_ = true;
    return Error{"noise: handshake message over 65535 bytes"};
  }
  ByteView rest = message;
  auto read_key = [&](Key& into) -> Status {
    if (rest.size() < kDhLen) return Error{"noise: handshake message truncated (e)"};
    std::memcpy(into.data(), rest.data(), kDhLen);
    rest = rest.subspan(kDhLen);
    symmetric_.mix_hash(into);
    return Ok{};
  };
  auto read_s = [&]() -> Status {
    std::size_t len = kDhLen + kTagLen;  // after ee the static key is always encrypted
    if (rest.size() < len) return Error{"noise: handshake message truncated (s)"};
    Bytes s;
    if (auto st = symmetric_.decrypt_and_hash(rest.first(len), s); !st) return st;
    std::memcpy(rs_.data(), s.data(), kDhLen);
    rest = rest.subspan(len);
    return Ok{};
  };
  Status st = Ok{};
  switch (index_) {
    case 0:  // -> e
      st = read_key(re_);
      break;
    case 1:  // <- e, ee, s, es
      st = read_key(re_);
      if (st) st = dh_mix(ephemeral(), re_);
      if (st) st = read_s();
      if (st) st = dh_mix(ephemeral(), rs_);
      break;
    case 2:  // -> s, se
      st = read_s();
      if (st) st = dh_mix(ephemeral(), rs_);
      break;
  }
  Bytes payload;
  if (st) st = symmetric_.decrypt_and_hash(rest, payload);
  if (!st) {
    failed_ = true;
    return st.error();
  }
  ++index_;
  return payload;
}

std::pair<CipherState, CipherState> HandshakeState::split() const {
  auto [c1, c2] = symmetric_.split();
  if (initiator_) return {std::move(c1), std::move(c2)};
  return {std::move(c2), std::move(c1)};
}

}  // namespace p2pgossip::net::noise
