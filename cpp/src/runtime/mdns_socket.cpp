#include "mdns_socket.hpp"

#include <algorithm>
#include <type_traits>

#include "interfaces.hpp"
#include "p2pgossip/net/mdns.hpp"

namespace p2pgossip::runtime {

using asio::ip::udp;

namespace {

// Interfaces a multicast group can be joined on: up, multicast-capable, and (unless the
// configuration names it) not loopback, whose packets never reach the LAN.
bool usable(const InterfaceAddress& a, const std::string& name) {
  return a.multicast && (name.empty() ? !a.loopback : a.name == name);
}

}  // namespace

MdnsSocket::MdnsSocket(asio::io_context& io, MdnsSocketConfig config, crypto::PeerId local,
                       std::string peer_name, OnPeer on_peer)
    : v4_(io),
      v6_(io),
      timer_(io),
      config_(std::move(config)),
      machine_(std::move(local), std::move(peer_name), config_.discovery, now()),
      on_peer_(std::move(on_peer)) {}

Instant MdnsSocket::now() {
  return std::chrono::duration_cast<Instant>(std::chrono::steady_clock::now().time_since_epoch());
}

std::optional<std::string> MdnsSocket::start() {
  asio::error_code ec;
  const auto literal = asio::ip::make_address_v4(config_.interface, ec);
  if (!ec) {
    v4_ifaces_.push_back(literal);  // one IPv4 interface, by its address
  } else {
    const std::string name = config_.interface;
    for (const InterfaceAddress& a : interface_addresses()) {
      if (!usable(a, name)) continue;
      if (a.address.is_v4()) {
        v4_ifaces_.push_back(a.address.to_v4());
      } else if (std::find(v6_ifaces_.begin(), v6_ifaces_.end(), a.index) == v6_ifaces_.end()) {
        v6_ifaces_.push_back(a.index);
      }
    }
    if (!name.empty() && v4_ifaces_.empty() && v6_ifaces_.empty())
      return "mdns interface " + name + ": no such interface up with multicast";
    if (name.empty() && v4_ifaces_.empty() && v6_ifaces_.empty())
      v4_ifaces_.push_back(asio::ip::address_v4::any());  // let the system choose
  }
  group4_ =
      udp::endpoint(asio::ip::make_address_v4(std::string(net::mdns::kIpv4Group)), config_.port);
  group6_ =
      udp::endpoint(asio::ip::make_address_v6(std::string(net::mdns::kIpv6Group)), config_.port);
  // One family is enough: a host without IPv6 (or IPv4) still discovers on the other.
  const auto v4_error = open(v4_, group4_, v4_ifaces_);
  const auto v6_error = open(v6_, group6_, v6_ifaces_);
  if (v4_ifaces_.empty() && v6_ifaces_.empty()) return v4_error ? v4_error : v6_error;
  machine_.handle_timeout(now());
  settle();
  return std::nullopt;
}

// The group's address in its family, as the join and the interface options take it.
template <class Iface>
auto family_address(const udp::endpoint& group) {
  if constexpr (std::is_same_v<Iface, unsigned>)
    return group.address().to_v6();
  else
    return group.address().to_v4();
}

template <class Iface>
std::optional<std::string> MdnsSocket::open(Family& f, const udp::endpoint& group,
                                            std::vector<Iface>& ifaces) {
  if (ifaces.empty()) return std::nullopt;
  asio::error_code ec;
  udp::socket& s = f.socket;
  s.open(group.protocol(), ec);
  // Other responders on the host (and other nodes of this process) share the port.
  if (!ec) s.set_option(udp::socket::reuse_address(true), ec);
  if (!ec && group.address().is_v6()) s.set_option(asio::ip::v6_only(true), ec);
  if (!ec) s.bind(udp::endpoint(group.protocol(), config_.port), ec);
  if (!ec) s.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) s.set_option(asio::ip::multicast::hops(255), ec);  // RFC 6762 section 11
  if (ec) {
    ifaces.clear();
    return "mdns socket: " + ec.message();
  }
  const auto address = family_address<Iface>(group);
  std::erase_if(ifaces, [&](const Iface& iface) {
    asio::error_code join;
    s.set_option(asio::ip::multicast::join_group(address, iface), join);
    return bool(join);
  });
  if (ifaces.empty()) return "mdns: could not join " + address.to_string() + " anywhere";
  receive(f);
  return std::nullopt;
}

template <class Iface>
void MdnsSocket::send(Family& f, const udp::endpoint& group, const std::vector<Iface>& ifaces,
                      const Bytes& packet) {
  asio::error_code ec;
  for (const Iface& iface : ifaces) {
    f.socket.set_option(asio::ip::multicast::outbound_interface(iface), ec);
    f.socket.send_to(asio::buffer(packet), group, 0, ec);
  }
}

void MdnsSocket::set_addrs(std::vector<std::string> addrs) {
  std::vector<net::LocalIp> local;
  for (const InterfaceAddress& a : interface_addresses()) {
    // A link-local IPv6 address needs its zone to be dialled, which a multiaddr lacks.
    if (a.address.is_v6() && a.address.to_v6().is_link_local()) continue;
    auto text = a.address.is_v6() ? asio::ip::address_v6(a.address.to_v6().to_bytes()).to_string()
                                  : a.address.to_string();
    local.push_back({std::move(text), a.address.is_v6(), a.loopback});
  }
  machine_.set_addrs(net::announced_addrs(addrs, local));
}

void MdnsSocket::close() {
  closed_ = true;
  asio::error_code ec;
  v4_.socket.close(ec);
  v6_.socket.close(ec);
  timer_.cancel();
}

void MdnsSocket::receive(Family& f) {
  f.socket.async_receive_from(asio::buffer(f.buffer), f.sender,
                              [self = shared_from_this(), &f](asio::error_code ec, std::size_t n) {
                                if (self->closed_) return;
                                if (!ec) {
                                  self->machine_.handle_packet({f.buffer.data(), n}, now());
                                  self->settle();
                                }
                                self->receive(f);
                              });
}

// Sends what the machine has to each group on each interface joined (small packets, a few
// a minute: sent at once, not queued), hands on its discoveries, re-arms the timer.
void MdnsSocket::settle() {
  while (auto packet = machine_.poll_transmit()) {
    send(v4_, group4_, v4_ifaces_, *packet);
    send(v6_, group6_, v6_ifaces_, *packet);
  }
  for (auto& p : machine_.poll_discovered()) on_peer_(std::move(p));
  const auto deadline = machine_.next_deadline();
  if (!deadline) return;
  timer_.expires_after(std::max(Duration{}, *deadline - now()));
  timer_.async_wait([self = shared_from_this()](asio::error_code ec) {
    if (ec || self->closed_) return;
    self->machine_.handle_timeout(now());
    self->settle();
  });
}

}  // namespace p2pgossip::runtime
