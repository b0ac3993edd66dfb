#include "p2pgossip/crypto/keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::crypto {

namespace {

struct KeyProto {
  std::optional<std::uint64_t> type;
  std::optional<ByteView> data;
};

// Reads {Type = 1, Data = 2}; unknown fields are skipped, as protobuf requires.
Result<KeyProto> read_key_proto(ByteView encoded, std::string_view what) {
  KeyProto k;
  wire::Reader r(encoded);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{std::string(what) + ": " + f.error().what};
    if (f->number == key_field::kType) {
      if (f->type != wire::WireType::kVarint)
        return Error{std::string(what) + ".Type: wrong wire type"};
      k.type = f->varint;
    } else if (f->number == key_field::kData) {
      if (f->type != wire::WireType::kLen)
        return Error{std::string(what) + ".Data: wrong wire type"};
      k.data = f->bytes;
    }
  }
  if (!k.type) return Error{std::string(what) + ".Type: missing"};
  if (!k.data) return Error{std::string(what) + ".Data: missing"};
  if (*k.type != static_cast<std::uint64_t>(KeyType::kEd25519))
    return Error{std::string(what) + ".Type: key type " + std::to_string(*k.type) +
                 " is not Ed25519 (1); only Ed25519 keys are supported"};
  return k;
}

}  // namespace

Bytes encode_ed25519_public_key(const Ed25519PublicKey& public_key) {
  Bytes out;
  out.reserve(4 + public_key.size());
  wire::put_varint_field(out, key_field::kType, static_cast<std::uint64_t>(KeyType::kEd25519));
  wire::put_len_field(out, key_field::kData, public_key);
  return out;
}

Result<Ed25519PublicKey> decode_ed25519_public_key(ByteView encoded) {
  auto k = read_key_proto(encoded, "PublicKey");
  if (!k) return k.error();
  if (k->data->size() != kEd25519PublicKeySize)
    return Error{"PublicKey.Data: Ed25519 public key is " + std::to_string(k->data->size()) +
                 " bytes, expected 32"};
  Ed25519PublicKey pk{};
  std::copy(k->data->begin(), k->data->end(), pk.begin());
  if (!std::ranges::equal(encode_ed25519_public_key(pk), encoded))
    return Error{"PublicKey: not in canonical encoding (Type, then Data, nothing else)"};
  return pk;
}

SecretBytes encode_ed25519_private_key(const Ed25519KeyPair& key) {
  SecretBytes out;
  out.reserve(4 + kEd25519PrivateKeyDataSize);  // appends below never reallocate
  SecretBytes data;
  data.reserve(kEd25519PrivateKeyDataSize);
  data.buffer().insert(data.buffer().end(), key.seed.view().begin(), key.seed.view().end());
  data.buffer().insert(data.buffer().end(), key.public_key.begin(), key.public_key.end());
  wire::put_varint_field(out.buffer(), key_field::kType,
                         static_cast<std::uint64_t>(KeyType::kEd25519));
  wire::put_len_field(out.buffer(), key_field::kData, data.view());
  return out;
}

Result<Ed25519KeyPair> decode_ed25519_private_key(ByteView encoded) {
  auto k = read_key_proto(encoded, "PrivateKey");
  if (!k) return k.error();
  const ByteView data = *k->data;
  if (data.size() != kEd25519PrivateKeyDataSize && data.size() != kEd25519LegacyPrivateKeyDataSize)
    return Error{"PrivateKey.Data: Ed25519 private key is " + std::to_string(data.size()) +
                 " bytes, expected 64 (seed || public key) or legacy 96"};
  const ByteView pub = data.subspan(kEd25519SeedSize, kEd25519PublicKeySize);
  if (data.size() == kEd25519LegacyPrivateKeyDataSize &&
      !std::ranges::equal(pub, data.subspan(kEd25519SeedSize + kEd25519PublicKeySize)))
    return Error{"PrivateKey.Data: legacy 96-byte key whose two public key copies differ"};

  Ed25519KeyPair pair{SecretBytes(data.first(kEd25519SeedSize)), {}};
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(pair.public_key.data(), sk.data(), pair.seed.data());
  if (!std::ranges::equal(pair.public_key, pub))
    return Error{"PrivateKey.Data: public key does not match the seed"};
  return pair;
}

}  // namespace p2pgossip::crypto
