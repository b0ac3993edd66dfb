// Message-id functions. The id names a message in the seen cache, mcache, IHAVE/IWANT and
// IDONTWANT; it is not cryptographic and never stands in for signature verification.
#pragma once

#include <optional>
#include <string_view>

#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::host {

// The default, content-addressed id: XXH3-128 (seed 0) over the protobuf encoding of a
// Message holding only the `data` (field 2, when present) and `topic` (field 4) of `m`,
// in field order, i.e. encode_message(Message{.data = m.data, .topic = m.topic}).
// Independent of from, seqno, signature and key, so one payload on one topic has one id.
// 16 bytes in xxHash's canonical (big-endian) form.
MessageId message_id_xxh3(const Message& m);
// The same from the fields as they lie on the wire (`data` absent: nullopt).
MessageId message_id_xxh3(std::optional<ByteView> data, std::string_view topic);

// libp2p's default id: from || seqno (absent fields count as empty). Error when the
// concatenation exceeds MessageId::kMaxSize (possible only for malformed `from`).
Result<MessageId> message_id_from_seqno(const Message& m);
Result<MessageId> message_id_from_seqno(ByteView from, ByteView seqno);

}  // namespace p2pgossip::host
