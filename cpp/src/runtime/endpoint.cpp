#include "runtime/endpoint.hpp"

#include <cstring>

#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/multiaddr.hpp"

namespace p2pgossip::runtime {

using net::Protocol;

Result<Endpoint> parse_endpoint(const std::string& text) {
  auto ma = net::Multiaddr::parse(text);
  if (!ma) return ma.error();
  const auto& cs = ma->components();
  const std::string rule = "expected /ip4|/ip6|/dns|/dns4|/dns6, /tcp, then optionally /p2p";
  if (cs.size() < 2 || cs.size() > 3 || cs[1].protocol != Protocol::kTcp) return Error{rule};
  Endpoint e;
  const Bytes& host = cs[0].value;
  switch (cs[0].protocol) {
    case Protocol::kIp4: {
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), host.data(), b.size());
      e.address = asio::ip::address_v4(b);
      break;
    }
    case Protocol::kIp6: {
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), host.data(), b.size());
      e.address = asio::ip::address_v6(b);
      break;
    }
    case Protocol::kDns:
    case Protocol::kDns4:
    case Protocol::kDns6:
      e.dns = std::string(as_chars(host));
      e.dns_family = cs[0].protocol == Protocol::kDns4   ? 4
                     : cs[0].protocol == Protocol::kDns6 ? 6
                                                         : 0;
      break;
    default:
      return Error{rule};
  }
  e.port = static_cast<std::uint16_t>(cs[1].value[0] << 8 | cs[1].value[1]);
  if (cs.size() == 3) {
    if (cs[2].protocol != Protocol::kP2p) return Error{rule};
    auto id = cs[2].peer_id_is_text ? crypto::PeerId::parse(as_chars(cs[2].value))
                                    : crypto::PeerId::from_bytes(cs[2].value);
    if (!id) return Error{"/p2p: " + id.error().what};
    e.peer_id = to_bytes(id->bytes());
  }
  return e;
}

std::string multiaddr_of(const asio::ip::tcp::endpoint& endpoint) {
  const auto a = endpoint.address();
  std::string s = a.is_v4() ? "/ip4/" : "/ip6/";
  s += a.to_string();
  return s + "/tcp/" + std::to_string(endpoint.port());
}

}  // namespace p2pgossip::runtime
