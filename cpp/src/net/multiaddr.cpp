#include "p2pgossip/net/multiaddr.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

#include "p2pgossip/crypto/base58.hpp"
#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net {

namespace {

// base58 of a 44-byte multihash is at most 61 characters.
constexpr std::size_t kMaxPeerIdTextChars = 64;

struct ProtocolInfo {
  Protocol protocol;
  std::string_view name;
};
constexpr std::array<ProtocolInfo, 7> kProtocols{{
    {Protocol::kIp4, "ip4"},
    {Protocol::kTcp, "tcp"},
    {Protocol::kIp6, "ip6"},
    {Protocol::kDns, "dns"},
    {Protocol::kDns4, "dns4"},
    {Protocol::kDns6, "dns6"},
    {Protocol::kP2p, "p2p"},
}};

const ProtocolInfo* find_by_name(std::string_view name) {
  for (const auto& p : kProtocols)
    if (p.name == name) return &p;
  return nullptr;
}

const ProtocolInfo* find_by_code(std::uint64_t code) {
  for (const auto& p : kProtocols)
    if (static_cast<std::uint64_t>(p.protocol) == code) return &p;
  return nullptr;
}

bool is_dns(Protocol p) {
  return p == Protocol::kDns || p == Protocol::kDns4 || p == Protocol::kDns6;
}

// multiformats unsigned-varint: minimal encoding only, so each value has one byte form.
Result<std::uint64_t> read_uvarint(wire::Reader& r) {
  std::size_t start = r.position();
  auto v = r.varint();
  if (!v) return v.error();
  if (r.position() - start != wire::varint_size(*v)) return Error{"non-minimal varint"};
  return v;
}

Error fail(std::string_view where, std::string_view rule) {
  return Error{"multiaddr /" + std::string(where) + ": " + std::string(rule)};
}

// Hostnames: labels of letters, digits, '-' and '_' (SRV-style names), 1..63 bytes each,
// no leading or trailing '-', total ≤ 253. A single trailing '.' (FQDN) is not accepted:
// one name, one spelling.
Status check_dns_name(std::string_view where, std::string_view name) {
  if (name.empty()) return fail(where, "empty name");
  if (name.size() > kMaxDnsNameBytes) return fail(where, "name longer than 253 bytes");
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty()) return fail(where, "empty label in name");
    if (label.size() > 63) return fail(where, "label longer than 63 bytes");
    if (label.front() == '-' || label.back() == '-')
      return fail(where, "label starts or ends with '-'");
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) return fail(where, "invalid character in name");
    }
    start = end + 1;
  }
  return Ok{};
}

// The /p2p value in binary form: a valid crypto::PeerId multihash.
Status check_peer_id(ByteView multihash) {
  if (auto id = crypto::PeerId::from_bytes(multihash); !id) return fail("p2p", id.error().what);
  return Ok{};
}

Result<Bytes> parse_peer_id_text(std::string_view text) {
  if (text.empty()) return fail("p2p", "empty peer id");
  if (text.size() > kMaxPeerIdTextChars) return fail("p2p", "peer id text longer than 64 chars");
  auto binary = crypto::base58_decode(text);
  if (!binary) return fail("p2p", "peer id is not base58btc");
  if (auto st = check_peer_id(*binary); !st) return st.error();
  return binary;
}

Result<Bytes> parse_value(const ProtocolInfo& info, std::string_view text) {
  // inet_pton reads a C string: an embedded NUL would hide trailing junk.
  if (text.find('\0') != std::string_view::npos) return fail(info.name, "NUL byte in value");
  switch (info.protocol) {
    case Protocol::kIp4: {
      Bytes v(4);
      std::string s(text);
      if (inet_pton(AF_INET, s.c_str(), v.data()) != 1) return fail("ip4", "invalid IPv4 address");
      return v;
    }
    case Protocol::kIp6: {
      Bytes v(16);
      std::string s(text);
      if (inet_pton(AF_INET6, s.c_str(), v.data()) != 1) return fail("ip6", "invalid IPv6 address");
      return v;
    }
    case Protocol::kTcp: {
      if (text.empty()) return fail("tcp", "empty port");
      if (text.size() > 1 && text.front() == '0') return fail("tcp", "port with leading zero");
      unsigned port = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
      if (ec == std::errc::result_out_of_range || (ec == std::errc{} && port > 65535))
        return fail("tcp", "port > 65535");
      if (ec != std::errc{} || end != text.data() + text.size())
        return fail("tcp", "port is not a decimal number");
      return Bytes{static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)};
    }
    case Protocol::kDns:
    case Protocol::kDns4:
    case Protocol::kDns6: {
      if (auto st = check_dns_name(info.name, text); !st) return st.error();
      return to_bytes(as_bytes(text));
    }
    case Protocol::kP2p:
      return parse_peer_id_text(text);
  }
  return fail(info.name, "unsupported protocol");
}

std::string format_value(const Component& c) {
  switch (c.protocol) {
    case Protocol::kIp4:
    case Protocol::kIp6: {
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(c.protocol == Protocol::kIp4 ? AF_INET : AF_INET6, c.value.data(), buf, sizeof buf);
      return buf;
    }
    case Protocol::kTcp:
      return std::to_string((unsigned{c.value[0]} << 8) | c.value[1]);
    case Protocol::kP2p:
      return crypto::base58_encode(c.value);
    default:
      return std::string(as_chars(c.value));
  }
}

}  // namespace

std::string_view protocol_name(Protocol p) {
  for (const auto& info : kProtocols)
    if (info.protocol == p) return info.name;
  return "?";
}

Result<Multiaddr> Multiaddr::parse(std::string_view text) {
  if (text.empty()) return Error{"multiaddr: empty"};
  if (text.size() > kMaxMultiaddrBytes) return Error{"multiaddr: longer than 1024 bytes"};
  if (text.front() != '/') return Error{"multiaddr: does not start with '/'"};
  Multiaddr out;
  std::size_t pos = 1;
  while (pos <= text.size()) {
    std::size_t end = text.find('/', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(pos, end - pos);
    if (name.empty())
      return Error{pos == text.size() ? "multiaddr: trailing '/'" : "multiaddr: empty component"};
    const ProtocolInfo* info = find_by_name(name);
    if (!info) return Error{"multiaddr: unknown protocol '" + std::string(name) + "'"};
    if (end == text.size()) return fail(info->name, "missing value");
    std::size_t vend = text.find('/', end + 1);
    if (vend == std::string_view::npos) vend = text.size();
    auto value = parse_value(*info, text.substr(end + 1, vend - end - 1));
    if (!value) return value.error();
    if (out.components_.size() == kMaxMultiaddrComponents)
      return Error{"multiaddr: more than 16 components"};
    out.components_.push_back({info->protocol, std::move(value).value()});
    if (vend == text.size()) break;
    pos = vend + 1;
    if (pos == text.size()) return Error{"multiaddr: trailing '/'"};
  }
  return out;
}

Result<Multiaddr> Multiaddr::from_bytes(ByteView binary) {
  if (binary.empty()) return Error{"multiaddr: empty"};
  if (binary.size() > kMaxMultiaddrBytes) return Error{"multiaddr: longer than 1024 bytes"};
  Multiaddr out;
  ByteView rest = binary;
  while (!rest.empty()) {
    // A fresh reader per component: the value after the code is read by hand.
    wire::Reader r(rest);
    auto code = read_uvarint(r);
    if (!code) return Error{"multiaddr: bad protocol code varint"};
    const ProtocolInfo* info = find_by_code(*code);
    if (!info) return Error{"multiaddr: unknown protocol code " + std::to_string(*code)};
    std::size_t size = 0;
    switch (info->protocol) {
      case Protocol::kIp4:
        size = 4;
        break;
      case Protocol::kIp6:
        size = 16;
        break;
      case Protocol::kTcp:
        size = 2;
        break;
      default: {
        auto len = read_uvarint(r);
        if (!len) return fail(info->name, "bad length varint");
        if (*len > rest.size()) return fail(info->name, "value truncated");
        size = static_cast<std::size_t>(*len);
      }
    }
    std::size_t start = r.position();
    if (rest.size() - start < size) return fail(info->name, "value truncated");
    ByteView value = rest.subspan(start, size);
    if (is_dns(info->protocol)) {
      if (auto st = check_dns_name(info->name, as_chars(value)); !st) return st.error();
    } else if (info->protocol == Protocol::kP2p) {
      if (auto st = check_peer_id(value); !st) return st.error();
    }
    if (out.components_.size() == kMaxMultiaddrComponents)
      return Error{"multiaddr: more than 16 components"};
    out.components_.push_back({info->protocol, p2pgossip::to_bytes(value)});
    rest = rest.subspan(start + size);
  }
  return out;
}

std::string Multiaddr::to_string() const {
  std::string s;
  for (const auto& c : components_) {
    s += '/';
    s += protocol_name(c.protocol);
    s += '/';
    s += format_value(c);
  }
  return s;
}

Bytes Multiaddr::to_bytes() const {
  Bytes out;
  for (const auto& c : components_) {
    wire::put_varint(out, static_cast<std::uint64_t>(c.protocol));
    if (c.protocol != Protocol::kIp4 && c.protocol != Protocol::kIp6 &&
        c.protocol != Protocol::kTcp)
      wire::put_varint(out, c.value.size());
    out.insert(out.end(), c.value.begin(), c.value.end());
  }
  return out;
}

std::optional<crypto::PeerId> Multiaddr::peer_id() const {
  if (components_.empty() || components_.back().protocol != Protocol::kP2p) return std::nullopt;
  // Validated when the component was parsed.
  auto id = crypto::PeerId::from_bytes(components_.back().value);
  return id ? std::optional(std::move(id).value()) : std::nullopt;
}

Multiaddr Multiaddr::without_peer_id() const {
  Multiaddr out = *this;
  if (!out.components_.empty() && out.components_.back().protocol == Protocol::kP2p)
    out.components_.pop_back();
  return out;
}

Result<Multiaddr> Multiaddr::with_peer_id(const crypto::PeerId& id) const {
  Multiaddr out = without_peer_id();
  if (out.components_.size() == kMaxMultiaddrComponents)
    return Error{"multiaddr: more than 16 components"};
  out.components_.push_back({Protocol::kP2p, p2pgossip::to_bytes(id.bytes())});
  return out;
}

}  // namespace p2pgossip::net
