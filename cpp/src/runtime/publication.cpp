#include "runtime/publication.hpp"

#include <memory>
#include <optional>
#include <utility>

namespace p2pgossip::runtime {

namespace {

void assign(std::optional<Bytes>& field, ByteView value) {
  if (!field) field.emplace();
  field->assign(value.begin(), value.end());
}

}  // namespace

void set_publication_fields(Message& m, const crypto::Identity& identity,
                            crypto::SignaturePolicy policy, std::string_view topic, Bytes data,
                            std::uint64_t seqno) {
  m.topic.assign(topic);
  m.data = std::move(data);
  m.key.reset();
  m.signature.reset();
  m.unknown_fields.clear();
  if (policy != crypto::SignaturePolicy::kStrictSign) {
    m.from.reset();
    m.seqno.reset();
    return;
  }
  assign(m.from, identity.peer_id().bytes());
  if (!m.seqno) m.seqno.emplace();
  crypto::set_seqno(*m.seqno, seqno);
}

MessagePtr to_message(const crypto::Identity& identity, crypto::SignaturePolicy policy,
                      std::string_view topic, Publication& p) {
  auto m = std::make_shared<Message>();
  set_publication_fields(*m, identity, policy, topic, std::move(p.data), p.seqno);
  if (policy == crypto::SignaturePolicy::kStrictSign)
    m->signature = Bytes(p.signature.begin(), p.signature.end());
  return m;
}

}  // namespace p2pgossip::runtime
