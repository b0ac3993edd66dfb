#include "p2pgossip/net/mdns_discovery.hpp"

#include "p2pgossip/net/mdns.hpp"

namespace p2pgossip::net {

MdnsDiscovery::MdnsDiscovery(crypto::PeerId local, std::string peer_name, MdnsConfig config,
                             Instant now)
    : local_(std::move(local)),
      peer_name_(std::move(peer_name)),
      config_(config),
      next_query_(now) {}

void MdnsDiscovery::queue_query() {
  if (auto q = mdns::encode(mdns::peer_query())) {
    transmit_.push_back(std::move(q).value());
    ++counters_.queries_sent;
  }
}

void MdnsDiscovery::handle_timeout(Instant now) {
  if (now < next_query_) return;
  queue_query();
  next_query_ = now + config_.query_interval;
}

std::optional<Instant> MdnsDiscovery::next_deadline() const { return next_query_; }

std::optional<Bytes> MdnsDiscovery::poll_transmit() {
  if (transmit_.empty()) return std::nullopt;
  Bytes b = std::move(transmit_.front());
  transmit_.pop_front();
  return b;
}

std::vector<MdnsPeer> MdnsDiscovery::poll_discovered() {
  std::vector<MdnsPeer> out(std::make_move_iterator(discovered_.begin()),
                            std::make_move_iterator(discovered_.end()));
  discovered_.clear();
  return out;
}

void MdnsDiscovery::handle_packet(ByteView packet, Instant now) {
  auto msg = mdns::decode(packet);
  if (!msg) {
    ++counters_.packets_invalid;
    return;
  }
  // A network tool listing services: one PTR naming ours (the same question may also ask
  // for peers, answered below).
  if (mdns::is_meta_query(*msg) &&
      (!last_meta_answer_ || now >= *last_meta_answer_ + config_.answer_interval)) {
    if (auto answer = mdns::encode(mdns::meta_response(config_.ttl))) {
      transmit_.push_back(std::move(answer).value());
      last_meta_answer_ = now;
      ++counters_.meta_queries_answered;
    }
  }
  if (mdns::is_query_for(*msg, peer_name_)) {
    if (addrs_.empty()) return;
    if (last_answer_ && now < *last_answer_ + config_.answer_interval) {
      ++counters_.queries_not_answered;
      return;
    }
    auto answer = mdns::encode(mdns::peer_response(peer_name_, addrs_, config_.ttl));
    if (!answer) return;
    transmit_.push_back(std::move(answer).value());
    last_answer_ = now;
    ++counters_.queries_answered;
    return;
  }
  const auto peers = mdns::discovered_peers(*msg);
  if (peers.empty()) return;
  ++counters_.responses_received;
  for (const auto& p : peers) {
    if (p.ttl == 0) continue;  // going away: nothing to dial
    std::optional<crypto::PeerId> who;
    std::vector<Multiaddr> addrs;
    for (const auto& text : p.addrs) {
      auto a = Multiaddr::parse(text);
      auto id = a ? a->peer_id() : std::nullopt;
      // Every address must name the one peer it announces, and not us.
      if (!id || (who && *id != *who) || addrs.size() == config_.max_addrs_per_peer) {
        ++counters_.addrs_refused;
        continue;
      }
      who = *id;
      addrs.push_back(a->without_peer_id());
    }
    if (!who || *who == local_ || addrs.empty()) continue;
    if (discovered_.size() == config_.max_pending) {
      discovered_.pop_front();
      ++counters_.discoveries_dropped;
    }
    discovered_.push_back({std::move(*who), std::move(addrs)});
    ++counters_.peers_discovered;
  }
}

std::vector<std::string> announced_addrs(const std::vector<std::string>& listen,
                                         const std::vector<LocalIp>& local) {
  std::vector<std::string> out;
  for (const std::string& a : listen) {
    const bool any4 = a.starts_with("/ip4/0.0.0.0/"), any6 = a.starts_with("/ip6/::/");
    if (!any4 && !any6) {
      out.push_back(a);
      continue;
    }
    const std::string rest = a.substr(any4 ? 12 : 7);  // from the "/" after the address
    for (bool loopback : {false, true}) {
      const std::size_t before = out.size();
      for (const LocalIp& ip : local)
        if (ip.ipv6 == any6 && ip.loopback == loopback)
          out.push_back((any6 ? "/ip6/" : "/ip4/") + ip.text + rest);
      if (out.size() > before) break;
    }
  }
  return out;
}

}  // namespace p2pgossip::net
