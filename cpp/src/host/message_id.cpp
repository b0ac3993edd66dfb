#include "p2pgossip/host/message_id.hpp"

#include <xxhash.h>

#include <cstring>
#include <string>

#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::host {

MessageId message_id_xxh3(const Message& m) {
  return message_id_xxh3(m.data ? std::optional<ByteView>(*m.data) : std::nullopt, m.topic);
}

MessageId message_id_xxh3(std::optional<ByteView> present_data, std::string_view topic_chars) {
  using namespace wire::message_field;
  // The same bytes as encode_message of {data, topic}, hashed without allocating: every
  // receipt of a message computes its id. Up to a page they are laid out on the stack and
  // hashed in one call (XXH3's one-shot form is much faster than its streaming form for
  // short inputs); longer payloads are streamed in place.
  constexpr std::size_t kOneShot = 4096;
  const ByteView data = present_data.value_or(ByteView{});
  const ByteView topic = as_bytes(topic_chars);
  const std::size_t heads = (present_data ? 2 : 1) * 2 * wire::kMaxVarintBytes;
  auto put_head = [](std::uint8_t* out, std::uint32_t field, std::size_t size) {
    std::size_t n = 0;
    for (std::uint64_t v : {std::uint64_t{field} << 3 | 2, std::uint64_t{size}}) {
      for (; v >= 0x80; v >>= 7) out[n++] = static_cast<std::uint8_t>(v | 0x80);
      out[n++] = static_cast<std::uint8_t>(v);
    }
    return n;
  };
  XXH128_hash_t h;
  if (data.size() + topic.size() + heads <= kOneShot) {
    std::uint8_t buf[kOneShot];
    std::size_t n = 0;
    if (present_data) {
      n += put_head(buf + n, kData, data.size());
      if (!data.empty()) std::memcpy(buf + n, data.data(), data.size());
      n += data.size();
    }
    n += put_head(buf + n, kTopic, topic.size());
    if (!topic.empty()) std::memcpy(buf + n, topic.data(), topic.size());
    n += topic.size();
    h = XXH3_128bits(buf, n);
  } else {
    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    auto put_field = [&](std::uint32_t field, ByteView value) {
      std::uint8_t head[2 * wire::kMaxVarintBytes];
      XXH3_128bits_update(&state, head, put_head(head, field, value.size()));
      XXH3_128bits_update(&state, value.data(), value.size());
    };
    if (present_data) put_field(kData, data);
    put_field(kTopic, topic);
    h = XXH3_128bits_digest(&state);
  }
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  return MessageId(ByteView(c.digest, sizeof c.digest));
}

Result<MessageId> message_id_from_seqno(const Message& m) {
  return message_id_from_seqno(m.from ? ByteView(*m.from) : ByteView{},
                               m.seqno ? ByteView(*m.seqno) : ByteView{});
}

Result<MessageId> message_id_from_seqno(ByteView from, ByteView seqno) {
  const std::size_t n = from.size() + seqno.size();
  if (n > MessageId::kMaxSize)
    return Error{"from || seqno is " + std::to_string(n) + " bytes, over the message id limit of " +
                 std::to_string(MessageId::kMaxSize)};
  Bytes id;
  id.reserve(n);
  id.insert(id.end(), from.begin(), from.end());
  id.insert(id.end(), seqno.begin(), seqno.end());
  return MessageId(id);
}

}  // namespace p2pgossip::host
