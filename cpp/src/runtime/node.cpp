#include "runtime/node.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

#include "p2pgossip/crypto/message_signing.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/net/peer_record.hpp"
#include "p2pgossip/net/ping.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/connection.hpp"
#include "runtime/endpoint.hpp"

namespace p2pgossip::runtime {

using asio::ip::tcp;
using router::PeerIndex;

const std::array<std::string_view, static_cast<std::size_t>(Proto::kCount)> kProtocolIds = {
    protocol::kMeshsub12, protocol::kMeshsub11, protocol::kFloodsub, protocol::kPing,
    protocol::kIdentify};

namespace {

net::PeerManagerConfig peer_manager_config(const NodeConfig& c) {
  net::PeerManagerConfig p;
  p.max_inbound = c.limits.max_inbound;
  p.max_outbound = c.limits.max_outbound;
  p.max_per_ip =
      c.limits.max_per_ip ? c.limits.max_per_ip : std::numeric_limits<std::size_t>::max();
  p.per_ip_limit_exempts_loopback = c.limits.per_ip_exempts_loopback;
  p.handshake_timeout = c.limits.handshake_timeout;
  p.target_outbound = c.peers.target_outbound;
  p.ping_interval = c.peers.ping_interval;
  p.max_missed_pings = c.peers.max_missed_pings;
  p.backoff_initial = c.peers.backoff_initial;
  p.backoff_max = c.peers.backoff_max;
  p.backoff_jitter = c.peers.backoff_jitter;
  p.seed = c.seed ^ 0x706565726d616e61ULL;
  return p;
}

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

}  // namespace

Proto proto_of(router::Protocol p) {
  switch (p) {
    case router::Protocol::kMeshsub12:
      return Proto::kMeshsub12;
    case router::Protocol::kMeshsub11:
      return Proto::kMeshsub11;
    case router::Protocol::kFloodsub:
      return Proto::kFloodsub;
  }
  return Proto::kMeshsub12;
}

Node::Node(NodeId id, NodeConfig config, asio::io_context& io, Shared& shared)
    : id_(id),
      config_(std::move(config)),
      io_(io),
      shared_(shared),
      local_identity_(net::noise::local_identity_of(config_.identity)),
      router_(config_.gossip, services(), config_.seed),
      router_timer_(io),
      peers_(config_.identity->peer_id(), peer_manager_config(config_)),
      peer_timer_(io),
      resolver_(io),
      rng_(config_.seed ^ 0x6c696e6b6c6f7373ULL),
      budget_(config_.limits.node_outbound_queue_bytes) {
  const Limits& l = config_.limits;
  outbox_limits_.decode = l.decode;
  outbox_limits_.max_bytes = l.peer_outbound_queue_bytes;
  outbox_limits_.max_control = l.peer_outbound_queue;
  router_.set_tracer(this);
}

Node::~Node() = default;

router::Services Node::services() {
  router::Services s;
  s.message_id = [fn = config_.message_id](const Message& m) { return host::message_id(fn, m); };
  s.verify_signature = [cache = &shared_.verify_cache](const Message& m) {
    return crypto::verify_message(m, cache);
  };
  s.validate = [this](const std::string& topic, const Message& m, router::PeerIndex from) {
    return on_validate(topic, m, from);
  };
  s.peer_record = [this](ByteView peer_id) -> std::optional<Bytes> {
    auto id = crypto::PeerId::from_bytes(peer_id);
    return id ? peers_.peer_record(*id) : std::nullopt;
  };
  return s;
}

void Node::graft(router::PeerIndex peer, const std::string& topic, Instant) {
  mesh_changed(peer, topic, true);
}

void Node::prune(router::PeerIndex peer, const std::string& topic, Instant) {
  mesh_changed(peer, topic, false);
}

void Node::mesh_changed(router::PeerIndex peer, const std::string& topic, bool joined) {
  if (peer < slots_.size() && slots_[peer])
    emit(MeshChanged{id_, topic, slots_[peer]->peer_id(), joined});
}

router::ValidationResult Node::on_validate(const std::string& topic, const Message& m,
                                           router::PeerIndex from) {
  if (validated_topics_.empty() || !validated_topics_.count(topic))
    return router::ValidationResult::kAccept;
  if (validations_.size() >= config_.limits.max_pending_validations)
    return router::ValidationResult::kIgnore;
  const ValidationToken token = next_token_++;
  Validation v{
      std::make_shared<const Message>(m), host::message_id(config_.message_id, m), from, {}};
  if (from < slots_.size() && slots_[from]) v.peer_id = slots_[from]->peer_id();
  emit(ValidationRequest{id_, token, v.message, v.id, v.peer_id});
  validations_.emplace(token, std::move(v));
  return router::ValidationResult::kPending;
}

Instant Node::now() const {
  return std::chrono::duration_cast<Instant>(std::chrono::steady_clock::now().time_since_epoch());
}

std::vector<std::string> Node::pubsub_protocols() const {
  if (config_.gossip.strategy == router::Strategy::kFloodSub)
    return {std::string(protocol::kFloodsub)};
  return {std::string(protocol::kMeshsub12), std::string(protocol::kMeshsub11),
          std::string(protocol::kFloodsub)};
}

void Node::log(LogLevel level, std::string message,
               std::vector<std::pair<std::string, std::string>> fields) {
  if (level < shared_.log_level) return;
  emit(Log{level, id_, std::move(message), std::move(fields)});
}

void Node::done(RequestId request, std::optional<std::string> error) {
  emit(CommandDone{request, std::move(error)});
}

void Node::count_in(Proto p, std::size_t bytes) {
  auto& s = protocols_[static_cast<std::size_t>(p)];
  ++s.messages_in;
  s.bytes_in += bytes;
}

void Node::count_out(Proto p, std::size_t bytes) {
  auto& s = protocols_[static_cast<std::size_t>(p)];
  ++s.messages_out;
  s.bytes_out += bytes;
}

Connection* Node::by_peer(const Bytes& peer_id) {
  auto it = slot_of_peer_.find(peer_id);
  return it == slot_of_peer_.end() ? nullptr : slots_[it->second].get();
}

Bytes Node::identify_message(const Connection& c) const {
  net::identify::Identify m;
  m.protocol_version = "ipfs/0.1.0";
  m.agent_version = std::string(kAgentVersion);
  m.public_key = net::noise::encode_ed25519_public_key(config_.identity->public_key());
  m.listen_addrs = listen_addrs_binary_;
  if (auto observed = net::Multiaddr::parse(c.remote_addr()))
    m.observed_addr = observed->to_bytes();
  m.protocols = pubsub_protocols();
  m.protocols.emplace_back(protocol::kPing);
  m.protocols.emplace_back(protocol::kIdentify);
  if (!local_record_.empty()) m.signed_peer_record = local_record_;
  return net::identify::encode_delimited(m);
}

void Node::seal_local_record() {
  std::vector<net::Multiaddr> addrs;
  for (const Bytes& a : listen_addrs_binary_) addrs.push_back(*net::Multiaddr::from_bytes(a));
  // Wall-clock nanoseconds as go-libp2p does, so a restarted node's records are newer than
  // its old ones; strictly increasing even if the clock steps back.
  const auto wall =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  local_record_seq_ = std::max(wall, local_record_seq_ + 1);
  local_record_ =
      net::SignedPeerRecord::seal(*config_.identity, local_record_seq_, std::move(addrs))
          .envelope();
}

// ---- listening and dialing ---------------------------------------------------------------

void Node::listen(const std::vector<std::string>& addrs, RequestId request) {
  std::optional<std::string> error;
  for (const auto& text : addrs) {
    auto ep = parse_endpoint(text);
    if (!ep || ep->dns) {
      if (!error) error = "listen " + text + ": " + (ep ? "needs an IP address" : ep.error().what);
      continue;
    }
    auto acceptor = std::make_shared<tcp::acceptor>(io_);
    asio::error_code ec;
    const tcp::endpoint endpoint(ep->address, ep->port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      if (!error) error = "listen " + text + ": " + ec.message();
      continue;
    }
    const std::string bound = multiaddr_of(acceptor->local_endpoint(ec));
    listen_addrs_.push_back(bound + "/p2p/" + config_.identity->peer_id().to_string());
    listen_addrs_binary_.push_back(net::Multiaddr::parse(bound)->to_bytes());
    acceptors_.push_back(acceptor);
    accept(acceptor);
  }
  if (!addrs.empty() && !listen_addrs_.empty()) {
    seal_local_record();
    emit(Listening{id_, listen_addrs_});
  }
  done(request, std::move(error));
}

void Node::accept(const std::shared_ptr<tcp::acceptor>& acceptor) {
  acceptor->async_accept(
      [self = shared_from_this(), acceptor](asio::error_code ec, tcp::socket socket) {
        if (self->closed_ || ec == asio::error::operation_aborted) return;
        if (!ec) {
          asio::error_code e2;
          const auto remote = socket.remote_endpoint(e2);
          std::optional<net::ConnectionId> id;
          if (!e2 && !self->at_capacity())
            if (auto addr = net::Multiaddr::parse(multiaddr_of(remote)))
              id = self->peers_.accept_inbound(*addr, self->now());
          if (!id) {
            self->count(Drop::kConnectionLimit);
            socket.close(e2);
          } else {
            self->start_connection(*id, std::move(socket), Direction::kInbound, std::nullopt,
                                   std::nullopt);
          }
        }
        self->accept(acceptor);
        self->settle();
      });
}

bool Node::at_capacity() const {
  return connections_.size() + dialing_.size() >= config_.limits.max_connections;
}

void Node::start_connection(net::ConnectionId id, tcp::socket socket, Direction direction,
                            std::optional<Bytes> peer_id, std::optional<RequestId> request) {
  auto c = std::make_shared<Connection>(*this, id, std::move(socket), direction, std::move(peer_id),
                                        request);
  connections_.insert(c);
  by_connection_id_[id] = c;
  ++connections_opened_;
  c->start();
}

net::noise::SessionConfig Node::noise_config(bool initiator) const {
  net::noise::SessionConfig c;
  c.initiator = initiator;
  c.identity = local_identity_;
  c.extensions.network_certificate = config_.peers.network_certificate;
  if (config_.peers.network_key.size() == crypto::kEd25519PublicKeySize) {
    c.network_key.emplace();
    std::copy(config_.peers.network_key.begin(), config_.peers.network_key.end(),
              c.network_key->begin());
    c.now_unix_s =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  }
  return c;
}

// A dial the application asked for: the peer manager counts it against the limits and
// knows it, so it neither dials the same peer again meanwhile nor fights over it later.
void Node::connect(const std::string& addr, RequestId request) {
  if (closed_) return done(request, "node closed");
  auto ep = parse_endpoint(addr);
  if (!ep) return done(request, "connect " + addr + ": " + ep.error().what);
  if (ep->peer_id) {
    if (*ep->peer_id == to_bytes(config_.identity->peer_id().bytes()))
      return done(request, "connect " + addr + ": that is this node");
    if (by_peer(*ep->peer_id)) return done(request);
    if (blocked_.count(*ep->peer_id)) {
      count(Drop::kBlocked);
      return done(request, "connect " + addr + ": peer blocked");
    }
  }
  auto multiaddr = net::Multiaddr::parse(addr);
  if (!multiaddr) return done(request, "connect " + addr + ": " + multiaddr.error().what);
  if (at_capacity()) {
    count(Drop::kConnectionLimit);
    return done(request, "connect " + addr + ": connection limit reached");
  }
  auto id = peers_.dial(*multiaddr, now());
  if (!id) {
    count(Drop::kConnectionLimit);
    return done(request, "connect " + addr + ": " + id.error().what);
  }
  dial(*id, addr, request);
}

void Node::dial(net::ConnectionId id, const std::string& addr, std::optional<RequestId> request) {
  auto ep = parse_endpoint(addr);
  if (!ep) return dial_failed(id, ep.error().what, request);
  if (!ep->dns) return tcp_connect(id, tcp::endpoint(ep->address, ep->port), ep->peer_id, request);
  const auto family = ep->dns_family;
  resolver_.async_resolve(*ep->dns, std::to_string(ep->port),
                          [self = shared_from_this(), id, peer = ep->peer_id, family, request](
                              asio::error_code ec, tcp::resolver::results_type results) {
                            if (self->closed_) return;
                            std::optional<tcp::endpoint> chosen;
                            if (!ec)
                              for (const auto& r : results) {
                                const auto a = r.endpoint().address();
                                if ((family == 4 && !a.is_v4()) || (family == 6 && !a.is_v6()))
                                  continue;
                                chosen = r.endpoint();
                                break;
                              }
                            if (!chosen)
                              self->dial_failed(id,
                                                "resolve: " + (ec ? ec.message()
                                                                  : std::string("no address of "
                                                                                "that family")),
                                                request);
                            else
                              self->tcp_connect(id, *chosen, peer, request);
                            self->settle();
                          });
}

void Node::tcp_connect(net::ConnectionId id, const tcp::endpoint& endpoint,
                       std::optional<Bytes> peer_id, std::optional<RequestId> request) {
  auto socket = std::make_shared<tcp::socket>(io_);
  dialing_[id] = socket;
  socket->async_connect(endpoint, [self = shared_from_this(), id, socket, peer = std::move(peer_id),
                                   request](asio::error_code ec) mutable {
    if (self->closed_) return;
    // Absent: the peer manager gave up on it (handshake timeout) and closed the socket.
    const bool ours = self->dialing_.erase(id) > 0;
    if (!ours) {
      if (request) self->done(*request, "connect: handshake timeout");
    } else if (ec) {
      self->dial_failed(id, ec.message(), request);
    } else {
      self->peers_.dial_succeeded(id, self->now());
      self->start_connection(id, std::move(*socket), Direction::kOutbound, std::move(peer),
                             request);
    }
    self->settle();
  });
}

void Node::dial_failed(net::ConnectionId id, const std::string& reason,
                       std::optional<RequestId> request) {
  count(Drop::kDialFailed);
  peers_.dial_failed(id, reason, now());
  if (request) done(*request, "connect: " + reason);
}

void Node::disconnect(const Bytes& peer_id, RequestId request) {
  Connection* c = by_peer(peer_id);
  if (!c) return done(request, "disconnect: peer not connected");
  if (auto id = crypto::PeerId::from_bytes(peer_id)) peers_.forget(*id);
  c->close("disconnected by the application");
  done(request);
}

// ---- connections -------------------------------------------------------------------------

void Node::on_connection_up(const std::shared_ptr<Connection>& c) {
  const Bytes& peer = c->peer_id();
  if (blocked_.count(peer)) {
    c->close("peer blocked", Drop::kBlocked);
    return;
  }
  auto id = crypto::PeerId::from_bytes(peer);
  if (!id) {
    c->close("remote peer id: " + id.error().what, Drop::kNoiseFailed);
    return;
  }
  // The peer manager resolves duplicates (simultaneous dials) and answers with PeerUp.
  peers_.connected(c->id, *id, now());
  run_peer_actions();
}

void Node::peer_up(const std::shared_ptr<Connection>& c) {
  const Bytes& peer = c->peer_id();
  PeerIndex slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = c;
  } else {
    slot = static_cast<PeerIndex>(slots_.size());
    slots_.push_back(c);
  }
  c->slot = slot;
  slot_of_peer_[peer] = slot;
  emit(PeerConnected{id_, peer, c->remote_addr(), c->direction()});
  if (c->request) done(*std::exchange(c->request, std::nullopt));
}

void Node::on_ping_result(Connection& c, std::optional<Duration> rtt) {
  peers_.ping_result(c.id, rtt, now());
}

void Node::on_identify(Connection& c, ByteView stream) {
  auto m = net::identify::decode_stream(stream);
  auto id = crypto::PeerId::from_bytes(c.peer_id());
  if (!m || !id) {
    log(LogLevel::kDebug, "identify ignored", {{"reason", m ? id.error().what : m.error().what}});
    return;
  }
  peers_.add_addresses(*id, net::identify::dialable_listen_addrs(*m), net::AddrSource::kIdentify,
                       now());
  if (!m->signed_peer_record) return;
  // Kept (go-libp2p's certified address book) to pass on in PRUNE peer exchange.
  auto record = record_of(*id, *m->signed_peer_record);
  if (!record) {
    count(Drop::kIdentifyRecordInvalid);
    log(LogLevel::kDebug, "identify record refused", {{"reason", record.error().what}});
    return;
  }
  peers_.add_peer_record(*record, net::AddrSource::kIdentify, now());
}

void Node::on_pubsub_stream(Connection& c, router::Protocol protocol) {
  if (c.in_router || c.slot == kNoSlot) return;
  c.in_router = true;
  router_.peer_connected(c.slot, c.peer_id(), c.direction() == Direction::kOutbound, protocol,
                         now());
  router_.set_peer_ip(c.slot, c.remote_ip());
  if (auto it = app_scores_.find(c.peer_id()); it != app_scores_.end())
    router_.set_application_score(c.slot, it->second);
}

bool Node::on_rpc(Connection& c, ByteView encoded) {
  if (auto p = c.pubsub_protocol()) count_in(proto_of(*p), encoded.size());
  auto rpc = wire::decode_rpc(encoded, config_.limits.decode);
  if (!rpc) {
    log(LogLevel::kDebug, "rpc dropped", {{"reason", rpc.error().what}});
    return false;
  }
  if (!c.in_router) return true;
  // IDONTWANT: a copy still queued for this peer is not sent. It is the object the mcache
  // holds under the id, so the outbox finds it by address.
  if (rpc->control)
    for (const ControlIDontWant& d : rpc->control->idontwant)
      for (ByteView id : d.message_ids)
        if (id.size() <= MessageId::kMaxSize)
          if (const Message* m = router_.cached(MessageId(id))) c.cancel(m);
  router_.rpc_received(c.slot, std::move(*rpc), now());
  return true;
}

void Node::on_connection_closed(Connection& c, const std::string& reason) {
  ++connections_closed_;
  // No-ops when the peer manager closed it itself.
  if (c.slot != kNoSlot)
    peers_.disconnected(c.id, reason, now());
  else
    peers_.handshake_failed(c.id, reason, now());
  by_connection_id_.erase(c.id);
  if (c.slot != kNoSlot) {
    if (c.in_router) router_.peer_disconnected(c.slot, now());
    slots_[c.slot].reset();
    free_slots_.push_back(c.slot);
    if (auto it = slot_of_peer_.find(c.peer_id());
        it != slot_of_peer_.end() && it->second == c.slot)
      slot_of_peer_.erase(it);
    emit(PeerDisconnected{id_, c.peer_id(), c.remote_addr(), c.direction(), reason});
    c.slot = kNoSlot;
  }
  if (c.request) {
    // A simultaneous dial the remote resolved by keeping its own connection to us, closing
    // this one mid-upgrade: what connect asked for, a connection to the peer, is there.
    const auto peer = c.intended_peer();
    if (peer && by_peer(*peer))
      done(*std::exchange(c.request, std::nullopt));
    else
      done(*std::exchange(c.request, std::nullopt), "connect: " + reason);
  }
  for (auto it = connections_.begin(); it != connections_.end(); ++it)
    if (it->get() == &c) {
      connections_.erase(it);
      break;
    }
}

// ---- router ------------------------------------------------------------------------------

void Node::settle() {
  for (;;) {
    run_peer_actions();
    router_.drain_actions(actions_);
    if (actions_.empty()) break;
    for (auto& a : actions_) handle(a);
    actions_.clear();
  }
  arm_timer();
  arm_peer_timer();
  if (pending_.empty()) return;
  shared_.events.push(pending_, &refused_);
  // Nobody will answer a request the queue refused: settle it as ignored.
  for (Event& e : refused_)
    validation_result(std::get<ValidationRequest>(e).token, router::ValidationResult::kIgnore);
  refused_.clear();
}

void Node::handle(router::Action& action) {
  if (auto* s = std::get_if<router::SendRpc>(&action)) {
    send(s->peer, std::move(s->rpc));
  } else if (auto* m = std::get_if<router::SendMessage>(&action)) {
    send(m->peer, std::move(m->message));
  } else if (auto* d = std::get_if<router::Deliver>(&action)) {
    Bytes from;
    if (d->from != router::kLocalPeer && d->from < slots_.size() && slots_[d->from])
      from = slots_[d->from]->peer_id();
    emit(Delivered{id_, std::move(d->message), d->id, std::move(from),
                   static_cast<MonotonicNs>(now().count())});
  } else if (auto* x = std::get_if<router::DisconnectPeer>(&action)) {
    // The router's one reason to drop a peer (GossipConfig::disconnect_graylisted).
    if (x->peer < slots_.size() && slots_[x->peer])
      slots_[x->peer]->close(x->reason, Drop::kGraylisted);
  } else if (auto* px = std::get_if<router::ConnectPeer>(&action)) {
    on_px(*px);
  }
}

// As go-libp2p-pubsub: a suggestion whose record fails verification, or is not of the peer
// suggested, is dropped whole. A valid record's addresses go to the peer manager, which dials
// within its limits (outbound target and limit, backoff, one connection per peer). Without a
// record the suggestion is only as good as the addresses we already know (identify, known
// peers, an earlier record): go dials those through its peerstore too, and such a peer is
// already a candidate here; with none there is nothing to dial.
void Node::on_px(const router::ConnectPeer& px) {
  auto peer = crypto::PeerId::from_bytes(px.peer_id);
  if (!peer) {
    count(Drop::kPxNoAddress);
    log(LogLevel::kDebug, "px refused", {{"reason", peer.error().what}});
    return;
  }
  if (blocked_.count(px.peer_id)) return count(Drop::kBlocked);
  if (!px.signed_peer_record) {
    if (!peers_.has_addresses(*peer)) count(Drop::kPxNoAddress);
    return;
  }
  auto record = record_of(*peer, *px.signed_peer_record);
  if (!record) {
    count(Drop::kPxRecordInvalid);
    log(LogLevel::kDebug, "px record refused", {{"reason", record.error().what}});
    return;
  }
  peers_.add_peer_record(*record, net::AddrSource::kPx, now());
}

void Node::run_peer_actions() {
  while (auto a = peers_.poll_action()) handle(*a);
}

void Node::handle(net::PeerAction& action) {
  if (auto* d = std::get_if<net::Dial>(&action)) {
    const auto peer = d->addr.peer_id();
    if (peer && blocked_.count(to_bytes(peer->bytes()))) {
      count(Drop::kBlocked);
      peers_.dial_failed(d->connection, "peer blocked", now());
    } else if (at_capacity()) {
      count(Drop::kConnectionLimit);
      peers_.dial_failed(d->connection, "connection limit reached", now());
    } else {
      dial(d->connection, d->addr.to_string(), std::nullopt);
    }
  } else if (auto* x = std::get_if<net::Disconnect>(&action)) {
    if (auto it = dialing_.find(x->connection); it != dialing_.end()) {
      asio::error_code ec;
      it->second->close(ec);
      dialing_.erase(it);
      if (auto drop = drop_of(x->reason)) count(*drop);
    } else if (auto c = by_connection_id_.find(x->connection); c != by_connection_id_.end()) {
      const std::shared_ptr<Connection> conn = c->second;
      // The peer is connected through the other connection: the dial succeeded.
      if (x->reason == net::CloseReason::kDuplicateConnection && conn->request)
        done(*std::exchange(conn->request, std::nullopt));
      conn->close(std::string(net::close_reason_text(x->reason)), drop_of(x->reason));
    }
  } else if (auto* p = std::get_if<net::Ping>(&action)) {
    if (auto c = by_connection_id_.find(p->connection); c != by_connection_id_.end()) {
      net::ping::Payload payload;
      for (auto& b : payload) b = static_cast<std::uint8_t>(rng_());
      c->second->ping(payload);
    }
  } else if (auto* u = std::get_if<net::PeerUp>(&action)) {
    if (auto c = by_connection_id_.find(u->connection); c != by_connection_id_.end())
      peer_up(c->second);
  }
}

void Node::arm_peer_timer() {
  if (closed_) return;
  const auto d = peers_.next_deadline();
  if (!d || (peer_timer_for_ && *peer_timer_for_ == *d)) return;
  peer_timer_for_ = d;
  peer_timer_.expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(*d)));
  peer_timer_.async_wait([w = weak_from_this()](asio::error_code ec) {
    if (ec) return;
    auto self = w.lock();
    if (!self || self->closed_) return;
    self->peer_timer_for_.reset();
    self->peers_.tick(self->now());
    self->settle();
  });
}

// Into the peer's outbox, through its LinkShaping (loss per router send, latency held).
template <class Payload>
void Node::send(PeerIndex peer, Payload&& payload) {
  if (peer >= slots_.size() || !slots_[peer]) return;
  const std::shared_ptr<Connection>& c = slots_[peer];
  if (!links_.empty()) {
    if (auto it = links_.find(c->peer_id()); it != links_.end()) {
      const LinkShaping& l = it->second;
      if (l.loss > 0 && rng_.unit() < l.loss) return count(Drop::kLinkLoss);
      if (l.latency.count() > 0) {
        Rpc rpc;
        if constexpr (std::is_same_v<std::decay_t<Payload>, Rpc>)
          rpc = std::move(payload);
        else
          rpc.publish.push_back(std::move(payload));
        const bool armed = c->holds_rpcs();  // the timer is armed while any is held
        c->send_at(std::chrono::steady_clock::now() + l.latency, std::move(rpc));
        if (!armed) release_delayed(c);
        return;
      }
    }
  }
  c->send(std::move(payload));
}

void Node::release_delayed(const std::shared_ptr<Connection>& c) {
  const auto next = c->release_due(std::chrono::steady_clock::now());
  if (!next) return;
  if (!c->delay_timer) c->delay_timer = std::make_unique<asio::steady_timer>(io_);
  c->delay_timer->expires_at(*next);
  c->delay_timer->async_wait([self = shared_from_this(), c](asio::error_code ec) {
    if (ec || c->closed()) return;
    self->release_delayed(c);
  });
}

void Node::arm_timer() {
  if (closed_) return;
  const auto d = router_.next_deadline();
  if (!d || (armed_for_ && *armed_for_ == *d)) return;
  armed_for_ = d;
  router_timer_.expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(*d)));
  router_timer_.async_wait([w = weak_from_this()](asio::error_code ec) {
    if (ec) return;
    auto self = w.lock();
    if (!self || self->closed_) return;
    self->armed_for_.reset();
    self->router_.tick(self->now());
    self->settle();
  });
}

// ---- application commands ----------------------------------------------------------------

void Node::publish(MessagePtr message, RequestId request) {
  auto r = router_.publish(std::move(message), now());
  done(request, r ? std::nullopt : std::optional<std::string>(r.error().what));
}

void Node::publish(const std::string& topic, std::vector<host::Publication>& publications,
                   PublishTally* tally, RequestId request) {
  const host::Publisher publisher = config_.publisher();
  for (host::Publication& p : publications) {
    auto r = router_.publish(publisher.build(*config_.identity, topic, p), now());
    if (r) continue;
    if (!tally) {
      count(Drop::kPublishFailed);
      log(LogLevel::kWarning, "publish failed",
          {{"topic", topic}, {"reason", std::string(r.error().what)}});
    } else if (tally->failed++ == 0) {
      tally->first = r.error().what;
    }
  }
  if (request == 0) return;
  std::optional<std::string> error = tally ? tally->first : std::nullopt;
  if (tally && tally->failed > 1)
    *error += " (" + std::to_string(tally->failed) + " of the batch failed)";
  done(request, std::move(error));
}

void Node::subscribe(const std::string& topic, RequestId request) {
  router_.subscribe(topic, now());
  done(request);
}

void Node::unsubscribe(const std::string& topic, RequestId request) {
  router_.unsubscribe(topic, now());
  done(request);
}

void Node::set_validator(const std::string& topic, bool registered) {
  if (registered)
    validated_topics_.insert(topic);
  else
    validated_topics_.erase(topic);
}

void Node::validation_result(ValidationToken token, router::ValidationResult result) {
  auto it = validations_.find(token);
  if (it == validations_.end()) return;
  Validation v = std::move(it->second);
  validations_.erase(it);
  const bool same_peer =
      v.from < slots_.size() && slots_[v.from] && slots_[v.from]->peer_id() == v.peer_id;
  router_.validation_complete(std::move(v.message), v.id, same_peer ? v.from : kNoSlot, result,
                              now());
}

void Node::set_app_score(const Bytes& peer_id, double value) {
  app_scores_[peer_id] = value;
  if (Connection* c = by_peer(peer_id); c && c->in_router)
    router_.set_application_score(c->slot, value);
}

void Node::set_link(const Bytes& peer_id, LinkShaping shaping) {
  if (shaping.latency.count() == 0 && shaping.loss == 0)
    links_.erase(peer_id);
  else
    links_[peer_id] = shaping;
}

void Node::block(const std::vector<Bytes>& peer_ids) {
  for (const Bytes& p : peer_ids) {
    blocked_.insert(p);
    if (Connection* c = by_peer(p)) c->close("peer blocked", Drop::kBlocked);
  }
}

void Node::unblock(const std::vector<Bytes>& peer_ids) {
  for (const Bytes& p : peer_ids) blocked_.erase(p);
}

NodeMetrics Node::snapshot() {
  NodeMetrics m;
  m.router = router_.counters();
  for (std::size_t i = 0; i < protocols_.size(); ++i)
    m.protocols[std::string(kProtocolIds[i])] = protocols_[i];
  m.drops = drops_;
  m.tcp_bytes_in = tcp_bytes_in_;
  m.tcp_bytes_out = tcp_bytes_out_;
  m.connections_opened = connections_opened_;
  m.connections_closed = connections_closed_;
  m.peer_manager = peers_.counters();
  const auto t = now();
  for (const auto& c : connections_) m.outbound_queue_bytes += c->queued_bytes();
  for (const auto& c : slots_) {
    if (!c) continue;
    std::string proto;
    if (auto p = c->pubsub_protocol()) proto = kProtocolIds[static_cast<std::size_t>(proto_of(*p))];
    m.peers.push_back(ConnectedPeer{c->peer_id(), c->remote_addr(), c->direction(), proto,
                                    c->in_router ? router_.score(c->slot, t) : 0.0});
  }
  for (const auto& topic : router_.topics()) {
    const std::vector<PeerIndex> mesh = router_.mesh(topic);
    m.mesh_sizes[topic] = mesh.size();
    m.topic_peers[topic] = router_.peers(topic).size();
    std::vector<Bytes>& ids = m.meshes[topic];
    for (PeerIndex p : mesh)
      if (p < slots_.size() && slots_[p]) ids.push_back(slots_[p]->peer_id());
  }
  return m;
}

void Node::close(RequestId request) {
  shutdown();
  done(request);
}

void Node::shutdown() {
  if (closed_) return;
  closed_ = true;
  router_timer_.cancel();
  peer_timer_.cancel();
  for (auto& [id, socket] : dialing_) {
    asio::error_code ec;
    socket->close(ec);
  }
  dialing_.clear();
  resolver_.cancel();
  for (auto& a : acceptors_) {
    asio::error_code ec;
    a->close(ec);
  }
  acceptors_.clear();
  auto all = connections_;
  for (const auto& c : all) c->close("node closed");
  save_known_peers();
}

void Node::start_peers() {
  const std::string& file = config_.peers.known_peers_file;
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (in) {
      // The import refuses files above its bound; read one byte more so it can tell.
      const std::size_t cap = net::PeerManagerConfig{}.max_known_peers_bytes + 1;
      std::string data(cap, '\0');
      in.read(data.data(), static_cast<std::streamsize>(cap));
      data.resize(static_cast<std::size_t>(in.gcount()));
      if (auto r = peers_.import_known_peers(as_bytes(data), now()); !r)
        log(LogLevel::kWarning, "known peers file ignored", {{"reason", r.error().what}});
    }
  }
  for (const auto& text : config_.peers.bootstrap) {
    auto addr = net::Multiaddr::parse(text);
    Status st = addr ? peers_.add_bootstrap(*addr, now()) : Status(addr.error());
    if (!st) log(LogLevel::kWarning, "bootstrap peer ignored", {{"reason", st.error().what}});
  }
}

// Written whole to a temporary file, then renamed over the old one, so a crash mid-write
// never leaves a truncated file for the next start.
void Node::save_known_peers() {
  const std::string& file = config_.peers.known_peers_file;
  if (file.empty()) return;
  const Bytes data = peers_.export_known_peers();
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    if (!out) return;
  }
  std::rename(tmp.c_str(), file.c_str());
}

}  // namespace p2pgossip::runtime
