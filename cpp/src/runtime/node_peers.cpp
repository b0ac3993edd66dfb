// A node's peers beyond its connections: the known-peers and bans files it reads at start
// and writes at close, and mDNS discovery on the LAN.
#include <chrono>
#include <fstream>

#include "p2pgossip/net/mdns.hpp"
#include "p2pgossip/random.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace {

// At most `bound` + 1 bytes: the importers refuse files above their bound, and the extra
// byte lets them tell. nullopt when there is no file.
std::optional<std::string> read_bounded(const std::string& path, std::size_t bound) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(bound + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

// Written whole to a temporary file, then renamed over the old one, so a crash mid-write
// never leaves a truncated file for the next start.
void write_atomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return;
  }
  std::rename(tmp.c_str(), path.c_str());
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Node::start_peers() {
  const std::string& file = config_.peers.known_peers_file;
  if (!file.empty()) {
    if (auto data = read_bounded(file, config_.peers.max_known_peers_bytes))
      if (auto r = host_.import_known_peers(as_bytes(*data), now()); !r)
        log(LogLevel::kWarning, "known peers file ignored", {{"reason", r.error().what}});
    const std::size_t bound = net::BanList::max_file_bytes(config_.peers.max_bans);
    if (auto data = read_bounded(file + ".bans", bound))
      if (auto r = host_.load_bans(*data, now(), unix_now()); !r)
        log(LogLevel::kWarning, "bans file ignored", {{"reason", r.error().what}});
  }
  if (config_.peers.mdns) start_mdns();
  start_dht();
  for (const auto& text : config_.peers.bootstrap) {
    auto addr = net::Multiaddr::parse(text);
    Status st = addr ? host_.add_bootstrap(*addr, now()) : Status(addr.error());
    if (!st) log(LogLevel::kWarning, "bootstrap peer ignored", {{"reason", st.error().what}});
  }
}

void Node::start_mdns() {
  MdnsSocketConfig c;
  c.port = config_.peers.mdns_port;
  c.interface = config_.peers.mdns_interface;
  c.discovery.query_interval = config_.peers.mdns_query_interval;
  Random rng(config_.seed ^ 0x6d646e73);  // "mdns": the peer name only
  std::weak_ptr<Node> weak = weak_from_this();
  mdns_ = std::make_shared<MdnsSocket>(
      io_, c, config_.identity->peer_id(), net::mdns::random_peer_name(rng),
      [weak](net::MdnsPeer&& p) {
        if (auto self = weak.lock(); self && !self->closed_) {
          self->host_.discovered(p.peer, p.addrs, net::AddrSource::kMdns, self->now());
          self->settle();
        }
      });
  mdns_->set_addrs(listen_addrs_);
  if (auto err = mdns_->start()) {
    log(LogLevel::kWarning, "mdns discovery off", {{"reason", *err}});
    mdns_.reset();
  }
}

void Node::save_known_peers() {
  const std::string& file = config_.peers.known_peers_file;
  if (file.empty()) return;
  write_atomically(file, as_chars(host_.export_known_peers()));
  write_atomically(file + ".bans", host_.save_bans(now(), unix_now()));
}

}  // namespace p2pgossip::runtime
