// Publishing, decided once for both shells: which message id function names messages, how
// a publication is signed (identity, seqno, signature policy), the size rule, and the
// Message it becomes. The simulator builds each message here; the runtime signs here on
// the caller's thread and builds the Message here on the node's I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::wire {
struct MessageFields;
}

namespace p2pgossip::host {

// The message id functions a node can name messages by.
enum class MessageIdFn : std::uint8_t { kXxh3, kFromSeqno };

// "xxh3" or "from-seqno" (the name Python code passes; "from_seqno" is accepted too, the
// spelling Simulation documented first).
Result<MessageIdFn> message_id_fn_of(std::string_view name);

// The id of `m`. A from||seqno id that does not fit (malformed `from`) is the empty id; such
// a message fails signature verification anyway.
MessageId message_id(MessageIdFn fn, const Message& m);
// The same from a publish entry's fields as decoded (wire::decode_rpc's skip).
MessageId message_id(MessageIdFn fn, const wire::MessageFields& f);

// A publication signed and not yet built into a Message (the runtime builds it on the node's
// I/O thread, so the Message's allocations live and die there).
struct Publication {
  Bytes data;
  std::uint64_t seqno = 0;               // StrictSign only
  crypto::Ed25519Signature signature{};  // StrictSign only
};

// The bytes of an Ed25519 peer id (an identity multihash of the protobuf public key), the
// `from` of every message we sign.
constexpr std::size_t kEd25519PeerIdSize = 38;

class Publisher {
 public:
  Publisher(SignaturePolicy policy, MessageIdFn id_fn, std::size_t max_message_size)
      : policy_(policy), id_fn_(id_fn), max_message_size_(max_message_size) {}

  SignaturePolicy policy() const { return policy_; }
  MessageIdFn id_fn() const { return id_fn_; }
  bool signs() const { return policy_ == SignaturePolicy::kStrictSign; }
  MessageId id(const Message& m) const { return message_id(id_fn_, m); }

  // The size rule, the router's: the encoded Message within max_message_size. Told from the
  // data's size, so it is checked before anything is signed.
  std::size_t encoded_size(std::string_view topic, std::size_t data_size) const;
  Status check_size(std::string_view topic, std::size_t data_size) const;
  // The most data a publication on `topic` may carry; nullopt when none fits.
  std::optional<std::size_t> max_data_size(std::string_view topic) const;

  // Signs a publication of `data` by `identity` with `seqno` (ignored under StrictNoSign)
  // without building its Message: allocation-free (the fields are laid out in a message of
  // this thread, reused from call to call). *id receives the id.
  Publication sign(const crypto::Identity& identity, std::string_view topic, Bytes data,
                   std::uint64_t seqno, MessageId* id) const;
  // The Message of a signed publication (its data moved out).
  MessagePtr build(const crypto::Identity& identity, std::string_view topic, Publication& p) const;
  // Both at once, for a caller that holds the Message where it was built (the simulator).
  Message message(const crypto::Identity& identity, std::string_view topic, Bytes data,
                  std::uint64_t seqno) const;

 private:
  SignaturePolicy policy_;
  MessageIdFn id_fn_;
  std::size_t max_message_size_;
};

}  // namespace p2pgossip::host
