// Multiaddrs (multiformats/multiaddr) for the protocols a p2pgossip node dials and
// listens on: /ip4, /ip6, /tcp, /dns, /dns4, /dns6, /p2p. Parsing is strict in both the
// text and the binary form; every error names the component and the rule it broke.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net {

// Multicodec codes of the supported protocols.
enum class Protocol : std::uint32_t {
  kIp4 = 0x04,
  kTcp = 0x06,
  kIp6 = 0x29,
  kDns = 0x35,
  kDns4 = 0x36,
  kDns6 = 0x37,
  kP2p = 0x01a5,
};

std::string_view protocol_name(Protocol p);

// Bounds on untrusted input: a multiaddr longer than this, in either form, is refused.
constexpr std::size_t kMaxMultiaddrBytes = 1024;
constexpr std::size_t kMaxMultiaddrComponents = 16;
constexpr std::size_t kMaxDnsNameBytes = 253;

// One /protocol/value pair. `value` is the binary form of the value: 4 bytes (ip4),
// 16 (ip6), 2 big-endian (tcp), the UTF-8 name (dns*), the peer id multihash (p2p).
// A /p2p value is a crypto::PeerId (Ed25519 identity multihash or sha2-256), so text
// and binary forms convert both ways through base58btc; ids we could never authenticate
// (e.g. inlined secp256k1 keys) are refused at parse time.
struct Component {
  Protocol protocol = Protocol::kIp4;
  Bytes value;

  bool operator==(const Component&) const = default;
};

class Multiaddr {
 public:
  Multiaddr() = default;

  static Result<Multiaddr> parse(std::string_view text);
  static Result<Multiaddr> from_bytes(ByteView binary);

  std::string to_string() const;
  Bytes to_bytes() const;

  const std::vector<Component>& components() const { return components_; }
  // The peer id of the last /p2p component, if any (what a dial must authenticate).
  std::optional<crypto::PeerId> peer_id() const;
  // The address without its trailing /p2p component: what a transport connects to.
  Multiaddr without_peer_id() const;
  // This address with /p2p/<id> appended (or its trailing /p2p replaced); an Error when
  // that would exceed kMaxMultiaddrComponents.
  Result<Multiaddr> with_peer_id(const crypto::PeerId& id) const;
  bool operator==(const Multiaddr&) const = default;

 private:
  std::vector<Component> components_;
};

}  // namespace p2pgossip::net
