// libp2p mDNS discovery (libp2p/specs discovery/mdns.md) as a sans-I/O state machine: the
// shell hands it every packet its multicast socket receives and sends what poll_transmit
// gives to the group; peers found in responses come out of poll_discovered, for the peer
// manager to dial. It queries at start and every query_interval, answers others' queries
// with our addresses (at most once per answer_interval, so a flood of queries cannot make
// us flood the LAN), answers DNS-SD's meta query with our service type (as often), and
// ignores its own packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::net {

struct MdnsConfig {
  // rust-libp2p queries every 5 minutes; a LAN of test nodes wants to meet sooner.
  Duration query_interval = std::chrono::seconds(60);
  // RFC 6762 section 6: a record is not multicast more than once a second.
  Duration answer_interval = std::chrono::seconds(1);
  std::uint32_t ttl = 120;             // seconds, in our answers
  std::size_t max_addrs_per_peer = 8;  // kept from one peer's answer; the rest refused
  std::size_t max_pending = 256;       // discoveries not yet taken; the oldest go first
};

struct MdnsCounters {
  std::uint64_t queries_sent = 0, queries_answered = 0, queries_not_answered = 0;
  std::uint64_t meta_queries_answered = 0;  // DNS-SD's service listing
  std::uint64_t responses_received = 0, peers_discovered = 0;
  // Packets that do not decode, answers whose addresses are not ours to dial (no /p2p, or
  // naming several peers), and discoveries dropped for max_pending.
  std::uint64_t packets_invalid = 0, addrs_refused = 0, discoveries_dropped = 0;
};

// One of the machine's addresses, as the shell found it on an interface.
struct LocalIp {
  std::string text;  // 192.0.2.7, fd00::2
  bool ipv6 = false;
  bool loopback = false;
};

// Our listen addresses as mDNS announces them: an unspecified one (/ip4/0.0.0.0, /ip6/::)
// stands for each of the machine's addresses of its family, loopback ones only when there is
// no other (a LAN peer cannot dial them); the rest as they are. Without this a node listening
// on every interface, the usual way to run one on a LAN, would announce nothing.
std::vector<std::string> announced_addrs(const std::vector<std::string>& listen,
                                         const std::vector<LocalIp>& local);

struct MdnsPeer {
  crypto::PeerId peer;
  std::vector<Multiaddr> addrs;  // without /p2p
};

class MdnsDiscovery {
 public:
  // `peer_name`: our random service instance name (mdns::random_peer_name).
  MdnsDiscovery(crypto::PeerId local, std::string peer_name, MdnsConfig config, Instant now);

  // Our listen addresses, each ending in /p2p/<our id> (what we announce).
  void set_addrs(std::vector<std::string> addrs) { addrs_ = std::move(addrs); }
  void handle_packet(ByteView packet, Instant now);
  void handle_timeout(Instant now);
  std::optional<Instant> next_deadline() const;
  // The next packet to multicast to the group, if any.
  std::optional<Bytes> poll_transmit();
  // Peers announced since the last call (each announcement once; a peer seen again comes
  // again, so the peer manager refreshes its addresses).
  std::vector<MdnsPeer> poll_discovered();
  const MdnsCounters& counters() const { return counters_; }

 private:
  void queue_query();

  crypto::PeerId local_;
  std::string peer_name_;
  MdnsConfig config_;
  std::vector<std::string> addrs_;
  Instant next_query_;
  std::optional<Instant> last_answer_, last_meta_answer_;
  std::deque<Bytes> transmit_;
  std::deque<MdnsPeer> discovered_;
  MdnsCounters counters_;
};

}  // namespace p2pgossip::net
