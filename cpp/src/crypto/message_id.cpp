#include "p2pgossip/crypto/message_id.hpp"

#include <xxhash.h>

#include <string>

#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::crypto {

MessageId message_id_xxh3(const Message& m) {
  using namespace wire::message_field;
  // The same bytes as encode_message of {data, topic}, hashed in place: every receipt of
  // a message computes its id, so the payload is neither copied nor allocated for.
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  auto put_field = [&state](std::uint32_t field, ByteView value) {
    std::uint8_t head[2 * wire::kMaxVarintBytes];
    std::size_t n = 0;
    for (std::uint64_t v : {std::uint64_t{field} << 3 | 2, std::uint64_t{value.size()}}) {
      for (; v >= 0x80; v >>= 7) head[n++] = static_cast<std::uint8_t>(v | 0x80);
      head[n++] = static_cast<std::uint8_t>(v);
    }
    XXH3_128bits_update(&state, head, n);
    XXH3_128bits_update(&state, value.data(), value.size());
  };
  if (m.data) put_field(kData, *m.data);
  put_field(kTopic, as_bytes(m.topic));
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&state));
  return MessageId(ByteView(c.digest, sizeof c.digest));
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
