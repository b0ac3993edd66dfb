#include "p2pgossip/net/peer_manager.hpp"

#include <algorithm>
#include <cmath>

#include "addr_rules.hpp"

namespace p2pgossip::net {

namespace {

// Reasons become metric labels: the fixed part before any detail in parentheses.
std::string_view reason_label(std::string_view reason) {
  auto cut = reason.find(" (");
  return cut == std::string_view::npos ? reason : reason.substr(0, cut);
}

}  // namespace

PeerManager::PeerManager(PeerId local, PeerManagerConfig config)
    : local_(std::move(local)), config_(config), rng_(config.seed) {}

// --- connections ---------------------------------------------------------------------------

std::size_t PeerManager::count_direction(Direction d) const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(),
                    [d](const auto& kv) { return kv.second.direction == d; }));
}

std::size_t PeerManager::count_ip(const Bytes& ip) const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(),
                    [&ip](const auto& kv) { return kv.second.ip == ip; }));
}

std::size_t PeerManager::count_established(Direction d) const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(), [d](const auto& kv) {
        return kv.second.direction == d && kv.second.state == ConnState::kEstablished;
      }));
}

std::size_t PeerManager::pending_inbound_count() const {
  return inbound_count() - count_established(Direction::kInbound);
}

std::size_t PeerManager::count_pending_inbound_ip(const Bytes& ip) const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(), [&ip](const auto& kv) {
        return kv.second.direction == Direction::kInbound &&
               kv.second.state != ConnState::kEstablished && kv.second.ip == ip;
      }));
}

bool PeerManager::ip_exempt(const Bytes& ip) const {
  return ip.empty() || (config_.per_ip_limit_exempts_loopback && is_loopback(ip));
}

bool PeerManager::ip_limited(const Bytes& ip) const {
  if (ip_exempt(ip)) return false;
  return count_ip(ip) >= config_.max_per_ip;
}

bool PeerManager::evict_pending_inbound(Instant now) {
  changed();
  // The oldest: the smallest start, then the smallest id (ids grow with time).
  std::optional<ConnectionId> oldest;
  Instant started{};
  for (const auto& [id, c] : connections_)
    if (c.direction == Direction::kInbound && c.state != ConnState::kEstablished &&
        (!oldest || c.started < started)) {
      oldest = id;
      started = c.started;
    }
  if (!oldest) return false;
  ++counters_.pending_inbound_evicted;
  close(*oldest, CloseReason::kPendingInboundEvicted, now);
  return true;
}

std::optional<ConnectionId> PeerManager::accept_inbound(const Multiaddr& remote, Instant now) {
  changed();
  if (banned_at(std::nullopt, ip_of(remote), now)) {
    ++bans_.counters().refused_inbound;
    return std::nullopt;
  }
  // Established connections only: handshakes have their own budget below. A slot that can
  // be trimmed is taken when the handshake completes.
  if (count_established(Direction::kInbound) >= config_.max_inbound && !trimmable(now)) {
    ++counters_.inbound_refused_limit;
    return std::nullopt;
  }
  Bytes ip = ip_of(remote);
  if (ip_limited(ip)) {
    ++counters_.refused_per_ip;
    return std::nullopt;
  }
  if (!ip_exempt(ip) && count_pending_inbound_ip(ip) >= config_.max_pending_inbound_per_ip) {
    ++counters_.pending_inbound_refused_per_ip;
    return std::nullopt;
  }
  if (pending_inbound_count() >= config_.max_pending_inbound) {
    // The newest handshake is the one most likely to finish (an honest peer's takes a few
    // round trips; a stalled one never does): make room by closing the oldest.
    if (config_.max_pending_inbound == 0) {
      ++counters_.inbound_refused_limit;
      return std::nullopt;
    }
    while (pending_inbound_count() >= config_.max_pending_inbound && evict_pending_inbound(now)) {
    }
  }
  ConnectionId id = next_id_++;
  Connection c;
  c.direction = Direction::kInbound;
  c.state = ConnState::kHandshaking;
  c.remote = remote;
  c.ip = std::move(ip);
  c.started = now;
  connections_.emplace(id, std::move(c));
  ++counters_.inbound_accepted;
  return id;
}

Result<ConnectionId> PeerManager::dial(const Multiaddr& addr, Instant now) {
  changed();
  if (banned(addr, now)) {
    ++bans_.counters().refused_dials;
    return Error{"peer or address banned"};
  }
  if (outbound_count() >= config_.max_outbound) {
    ++counters_.dials_refused_limit;
    return Error{"outbound connection limit reached"};
  }
  Bytes ip = ip_of(addr);
  if (ip_limited(ip)) {
    ++counters_.refused_per_ip;
    return Error{"per-IP connection limit reached"};
  }
  auto id = addr.peer_id();
  Peer* p = id ? peer_or_add(*id, false) : nullptr;
  ConnectionId cid = next_id_++;
  Connection c;
  c.direction = Direction::kOutbound;
  c.remote = addr.without_peer_id();
  c.ip = std::move(ip);
  c.peer = id;
  c.started = now;
  connections_.emplace(cid, std::move(c));
  if (p && !p->dialing && !p->connection) p->dialing = cid;
  ++counters_.dials;
  return cid;
}

void PeerManager::forget(const PeerId& peer) {
  changed();
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  it->second.bootstrap = false;
  it->second.known = false;
  it->second.addrs.clear();
  it->second.record_seq.reset();
  it->second.record.clear();
  forget_if_unused(peer);
}

void PeerManager::dial_succeeded(ConnectionId id, Instant now) {
  changed();
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.state != ConnState::kDialing) return;
  it->second.state = ConnState::kHandshaking;
  ++counters_.dials_succeeded;
}

void PeerManager::dial_failed(ConnectionId id, std::string_view reason, Instant now) {
  changed();
  if (!connections_.contains(id)) return;
  ++counters_.dials_failed;
  count_reason(counters_.dial_failures_by_reason, reason);
  remove_connection(id, true, now);
}

void PeerManager::handshake_failed(ConnectionId id, std::string_view reason, Instant now) {
  changed();
  if (!connections_.contains(id)) return;
  ++counters_.handshakes_failed;
  count_reason(counters_.handshake_failures_by_reason, reason);
  remove_connection(id, true, now);
}

void PeerManager::peer_id_mismatch(ConnectionId id, std::string_view reason, Instant now) {
  changed();
  if (!connections_.contains(id)) return;
  ++counters_.peer_id_mismatches;
  handshake_failed(id, reason, now);
}

void PeerManager::connected(ConnectionId id, const PeerId& peer, Instant now) {
  changed();
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.state == ConnState::kEstablished) return;
  Connection& c = it->second;
  if (peer == local_) {
    ++counters_.self_connections_closed;
    return close(id, CloseReason::kConnectedToSelf, now);
  }
  if (banned_at(peer, {}, now)) {
    ++bans_.counters().closed_connections;
    return close(id, CloseReason::kBanned, now);
  }
  if (c.peer && *c.peer != peer) {
    // The upgrade should have refused it (the dialled /p2p/ id is checked in Noise).
    ++counters_.peer_id_mismatches;
    return close(id, CloseReason::kPeerIdMismatch, now);
  }
  // Handshakes are admitted beyond max_inbound (their own budget): the established ones are
  // bounded here. A second connection of a connected peer replaces or is closed below.
  if (c.direction == Direction::kInbound && !connection_of(peer) &&
      count_established(Direction::kInbound) >= config_.max_inbound) {
    const std::optional<ConnectionId> slot = trimmable(now);
    if (!slot) {
      ++counters_.inbound_refused_limit;
      return close(id, CloseReason::kInboundLimit, now);
    }
    ++counters_.inbound_trimmed;
    close(*slot, CloseReason::kTrimmed, now);
  }
  // Connections are bounded by the limits, so a connected peer always gets an entry.
  Peer* p = peer_or_add(peer, false);
  if (p->dialing == id) p->dialing.reset();
  c.peer = peer;
  c.state = ConnState::kEstablished;
  c.established = now;
  c.next_ping = now + config_.ping_interval;
  ++counters_.handshakes_completed;
  p->failures = 0;
  p->known = true;
  p->last_connected = ++connect_order_;
  if (c.direction == Direction::kOutbound) add_addr(*p, c.remote);

  if (p->connection) {
    // Simultaneous dial: keep the connection dialled by the smaller peer id, so both ends
    // keep the same one; with one dialler for both, keep the first.
    const Connection& old = connections_.at(*p->connection);
    auto dialler = [&](const Connection& x) -> const PeerId& {
      return x.direction == Direction::kOutbound ? local_ : peer;
    };
    bool keep_new = old.direction != c.direction && dialler(c) < dialler(old);
    ++counters_.duplicate_connections_closed;
    if (!keep_new) return close(id, CloseReason::kDuplicateConnection, now);
    ConnectionId old_id = *p->connection;
    p->connection = id;  // first, so closing the old one neither retries nor forgets the peer
    close(old_id, CloseReason::kDuplicateConnection, now);
  }
  p->connection = id;
  actions_.push_back(PeerUp{id, peer});
}

void PeerManager::disconnected(ConnectionId id, std::string_view reason, Instant now) {
  changed();
  auto it = connections_.find(id);
  if (it == connections_.end()) return;  // already closed by us
  ++counters_.disconnects;
  count_reason(counters_.disconnects_by_reason, reason);
  remove_connection(id, true, now);
}

std::string_view close_reason_text(CloseReason r) {
  switch (r) {
    case CloseReason::kHandshakeTimeout:
      return "handshake timeout";
    case CloseReason::kDuplicateConnection:
      return "duplicate connection";
    case CloseReason::kConnectedToSelf:
      return "connected to self";
    case CloseReason::kPeerIdMismatch:
      return "peer id mismatch";
    case CloseReason::kDeadPeer:
      return "dead peer (missed pings)";
    case CloseReason::kPendingInboundEvicted:
      return "pending handshake evicted";
    case CloseReason::kInboundLimit:
      return "inbound connection limit";
    case CloseReason::kBanned:
      return "banned";
    case CloseReason::kTrimmed:
      return "trimmed for a new inbound peer";
  }
  return "closed";
}

// --- bans ----------------------------------------------------------------------------------

bool PeerManager::banned(const Multiaddr& addr, Instant now) {
  return banned_at(addr.peer_id(), ip_of(addr), now);
}

bool PeerManager::banned_at(const std::optional<PeerId>& peer, const Bytes& ip, Instant now) {
  if (bans_.empty()) return false;
  if (peer && bans_.find({BanTarget::Kind::kPeer, to_bytes(peer->bytes())}, now)) return true;
  return !ip.empty() && bans_.find({BanTarget::Kind::kIp, ip}, now);
}

bool PeerManager::ban(const BanTarget& target, std::optional<Instant> until, BanReason reason,
                      std::string_view note, Instant now) {
  changed();
  if (!bans_.ban(target, until, reason, note, now)) return false;
  std::vector<ConnectionId> hit;
  for (const auto& [id, c] : connections_) {
    const bool match = target.kind == BanTarget::Kind::kIp
                           ? c.ip == target.key
                           : c.peer && std::ranges::equal(c.peer->bytes(), target.key);
    if (match) hit.push_back(id);
  }
  for (ConnectionId id : hit) {
    ++bans_.counters().closed_connections;
    close(id, CloseReason::kBanned, now);
  }
  return true;
}

void PeerManager::close(ConnectionId id, CloseReason reason, Instant now) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  ++counters_.disconnects;
  count_reason(counters_.disconnects_by_reason, close_reason_text(reason));
  // A duplicate or a self connection is not a failure of the peer.
  const bool failed =
      reason != CloseReason::kDuplicateConnection && reason != CloseReason::kConnectedToSelf;
  actions_.push_back(Disconnect{id, it->second.peer, reason});
  remove_connection(id, failed, now);
}

void PeerManager::remove_connection(ConnectionId id, bool failed, Instant now) {
  auto it = connections_.find(id);
  std::optional<PeerId> peer = std::move(it->second.peer);
  connections_.erase(it);
  if (!peer) return;
  auto pit = peers_.find(*peer);
  if (pit == peers_.end()) return;
  Peer& p = pit->second;
  bool was_ours = p.connection == id || p.dialing == id;
  if (p.connection == id) p.connection.reset();
  if (p.dialing == id) p.dialing.reset();
  if (was_ours && failed) schedule_retry(p, now);
  forget_if_unused(*peer);
  dial_due(now);
}

void PeerManager::ping_result(ConnectionId id, std::optional<Duration> rtt, Instant now) {
  changed();
  auto it = connections_.find(id);
  if (it == connections_.end() || !it->second.ping_outstanding) return;
  Connection& c = it->second;
  c.ping_outstanding = false;
  c.next_ping = now + config_.ping_interval;
  if (rtt) {
    ++counters_.pongs;
    c.missed_pings = 0;
    if (c.peer) peers_.at(*c.peer).rtt = *rtt;
    return;
  }
  ++counters_.pings_missed;
  if (++c.missed_pings >= config_.max_missed_pings) {
    ++counters_.dead_peers;
    close(id, CloseReason::kDeadPeer, now);
  }
}

// --- timers and dialling -------------------------------------------------------------------

Duration PeerManager::backoff_delay(std::uint32_t failures) {
  Duration d = config_.backoff_initial;
  for (std::uint32_t i = 1; i < failures && d < config_.backoff_max; ++i) d *= 2;
  d = std::min(d, config_.backoff_max);
  double u = rng_.unit();
  auto cut = static_cast<Duration::rep>(
      std::floor(static_cast<double>(d.count()) * config_.backoff_jitter * u));
  return d - Duration(cut);
}

void PeerManager::schedule_retry(Peer& p, Instant now) {
  ++p.failures;
  p.next_dial = now + backoff_delay(p.failures);
}

void PeerManager::tick(Instant now) {
  changed();
  std::vector<std::pair<ConnectionId, std::string>> to_close;
  for (auto& [id, c] : connections_) {
    if (c.state != ConnState::kEstablished) {
      if (now >= c.started + config_.handshake_timeout) to_close.emplace_back(id, "");
    } else if (!c.ping_outstanding && now >= c.next_ping) {
      c.ping_outstanding = true;
      ++counters_.pings;
      actions_.push_back(Ping{id, *c.peer});
    }
  }
  for (auto& [id, reason] : to_close) {
    ++counters_.handshake_timeouts;
    close(id, CloseReason::kHandshakeTimeout, now);
  }
  dial_due(now);
}

bool PeerManager::start_dial(const PeerId& id, Peer& p, Instant now) {
  if (p.addrs.empty()) return false;
  const Multiaddr& addr = p.addrs[p.failures % p.addrs.size()];
  Bytes ip = ip_of(addr);
  if (banned_at(id, ip, now)) {
    ++bans_.counters().refused_dials;
    schedule_retry(p, now);
    return false;
  }
  if (ip_limited(ip)) {
    ++counters_.refused_per_ip;
    schedule_retry(p, now);
    return false;
  }
  auto full = addr.with_peer_id(id);
  if (!full) {
    schedule_retry(p, now);
    return false;
  }
  ConnectionId cid = next_id_++;
  Connection c;
  c.direction = Direction::kOutbound;
  c.remote = addr;
  c.ip = std::move(ip);
  c.peer = id;
  c.started = now;
  connections_.emplace(cid, std::move(c));
  p.dialing = cid;
  ++counters_.dials;
  ++counters_.candidate_dials;
  actions_.push_back(Dial{cid, std::move(full).value()});
  return true;
}

bool PeerManager::want_bootstrap() const {
  return outbound_count() < std::max<std::size_t>(config_.target_outbound, 1);
}

std::optional<ConnectionId> PeerManager::trimmable(Instant now) const {
  if (!config_.trim_inbound) return std::nullopt;
  std::optional<ConnectionId> oldest;
  Instant since{};
  for (const auto& [id, c] : connections_) {
    if (c.direction != Direction::kInbound || c.state != ConnState::kEstablished || !c.peer ||
        now - c.established < config_.trim_grace)
      continue;
    auto p = peers_.find(*c.peer);
    if (p != peers_.end() && p->second.protect) continue;
    if (!oldest || c.established < since) {
      oldest = id;
      since = c.established;
    }
  }
  return oldest;
}

void PeerManager::set_protected(const PeerId& peer, bool on) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.protect = on;
}

void PeerManager::dial_due(Instant now) {
  auto pending = [this] {
    return static_cast<std::size_t>(
        std::count_if(connections_.begin(), connections_.end(),
                      [](const auto& kv) { return kv.second.state == ConnState::kDialing; }));
  };
  auto room = [&] {
    return outbound_count() < config_.max_outbound && pending() < config_.max_pending_dials;
  };
  auto due = [&](const Peer& p) {
    return !p.connection && !p.dialing && !p.addrs.empty() && now >= p.next_dial;
  };
  // Bootstrap peers first, while below target (at least one connection).
  for (auto& [id, p] : peers_) {
    if (!room() || !want_bootstrap()) break;
    if (p.bootstrap && due(p)) start_dial(id, p, now);
  }
  // Then random candidates while below the outbound target.
  while (room() && outbound_count() < config_.target_outbound) {
    std::vector<std::pair<const PeerId*, Peer*>> eligible;
    for (auto& [id, p] : peers_)
      if (!p.bootstrap && due(p)) eligible.emplace_back(&id, &p);
    if (eligible.empty()) return;
    auto& [id, p] = eligible[rng_.below(eligible.size())];
    start_dial(*id, *p, now);
  }
}

std::optional<Instant> PeerManager::next_deadline() const {
  if (!next_deadline_) next_deadline_ = earliest_deadline();
  return *next_deadline_;
}

std::optional<Instant> PeerManager::earliest_deadline() const {
  std::optional<Instant> next;
  auto consider = [&next](Instant t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, c] : connections_) {
    if (c.state != ConnState::kEstablished)
      consider(c.started + config_.handshake_timeout);
    else if (!c.ping_outstanding)
      consider(c.next_ping);
  }
  const bool want_candidates = outbound_count() < config_.target_outbound;
  for (const auto& [id, p] : peers_) {
    if (p.connection || p.dialing || p.addrs.empty()) continue;
    if (p.bootstrap ? want_bootstrap() : want_candidates) consider(p.next_dial);
  }
  return next;
}

std::optional<PeerAction> PeerManager::poll_action() {
  if (actions_.empty()) return std::nullopt;
  PeerAction a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

void PeerManager::count_reason(std::map<std::string, std::uint64_t>& by_reason,
                               std::string_view reason) {
  std::string key(reason_label(reason));
  if (!by_reason.contains(key) && by_reason.size() >= kMaxReasons) key = "other";
  ++by_reason[key];
}

std::optional<ConnectionId> PeerManager::connection_of(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? std::nullopt : it->second.connection;
}

std::optional<Duration> PeerManager::last_rtt(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? std::nullopt : it->second.rtt;
}

}  // namespace p2pgossip::net
