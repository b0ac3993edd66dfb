// The peer manager's known-peers file: export and strict, bounded import.
#include "addr_rules.hpp"
#include "line_file.hpp"
#include "p2pgossip/net/peer_manager.hpp"

namespace p2pgossip::net {

//   p2pgossip-known-peers 1
//   <peer id, base58btc> <multiaddr> [<multiaddr> ...]
//   ...
// One line per peer, most recently connected first; addresses without /p2p.

Bytes PeerManager::export_known_peers() const {
  std::vector<std::pair<std::uint64_t, const std::pair<const PeerId, Peer>*>> order;
  for (const auto& kv : peers_)
    if (kv.second.known && !kv.second.addrs.empty())
      order.emplace_back(kv.second.last_connected, &kv);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out(kKnownPeersHeader);
  out += '\n';
  std::size_t n = 0;
  for (const auto& [_, kv] : order) {
    if (n++ == config_.max_known_peers) break;
    std::string line = kv->first.to_string();
    for (const auto& a : kv->second.addrs) line += ' ' + a.to_string();
    line += '\n';
    if (out.size() + line.size() > config_.max_known_peers_bytes) break;
    out += line;
  }
  return to_bytes(as_bytes(out));
}

Result<std::size_t> PeerManager::import_known_peers(ByteView data, Instant now) {
  changed();
  std::vector<std::pair<PeerId, std::vector<Multiaddr>>> parsed;
  Status read = read_line_file(
      as_chars(data), "known peers", kKnownPeersHeader, config_.max_known_peers_bytes,
      [&](std::size_t, std::string_view line) -> Status {
        if (parsed.size() == config_.max_known_peers)
          return Error{"more than " + std::to_string(config_.max_known_peers) + " peers"};
        std::vector<std::string_view> fields;
        std::size_t pos = 0;
        while (pos <= line.size()) {
          std::size_t sp = line.find(' ', pos);
          if (sp == std::string_view::npos) sp = line.size();
          fields.push_back(line.substr(pos, sp - pos));
          pos = sp + 1;
        }
        if (fields.size() < 2) return Error{"expected a peer id and at least one address"};
        if (fields.size() - 1 > config_.max_addrs_per_peer)
          return Error{"more than " + std::to_string(config_.max_addrs_per_peer) + " addresses"};
        auto id = PeerId::parse(fields[0]);
        if (!id) return id.error();
        std::vector<Multiaddr> addrs;
        for (std::size_t i = 1; i < fields.size(); ++i) {
          auto a = Multiaddr::parse(fields[i]);
          if (!a) return a.error();
          if (a->peer_id() || !dialable(*a))
            return Error{"address " + std::string(fields[i]) + " is not /ip4|ip6|dns*/…/tcp/…"};
          addrs.push_back(std::move(a).value());
        }
        parsed.emplace_back(std::move(id).value(), std::move(addrs));
        return Ok{};
      });
  if (!read) return read.error();
  std::size_t loaded = 0;
  // Last line first, so the file's recency order survives the next export.
  for (auto it = parsed.rbegin(); it != parsed.rend(); ++it) {
    if (add_addresses(it->first, it->second, AddrSource::kKnownPeers, now) == 0) continue;
    ++loaded;
    if (auto p = peers_.find(it->first); p != peers_.end() && p->second.last_connected == 0)
      p->second.last_connected = ++connect_order_;
  }
  counters_.known_peers_loaded += loaded;
  return loaded;
}

}  // namespace p2pgossip::net
