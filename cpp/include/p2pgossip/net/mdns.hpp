// The mDNS packet codec for libp2p peer discovery (libp2p/specs discovery/mdns.md, r2; DNS
// messages per RFC 1035, mDNS per RFC 6762): DNS messages with PTR, TXT, SRV, A and AAAA
// records, and the two messages the spec defines:
//   query     question `_p2p._udp.local PTR`
//   response  answer `_p2p._udp.local PTR <peer-name>._p2p._udp.local`, additional record
//             `<peer-name>._p2p._udp.local TXT "dnsaddr=<multiaddr>/p2p/<peer-id>" ...`
// and, for resolvers that follow DNS-SD (RFC 6763; py-libp2p and go-libp2p use zeroconf
// stacks that will not report an instance without them), the additional records
//             `<peer-name>._p2p._udp.local SRV 0 0 <tcp-port> <peer-name>.local`
//             `<peer-name>.local A <ip4>` / `AAAA <ip6>`, one per listen IP.
// Readers take the addresses from the TXT alone, as the spec says.
// `<peer-name>` is a random lower-case alphanumeric string of 32 to 63 characters (the spec
// asks peers not to use their peer id: it may not fit a 63-byte label).
// Only the codec: sockets, the query interval and the announce policy belong to the shells.
// Names are dotted text without the trailing dot, compared case-insensitively. Encoding
// writes names uncompressed; decoding follows compression pointers (bounded jumps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/random.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::mdns {

constexpr std::string_view kServiceName = "_p2p._udp.local";
constexpr std::string_view kMetaQueryName = "_services._dns-sd._udp.local";
constexpr std::string_view kDnsaddrPrefix = "dnsaddr=";
constexpr std::uint16_t kPort = 5353;
constexpr std::string_view kIpv4Group = "224.0.0.251";
constexpr std::string_view kIpv6Group = "ff02::fb";

namespace type {
constexpr std::uint16_t kA = 1, kPtr = 12, kTxt = 16, kAaaa = 28, kSrv = 33, kAny = 255;
}
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kFlagResponse = 0x8000, kFlagAuthoritative = 0x0400;

struct Question {
  std::string name;
  std::uint16_t type = type::kPtr;
  std::uint16_t qclass = kClassIn;
  bool unicast_response = false;  // the class's top bit in mDNS (QU)

  bool operator==(const Question&) const = default;
};

struct Record {
  std::string name;
  std::uint16_t type = type::kPtr;
  std::uint16_t rclass = kClassIn;
  bool cache_flush = false;  // the class's top bit in mDNS
  std::uint32_t ttl = 120;
  std::string target;                                // PTR: the name pointed to; SRV: the host
  std::vector<std::string> txt;                      // TXT: its character-strings
  std::uint16_t priority = 0, weight = 0, port = 0;  // SRV
  Bytes data;  // A (4 bytes), AAAA (16), and the raw rdata of any other type

  bool operator==(const Record&) const = default;
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authorities;
  std::vector<Record> additionals;

  bool is_response() const { return flags & kFlagResponse; }
  bool operator==(const Message&) const = default;
};

// Bounds on untrusted input: mDNS packets are at most 9000 bytes (RFC 6762 section 17).
struct Limits {
  std::size_t max_message_bytes = 9000;
  std::size_t max_questions = 32;
  std::size_t max_records = 128;  // each of answers, authorities, additionals
  std::size_t max_pointer_jumps = 16;
};

// An error for names with an empty or over-63-byte label, or over 255 bytes, TXT strings over
// 255 bytes, A/AAAA data of the wrong size, or rdata over 65535 bytes.
Result<Bytes> encode(const Message& message);
// Errors name the section, the index and the rule ("answers[2].name: compression loop").
// Bytes after the last record are ignored.
Result<Message> decode(ByteView packet, const Limits& limits = {});

bool names_equal(std::string_view a, std::string_view b);

// The spec's messages.
Message peer_query();
// A query asking for libp2p peers: a question for the service name, PTR or ANY.
bool is_peer_query(const Message& message);
// A query our peer_response answers: a peer query, or a question (any type) for our
// instance `<peer_name>._p2p._udp.local` or our host `<peer_name>.local`, which DNS-SD
// resolvers send when their cache lacks our SRV, TXT or address records.
bool is_query_for(const Message& message, std::string_view peer_name);
// DNS-SD's meta query (RFC 6763 section 9; the spec's "DNS Service Discovery"): a question
// for _services._dns-sd._udp.local, PTR or ANY, which network tools send to list services.
bool is_meta_query(const Message& message);
// Its answer: _services._dns-sd._udp.local PTR _p2p._udp.local.
Message meta_response(std::uint32_t ttl = 120);
// `<peer_name>.local`, the SRV target that our A/AAAA records name.
std::string host_name(std::string_view peer_name);
// The answer announcing one peer: PTR plus one TXT record holding one `dnsaddr=` string per
// address (each address in text form, ending in /p2p/<peer-id>), then the SRV (the first
// TCP port) and one A/AAAA per distinct IP of the addresses, unspecified IPs (0.0.0.0, ::)
// left out; no SRV when no address has an IP and a TCP port.
Message peer_response(std::string_view peer_name, std::span<const std::string> multiaddrs,
                      std::uint32_t ttl = 120);

struct DiscoveredPeer {
  std::string peer_name;           // the first label of the PTR target
  std::vector<std::string> addrs;  // the dnsaddr= values of its TXT records, in order
  std::uint32_t ttl = 0;           // the PTR's (0: the peer is going away)
};
// The peers a response announces: every PTR answer for the service, with the dnsaddr=
// strings of the TXT records (answers or additionals) at its target name.
std::vector<DiscoveredPeer> discovered_peers(const Message& response);

// A random peer name as the spec asks: 32 to 63 lower-case alphanumeric characters.
std::string random_peer_name(Random& rng);

}  // namespace p2pgossip::net::mdns
