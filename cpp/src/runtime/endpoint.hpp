// A dialable or listenable multiaddr as the runtime uses it: /ip4|/ip6|/dns|/dns4|/dns6,
// then /tcp, then optionally /p2p (the peer id the remote must present).
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::runtime {

struct Endpoint {
  asio::ip::address address;  // when not dns
  std::optional<std::string> dns;
  int dns_family = 0;  // 4 (/dns4), 6 (/dns6) or 0 (/dns: either)
  std::uint16_t port = 0;
  std::optional<Bytes> peer_id;  // binary multihash
};

Result<Endpoint> parse_endpoint(const std::string& multiaddr);
// "/ip4/127.0.0.1/tcp/4001" or "/ip6/::1/tcp/4001".
std::string multiaddr_of(const asio::ip::tcp::endpoint& endpoint);

}  // namespace p2pgossip::runtime
