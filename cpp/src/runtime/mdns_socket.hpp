// mDNS discovery on a UDP socket: the shell around net::MdnsDiscovery (packets from the
// multicast group in, its packets out to the group, one timer at its deadline). What it
// discovers goes to `on_peer`. All on the node's I/O thread.
#pragma once

#include <array>
#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "p2pgossip/net/mdns_discovery.hpp"

namespace p2pgossip::runtime {

struct MdnsSocketConfig {
  std::uint16_t port = 5353;
  // The IPv4 address of the interface to join the group on and send from ("127.0.0.1" for
  // nodes of one machine); empty: the system's default.
  std::string interface;
  net::MdnsConfig discovery;
};

class MdnsSocket : public std::enable_shared_from_this<MdnsSocket> {
 public:
  using OnPeer = std::function<void(net::MdnsPeer&&)>;
  MdnsSocket(asio::io_context& io, MdnsSocketConfig config, crypto::PeerId local,
             std::string peer_name, OnPeer on_peer);
  // Opens the socket and joins the group; an error message on failure.
  std::optional<std::string> start();
  // What we announce: our listen addresses with /p2p (unspecified ones are left out).
  void set_addrs(std::vector<std::string> addrs);
  void close();
  const net::MdnsCounters& counters() const { return machine_.counters(); }

 private:
  static Instant now();
  void receive();
  void settle();

  asio::ip::udp::socket socket_;
  asio::steady_timer timer_;
  asio::ip::udp::endpoint group_, sender_;
  MdnsSocketConfig config_;
  net::MdnsDiscovery machine_;
  OnPeer on_peer_;
  std::array<std::uint8_t, 9000> buffer_{};  // RFC 6762's largest packet
  bool closed_ = false;
};

}  // namespace p2pgossip::runtime
