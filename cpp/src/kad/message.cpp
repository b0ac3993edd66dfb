#include "p2pgossip/kad/message.hpp"

#include <array>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::kad {

namespace {

constexpr std::array<std::string_view, 6> kTypeNames = {
    "PUT_VALUE", "GET_VALUE", "ADD_PROVIDER", "GET_PROVIDERS", "FIND_NODE", "PING"};
constexpr std::array<std::string_view, 4> kConnectionNames = {"NOT_CONNECTED", "CONNECTED",
                                                              "CAN_CONNECT", "CANNOT_CONNECT"};

Error fail(const std::string& where, const std::string& rule) {
  return Error{"Message." + where + ": " + rule};
}

Result<ByteView> len_field(const wire::Field& f, const std::string& where, std::size_t max) {
  if (f.type != wire::WireType::kLen) return fail(where, "is not length-delimited");
  if (f.bytes.size() > max)
    return fail(where, std::to_string(f.bytes.size()) + " bytes exceeds " + std::to_string(max));
  return f.bytes;
}

Result<std::uint64_t> varint_field(const wire::Field& f, const std::string& where) {
  if (f.type != wire::WireType::kVarint) return fail(where, "is not a varint");
  return f.varint;
}

void put_peer(Bytes& out, std::uint32_t number, const Peer& p) {
  Bytes body;
  if (!p.id.empty()) wire::put_len_field(body, field::kPeerId, p.id);
  for (const auto& a : p.addrs) wire::put_len_field(body, field::kPeerAddrs, a);
  if (p.connection != ConnectionType::kNotConnected)
    wire::put_varint_field(body, field::kPeerConnection, static_cast<std::uint64_t>(p.connection));
  wire::put_len_field(out, number, body);
}

Result<Peer> decode_peer(ByteView body, const std::string& where, const Limits& limits) {
  Peer p;
  wire::Reader r(body);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return fail(where, f.error().what);
    switch (f->number) {
      case field::kPeerId: {
        auto v = len_field(*f, where + ".id", limits.max_peer_id_bytes);
        if (!v) return v.error();
        p.id = to_bytes(*v);
        break;
      }
      case field::kPeerAddrs: {
        auto v = len_field(*f, where + ".addrs", limits.max_addr_bytes);
        if (!v) return v.error();
        if (p.addrs.size() == limits.max_addrs_per_peer)
          return fail(where + ".addrs", "more than " + std::to_string(limits.max_addrs_per_peer));
        p.addrs.push_back(to_bytes(*v));
        break;
      }
      case field::kPeerConnection: {
        auto v = varint_field(*f, where + ".connection");
        if (!v) return v.error();
        // Unknown values are advice we cannot read: as if absent.
        p.connection = *v < kConnectionNames.size() ? static_cast<ConnectionType>(*v)
                                                    : ConnectionType::kNotConnected;
        break;
      }
      default:
        break;
    }
  }
  if (p.id.empty()) return fail(where + ".id", "missing");
  return p;
}

Result<Record> decode_record(ByteView body, const Limits& limits) {
  Record rec;
  wire::Reader r(body);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return fail("record", f.error().what);
    switch (f->number) {
      case field::kRecordKey: {
        auto v = len_field(*f, "record.key", limits.max_key_bytes);
        if (!v) return v.error();
        rec.key = to_bytes(*v);
        break;
      }
      case field::kRecordValue: {
        auto v = len_field(*f, "record.value", limits.max_value_bytes);
        if (!v) return v.error();
        rec.value = to_bytes(*v);
        break;
      }
      case field::kRecordTimeReceived: {
        auto v = len_field(*f, "record.timeReceived", limits.max_time_received_bytes);
        if (!v) return v.error();
        rec.time_received = std::string(as_chars(*v));
        break;
      }
      default:
        break;
    }
  }
  return rec;
}

}  // namespace

std::string_view name_of(MessageType t) { return kTypeNames[static_cast<std::size_t>(t)]; }
std::string_view name_of(ConnectionType c) { return kConnectionNames[static_cast<std::size_t>(c)]; }

std::optional<MessageType> message_type_named(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return static_cast<MessageType>(i);
  return std::nullopt;
}

std::optional<ConnectionType> connection_type_named(std::string_view name) {
  for (std::size_t i = 0; i < kConnectionNames.size(); ++i)
    if (kConnectionNames[i] == name) return static_cast<ConnectionType>(i);
  return std::nullopt;
}

Bytes encode(const Message& m) {
  Bytes out;
  if (m.type != MessageType::kPutValue)
    wire::put_varint_field(out, field::kType, static_cast<std::uint64_t>(m.type));
  if (!m.key.empty()) wire::put_len_field(out, field::kKey, m.key);
  if (m.record) {
    Bytes rec;
    if (!m.record->key.empty()) wire::put_len_field(rec, field::kRecordKey, m.record->key);
    if (!m.record->value.empty()) wire::put_len_field(rec, field::kRecordValue, m.record->value);
    if (!m.record->time_received.empty())
      wire::put_len_field(rec, field::kRecordTimeReceived, as_bytes(m.record->time_received));
    wire::put_len_field(out, field::kRecord, rec);
  }
  for (const auto& p : m.closer_peers) put_peer(out, field::kCloserPeers, p);
  for (const auto& p : m.provider_peers) put_peer(out, field::kProviderPeers, p);
  return out;
}

Bytes encode_delimited(const Message& m) {
  Bytes body = encode(m);
  Bytes out;
  out.reserve(body.size() + wire::kMaxVarintBytes);
  wire::put_varint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<Message> decode(ByteView message, const Limits& limits) {
  if (message.size() > limits.max_message_bytes)
    return Error{"Message: " + std::to_string(message.size()) + " bytes exceeds " +
                 std::to_string(limits.max_message_bytes)};
  Message m;
  wire::Reader r(message);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"Message: " + f.error().what};
    switch (f->number) {
      case field::kType: {
        auto v = varint_field(*f, "type");
        if (!v) return v.error();
        if (*v >= kTypeNames.size()) return fail("type", "unknown value " + std::to_string(*v));
        m.type = static_cast<MessageType>(*v);
        break;
      }
      case field::kKey: {
        auto v = len_field(*f, "key", limits.max_key_bytes);
        if (!v) return v.error();
        m.key = to_bytes(*v);
        break;
      }
      case field::kRecord: {
        auto v = len_field(*f, "record", limits.max_message_bytes);
        if (!v) return v.error();
        auto rec = decode_record(*v, limits);
        if (!rec) return rec.error();
        m.record = std::move(rec).value();
        break;
      }
      case field::kCloserPeers:
      case field::kProviderPeers: {
        const bool closer = f->number == field::kCloserPeers;
        auto& list = closer ? m.closer_peers : m.provider_peers;
        const std::string name = closer ? "closerPeers" : "providerPeers";
        if (list.size() == limits.max_peers)
          return fail(name, "more than " + std::to_string(limits.max_peers));
        auto v = len_field(*f, name, limits.max_message_bytes);
        if (!v) return v.error();
        auto p = decode_peer(*v, name + "[" + std::to_string(list.size()) + "]", limits);
        if (!p) return p.error();
        list.push_back(std::move(p).value());
        break;
      }
      case field::kClusterLevelRaw: {
        auto v = varint_field(*f, "clusterLevelRaw");  // not used by anyone
        if (!v) return v.error();
        break;
      }
      default:
        break;  // unknown fields are skipped (protobuf rules)
    }
  }
  return m;
}

}  // namespace p2pgossip::kad
