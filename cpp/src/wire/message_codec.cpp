#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "wire/field_decode.hpp"

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

Status detail::decode_message_into(Message& m, ByteView in, const DecodeLimits& limits) {
  using namespace message_field;
  bool has_topic = false;
  auto s = for_each_field(in, [&](const Field& f) -> Status {
    auto put = [&](std::optional<Bytes>& dst, std::string_view name, std::size_t max,
                   std::string_view limit) -> Status {
      auto b = bytes_field(f, name, max, limit);
      if (!b) return b.error();
      set(dst, *b);
      return Ok{};
    };
    switch (f.number) {
      case kFrom:
        return put(m.from, "from", limits.max_peer_id_size, "max_peer_id_size");
      case kData:
        return put(m.data, "data", limits.max_data_size, "max_data_size");
      case kSeqno:
        return put(m.seqno, "seqno", limits.max_seqno_size, "max_seqno_size");
      case kTopic: {
        auto b = string_field(f, "topic", limits.max_topic_length, "max_topic_length");
        if (!b) return b.error();
        m.topic.assign(as_chars(*b));
        has_topic = true;
        return Ok{};
      }
      case kSignature:
        return put(m.signature, "signature", limits.max_signature_size, "max_signature_size");
      case kKey:
        return put(m.key, "key", limits.max_key_size, "max_key_size");
      default:
        return Ok{};
    }
  });
  if (!s) return s;
  if (!has_topic) return Error{".topic: required field missing"};
  return Ok{};
}

Result<Message> decode_message(ByteView in, const DecodeLimits& limits) {
  Message m;
  if (auto s = detail::decode_message_into(m, in, limits); !s) {
    return detail::at("Message", s.error());
  }
  return m;
}

}  // namespace p2pgossip::wire
