#include "p2pgossip/host/publisher.hpp"

#include <optional>
#include <utility>

#include "p2pgossip/host/message_id.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::host {

namespace {

void assign(std::optional<Bytes>& field, ByteView value) {
  if (!field) field.emplace();
  field->assign(value.begin(), value.end());
}

// Sets the fields of `m` but the signature to those of a publication, assigning into the
// buffers `m` has, so a message reused from call to call allocates only what grew.
void set_fields(Message& m, const crypto::Identity& identity, bool signs, std::string_view topic,
                Bytes data, std::uint64_t seqno) {
  m.topic.assign(topic);
  m.data = std::move(data);
  m.key.reset();
  m.signature.reset();
  m.unknown_fields.clear();
  if (!signs) {
    m.from.reset();
    m.seqno.reset();
    return;
  }
  assign(m.from, identity.peer_id().bytes());
  if (!m.seqno) m.seqno.emplace();
  host::set_seqno(*m.seqno, seqno);
}

}  // namespace

Result<MessageIdFn> message_id_fn_of(std::string_view name) {
  if (name == "xxh3") return MessageIdFn::kXxh3;
  if (name == "from-seqno" || name == "from_seqno") return MessageIdFn::kFromSeqno;
  return Error{"unknown message id function '" + std::string(name) +
               "': use 'xxh3' or 'from-seqno'"};
}

MessageId message_id(MessageIdFn fn, const Message& m) {
  if (fn == MessageIdFn::kXxh3) return host::message_id_xxh3(m);
  auto id = host::message_id_from_seqno(m);
  return id ? *id : MessageId{};
}

MessageId message_id(MessageIdFn fn, const wire::MessageFields& f) {
  if (fn == MessageIdFn::kXxh3) return host::message_id_xxh3(f.data, f.topic);
  auto id = host::message_id_from_seqno(f.from.value_or(ByteView{}), f.seqno.value_or(ByteView{}));
  return id ? *id : MessageId{};
}

std::size_t Publisher::encoded_size(std::string_view topic, std::size_t data_size) const {
  // Every field but the data has a size fixed by the topic and the policy: an Ed25519 peer
  // id in `from`, an 8-byte seqno, a 64-byte signature.
  Message m;
  m.topic.assign(topic);
  if (signs()) {
    m.from = Bytes(kEd25519PeerIdSize);
    m.seqno = Bytes(host::kSeqnoSize);
    m.signature = Bytes(crypto::kEd25519SignatureSize);
  }
  return wire::encoded_message_size(m) + wire::len_field_size(2, data_size);
}

std::optional<std::size_t> Publisher::max_data_size(std::string_view topic) const {
  const std::size_t empty = encoded_size(topic, 0);
  if (empty > max_message_size_) return std::nullopt;
  std::size_t n = max_message_size_ - empty + 1;  // over by at least one length byte
  while (encoded_size(topic, n) > max_message_size_) --n;
  return n;
}

Status Publisher::check_size(std::string_view topic, std::size_t data_size) const {
  const std::size_t size = encoded_size(topic, data_size);
  if (size <= max_message_size_) return Ok{};
  return Error{"publish: " + std::to_string(data_size) + " bytes of data on a " +
               std::to_string(topic.size()) + "-byte topic make a " + std::to_string(size) +
               "-byte message, over max_message_size " + std::to_string(max_message_size_)};
}

Publication Publisher::sign(const crypto::Identity& identity, std::string_view topic, Bytes data,
                            std::uint64_t seqno, MessageId* id) const {
  thread_local Message scratch;
  Publication p;
  p.seqno = signs() ? seqno : 0;
  set_fields(scratch, identity, signs(), topic, std::move(data), p.seqno);
  if (signs()) p.signature = host::message_signature(identity, scratch);
  *id = this->id(scratch);
  p.data = std::move(*scratch.data);
  return p;
}

MessagePtr Publisher::build(const crypto::Identity& identity, std::string_view topic,
                            Publication& p) const {
  auto m = std::make_shared<Message>();
  set_fields(*m, identity, signs(), topic, std::move(p.data), p.seqno);
  if (signs()) m->signature = Bytes(p.signature.begin(), p.signature.end());
  return m;
}

Message Publisher::message(const crypto::Identity& identity, std::string_view topic, Bytes data,
                           std::uint64_t seqno) const {
  Message m;
  set_fields(m, identity, signs(), topic, std::move(data), seqno);
  if (signs()) host::sign_message(identity, m);
  return m;
}

}  // namespace p2pgossip::host
