#include "runtime/node.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "p2pgossip/crypto/peer_id.hpp"
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

std::shared_ptr<const host::HostConfig> host_config(const NodeConfig& c) {
  auto h = std::make_shared<host::HostConfig>();
  h->gossip = std::make_shared<const router::GossipConfig>(c.gossip);
  h->message_id = c.message_id;
  h->max_pending_validations = c.limits.max_pending_validations;
  h->reject_marked_invalid = c.reject_marked_invalid;
  h->seed = c.seed;
  h->peers = c.peers;  // the peer manager's part of it
  h->stalled_peer_prune_after = c.peers.stalled_peer_prune_after;
  h->stalled_peer_close_after = c.peers.stalled_peer_close_after;
  return h;
}

std::uint64_t unix_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
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
      host_(config_.identity, host_config(config_), &shared_.verify_cache, &shared_.messages),
      timer_(io),
      resolver_(io),
      budget_(config_.limits.node_outbound_queue_bytes, &shared_.outbound_budget) {
  const Limits& l = config_.limits;
  outbox_limits_.decode = l.decode;
  outbox_limits_.max_bytes = l.peer_outbound_queue_bytes;
  outbox_limits_.max_control = l.peer_outbound_queue;
  outbox_limits_.merged_rpc_bytes = kMergedRpcBytes;
  outbox_limits_.max_idontwant_ids =
      static_cast<std::size_t>(std::max(1, config_.gossip.max_idontwant_length));
}

Node::~Node() = default;

Instant Node::now() const {
  return std::chrono::duration_cast<Instant>(std::chrono::steady_clock::now().time_since_epoch());
}

std::vector<std::string> Node::pubsub_protocols() const {
  return host::pubsub_protocols(config_.gossip.strategy);
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
  auto observed = net::Multiaddr::parse(c.remote_addr());
  return host_.identify_message(observed ? std::optional(*observed) : std::nullopt, served_);
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
    bound_.push_back(*net::Multiaddr::parse(bound));
    acceptors_.push_back(acceptor);
    accept(acceptor);
  }
  if (!addrs.empty() && !listen_addrs_.empty()) {
    host_.set_listen_addrs(bound_, unix_ns());
    if (mdns_) mdns_->set_addrs(listen_addrs_);
    emit(Listening{id_, listen_addrs_});
  }
  done(request, std::move(error));
}

void Node::accept(const std::shared_ptr<tcp::acceptor>& acceptor) {
  acceptor->async_accept([self = shared_from_this(), acceptor](asio::error_code ec,
                                                               tcp::socket socket) {
    if (self->closed_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      asio::error_code e2;
      const auto remote = socket.remote_endpoint(e2);
      std::optional<net::ConnectionId> id;
      auto addr = e2 ? std::nullopt : std::optional(net::Multiaddr::parse(multiaddr_of(remote)));
      if (!addr || !*addr) {
        // Reset by the remote before we asked for its address: no limit was involved.
        self->count(Drop::kSocketError);
      } else if (self->at_capacity() && !self->host_.make_room_for_inbound(self->now())) {
        // Out of sockets, and no inbound handshake to close for this one (an evicted one is
        // closed by settle() below: one socket over the bound, for a moment).
        self->count(Drop::kConnectionLimit);
      } else {
        id = self->host_.accept(**addr, self->now());  // a refusal is counted there
      }
      if (!id) {
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
  if (ep->peer_id && by_peer(*ep->peer_id)) return done(request);
  auto multiaddr = net::Multiaddr::parse(addr);
  if (!multiaddr) return done(request, "connect " + addr + ": " + multiaddr.error().what);
  if (at_capacity()) {
    count(Drop::kConnectionLimit);
    return done(request, "connect " + addr + ": connection limit reached");
  }
  auto id = host_.connect(*multiaddr, now());
  if (!id) return done(request, "connect " + addr + ": " + id.error().what);
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
      self->host_.dial_succeeded(id, self->now());
      self->start_connection(id, std::move(*socket), Direction::kOutbound, std::move(peer),
                             request);
    }
    self->settle();
  });
}

void Node::dial_failed(net::ConnectionId id, const std::string& reason,
                       std::optional<RequestId> request) {
  host_.dial_failed(id, reason, now());
  if (request) done(*request, "connect: " + reason);
  dht_closed(id);
}

void Node::disconnect(const Bytes& peer_id, RequestId request) {
  Connection* c = by_peer(peer_id);
  if (!c) return done(request, "disconnect: peer not connected");
  host_.forget(peer_id);
  c->close("disconnected by the application");
  done(request);
}

// ---- connections -------------------------------------------------------------------------

void Node::on_connection_up(const std::shared_ptr<Connection>& c) {
  // The host refuses blocked peers; the peer manager resolves duplicates (simultaneous
  // dials) and answers with PeerUp.
  host_.connection_up(c->id, c->peer_id(), now());
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
  if (dht_sender_) dht_sender_->peer_up(peer, c->id, now());
}

void Node::on_ping_result(Connection& c, std::optional<Duration> rtt) {
  host_.ping_result(c.id, rtt, now());
}

void Node::on_identify(Connection& c, ByteView stream) {
  host_.identify(c.id, c.peer_id(), stream, now());
  if (dht_sender_) dht_sender_->identified(c.peer_id(), stream, now());
}

void Node::on_pubsub_stream(Connection& c, router::Protocol protocol) {
  if (c.in_router || c.slot == kNoSlot) return;
  c.in_router = true;
  host_.pubsub_opened(c.slot, c.peer_id(), c.direction() == Direction::kOutbound, protocol,
                      c.remote_ip(), now());
}

bool Node::on_rpc(Connection& c, ByteView encoded) {
  if (auto p = c.pubsub_protocol()) count_in(proto_of(*p), encoded.size());
  // Not yet in the router (no pubsub stream of ours, or no slot): decoded all the same, so
  // bad bytes reset the stream whatever the stage.
  if (!c.in_router) return wire::decode_rpc(encoded, config_.limits.decode).ok();
  return host_.rpc_bytes(c.slot, encoded, config_.limits.decode, now());
}

void Node::on_connection_closed(Connection& c, const std::string& reason,
                                std::optional<Drop> drop) {
  ++connections_closed_;
  requests_closed(c);
  dht_closed(c.id);
  // No-ops when the peer manager closed it itself.
  host_.connection_closed(c.id, c.slot != kNoSlot ? std::optional(c.slot) : std::nullopt, reason,
                          now(), drop);
  by_connection_id_.erase(c.id);
  if (c.slot != kNoSlot) {
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

// ---- the host's outputs ------------------------------------------------------------------

void Node::settle() {
  for (;;) {
    host_.drain(actions_, now());
    bool any = !actions_.empty();
    for (auto& a : actions_) handle(a);
    actions_.clear();
    while (auto e = host_.poll()) {
      any = true;
      handle(*e);
    }
    if (dht_settle()) any = true;
    if (!any) break;
  }
  arm_timer();
  if (pending_.empty()) return;
  shared_.events.push(pending_, &refused_);
  // Nobody will answer a request the queue refused: settle it as ignored.
  for (Event& e : refused_)
    validation_result(std::get<ValidationRequest>(e).token, router::ValidationResult::kIgnore);
  refused_.clear();
}

void Node::handle(router::Action& action) {
  if (auto* s = std::get_if<router::SendRpc>(&action)) {
    if (Connection* c = at_slot(s->peer)) c->send(std::move(*s->rpc));
  } else if (auto* m = std::get_if<router::SendMessage>(&action)) {
    if (Connection* c = at_slot(m->peer)) c->send(std::move(m->message));
  } else if (auto* d = std::get_if<router::Deliver>(&action)) {
    deliver(*d);
  }
}

void Node::handle(host::HostEvent& event) {
  if (auto* d = std::get_if<host::Dial>(&event)) {
    if (at_capacity())
      host_.dial_failed(d->connection, "connection limit reached", now(), Drop::kConnectionLimit);
    else
      dial(d->connection, d->addr.to_string(), std::nullopt);
  } else if (auto* x = std::get_if<host::Close>(&event)) {
    close(*x);
  } else if (auto* p = std::get_if<host::Ping>(&event)) {
    if (auto c = by_connection_id_.find(p->connection); c != by_connection_id_.end())
      c->second->ping(p->payload);
  } else if (auto* u = std::get_if<host::PeerUp>(&event)) {
    if (auto c = by_connection_id_.find(u->connection); c != by_connection_id_.end())
      peer_up(c->second);
  } else if (auto* l = std::get_if<host::SendLater>(&event)) {
    if (const auto& c = l->peer < slots_.size() ? slots_[l->peer] : nullptr) {
      const bool armed = c->holds_rpcs();  // the timer is armed while any is held
      c->send_at(std::chrono::steady_clock::time_point(
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(l->due)),
                 std::move(l->rpc));
      if (!armed) release_delayed(c);
    }
  } else if (auto* q = std::get_if<host::CancelQueued>(&event)) {
    if (Connection* c = at_slot(q->peer)) c->cancel(q->message, q->why);
  } else if (auto* v = std::get_if<host::ValidationRequest>(&event)) {
    emit(ValidationRequest{id_, v->token, std::move(v->message), v->id,
                           std::move(v->received_from)});
  } else if (auto* m = std::get_if<host::MeshChanged>(&event)) {
    emit(MeshChanged{id_, std::move(m->topic), std::move(m->peer_id), m->joined});
  } else if (auto* g = std::get_if<host::LogLine>(&event)) {
    log(LogLevel::kDebug, std::move(g->message), {{"reason", std::move(g->reason)}});
  }
}

// The host counted the reason already.
void Node::close(const host::Close& x) {
  if (x.connection) {
    if (auto it = dialing_.find(*x.connection); it != dialing_.end()) {
      asio::error_code ec;
      it->second->close(ec);
      dialing_.erase(it);
      return;
    }
    if (auto c = by_connection_id_.find(*x.connection); c != by_connection_id_.end()) {
      const std::shared_ptr<Connection> conn = c->second;
      // The peer is connected through the other connection: the dial succeeded.
      if (x.drop == Drop::kDuplicateConnection && conn->request)
        done(*std::exchange(conn->request, std::nullopt));
      conn->close(x.reason);
      return;
    }
  }
  if (x.peer)
    if (const auto& c = x.peer < slots_.size() ? slots_[*x.peer] : nullptr) c->close(x.reason);
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
  auto d = host_.next_deadline();
  if (dht_sender_)
    if (auto k = dht_sender_->next_deadline(); k && (!d || *k < *d)) d = k;
  if (!d || (timer_for_ && *timer_for_ == *d)) return;
  timer_for_ = d;
  timer_.expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(*d)));
  timer_.async_wait([w = weak_from_this()](asio::error_code ec) {
    if (ec) return;
    auto self = w.lock();
    if (!self || self->closed_) return;
    self->timer_for_.reset();
    self->sample_backlogs();
    self->host_.tick(self->now());
    self->dht_tick();
    self->settle();
  });
}

// Tells the host which peers' outbound queues are backlogged now.
void Node::sample_backlogs() {
  const Instant t = now();
  for (const auto& c : slots_)
    if (c && c->in_router) host_.outbound_backlog(c->slot, c->backlogged(), t);
}

void Node::close(RequestId request) {
  shutdown();
  done(request);
}

void Node::shutdown() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  for (auto& [id, socket] : dialing_) {
    asio::error_code ec;
    socket->close(ec);
  }
  dialing_.clear();
  resolver_.cancel();
  if (mdns_) mdns_->close();
  for (auto& a : acceptors_) {
    asio::error_code ec;
    a->close(ec);
  }
  acceptors_.clear();
  auto all = connections_;
  for (const auto& c : all) c->close("node closed");
  save_known_peers();
}

}  // namespace p2pgossip::runtime
