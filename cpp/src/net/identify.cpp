#include "p2pgossip/net/identify.hpp"

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net::identify {

namespace {

Error fail(std::string_view field, const std::string& rule) {
  return Error{"Identify." + std::string(field) + ": " + rule};
}

Result<ByteView> len_field(const wire::Field& f, std::string_view name, std::size_t max) {
  if (f.type != wire::WireType::kLen) return fail(name, "is not length-delimited");
  if (f.bytes.size() > max)
    return fail(name, std::to_string(f.bytes.size()) + " bytes exceeds " + std::to_string(max));
  return f.bytes;
}

void put_optional(Bytes& out, std::uint32_t number, const std::optional<Bytes>& v) {
  if (v) wire::put_len_field(out, number, *v);
}

void put_optional(Bytes& out, std::uint32_t number, const std::optional<std::string>& v) {
  if (v) wire::put_len_field(out, number, as_bytes(*v));
}

// Decodes one message body into `out`, merging with what it already holds.
Status merge(Identify& out, ByteView message, const Limits& limits) {
  if (message.size() > limits.max_message_bytes)
    return Error{"Identify: message of " + std::to_string(message.size()) + " bytes exceeds " +
                 std::to_string(limits.max_message_bytes)};
  wire::Reader r(message);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return Error{"Identify: " + f.error().what};
    switch (f->number) {
      case field::kProtocolVersion:
      case field::kAgentVersion: {
        bool proto = f->number == field::kProtocolVersion;
        auto v = len_field(*f, proto ? "protocolVersion" : "agentVersion", limits.max_string_bytes);
        if (!v) return v.error();
        (proto ? out.protocol_version : out.agent_version) = std::string(as_chars(*v));
        break;
      }
      case field::kPublicKey: {
        auto v = len_field(*f, "publicKey", limits.max_public_key_bytes);
        if (!v) return v.error();
        out.public_key = to_bytes(*v);
        break;
      }
      case field::kListenAddrs: {
        auto v = len_field(*f, "listenAddrs", kMaxMultiaddrBytes);
        if (!v) return v.error();
        if (out.listen_addrs.size() == limits.max_listen_addrs)
          return fail("listenAddrs", "more than " + std::to_string(limits.max_listen_addrs));
        out.listen_addrs.push_back(to_bytes(*v));
        break;
      }
      case field::kObservedAddr: {
        auto v = len_field(*f, "observedAddr", kMaxMultiaddrBytes);
        if (!v) return v.error();
        out.observed_addr = to_bytes(*v);
        break;
      }
      case field::kProtocols: {
        auto v = len_field(*f, "protocols", limits.max_string_bytes);
        if (!v) return v.error();
        if (out.protocols.size() == limits.max_protocols)
          return fail("protocols", "more than " + std::to_string(limits.max_protocols));
        out.protocols.emplace_back(as_chars(*v));
        break;
      }
      case field::kSignedPeerRecord: {
        auto v = len_field(*f, "signedPeerRecord", limits.max_signed_peer_record_bytes);
        if (!v) return v.error();
        out.signed_peer_record = to_bytes(*v);
        break;
      }
      default:
        break;  // unknown fields are skipped (protobuf rules)
    }
  }
  return Ok{};
}

}  // namespace

Bytes encode(const Identify& m) {
  Bytes out;
  put_optional(out, field::kPublicKey, m.public_key);
  for (const auto& a : m.listen_addrs) wire::put_len_field(out, field::kListenAddrs, a);
  for (const auto& p : m.protocols) wire::put_len_field(out, field::kProtocols, as_bytes(p));
  put_optional(out, field::kObservedAddr, m.observed_addr);
  put_optional(out, field::kProtocolVersion, m.protocol_version);
  put_optional(out, field::kAgentVersion, m.agent_version);
  put_optional(out, field::kSignedPeerRecord, m.signed_peer_record);
  return out;
}

Bytes encode_delimited(const Identify& m) {
  Bytes body = encode(m);
  Bytes out;
  wire::put_varint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<Identify> decode(ByteView message, const Limits& limits) {
  Identify out;
  if (auto st = merge(out, message, limits); !st) return st.error();
  return out;
}

Result<Identify> decode_stream(ByteView stream, const Limits& limits) {
  if (stream.empty()) return Error{"Identify: stream closed without a message"};
  Identify out;
  std::size_t count = 0;
  while (!stream.empty()) {
    if (count == limits.max_messages)
      return Error{"Identify: more than " + std::to_string(limits.max_messages) + " messages"};
    wire::Reader r(stream);
    auto len = r.varint();
    if (!len) return Error{"Identify: length prefix: " + len.error().what};
    if (*len > limits.max_message_bytes)
      return Error{"Identify: message of " + std::to_string(*len) + " bytes exceeds " +
                   std::to_string(limits.max_message_bytes)};
    if (*len > stream.size() - r.position()) return Error{"Identify: message truncated"};
    auto body = stream.subspan(r.position(), static_cast<std::size_t>(*len));
    if (auto st = merge(out, body, limits); !st) return st.error();
    stream = stream.subspan(r.position() + body.size());
    ++count;
  }
  return out;
}

std::vector<Multiaddr> dialable_listen_addrs(const Identify& message, std::size_t* skipped) {
  std::vector<Multiaddr> out;
  std::size_t bad = 0;
  for (const auto& a : message.listen_addrs) {
    if (auto ma = Multiaddr::from_bytes(a))
      out.push_back(std::move(ma).value());
    else
      ++bad;
  }
  if (skipped) *skipped = bad;
  return out;
}

}  // namespace p2pgossip::net::identify
