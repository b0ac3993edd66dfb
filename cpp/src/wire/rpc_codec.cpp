#include "p2pgossip/wire/rpc_codec.hpp"

#include "p2pgossip/wire/protobuf.hpp"
#include "wire/field_decode.hpp"

namespace p2pgossip::wire {

// Field numbers of rpc.proto, by message.
namespace rpc_field {
constexpr std::uint32_t kSubscriptions = 1, kPublish = 2, kControl = 3;
}
namespace subopts_field {
constexpr std::uint32_t kSubscribe = 1, kTopicId = 2;
}
namespace control_field {
constexpr std::uint32_t kIHave = 1, kIWant = 2, kGraft = 3, kPrune = 4, kIDontWant = 5;
}
namespace ihave_field {  // also ControlGraft (topicID only) and ControlPrune's first two
constexpr std::uint32_t kTopicId = 1, kMessageIds = 2;
}
namespace ids_field {  // ControlIWant, ControlIDontWant
constexpr std::uint32_t kMessageIds = 1;
}
namespace prune_field {
constexpr std::uint32_t kTopicId = 1, kPeers = 2, kBackoff = 3;
}
namespace peer_info_field {
constexpr std::uint32_t kPeerId = 1, kSignedPeerRecord = 2;
}
namespace publish_hops_field {
constexpr std::uint32_t kHops = 1;
}

// ---- encoding: body_size(x) is the size of x's fields, put_body(out, x) writes them ----

namespace {

// Declared up front so the repeated_* templates below see every overload.
std::size_t body_size(const SubOpts& s);
std::size_t body_size(const MessagePtr& m);
std::size_t body_size(const ControlIHave& c);
std::size_t body_size(const ControlIWant& c);
std::size_t body_size(const ControlGraft& c);
std::size_t body_size(const PeerInfo& p);
std::size_t body_size(const ControlPrune& c);
std::size_t body_size(const ControlIDontWant& c);
void put_body(Bytes& out, const SubOpts& s);
void put_body(Bytes& out, const MessagePtr& m);
void put_body(Bytes& out, const ControlIHave& c);
void put_body(Bytes& out, const ControlIWant& c);
void put_body(Bytes& out, const ControlGraft& c);
void put_body(Bytes& out, const PeerInfo& p);
void put_body(Bytes& out, const ControlPrune& c);
void put_body(Bytes& out, const ControlIDontWant& c);

std::size_t len_opt_size(std::uint32_t field, const std::optional<std::string>& s) {
  return s ? len_field_size(field, s->size()) : 0;
}
std::size_t len_opt_size(std::uint32_t field, const std::optional<Bytes>& b) {
  return b ? len_field_size(field, b->size()) : 0;
}
void put_opt(Bytes& out, std::uint32_t field, const std::optional<std::string>& s) {
  if (s) put_len_field(out, field, as_bytes(*s));
}
void put_opt(Bytes& out, std::uint32_t field, const std::optional<Bytes>& b) {
  if (b) put_len_field(out, field, *b);
}
std::size_t ids_size(std::uint32_t field, const MessageIds& ids) {
  std::size_t n = 0;
  for (ByteView id : ids) n += len_field_size(field, id.size());
  return n;
}
void put_ids(Bytes& out, std::uint32_t field, const MessageIds& ids) {
  for (ByteView id : ids) put_len_field(out, field, id);
}

std::size_t body_size(const SubOpts& s) {
  return (s.subscribe ? varint_field_size(subopts_field::kSubscribe, *s.subscribe) : 0) +
         len_opt_size(subopts_field::kTopicId, s.topic_id);
}
void put_body(Bytes& out, const SubOpts& s) {
  if (s.subscribe) put_varint_field(out, subopts_field::kSubscribe, *s.subscribe);
  put_opt(out, subopts_field::kTopicId, s.topic_id);
}

std::size_t body_size(const MessagePtr& m) { return encoded_message_size(*m); }
void put_body(Bytes& out, const MessagePtr& m) { encode_message(*m, out); }

std::size_t body_size(const ControlIHave& c) {
  return len_opt_size(ihave_field::kTopicId, c.topic_id) +
         ids_size(ihave_field::kMessageIds, c.message_ids);
}
void put_body(Bytes& out, const ControlIHave& c) {
  put_opt(out, ihave_field::kTopicId, c.topic_id);
  put_ids(out, ihave_field::kMessageIds, c.message_ids);
}

std::size_t body_size(const ControlIWant& c) {
  return ids_size(ids_field::kMessageIds, c.message_ids);
}
void put_body(Bytes& out, const ControlIWant& c) {
  put_ids(out, ids_field::kMessageIds, c.message_ids);
}

std::size_t body_size(const ControlGraft& c) {
  return len_opt_size(ihave_field::kTopicId, c.topic_id);
}
void put_body(Bytes& out, const ControlGraft& c) {
  put_opt(out, ihave_field::kTopicId, c.topic_id);
}

std::size_t body_size(const PeerInfo& p) {
  return len_opt_size(peer_info_field::kPeerId, p.peer_id) +
         len_opt_size(peer_info_field::kSignedPeerRecord, p.signed_peer_record);
}
void put_body(Bytes& out, const PeerInfo& p) {
  put_opt(out, peer_info_field::kPeerId, p.peer_id);
  put_opt(out, peer_info_field::kSignedPeerRecord, p.signed_peer_record);
}

std::size_t body_size(const ControlIDontWant& c) {
  return ids_size(ids_field::kMessageIds, c.message_ids);
}
void put_body(Bytes& out, const ControlIDontWant& c) {
  put_ids(out, ids_field::kMessageIds, c.message_ids);
}

// Repeated embedded messages, each a length-delimited field.
template <class T>
std::size_t repeated_size(std::uint32_t field, const std::vector<T>& v) {
  std::size_t n = 0;
  for (const auto& x : v) n += len_field_size(field, body_size(x));
  return n;
}
template <class T>
void put_repeated(Bytes& out, std::uint32_t field, const std::vector<T>& v) {
  for (const auto& x : v) {
    put_tag(out, field, WireType::kLen);
    put_varint(out, body_size(x));
    put_body(out, x);
  }
}

std::size_t body_size(const ControlPrune& c) {
  return len_opt_size(prune_field::kTopicId, c.topic_id) +
         repeated_size(prune_field::kPeers, c.peers) +
         (c.backoff ? varint_field_size(prune_field::kBackoff, *c.backoff) : 0);
}
void put_body(Bytes& out, const ControlPrune& c) {
  put_opt(out, prune_field::kTopicId, c.topic_id);
  put_repeated(out, prune_field::kPeers, c.peers);
  if (c.backoff) put_varint_field(out, prune_field::kBackoff, *c.backoff);
}

std::size_t body_size(const ControlMessage& c) {
  using namespace control_field;
  return repeated_size(kIHave, c.ihave) + repeated_size(kIWant, c.iwant) +
         repeated_size(kGraft, c.graft) + repeated_size(kPrune, c.prune) +
         repeated_size(kIDontWant, c.idontwant);
}
void put_body(Bytes& out, const ControlMessage& c) {
  using namespace control_field;
  put_repeated(out, kIHave, c.ihave);
  put_repeated(out, kIWant, c.iwant);
  put_repeated(out, kGraft, c.graft);
  put_repeated(out, kPrune, c.prune);
  put_repeated(out, kIDontWant, c.idontwant);
}

// PublishHops' body: field 1, the hop counts packed.
std::size_t packed_hops_size(const std::vector<std::uint32_t>& hops) {
  std::size_t n = 0;
  for (std::uint32_t h : hops) n += varint_size(h);
  return n;
}
std::size_t hops_body_size(const std::vector<std::uint32_t>& hops) {
  return len_field_size(publish_hops_field::kHops, packed_hops_size(hops));
}

}  // namespace

std::size_t encoded_rpc_size(const Rpc& rpc) {
  using namespace rpc_field;
  return repeated_size(kSubscriptions, rpc.subscriptions) + repeated_size(kPublish, rpc.publish) +
         (rpc.control ? len_field_size(kControl, body_size(*rpc.control)) : 0) +
         (rpc.publish_hops.empty()
              ? 0
              : len_field_size(kPublishHopsField, hops_body_size(rpc.publish_hops)));
}

std::size_t encoded_rpc_size(const Message& m) {
  return len_field_size(rpc_field::kPublish, encoded_message_size(m));
}

void encode_rpc(const Rpc& rpc, Bytes& out) {
  using namespace rpc_field;
  out.reserve(out.size() + encoded_rpc_size(rpc));
  put_repeated(out, kSubscriptions, rpc.subscriptions);
  put_repeated(out, kPublish, rpc.publish);
  if (rpc.control) {
    put_tag(out, kControl, WireType::kLen);
    put_varint(out, body_size(*rpc.control));
    put_body(out, *rpc.control);
  }
  if (!rpc.publish_hops.empty()) {
    put_tag(out, kPublishHopsField, WireType::kLen);
    put_varint(out, hops_body_size(rpc.publish_hops));
    put_tag(out, publish_hops_field::kHops, WireType::kLen);
    put_varint(out, packed_hops_size(rpc.publish_hops));
    for (std::uint32_t h : rpc.publish_hops) put_varint(out, h);
  }
}

// ---- decoding: each decode_* returns errors as path suffixes (see field_decode.hpp) ----

namespace {

using namespace detail;

Status decode_subopts(SubOpts& s, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    switch (f.number) {
      case subopts_field::kSubscribe: {
        auto v = varint_field(f, "subscribe");
        if (!v) return v.error();
        s.subscribe = *v != 0;
        return Ok{};
      }
      case subopts_field::kTopicId: {
        auto b = string_field(f, "topicid", limits.max_topic_length, "max_topic_length");
        if (!b) return b.error();
        set(s.topic_id, *b);
        return Ok{};
      }
      default:
        return Ok{};
    }
  });
}

Status decode_topic_id(std::optional<std::string>& dst, const Field& f,
                       const DecodeLimits& limits) {
  auto b = string_field(f, "topicID", limits.max_topic_length, "max_topic_length");
  if (!b) return b.error();
  set(dst, *b);
  return Ok{};
}

// One entry of a repeated messageIDs field.
Status decode_message_id(MessageIds& ids, const Field& f, const DecodeLimits& limits) {
  if (auto s = room_for_one(ids.size(), limits.max_ihave_length, "messageIDs", "max_ihave_length");
      !s) {
    return s;
  }
  if (f.type != WireType::kLen) {
    return wrong_type(f, cat({"messageIDs[", std::to_string(ids.size()), "]"}), WireType::kLen);
  }
  if (f.bytes.size() > limits.max_message_id_size) {
    return Error{
        cat({indexed("messageIDs", ids.size()), ": ", std::to_string(f.bytes.size()),
             " bytes exceed max_message_id_size ", std::to_string(limits.max_message_id_size)})};
  }
  ids.push_back(f.bytes);
  return Ok{};
}

Status decode_ihave(ControlIHave& c, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    switch (f.number) {
      case ihave_field::kTopicId:
        return decode_topic_id(c.topic_id, f, limits);
      case ihave_field::kMessageIds:
        return decode_message_id(c.message_ids, f, limits);
      default:
        return Ok{};
    }
  });
}

// ControlIWant and ControlIDontWant: only messageIDs.
template <class Ids>
Status decode_ids(Ids& c, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    if (f.number == ids_field::kMessageIds) return decode_message_id(c.message_ids, f, limits);
    return Ok{};
  });
}

Status decode_graft(ControlGraft& c, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    if (f.number == ihave_field::kTopicId) return decode_topic_id(c.topic_id, f, limits);
    return Ok{};
  });
}

Status decode_peer_info(PeerInfo& p, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    Result<ByteView> b = ByteView{};
    switch (f.number) {
      case peer_info_field::kPeerId:
        b = bytes_field(f, "peerID", limits.max_peer_id_size, "max_peer_id_size");
        if (b) set(p.peer_id, *b);
        break;
      case peer_info_field::kSignedPeerRecord:
        b = bytes_field(f, "signedPeerRecord", limits.max_signed_peer_record_size,
                        "max_signed_peer_record_size");
        if (b) set(p.signed_peer_record, *b);
        break;
      default:
        break;
    }
    if (!b) return b.error();
    return Ok{};
  });
}

// Appends one entry of a repeated embedded field `name` to `v`, decoded by `decode`.
template <class T, class Decode>
Status decode_entry(std::vector<T>& v, const Field& f, std::string_view name, std::size_t max,
                    std::string_view limit, const DecodeLimits& limits, Decode&& decode) {
  if (auto s = room_for_one(v.size(), max, name, limit); !s) return s;
  auto b = embedded_field(f, name);
  if (!b) return b.error();
  const std::size_t i = v.size();
  if (auto s = decode(v.emplace_back(), *b, limits); !s) return at(indexed(name, i), s.error());
  return Ok{};
}

Status decode_prune(ControlPrune& c, ByteView in, const DecodeLimits& limits) {
  return for_each_field(in, [&](const Field& f) -> Status {
    switch (f.number) {
      case prune_field::kTopicId:
        return decode_topic_id(c.topic_id, f, limits);
      case prune_field::kPeers:
        return decode_entry(c.peers, f, "peers", limits.max_prune_peers, "max_prune_peers", limits,
                            decode_peer_info);
      case prune_field::kBackoff: {
        auto v = varint_field(f, "backoff");
        if (!v) return v.error();
        c.backoff = *v;
        return Ok{};
      }
      default:
        return Ok{};
    }
  });
}

Status decode_control(ControlMessage& c, ByteView in, const DecodeLimits& limits) {
  const std::size_t max = limits.max_control_entries;
  constexpr std::string_view limit = "max_control_entries";
  return for_each_field(in, [&](const Field& f) -> Status {
    switch (f.number) {
      case control_field::kIHave:
        return decode_entry(c.ihave, f, "ihave", max, limit, limits, decode_ihave);
      case control_field::kIWant:
        return decode_entry(c.iwant, f, "iwant", max, limit, limits, decode_ids<ControlIWant>);
      case control_field::kGraft:
        return decode_entry(c.graft, f, "graft", max, limit, limits, decode_graft);
      case control_field::kPrune:
        return decode_entry(c.prune, f, "prune", max, limit, limits, decode_prune);
      case control_field::kIDontWant:
        return decode_entry(c.idontwant, f, "idontwant", max, limit, limits,
                            decode_ids<ControlIDontWant>);
      default:
        return Ok{};
    }
  });
}

// PublishHops.hops: each entry a varint, or (packed) several in one field; protobuf parsers
// accept both forms of a repeated scalar.
Status decode_hops(std::vector<std::uint32_t>& hops, ByteView in, const DecodeLimits& limits) {
  auto one = [&](std::uint64_t v) -> Status {
    if (auto s = room_for_one(hops.size(), limits.max_publish, "hops", "max_publish"); !s) return s;
    if (v > UINT32_MAX) return Error{cat({indexed("hops", hops.size()), ": exceeds uint32"})};
    hops.push_back(static_cast<std::uint32_t>(v));
    return Ok{};
  };
  return for_each_field(in, [&](const Field& f) -> Status {
    if (f.number != publish_hops_field::kHops) return Ok{};
    if (f.type == WireType::kVarint) return one(f.varint);
    if (f.type != WireType::kLen) return wrong_type(f, "hops", WireType::kVarint);
    Reader packed(f.bytes);
    while (!packed.done()) {
      auto v = packed.varint();
      if (!v) return at(".hops: ", v.error());
      if (auto s = one(*v); !s) return s;
    }
    return Ok{};
  });
}

Status decode_publish(MessagePtr& m, ByteView in, const DecodeLimits& limits) {
  Message msg;
  if (auto s = decode_message_into(msg, in, limits); !s) return s;
  m = std::make_shared<const Message>(std::move(msg));
  return Ok{};
}

// A publish entry, checked like any other, then shown to `known`: left out (only its index
// kept), the caller's equal message, or built.
Status skip_or_decode_publish(Rpc& rpc, std::vector<std::size_t>& skipped, const Field& f,
                              const DecodeLimits& limits,
                              const std::function<KnownMessage(const MessageFields&)>& known) {
  const std::size_t i = rpc.publish.size() + skipped.size();
  if (auto s = room_for_one(i, limits.max_publish, "publish", "max_publish"); !s) return s;
  auto b = embedded_field(f, "publish");
  if (!b) return b.error();
  MessageFields fields;
  thread_local std::vector<ByteView> unknown;  // rare: fields rpc.proto does not define
  unknown.clear();
  if (auto s = decode_message_fields(fields, &unknown, *b, limits); !s)
    return at(indexed("publish", i), s.error());
  KnownMessage k = known(fields);
  if (k.skip) {
    skipped.push_back(i);
    return Ok{};
  }
  if (k.message && unknown.empty()) {
    rpc.publish.push_back(std::move(k.message));
    return Ok{};
  }
  Message m;
  build_message(m, fields, unknown);
  rpc.publish.push_back(std::make_shared<const Message>(std::move(m)));
  return Ok{};
}

Result<Rpc> decode(ByteView in, const DecodeLimits& limits,
                   const std::function<KnownMessage(const MessageFields&)>* known) {
  if (in.size() > limits.max_rpc_size) {
    return Error{cat({"RPC: ", std::to_string(in.size()), " bytes exceed max_rpc_size ",
                      std::to_string(limits.max_rpc_size)})};
  }
  Rpc rpc;
  // Indices of the publish entries left out: most copies a node receives are, so this is the
  // thread's scratch, not a vector allocated per RPC (`known` never decodes an RPC itself).
  thread_local std::vector<std::size_t> skipped;
  skipped.clear();
  auto s = for_each_field(in, [&](const Field& f) -> Status {
    switch (f.number) {
      case rpc_field::kSubscriptions:
        return decode_entry(rpc.subscriptions, f, "subscriptions", limits.max_subscriptions,
                            "max_subscriptions", limits, decode_subopts);
      case rpc_field::kPublish:
        if (known) return skip_or_decode_publish(rpc, skipped, f, limits, *known);
        return decode_entry(rpc.publish, f, "publish", limits.max_publish, "max_publish", limits,
                            decode_publish);
      case rpc_field::kControl: {
        // A repeated singular message merges into the first (protobuf semantics); the entry
        // limits apply to the merged lists.
        auto b = embedded_field(f, "control");
        if (!b) return b.error();
        if (!rpc.control) rpc.control.emplace();
        if (auto c = decode_control(*rpc.control, *b, limits); !c) return at(".control", c.error());
        return Ok{};
      }
      case kPublishHopsField: {
        auto b = embedded_field(f, "publishHops");
        if (!b) return b.error();
        if (auto h = decode_hops(rpc.publish_hops, *b, limits); !h)
          return at(".publishHops", h.error());
        return Ok{};
      }
      default:
        return Ok{};
    }
  });
  if (!s) return at("RPC", s.error());
  const std::size_t entries = rpc.publish.size() + skipped.size();
  if (!rpc.publish_hops.empty() && rpc.publish_hops.size() != entries)
    return Error{cat({"RPC.publishHops: ", std::to_string(rpc.publish_hops.size()),
                      " hop counts for ", std::to_string(entries), " publish entries"})};
  if (!rpc.publish_hops.empty() && !skipped.empty()) {
    std::size_t kept = 0;
    for (std::size_t i = 0, k = 0; i < entries; ++i) {
      if (k < skipped.size() && skipped[k] == i) {
        ++k;
        continue;
      }
      rpc.publish_hops[kept++] = rpc.publish_hops[i];
    }
    rpc.publish_hops.resize(kept);
  }
  return rpc;
}

}  // namespace

Result<Rpc> decode_rpc(ByteView in, const DecodeLimits& limits) {
  return decode(in, limits, nullptr);
}

Result<Rpc> decode_rpc(ByteView in, const DecodeLimits& limits,
                       const std::function<KnownMessage(const MessageFields&)>& known) {
  return decode(in, limits, &known);
}

}  // namespace p2pgossip::wire
