#include "p2pgossip/crypto/message_id.hpp"

#include <string>

#include "p2pgossip/crypto/xxh3.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::crypto {

MessageId message_id_xxh3(const Message& m) {
  using namespace wire::message_field;
  // The same bytes as encode_message of {data, topic}, without copying the payload into a
  // Message first.
  Bytes buf;
  buf.reserve(wire::len_field_size(kData, m.data ? m.data->size() : 0) +
              wire::len_field_size(kTopic, m.topic.size()));
  if (m.data) wire::put_len_field(buf, kData, *m.data);
  wire::put_len_field(buf, kTopic, as_bytes(m.topic));
  const auto id = xxh3_128(buf).canonical();
  return MessageId(id);
}

Result<MessageId> message_id_from_seqno(const Message& m) {
  const std::size_t n = (m.from ? m.from->size() : 0) + (m.seqno ? m.seqno->size() : 0);
  if (n > MessageId::kMaxSize)
    return Error{"from || seqno is " + std::to_string(n) + " bytes, over the message id limit of " +
                 std::to_string(MessageId::kMaxSize)};
  Bytes id;
  id.reserve(n);
  if (m.from) id.insert(id.end(), m.from->begin(), m.from->end());
  if (m.seqno) id.insert(id.end(), m.seqno->begin(), m.seqno->end());
  return MessageId(id);
}

}  // namespace p2pgossip::crypto
