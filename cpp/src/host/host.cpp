#include "p2pgossip/host/host.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/net/peer_record.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/random.hpp"

namespace p2pgossip::host {

namespace {

// What the peer manager's closing reasons count as.
std::optional<Drop> drop_of(net::CloseReason reason) {
  switch (reason) {
    case net::CloseReason::kHandshakeTimeout:
      return Drop::kHandshakeTimeout;
    case net::CloseReason::kDuplicateConnection:
      return Drop::kDuplicateConnection;
    case net::CloseReason::kDeadPeer:
      return Drop::kDeadPeer;
    case net::CloseReason::kPeerIdMismatch:
      return Drop::kPeerIdMismatch;
    case net::CloseReason::kPendingInboundEvicted:
      return Drop::kPendingHandshakeEvicted;
    case net::CloseReason::kInboundLimit:
      return Drop::kConnectionLimit;
    case net::CloseReason::kBanned:
      return Drop::kBlocked;
    case net::CloseReason::kTrimmed:
      return Drop::kTrimmed;
    case net::CloseReason::kConnectedToSelf:
      break;
  }
  return std::nullopt;
}

// A signed peer record that verifies and is of `peer` (the one identified or suggested).
Result<net::SignedPeerRecord> record_of(const crypto::PeerId& peer, ByteView envelope) {
  auto record = net::SignedPeerRecord::open(envelope);
  if (record && record->record().peer_id != peer)
    return Error{"signed peer record of " + record->record().peer_id.to_string() + ", not of " +
                 peer.to_string()};
  return record;
}

constexpr std::uint64_t kPeerManagerStream = 0x706565726d616e61ULL;
constexpr std::uint64_t kLinkStream = 0x6c696e6b6c6f7373ULL;
constexpr std::uint64_t kAdversaryStream = 0x616476657273ULL;

}  // namespace

std::vector<std::string> pubsub_protocols(router::Strategy strategy) {
  if (strategy == router::Strategy::kFloodSub) return {std::string(protocol::kFloodsub)};
  return {std::string(protocol::kMeshsub12), std::string(protocol::kMeshsub11),
          std::string(protocol::kFloodsub)};
}

struct Host::State {
  explicit State(std::uint64_t seed) : rng(seed ^ kLinkStream) {}

  Random rng;  // link loss, ping payloads
  std::vector<HostEvent> events;
  std::size_t next_event = 0;
  std::array<std::uint64_t, kDropCount> drops{};

  std::map<Bytes, double> app_scores;
  std::map<Bytes, LinkShaping> links;
  // Invalid messages (bad signature, rejected) from each peer since it connected, for
  // PeerManagerConfig::ban_invalid_messages.
  std::map<PeerIndex, std::uint32_t> invalid_messages;
  std::set<std::string> validated_topics;
  struct Validation {
    MessagePtr message;
    MessageId id;
    PeerIndex from;
    Bytes peer_id;  // `from` may be another peer's index by the time the answer comes
  };
  std::map<ValidationToken, Validation> validations;
  // When a validation last completed, or the queue last had room for a read (read_pause).
  Instant validations_moved{};
  ValidationToken next_token = 1;
  std::vector<Bytes> listen_addrs;  // binary multiaddrs, without /p2p
  Bytes local_record;               // our signed peer record; empty before listening
  std::uint64_t local_record_seq = 0;
  // Peers whose outbound queue has been backlogged at every sample since `since`.
  struct Backlog {
    Instant since;
    bool pruned = false;
    bool closed = false;
  };
  std::map<PeerIndex, Backlog> backlogs;
};

Host::Host(crypto::IdentityPtr identity, std::shared_ptr<const HostConfig> config,
           crypto::VerifyCache* cache, MessagePool* pool)
    : router_(config->gossip, services(cache, pool, config->message_id), config->seed),
      pool_(pool),
      config_(std::move(config)),
      identity_(std::move(identity)),
      seed_(config_->seed) {
  router_.set_tracer(this);
  peers();  // a runtime node always dials and accepts
}

Host::Host(crypto::IdentityPtr identity, std::shared_ptr<const HostConfig> config,
           std::shared_ptr<const router::Services> services, std::uint64_t router_seed)
    : router_(config->gossip, std::move(services), router_seed),
      config_(std::move(config)),
      identity_(std::move(identity)),
      seed_(router_seed) {}

Host::~Host() = default;

// Called before the members are made: the lambdas read them only once the router runs.
router::Services Host::services(crypto::VerifyCache* cache, MessagePool* pool, MessageIdFn id_fn) {
  router::Services s;
  if (pool)
    s.share = [pool](const MessagePtr& m, const MessageId& id) { return pool->share(m, id); };
  s.message_id = [id_fn](const Message& m) { return message_id(id_fn, m); };
  s.verify_signature = [cache](const Message& m) { return host::verify_message(m, cache); };
  s.validate = [this](const std::string& topic, const Message& m, PeerIndex from) {
    return on_validate(topic, m, from);
  };
  s.validation_full = [this](const std::string& topic) {
    return s_ && s_->validations.size() >= config_->max_pending_validations &&
           s_->validated_topics.count(topic);
  };
  s.peer_record = [this](ByteView peer_id) -> std::optional<Bytes> {
    auto id = crypto::PeerId::from_bytes(peer_id);
    return id && peers_ ? peers_->peer_record(*id) : std::nullopt;
  };
  return s;
}

Host::State& Host::state() {
  if (!s_) s_ = std::make_unique<State>(seed_);
  return *s_;
}

net::PeerManager& Host::peers() {
  if (!peers_) {
    net::PeerManagerConfig c = config_->peers;
    c.seed = seed_ ^ kPeerManagerStream;
    peers_ = std::make_unique<net::PeerManager>(identity_->peer_id(), c);
  }
  return *peers_;
}

const std::array<std::uint64_t, kDropCount>& Host::drops() const {
  static const std::array<std::uint64_t, kDropCount> none{};
  return s_ ? s_->drops : none;
}

void Host::count(Drop d, std::uint64_t n) { state().drops[static_cast<std::size_t>(d)] += n; }

void Host::emit(HostEvent e) { state().events.push_back(std::move(e)); }

std::optional<HostEvent> Host::poll_event() {
  if (s_->next_event == s_->events.size()) return std::nullopt;
  HostEvent e = std::move(s_->events[s_->next_event++]);
  if (s_->next_event == s_->events.size()) {
    s_->events.clear();
    s_->next_event = 0;
  }
  return e;
}

// ---- connections ---------------------------------------------------------------------------

std::optional<ConnectionId> Host::accept(const net::Multiaddr& remote, Instant now) {
  auto id = peers().accept_inbound(remote, now);
  if (!id) count(Drop::kConnectionLimit);
  return id;
}

Result<ConnectionId> Host::connect(const net::Multiaddr& addr, Instant now) {
  if (auto peer = addr.peer_id()) {
    if (*peer == identity_->peer_id()) return Error{"that is this node"};
  }
  auto id = peers().dial(addr, now);
  if (!id) count(peers().banned(addr, now) ? Drop::kBlocked : Drop::kConnectionLimit);
  return id;
}

void Host::dial_succeeded(ConnectionId id, Instant now) { peers().dial_succeeded(id, now); }

void Host::dial_failed(ConnectionId id, std::string_view reason, Instant now, Drop drop) {
  count(drop);
  peers().dial_failed(id, reason, now);
}

void Host::connection_up(ConnectionId id, ByteView peer_id, Instant now) {
  auto peer = crypto::PeerId::from_bytes(peer_id);
  if (!peer) {
    count(Drop::kNoiseFailed);
    emit(Close{id, std::nullopt, "remote peer id: " + peer.error().what, Drop::kNoiseFailed});
    return;
  }
  peers().connected(id, *peer, now);
}

void Host::connection_closed(ConnectionId id, std::optional<PeerIndex> peer,
                             std::string_view reason, Instant now, std::optional<Drop> drop) {
  // No-ops when the peer manager closed it itself.
  if (peer) {
    peers().disconnected(id, reason, now);
    pubsub_closed(*peer, now);
  } else if (drop == Drop::kPeerIdMismatch) {
    peers().peer_id_mismatch(id, reason, now);
  } else {
    peers().handshake_failed(id, reason, now);
  }
}

bool Host::make_room_for_inbound(Instant now) { return peers().evict_pending_inbound(now); }

void Host::ping_result(ConnectionId id, std::optional<Duration> rtt, Instant now) {
  peers().ping_result(id, rtt, now);
}

void Host::identify(ConnectionId, ByteView peer_id, ByteView stream, Instant now) {
  auto m = net::identify::decode_stream(stream);
  auto id = crypto::PeerId::from_bytes(peer_id);
  if (!m || !id) {
    emit(LogLine{"identify ignored", m ? id.error().what : m.error().what});
    return;
  }
  peers().add_addresses(*id, net::identify::dialable_listen_addrs(*m), net::AddrSource::kIdentify,
                        now);
  if (!m->signed_peer_record) return;
  // Kept (go-libp2p's certified address book) to pass on in PRUNE peer exchange.
  auto record = record_of(*id, *m->signed_peer_record);
  if (!record) {
    count(Drop::kIdentifyRecordInvalid);
    emit(LogLine{"identify record refused", record.error().what});
    return;
  }
  peers().add_peer_record(*record, net::AddrSource::kIdentify, now);
}

void Host::forget(ByteView peer_id) {
  if (auto id = crypto::PeerId::from_bytes(peer_id)) peers().forget(*id);
}

Status Host::add_bootstrap(const net::Multiaddr& addr, Instant now) {
  return peers().add_bootstrap(addr, now);
}

Result<std::size_t> Host::import_known_peers(ByteView data, Instant now) {
  return peers().import_known_peers(data, now);
}

Bytes Host::export_known_peers() const { return peers_ ? peers_->export_known_peers() : Bytes{}; }

void Host::handle(net::PeerAction& action, Instant now) {
  if (auto* d = std::get_if<net::Dial>(&action)) {
    emit(std::move(*d));  // the peer manager dials no banned peer or IP
  } else if (auto* x = std::get_if<net::Disconnect>(&action)) {
    const auto drop = drop_of(x->reason);
    if (drop) count(*drop);
    emit(Close{x->connection, std::nullopt, std::string(net::close_reason_text(x->reason)), drop});
  } else if (auto* p = std::get_if<net::Ping>(&action)) {
    Ping ping{p->connection, {}};
    for (auto& b : ping.payload) b = static_cast<std::uint8_t>(s_->rng());
    emit(ping);
  } else if (auto* u = std::get_if<net::PeerUp>(&action)) {
    emit(std::move(*u));
  }
}

// ---- pubsub --------------------------------------------------------------------------------

void Host::pubsub_opened(PeerIndex peer, ByteView peer_id, bool outbound, router::Protocol protocol,
                         const std::string& ip, Instant now) {
  router_.peer_connected(peer, peer_id, outbound, protocol, now);
  if (!ip.empty()) router_.set_peer_ip(peer, ip);
  if (s_)
    if (auto it = s_->app_scores.find(to_bytes(peer_id)); it != s_->app_scores.end())
      router_.set_application_score(peer, it->second);
}

void Host::pubsub_closed(PeerIndex peer, Instant now) {
  if (s_) {
    s_->backlogs.erase(peer);
    s_->invalid_messages.erase(peer);
  }
  router_.peer_disconnected(peer, now);
}

void Host::outbound_backlog(PeerIndex peer, bool backlogged, Instant now) {
  if (!backlogged) {
    if (s_) s_->backlogs.erase(peer);
    return;
  }
  State::Backlog& b = state().backlogs.try_emplace(peer, State::Backlog{now}).first->second;
  const Duration prune_after = config_->stalled_peer_prune_after;
  const Duration close_after = config_->stalled_peer_close_after;
  if (!b.pruned && prune_after > Duration::zero() && now - b.since >= prune_after) {
    // It does not read: what we forward it is lost anyway, and our mesh peers of its
    // topics deserve a peer that relays. Gossip still offers it what it missed.
    b.pruned = true;
    count(Drop::kStalledPeerPruned);
    router_.prune_peer(peer, now);
  }
  if (!b.closed && close_after > Duration::zero() && now - b.since >= close_after) {
    b.closed = true;
    count(Drop::kStalledPeer);
    emit(Close{std::nullopt, peer, "peer stopped reading (outbound queue backlogged)",
               Drop::kStalledPeer});
  }
}

void Host::rpc_received(PeerIndex peer, Rpc&& rpc, Instant now,
                        std::span<const MessageId> duplicates) {
  // IDONTWANT: a copy still queued for this peer is not sent.
  if (rpc.control)
    for (const ControlIDontWant& d : rpc.control->idontwant)
      for (ByteView id : d.message_ids)
        if (id.size() <= MessageId::kMaxSize)
          if (const Message* m = router_.cached(MessageId(id))) emit(CancelQueued{peer, m});
  // Nor is one of a message the peer just sent us: our copy and its crossed (the peer had it
  // before ours left). Under load many are: copies wait for the turn's flush, and in a burst
  // of 2,000 messages to 50 nodes this leaves a quarter of the duplicates unsent.
  for (const MessageId& id : duplicates)
    if (const Message* m = router_.cached(id)) emit(CancelQueued{peer, m, Drop::kEchoCancelled});
  if (adversary_) adversary_->received(peer, rpc, config_->gossip->prune_backoff, now);
  router_.rpc_received(peer, rpc, now, duplicates);
}

bool Host::rpc_bytes(PeerIndex peer, ByteView encoded, const wire::DecodeLimits& limits,
                     Instant now) {
  thread_local std::vector<MessageId> duplicates;
  duplicates.clear();
  const std::function<wire::KnownMessage(const wire::MessageFields&)> known =
      [this](const wire::MessageFields& f) -> wire::KnownMessage {
    if (adversary_) return {};  // a replayer keeps what it receives, duplicates too
    MessageId id = message_id(config_->message_id, f);
    if (router_.seen(id)) {
      duplicates.push_back(id);
      return {.skip = true};
    }
    // A first receipt that another node of the process has built: its copy, once equal
    // field by field (ids are the application's and may collide, or be forged), instead
    // of a new one the router would swap for it (about six allocations a delivery).
    if (pool_)
      if (MessagePtr held = pool_->find(id); held && wire::same_message(*held, f))
        return {.message = std::move(held)};
    return {};
  };
  auto rpc = wire::decode_rpc(encoded, limits, known);
  if (!rpc) {
    emit(LogLine{"rpc dropped", rpc.error().what});
    return false;
  }
  rpc_received(peer, std::move(*rpc), now, duplicates);
  return true;
}

// As go-libp2p-pubsub: a suggestion whose record fails verification, or is not of the peer
// suggested, is dropped whole. A valid record's addresses go to the peer manager, which dials
// within its limits (outbound target and limit, backoff, one connection per peer). Without a
// record the suggestion is only as good as the addresses we already know (identify, known
// peers, an earlier record): go dials those through its peerstore too, and such a peer is
// already a candidate here; with none there is nothing to dial.
void Host::on_px(const router::ConnectPeer& px, Instant now) {
  auto peer = crypto::PeerId::from_bytes(px.peer_id);
  if (!peer) {
    count(Drop::kPxNoAddress);
    emit(LogLine{"px refused", peer.error().what});
    return;
  }
  if (peers().banned(*peer, now)) return count(Drop::kBlocked);
  if (!px.signed_peer_record) {
    if (!peers().has_addresses(*peer)) count(Drop::kPxNoAddress);
    return;
  }
  auto record = record_of(*peer, *px.signed_peer_record);
  if (!record) {
    count(Drop::kPxRecordInvalid);
    emit(LogLine{"px record refused", record.error().what});
    return;
  }
  peers().add_peer_record(*record, net::AddrSource::kPx, now);
}

router::ValidationResult Host::on_validate(const std::string& topic, const Message& m,
                                           PeerIndex from) {
  State& s = state();
  if (rejects_marked_invalid(*config_, m)) return router::ValidationResult::kReject;
  if (s.validated_topics.empty() || !s.validated_topics.count(topic))
    return router::ValidationResult::kAccept;
  const ValidationToken token = s.next_token++;
  State::Validation v{std::make_shared<const Message>(m), message_id(config_->message_id, m), from,
                      to_bytes(router_.peer_id(from))};
  emit(ValidationRequest{token, v.message, v.id, v.peer_id});
  s.validations.emplace(token, std::move(v));
  return router::ValidationResult::kPending;
}

std::optional<Duration> Host::read_pause(PeerIndex peer, Instant now) {
  std::optional<Duration> pause = router_.read_pause(peer, now);
  if (!s_) return pause;
  // The application's validators have less room left than a read may bring: every
  // connection waits too (TCP and yamux push back to the senders, whose outboxes hold the
  // rest), rather than bring messages the router must refuse at the full queue; looked at
  // again after kValidationWait. Only then: pausing at half the queue left half of it unused
  // while the senders' bounded outboxes overflowed (5,000 x 1 KB through a 0.5 s validator:
  // 1,423 forwards refused, 3,577 delivered). Validators that answer nothing for
  // kValidationStall are taken to be stuck: reads go on, so that pings, control and other
  // topics still flow, and what the full queue cannot take is refused unseen.
  const std::size_t max = config_->max_pending_validations;
  if (s_->validations.size() + std::min(max / 2, kValidationReadRoom) < max)
    s_->validations_moved = now;
  else if (now - s_->validations_moved < kValidationStall)
    pause = std::max(pause.value_or(Duration::zero()), kValidationWait);
  return pause;
}

void Host::graft(PeerIndex peer, const std::string& topic, Instant) {
  mesh_changed(peer, topic, true);
}

void Host::prune(PeerIndex peer, const std::string& topic, Instant) {
  mesh_changed(peer, topic, false);
}

void Host::mesh_changed(PeerIndex peer, const std::string& topic, bool joined) {
  const ByteView id = router_.peer_id(peer);
  // Mesh peers are what the node lives on: the peer manager never trims their connections.
  if (peers_)
    if (auto pid = crypto::PeerId::from_bytes(id))
      peers_->set_protected(*pid, joined || in_a_mesh(peer, topic));
  emit(MeshChanged{topic, to_bytes(id), joined});
}

bool Host::in_a_mesh(PeerIndex peer, const std::string& except) const {
  for (const std::string& t : router_.topics())
    if (t != except && std::ranges::count(router_.mesh(t), peer) > 0) return true;
  return false;
}

// ---- application commands ------------------------------------------------------------------

Result<MessageId> Host::publish(MessagePtr message, Instant now) {
  return router_.publish(std::move(message), now);
}

Result<MessageId> Host::publish(const std::string& topic, Publication& publication, Instant now) {
  return router_.publish(publisher().build(*identity_, topic, publication), now);
}

void Host::subscribe(const std::string& topic, Instant now) { router_.subscribe(topic, now); }

void Host::unsubscribe(const std::string& topic, Instant now) { router_.unsubscribe(topic, now); }

void Host::set_validator(const std::string& topic, bool registered) {
  if (registered)
    state().validated_topics.insert(topic);
  else
    state().validated_topics.erase(topic);
}

void Host::validation_result(ValidationToken token, router::ValidationResult result, Instant now) {
  auto& validations = state().validations;
  auto it = validations.find(token);
  if (it == validations.end()) return;
  State::Validation v = std::move(it->second);
  validations.erase(it);
  state().validations_moved = now;
  const bool same_peer = std::ranges::equal(router_.peer_id(v.from), v.peer_id);
  router_.validation_complete(std::move(v.message), v.id, same_peer ? v.from : router::kLocalPeer,
                              result, now);
}

void Host::set_app_score(const Bytes& peer_id, double value) {
  state().app_scores[peer_id] = value;
  if (auto peer = router_.index_of(peer_id)) router_.set_application_score(*peer, value);
}

void Host::set_link(const Bytes& peer_id, LinkShaping shaping) {
  if (shaping.latency.count() == 0 && shaping.loss == 0)
    state().links.erase(peer_id);
  else
    state().links[peer_id] = shaping;
}

// ---- bans: the automatic rules (ban, block and the file are in host_bans.cpp) ------------

void Host::invalid_message(PeerIndex peer, Instant now) {
  const std::uint32_t limit = config_->peers.ban_invalid_messages;
  if (limit == 0 || ++state().invalid_messages[peer] < limit) return;
  s_->invalid_messages.erase(peer);
  ban({net::BanTarget::Kind::kPeer, to_bytes(router_.peer_id(peer))},
      now + config_->peers.ban_invalid_messages_for, net::BanReason::kInvalidMessages,
      std::to_string(limit) + " invalid messages", now);
}

// ---- the action loop -----------------------------------------------------------------------

void Host::tick(Instant now) {
  router_.tick(now);
  if (adversary_) adversary_->tick(router_, *identity_, publisher(), now);
  if (peers_) peers_->tick(now);
}

std::optional<Instant> Host::earliest_deadline() const {
  auto d = router_.next_deadline();
  for (auto other : {peers_ ? peers_->next_deadline() : std::nullopt,
                     adversary_ ? adversary_->next_deadline() : std::nullopt})
    if (other && (!d || *other < *d)) d = other;
  return d;
}

void Host::set_role(const Role& role, Instant now) {
  if (role.honest()) {
    adversary_.reset();
    return;
  }
  adversary_ = std::make_unique<Adversary>(role, config_->gossip->heartbeat_interval, now,
                                           seed_ ^ kAdversaryStream);
}

static_assert(
    std::is_same_v<std::variant_alternative_t<Host::kFirstPolicyAction, router::Action>,
                   router::DisconnectPeer> &&
    std::is_same_v<std::variant_alternative_t<Host::kFirstPolicyAction + 1, router::Action>,
                   router::ConnectPeer>);

void Host::drain_all(std::vector<router::Action>& out, std::size_t first, Instant now) {
  for (;;) {
    if (peers_)
      while (auto a = peers_->poll_action()) handle(*a, now);
    if (first == kUndrained) {
      first = out.size();
      router_.drain_actions(out);
      if (adversary_) adversary_->filter(out, first, router_, identity_->peer_id().bytes(), now);
    }
    if (out.size() == first) return;
    // Most drains are sends and deliveries only: they stay where the router put them.
    const bool shaping = s_ && !s_->links.empty();
    std::size_t kept = first;
    bool more = false;  // PX may have given the peer manager something to do
    for (std::size_t i = first; i < out.size(); ++i) {
      router::Action& a = out[i];
      if (auto* x = std::get_if<router::DisconnectPeer>(&a)) {
        // The router's one reason to drop a peer (GossipConfig::disconnect_graylisted).
        std::optional<ConnectionId> connection;
        auto id = crypto::PeerId::from_bytes(router_.peer_id(x->peer));
        if (id && peers_) connection = peers_->connection_of(*id);
        count(Drop::kGraylisted);
        emit(Close{connection, x->peer, std::move(x->reason), Drop::kGraylisted});
        if (const Duration term = config_->peers.ban_graylisted_for; id && term.count() > 0) {
          // Closed above: the ban must not close it a second time.
          if (connection) peers_->disconnected(*connection, "graylisted", now);
          peers().ban({net::BanTarget::Kind::kPeer, to_bytes(id->bytes())}, now + term,
                      net::BanReason::kGraylisted, "score below graylist_threshold", now);
        }
        continue;
      }
      if (auto* px = std::get_if<router::ConnectPeer>(&a); px && config_->accept_px) {
        on_px(*px, now);
        more = true;
        continue;
      }
      if (shaping && !shape(a, now)) continue;
      if (kept != i) out[kept] = std::move(a);
      ++kept;
    }
    out.resize(kept);
    if (!more) return;
    first = kUndrained;
  }
}

// Loss per router send; latency holds the RPC (SendLater).
bool Host::shape(router::Action& a, Instant now) {
  PeerIndex peer;
  if (auto* r = std::get_if<router::SendRpc>(&a))
    peer = r->peer;
  else if (auto* m = std::get_if<router::SendMessage>(&a))
    peer = m->peer;
  else
    return true;
  auto it = s_->links.find(to_bytes(router_.peer_id(peer)));
  if (it == s_->links.end()) return true;
  const LinkShaping& l = it->second;
  if (l.loss > 0 && s_->rng.unit() < l.loss) {
    count(Drop::kLinkLoss);
    return false;
  }
  if (l.latency.count() == 0) return true;
  Rpc rpc;
  if (auto* r = std::get_if<router::SendRpc>(&a))
    rpc = std::move(*r->rpc);
  else
    rpc.publish.push_back(std::move(std::get<router::SendMessage>(a).message));
  emit(SendLater{peer, std::move(rpc), now + l.latency});
  return false;
}

// ---- identify ------------------------------------------------------------------------------

void Host::set_listen_addrs(std::vector<net::Multiaddr> addrs, std::uint64_t unix_ns) {
  State& s = state();
  s.listen_addrs.clear();
  for (const auto& a : addrs) s.listen_addrs.push_back(a.to_bytes());
  // Strictly increasing even if the clock steps back.
  s.local_record_seq = std::max(unix_ns, s.local_record_seq + 1);
  s.local_record =
      net::SignedPeerRecord::seal(*identity_, s.local_record_seq, std::move(addrs)).envelope();
}

Bytes Host::identify_message(std::optional<net::Multiaddr> observed,
                             std::span<const std::string> served) const {
  net::identify::Identify m;
  m.protocol_version = "ipfs/0.1.0";
  m.agent_version = std::string(kAgentVersion);
  m.public_key = net::noise::encode_ed25519_public_key(identity_->public_key());
  if (s_) m.listen_addrs = s_->listen_addrs;
  if (observed) m.observed_addr = observed->to_bytes();
  m.protocols = pubsub_protocols(config_->gossip->strategy);
  m.protocols.emplace_back(protocol::kPing);
  m.protocols.emplace_back(protocol::kIdentify);
  m.protocols.insert(m.protocols.end(), served.begin(), served.end());
  if (s_ && !s_->local_record.empty()) m.signed_peer_record = s_->local_record;
  return net::identify::encode_delimited(m);
}

}  // namespace p2pgossip::host
