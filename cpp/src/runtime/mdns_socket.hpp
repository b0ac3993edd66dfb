// mDNS discovery on UDP sockets: the shell around net::MdnsDiscovery (packets from the
// multicast groups in, its packets out to them, one timer at its deadline). One socket per
// address family (224.0.0.251 and ff02::fb), each joined and sent on every interface chosen,
// as RFC 6762 responders do on a multi-homed host. What it discovers goes to `on_peer`. All
// on the node's I/O thread.
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
  // Where to join and send: empty, every interface that is up and multicast-capable, IPv4
  // and IPv6; an interface's name ("eth0"), that one, both families; an IPv4 address
  // ("127.0.0.1" for nodes of one machine), that one, IPv4 only.
  std::string interface;
  net::MdnsConfig discovery;
};

class MdnsSocket : public std::enable_shared_from_this<MdnsSocket> {
 public:
  using OnPeer = std::function<void(net::MdnsPeer&&)>;
  MdnsSocket(asio::io_context& io, MdnsSocketConfig config, crypto::PeerId local,
             std::string peer_name, OnPeer on_peer);
  // Opens the sockets and joins the groups; an error message when no family could.
  std::optional<std::string> start();
  // What we announce: our listen addresses with /p2p (an unspecified one stands for the
  // machine's addresses: net::announced_addrs).
  void set_addrs(std::vector<std::string> addrs);
  // The interfaces joined, by family (introspection and tests).
  std::size_t ipv4_interfaces() const { return v4_ifaces_.size(); }
  std::size_t ipv6_interfaces() const { return v6_ifaces_.size(); }
  void close();
  const net::MdnsCounters& counters() const { return machine_.counters(); }

 private:
  static Instant now();
  // A family's socket and what its reads fill.
  struct Family {
    explicit Family(asio::io_context& io) : socket(io) {}
    asio::ip::udp::socket socket;
    asio::ip::udp::endpoint sender;
    std::array<std::uint8_t, 9000> buffer{};  // RFC 6762's largest packet
  };
  // A family's socket on the port, joined to `group` on each of `ifaces` (those it cannot
  // join are dropped), reading; an error when it joined none.
  template <class Iface>
  std::optional<std::string> open(Family& f, const asio::ip::udp::endpoint& group,
                                  std::vector<Iface>& ifaces);
  template <class Iface>
  void send(Family& f, const asio::ip::udp::endpoint& group, const std::vector<Iface>& ifaces,
            const Bytes& packet);
  void receive(Family& f);
  void settle();

  Family v4_, v6_;
  asio::ip::udp::endpoint group4_, group6_;
  asio::steady_timer timer_;
  std::vector<asio::ip::address_v4> v4_ifaces_;  // joined on (any(): the system's choice)
  std::vector<unsigned> v6_ifaces_;              // by index
  MdnsSocketConfig config_;
  net::MdnsDiscovery machine_;
  OnPeer on_peer_;
  bool closed_ = false;
};

}  // namespace p2pgossip::runtime
