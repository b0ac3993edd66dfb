#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::wire {

void encode_message(const Message& m, Bytes& out, bool for_signing) {
  using namespace message_field;
  out.reserve(out.size() + encoded_message_size(m, for_signing));
  if (m.from) put_len_field(out, kFrom, *m.from);
  if (m.data) put_len_field(out, kData, *m.data);
  if (m.seqno) put_len_field(out, kSeqno, *m.seqno);
  put_len_field(out, kTopic, as_bytes(m.topic));
  if (for_signing) return;
  if (m.signature) put_len_field(out, kSignature, *m.signature);
  if (m.key) put_len_field(out, kKey, *m.key);
}

std::size_t encoded_message_size(const Message& m, bool for_signing) {
  using namespace message_field;
  std::size_t n = len_field_size(kTopic, m.topic.size());
  if (m.from) n += len_field_size(kFrom, m.from->size());
  if (m.data) n += len_field_size(kData, m.data->size());
  if (m.seqno) n += len_field_size(kSeqno, m.seqno->size());
  if (for_signing) return n;
  if (m.signature) n += len_field_size(kSignature, m.signature->size());
  if (m.key) n += len_field_size(kKey, m.key->size());
  return n;
}

}  // namespace p2pgossip::wire
