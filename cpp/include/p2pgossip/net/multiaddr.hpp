// Multiaddrs (multiformats/multiaddr) for the protocols a p2pgossip node dials and
// listens on: /ip4, /ip6, /tcp, /dns, /dns4, /dns6, /p2p. Parsing is strict in both the
// text and the binary form; every error names the component and the rule it broke.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
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
// The longest peer id multihash libp2p inlines (identity hash of a key ≤ 42 bytes).
constexpr std::size_t kMaxPeerIdMultihashBytes = 44;

// One /protocol/value pair. `value` is the binary form of the value: 4 bytes (ip4),
// 16 (ip6), 2 big-endian (tcp), the UTF-8 name (dns*). For /p2p, `value` holds the
// peer id in the form it was given: its base58btc text (from a text multiaddr) or its
// multihash bytes (from a binary one); `peer_id_is_text` says which.
struct Component {
  Protocol protocol = Protocol::kIp4;
  Bytes value;
  bool peer_id_is_text = false;

  bool operator==(const Component&) const = default;
};

class Multiaddr {
 public:
  Multiaddr() = default;

  static Result<Multiaddr> parse(std::string_view text);
  static Result<Multiaddr> from_bytes(ByteView binary);

  // The /p2p value converts between its text and binary forms only through PeerId's
  // base58btc codec, which lives in crypto/; until then a /p2p component keeps the
  // form it arrived in and converting it to the other form is an Error.
  Result<std::string> to_string() const;
  Result<Bytes> to_bytes() const;

  const std::vector<Component>& components() const { return components_; }
  bool operator==(const Multiaddr&) const = default;

 private:
  std::vector<Component> components_;
};

}  // namespace p2pgossip::net
