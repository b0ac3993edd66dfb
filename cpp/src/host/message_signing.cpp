#include "p2pgossip/host/message_signing.hpp"

#include "p2pgossip/crypto/keys.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::host {

void set_seqno(Bytes& out, std::uint64_t seqno) {
  out.resize(kSeqnoSize);
  for (std::size_t i = 0; i < kSeqnoSize; ++i)
    out[i] = static_cast<std::uint8_t>(seqno >> (8 * (kSeqnoSize - 1 - i)));
}

Bytes seqno_bytes(std::uint64_t seqno) {
  Bytes out;
  set_seqno(out, seqno);
  return out;
}

namespace {

void append_signed_bytes(const Message& m, Bytes& out) {
  out.reserve(out.size() + kSignPrefix.size() +
              wire::encoded_message_size(m, /*for_signing=*/true));
  const ByteView prefix = as_bytes(kSignPrefix);
  out.insert(out.end(), prefix.begin(), prefix.end());
  wire::encode_message(m, out, /*for_signing=*/true);
}

}  // namespace

Bytes signed_bytes(const Message& m) {
  Bytes out;
  append_signed_bytes(m, out);
  return out;
}

void sign_message(const Identity& identity, Message& m) {
  const ByteView from = identity.peer_id().bytes();
  m.from = Bytes(from.begin(), from.end());
  m.key.reset();
  m.signature.reset();
  const Ed25519Signature sig = message_signature(identity, m);
  m.signature = Bytes(sig.begin(), sig.end());
}

Ed25519Signature message_signature(const Identity& identity, const Message& m) {
  // Every publish signs: the signed bytes are laid out in a buffer of this thread, reused
  // from call to call rather than allocated each time; one a large message grew past
  // kKeep is let go afterwards.
  constexpr std::size_t kKeep = 64 << 10;
  thread_local Bytes buf;
  buf.clear();
  append_signed_bytes(m, buf);
  const Ed25519Signature sig = identity.sign(buf);
  if (buf.capacity() > kKeep) Bytes().swap(buf);
  return sig;
}

Result<Ed25519PublicKey> message_public_key(const Message& m) {
  if (!m.from) return Error{"Message.from: missing"};
  if (!m.key)
    if (auto inlined = crypto::PeerId::inlined_ed25519_key(*m.from)) return *inlined;
  auto author = crypto::PeerId::from_bytes(*m.from);
  if (!author) return Error{"Message.from: " + author.error().what};
  if (m.key) {
    auto key = crypto::decode_ed25519_public_key(*m.key);
    if (!key) return Error{"Message.key: " + key.error().what};
    if (crypto::PeerId::from_public_key(*key) != *author)
      return Error{"Message.key: does not match the peer id in Message.from"};
    return *key;
  }
  if (auto inlined = author->public_key()) return *inlined;
  return Error{"Message.key: missing, and the peer id in Message.from does not inline a key"};
}

Status check_signature_policy(const Message& m, SignaturePolicy policy) {
  if (policy == SignaturePolicy::kStrictSign) {
    if (!m.from) return Error{"StrictSign: Message.from missing"};
    if (!m.seqno) return Error{"StrictSign: Message.seqno missing"};
    if (!m.signature) return Error{"StrictSign: Message.signature missing"};
    return Ok{};
  }
  if (m.from) return Error{"StrictNoSign: unexpected Message.from"};
  if (m.seqno) return Error{"StrictNoSign: unexpected Message.seqno"};
  if (m.signature) return Error{"StrictNoSign: unexpected Message.signature"};
  if (m.key) return Error{"StrictNoSign: unexpected Message.key"};
  return Ok{};
}

namespace {

// Signature size and key checks, then Ed25519 over the signed bytes: no cache.
bool verify_uncached(const Message& m) {
  if (!m.signature || m.signature->size() != crypto::kEd25519SignatureSize) return false;
  auto pk = message_public_key(m);
  return pk && crypto::ed25519_verify(*pk, signed_bytes(m), *m.signature);
}

}  // namespace

std::optional<VerifyCache::Digest> verify_cache_key(const Message& m) {
  if (!m.signature || m.signature->size() != crypto::kEd25519SignatureSize) return std::nullopt;
  auto pk = message_public_key(m);
  if (!pk) return std::nullopt;
  return VerifyCache::digest(signed_bytes(m), *m.signature, *pk);
}

bool verify_message(const Message& m, VerifyCache& cache, const VerifyCache::Digest& key) {
  if (cache.contains(key)) return true;
  if (!verify_uncached(m)) return false;
  cache.insert(key);
  return true;
}

bool verify_message(const Message& m, VerifyCache* cache) {
  if (!cache || !cache->enabled()) return verify_uncached(m);
  const auto key = verify_cache_key(m);
  return key && verify_message(m, *cache, *key);
}

bool validate_message(const Message& m, SignaturePolicy policy, VerifyCache* cache) {
  if (!check_signature_policy(m, policy)) return false;
  return policy == SignaturePolicy::kStrictNoSign || verify_message(m, cache);
}

}  // namespace p2pgossip::host
