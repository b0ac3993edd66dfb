// The host's bans: the application's (ban, block) and the file that keeps them; the peer
// manager holds and enforces them (net/ban_list). The automatic rules are in host.cpp,
// where their triggers are.
#include "p2pgossip/host/host.hpp"

namespace p2pgossip::host {

bool Host::ban(const net::BanTarget& target, std::optional<Instant> until, net::BanReason reason,
               std::string_view note, Instant now) {
  std::optional<PeerIndex> router_only;  // a peer without a peer-manager connection
  if (target.kind == net::BanTarget::Kind::kPeer) {
    auto id = crypto::PeerId::from_bytes(target.key);
    if (!id) return false;
    if (!peers().connection_of(*id)) router_only = router_.index_of(target.key);
  }
  // The peer manager closes the connections it holds (Disconnect actions, drained as Close).
  if (!peers().ban(target, until, reason, note, now)) return false;
  if (router_only) {
    count(Drop::kBlocked);
    emit(Close{std::nullopt, router_only, "banned", Drop::kBlocked});
  }
  return true;
}

bool Host::unban(const net::BanTarget& target) { return peers_ && peers_->unban(target); }

bool Host::refuses(ByteView peer_id, std::string_view ip, Instant now) {
  // Asked for every link a simulation brings up: nothing is parsed unless a ban exists.
  if (!peers_ || !peers_->has_bans()) return false;
  std::optional<crypto::PeerId> peer;
  if (auto id = crypto::PeerId::from_bytes(peer_id)) peer = std::move(*id);
  Bytes address;
  if (!ip.empty())
    if (auto t = net::BanTarget::parse(ip); t && t->kind == net::BanTarget::Kind::kIp)
      address = std::move(t->key);
  return peers_->banned(peer, address, now);
}

std::vector<net::Ban> Host::bans(Instant now) {
  return peers_ ? peers_->bans(now) : std::vector<net::Ban>{};
}

std::vector<net::BanEntry> Host::ban_entries(Instant now) {
  std::vector<net::BanEntry> out;
  for (net::Ban& b : bans(now)) {
    std::optional<Duration> left;
    if (b.until) left = *b.until - now;
    out.push_back({std::move(b.target), left, b.reason, std::move(b.note)});
  }
  return out;
}

void Host::block(const Bytes& peer_id, Instant now) {
  ban({net::BanTarget::Kind::kPeer, peer_id}, std::nullopt, net::BanReason::kManual, "blocked",
      now);
}

std::string Host::save_bans(Instant now, std::int64_t now_unix) {
  return peers().save_bans(now, now_unix);
}

Result<std::size_t> Host::load_bans(std::string_view text, Instant now, std::int64_t now_unix) {
  return peers().load_bans(text, now, now_unix);
}

}  // namespace p2pgossip::host
