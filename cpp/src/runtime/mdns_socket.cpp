#include "mdns_socket.hpp"

#include "p2pgossip/net/mdns.hpp"

namespace p2pgossip::runtime {

using asio::ip::udp;

MdnsSocket::MdnsSocket(asio::io_context& io, MdnsSocketConfig config, crypto::PeerId local,
                       std::string peer_name, OnPeer on_peer)
    : socket_(io),
      timer_(io),
      config_(std::move(config)),
      machine_(std::move(local), std::move(peer_name), config_.discovery, now()),
      on_peer_(std::move(on_peer)) {}

Instant MdnsSocket::now() {
  return std::chrono::duration_cast<Instant>(std::chrono::steady_clock::now().time_since_epoch());
}

std::optional<std::string> MdnsSocket::start() {
  asio::error_code ec;
  const auto group = asio::ip::make_address_v4(std::string(net::mdns::kIpv4Group));
  group_ = udp::endpoint(group, config_.port);
  asio::ip::address_v4 iface = asio::ip::address_v4::any();
  if (!config_.interface.empty()) {
    iface = asio::ip::make_address_v4(config_.interface, ec);
    if (ec) return "mdns interface " + config_.interface + ": " + ec.message();
  }
  socket_.open(udp::v4(), ec);
  // Other responders on the host (and other nodes of this process) share the port.
  if (!ec) socket_.set_option(udp::socket::reuse_address(true), ec);
  if (!ec) socket_.bind(udp::endpoint(asio::ip::address_v4::any(), config_.port), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::join_group(group, iface), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::outbound_interface(iface), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::hops(255), ec);  // RFC 6762 section 11
  if (ec) return "mdns socket: " + ec.message();
  receive();
  machine_.handle_timeout(now());
  settle();
  return std::nullopt;
}

void MdnsSocket::set_addrs(std::vector<std::string> addrs) {
  std::erase_if(addrs, [](const std::string& a) {
    return a.starts_with("/ip4/0.0.0.0/") || a.starts_with("/ip6/::/");
  });
  machine_.set_addrs(std::move(addrs));
}

void MdnsSocket::close() {
  closed_ = true;
  asio::error_code ec;
  socket_.close(ec);
  timer_.cancel();
}

void MdnsSocket::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [self = shared_from_this()](asio::error_code ec, std::size_t n) {
                               if (self->closed_) return;
                               if (!ec) {
                                 self->machine_.handle_packet({self->buffer_.data(), n}, now());
                                 self->settle();
                               }
                               self->receive();
                             });
}

// Sends what the machine has for the group, hands on its discoveries, re-arms the timer.
void MdnsSocket::settle() {
  while (auto packet = machine_.poll_transmit()) {
    auto data = std::make_shared<Bytes>(std::move(*packet));
    socket_.async_send_to(asio::buffer(*data), group_, [data](asio::error_code, std::size_t) {});
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
