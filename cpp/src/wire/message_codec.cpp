#include <algorithm>

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
  if (!for_signing) {
    if (m.signature) put_len_field(out, kSignature, *m.signature);
    if (m.key) put_len_field(out, kKey, *m.key);
  }
  out.insert(out.end(), m.unknown_fields.begin(), m.unknown_fields.end());
}

std::size_t encoded_message_size(const Message& m, bool for_signing) {
  using namespace message_field;
  std::size_t n = len_field_size(kTopic, m.topic.size());
  if (m.from) n += len_field_size(kFrom, m.from->size());
  if (m.data) n += len_field_size(kData, m.data->size());
  if (m.seqno) n += len_field_size(kSeqno, m.seqno->size());
  n += m.unknown_fields.size();
  if (for_signing) return n;
  if (m.signature) n += len_field_size(kSignature, m.signature->size());
  if (m.key) n += len_field_size(kKey, m.key->size());
  return n;
}

Status detail::decode_message_fields(MessageFields& m, std::vector<ByteView>* unknown, ByteView in,
                                     const DecodeLimits& limits) {
  using namespace message_field;
  bool has_topic = false;
  Reader r(in);
  while (!r.done()) {
    const std::size_t start = r.position();
    auto f = r.next();
    if (!f) return at(": ", f.error());
    auto put = [&](std::optional<ByteView>& dst, std::string_view name, std::size_t max,
                   std::string_view limit) -> Status {
      auto b = bytes_field(*f, name, max, limit);
      if (!b) return b.error();
      dst = *b;  // the last occurrence wins
      return Ok{};
    };
    Status s = Ok{};
    switch (f->number) {
      case kFrom:
        s = put(m.from, "from", limits.max_peer_id_size, "max_peer_id_size");
        break;
      case kData:
        s = put(m.data, "data", limits.max_data_size, "max_data_size");
        break;
      case kSeqno:
        s = put(m.seqno, "seqno", limits.max_seqno_size, "max_seqno_size");
        break;
      case kTopic: {
        auto b = string_field(*f, "topic", limits.max_topic_length, "max_topic_length");
        if (!b) return b.error();
        m.topic = as_chars(*b);
        has_topic = true;
        break;
      }
      case kSignature:
        s = put(m.signature, "signature", limits.max_signature_size, "max_signature_size");
        break;
      case kKey:
        s = put(m.key, "key", limits.max_key_size, "max_key_size");
        break;
      default:  // kept whole, bounded by the input (see Message::unknown_fields)
        if (unknown) unknown->push_back(in.subspan(start, r.position() - start));
    }
    if (!s) return s;
  }
  if (!has_topic) return Error{".topic: required field missing"};
  return Ok{};
}

void detail::build_message(Message& m, const MessageFields& f, std::span<const ByteView> unknown) {
  auto copy = [](std::optional<Bytes>& dst, const std::optional<ByteView>& v) {
    if (v) dst.emplace(v->begin(), v->end());
  };
  copy(m.from, f.from);
  copy(m.data, f.data);
  copy(m.seqno, f.seqno);
  m.topic.assign(f.topic);
  copy(m.signature, f.signature);
  copy(m.key, f.key);
  for (ByteView u : unknown) m.unknown_fields.insert(m.unknown_fields.end(), u.begin(), u.end());
}

bool same_message(const Message& m, const MessageFields& f) {
  auto same = [](const std::optional<Bytes>& a, const std::optional<ByteView>& b) {
    return a.has_value() == b.has_value() && (!a || std::ranges::equal(*a, *b));
  };
  return m.unknown_fields.empty() && m.topic == f.topic && same(m.from, f.from) &&
         same(m.data, f.data) && same(m.seqno, f.seqno) && same(m.signature, f.signature) &&
         same(m.key, f.key);
}

Status detail::decode_message_into(Message& m, ByteView in, const DecodeLimits& limits) {
  MessageFields f;
  std::vector<ByteView> unknown;
  if (auto s = decode_message_fields(f, &unknown, in, limits); !s) return s;
  build_message(m, f, unknown);
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
