// Message signing per the libp2p pubsub spec: an Ed25519 signature over
// "libp2p-pubsub:" || encode_message(m, for_signing) (every field but signature and key).
// `from` carries the author's peer id; Ed25519 keys are inlined in it, so `key` is left
// out when signing and, when a received message has one, it must match `from`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::host {

constexpr std::string_view kSignPrefix = "libp2p-pubsub:";

using crypto::Ed25519PublicKey;
using crypto::Ed25519Signature;
using crypto::Identity;
using crypto::VerifyCache;

// The seqno's size as go-libp2p-pubsub writes it: a big-endian uint64.
constexpr std::size_t kSeqnoSize = 8;
Bytes seqno_bytes(std::uint64_t seqno);
// The same bytes written into `out` (resized; its buffer reused).
void set_seqno(Bytes& out, std::uint64_t seqno);

// The exact bytes the signature covers.
Bytes signed_bytes(const Message& m);

// Sets `from` to the identity's peer id and fills `signature`; clears `key` (inlined in
// `from`). `seqno` and the content are left as they are and are covered by the signature.
void sign_message(const Identity& identity, Message& m);

// The signature sign_message puts on `m`, for a message whose `from` is already the
// identity's peer id; `m` is left as it is.
Ed25519Signature message_signature(const Identity& identity, const Message& m);

// The key that must have signed `m`: from `from` when inlined there, otherwise from `key`,
// which must then hash to `from`. Errors name the field and the rule.
Result<Ed25519PublicKey> message_public_key(const Message& m);

// Policy field rules only (presence and absence of from/seqno/signature/key), no crypto.
Status check_signature_policy(const Message& m, SignaturePolicy policy);

// StrictSign verification: fields present, key consistent with `from`, signature valid.
// With a cache, a message already verified in this process costs one BLAKE2b instead of
// an Ed25519 verification.
bool verify_message(const Message& m, VerifyCache* cache = nullptr);

// The verification cache's key for `m` (VerifyCache::digest over its signed bytes, signature
// and key), or nullopt when `m` cannot verify (no well-sized signature, no usable key).
std::optional<VerifyCache::Digest> verify_cache_key(const Message& m);
// verify_message with `m`'s cache key already at hand (verify_cache_key of this very
// message, kept by a caller that sees one message object many times): a cache hit costs
// a lookup instead of encoding and hashing the message again.
bool verify_message(const Message& m, VerifyCache& cache, const VerifyCache::Digest& key);

// check_signature_policy, then (StrictSign) verify_message.
bool validate_message(const Message& m, SignaturePolicy policy, VerifyCache* cache = nullptr);

}  // namespace p2pgossip::host
