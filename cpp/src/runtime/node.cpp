#include "runtime/node.hpp"

#include <algorithm>

#include "p2pgossip/crypto/message_id.hpp"
#include "p2pgossip/crypto/message_signing.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/net/ping.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/connection.hpp"
#include "runtime/endpoint.hpp"

namespace p2pgossip::runtime {

using asio::ip::tcp;
using router::PeerIndex;

const std::array<std::string_view, static_cast<std::size_t>(Proto::kCount)> kProtocolIds = {
    "/meshsub/1.2.0", "/meshsub/1.1.0", "/floodsub/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/id/1.0.0"};

namespace {

// An id that does not fit (malformed `from`) becomes the empty id; such a message fails
// signature verification anyway.
MessageId id_of(MessageIdFn fn, const Message& m) {
  if (fn == MessageIdFn::kXxh3) return crypto::message_id_xxh3(m);
  auto id = crypto::message_id_from_seqno(m);
  return id ? *id : MessageId{};
}

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

}  // namespace

Node::Node(NodeId id, NodeConfig config, asio::io_context& io, Shared& shared)
    : id_(id),
      config_(std::move(config)),
      io_(io),
      shared_(shared),
      local_identity_(net::noise::local_identity_of(config_.identity)),
      router_(config_.gossip, services(), config_.seed),
      router_timer_(io),
      resolver_(io),
      rng_(config_.seed ^ 0x6c696e6b6c6f7373ULL) {}

Node::~Node() = default;

router::Services Node::services() {
  router::Services s;
  s.message_id = [fn = config_.message_id](const Message& m) { return id_of(fn, m); };
  s.verify_signature = [cache = &shared_.verify_cache](const Message& m) {
    return crypto::verify_message(m, cache);
  };
  s.validate = [this](const std::string& topic, const Message& m, router::PeerIndex from) {
    return on_validate(topic, m, from);
  };
  return s;
}

router::ValidationResult Node::on_validate(const std::string& topic, const Message& m,
                                           router::PeerIndex from) {
  if (validated_topics_.empty() || !validated_topics_.count(topic))
    return router::ValidationResult::kAccept;
  if (validations_.size() >= config_.limits.max_pending_validations)
    return router::ValidationResult::kIgnore;
  const ValidationToken token = next_token_++;
  Validation v{std::make_shared<const Message>(m), id_of(config_.message_id, m), from, {}};
  if (from < slots_.size() && slots_[from]) v.peer_id = slots_[from]->peer_id();
  emit(ValidationRequest{id_, token, v.message, v.id, v.peer_id});
  validations_.emplace(token, std::move(v));
  return router::ValidationResult::kPending;
}

router::Instant Node::now() const {
  return std::chrono::duration_cast<router::Instant>(
      std::chrono::steady_clock::now().time_since_epoch());
}

std::vector<std::string> Node::pubsub_protocols() const {
  if (config_.gossip.strategy == router::Strategy::kFloodSub) return {"/floodsub/1.0.0"};
  return {"/meshsub/1.2.0", "/meshsub/1.1.0", "/floodsub/1.0.0"};
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
  m.protocols.emplace_back(net::ping::kProtocolId);
  m.protocols.emplace_back(net::identify::kProtocolId);
  return net::identify::encode_delimited(m);
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
  if (!addrs.empty() && !listen_addrs_.empty()) emit(Listening{id_, listen_addrs_});
  done(request, std::move(error));
}

void Node::accept(const std::shared_ptr<tcp::acceptor>& acceptor) {
  acceptor->async_accept(
      [self = shared_from_this(), acceptor](asio::error_code ec, tcp::socket socket) {
        if (self->closed_ || ec == asio::error::operation_aborted) return;
        if (!ec) {
          asio::error_code e2;
          const auto remote = socket.remote_endpoint(e2);
          const std::string ip = e2 ? std::string() : remote.address().to_string();
          if (!self->admit(Direction::kInbound, ip)) {
            self->count(Drop::kConnectionLimit);
            socket.close(e2);
          } else {
            auto c = std::make_shared<Connection>(*self, std::move(socket), Direction::kInbound,
                                                  std::nullopt, std::nullopt);
            self->connections_.insert(c);
            ++self->connections_opened_;
            c->start();
          }
        }
        self->accept(acceptor);
        self->settle();
      });
}

bool Node::admit(Direction direction, const std::string& ip) {
  const Limits& l = config_.limits;
  std::size_t in = 0, out = 0, same_ip = 0;
  for (const auto& c : connections_) {
    (c->direction() == Direction::kInbound ? in : out) += 1;
    if (c->remote_ip() == ip) ++same_ip;
  }
  if (in + out >= l.max_connections) return false;
  if (direction == Direction::kInbound && in >= l.max_inbound) return false;
  if (direction == Direction::kOutbound && out >= l.max_outbound) return false;
  if (l.max_per_ip && same_ip >= l.max_per_ip) return false;
  return true;
}

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
  if (!ep->dns) return dial(tcp::endpoint(ep->address, ep->port), ep->peer_id, request);
  const auto family = ep->dns_family;
  resolver_.async_resolve(
      *ep->dns, std::to_string(ep->port),
      [self = shared_from_this(), peer = ep->peer_id, family, request, addr](
          asio::error_code ec, tcp::resolver::results_type results) {
        if (self->closed_) return;
        std::optional<tcp::endpoint> chosen;
        if (!ec)
          for (const auto& r : results) {
            const auto a = r.endpoint().address();
            if ((family == 4 && !a.is_v4()) || (family == 6 && !a.is_v6())) continue;
            chosen = r.endpoint();
            break;
          }
        if (!chosen) {
          self->count(Drop::kDialFailed);
          self->done(request, "connect " + addr + ": resolve: " +
                                  (ec ? ec.message() : std::string("no address of that family")));
        } else {
          self->dial(*chosen, peer, request);
        }
        self->settle();
      });
}

void Node::dial(const tcp::endpoint& endpoint, std::optional<Bytes> peer_id, RequestId request) {
  if (!admit(Direction::kOutbound, endpoint.address().to_string())) {
    count(Drop::kConnectionLimit);
    return done(request, "connect: connection limit reached");
  }
  auto socket = std::make_shared<tcp::socket>(io_);
  socket->async_connect(endpoint, [self = shared_from_this(), socket, peer = std::move(peer_id),
                                   request](asio::error_code ec) mutable {
    if (self->closed_) return;
    if (ec) {
      self->count(Drop::kDialFailed);
      self->done(request, "connect: " + ec.message());
    } else {
      auto c = std::make_shared<Connection>(*self, std::move(*socket), Direction::kOutbound,
                                            std::move(peer), request);
      self->connections_.insert(c);
      ++self->connections_opened_;
      c->start();
    }
    self->settle();
  });
}

void Node::disconnect(const Bytes& peer_id, RequestId request) {
  Connection* c = by_peer(peer_id);
  if (!c) return done(request, "disconnect: peer not connected");
  c->close("disconnected by the application");
  done(request);
}

// ---- connections -------------------------------------------------------------------------

bool Node::on_connection_up(const std::shared_ptr<Connection>& c) {
  const Bytes& peer = c->peer_id();
  if (blocked_.count(peer)) {
    c->close("peer blocked", Drop::kBlocked);
    return false;
  }
  if (Connection* existing = by_peer(peer)) {
    // Simultaneous dials: both ends keep the connection dialled by the smaller peer id, so
    // they agree without talking. Two dials from one side keep the first.
    const ByteView local = config_.identity->peer_id().bytes();
    const bool local_smaller =
        std::lexicographical_compare(local.begin(), local.end(), peer.begin(), peer.end());
    const Direction preferred = local_smaller ? Direction::kOutbound : Direction::kInbound;
    const bool keep_new = existing->direction() != c->direction() && c->direction() == preferred;
    if (!keep_new) {
      if (c->request) done(*std::exchange(c->request, std::nullopt));
      c->close("duplicate connection", Drop::kDuplicateConnection);
      return false;
    }
    if (existing->request) done(*std::exchange(existing->request, std::nullopt));
    existing->close("duplicate connection", Drop::kDuplicateConnection);
  }
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
  return true;
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
  if (c.in_router) router_.rpc_received(c.slot, std::move(*rpc), now());
  return true;
}

void Node::on_connection_closed(Connection& c, const std::string& reason) {
  ++connections_closed_;
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
  if (c.request) done(*std::exchange(c.request, std::nullopt), "connect: " + reason);
  for (auto it = connections_.begin(); it != connections_.end(); ++it)
    if (it->get() == &c) {
      connections_.erase(it);
      break;
    }
}

// ---- router ------------------------------------------------------------------------------

void Node::settle() {
  for (;;) {
    router_.drain_actions(actions_);
    if (actions_.empty()) break;
    for (auto& a : actions_) handle(a);
    actions_.clear();
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
    send(s->peer, s->rpc);
  } else if (auto* d = std::get_if<router::Deliver>(&action)) {
    Bytes from;
    if (d->from != router::kLocalPeer && d->from < slots_.size() && slots_[d->from])
      from = slots_[d->from]->peer_id();
    emit(Delivered{id_, std::move(d->message), d->id, std::move(from),
                   static_cast<MonotonicNs>(now().count())});
  } else if (auto* x = std::get_if<router::DisconnectPeer>(&action)) {
    if (x->peer < slots_.size() && slots_[x->peer]) slots_[x->peer]->close(x->reason);
  }
  // ConnectPeer (PX): dialing suggested peers is the peer manager's decision.
}

void Node::send(PeerIndex peer, const Rpc& rpc) {
  if (peer >= slots_.size() || !slots_[peer]) return;
  const std::shared_ptr<Connection>& c = slots_[peer];
  const std::size_t size = wire::encoded_rpc_size(rpc);
  Bytes frame;
  frame.reserve(size + wire::varint_size(size));
  wire::put_varint(frame, size);
  wire::encode_rpc(rpc, frame);
  if (auto p = c->pubsub_protocol()) count_out(proto_of(*p), size);
  if (!links_.empty()) {
    if (auto it = links_.find(c->peer_id()); it != links_.end()) {
      const LinkShaping& l = it->second;
      if (l.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < l.loss) {
        count(Drop::kLinkLoss);
        return;
      }
      if (l.latency.count() > 0) {
        c->delayed.emplace_back(std::chrono::steady_clock::now() + l.latency, std::move(frame));
        if (c->delayed.size() == 1) release_delayed(c);
        return;
      }
    }
  }
  c->send_rpc(std::move(frame));
}

void Node::release_delayed(const std::shared_ptr<Connection>& c) {
  if (!c->delay_timer) c->delay_timer = std::make_unique<asio::steady_timer>(io_);
  c->delay_timer->expires_at(c->delayed.front().first);
  c->delay_timer->async_wait([self = shared_from_this(), c](asio::error_code ec) {
    if (ec || c->closed()) return;
    const auto t = std::chrono::steady_clock::now();
    while (!c->delayed.empty() && c->delayed.front().first <= t) {
      c->send_rpc(std::move(c->delayed.front().second));
      c->delayed.pop_front();
    }
    if (!c->delayed.empty()) self->release_delayed(c);
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

void Node::publish(const std::vector<MessagePtr>& messages, RequestId request) {
  std::size_t failed = 0;
  std::optional<std::string> first;
  for (const MessagePtr& m : messages) {
    auto r = router_.publish(m, now());
    if (r) continue;
    ++failed;
    if (!first) first = r.error().what;
    if (request == 0) {
      count(Drop::kPublishFailed);
      log(LogLevel::kWarning, "publish failed",
          {{"topic", m->topic}, {"reason", std::string(r.error().what)}});
    }
  }
  if (request == 0) return;
  if (failed > 1) *first += " (" + std::to_string(failed) + " of the batch failed)";
  done(request, std::move(first));
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
  const auto t = now();
  for (const auto& c : slots_) {
    if (!c) continue;
    std::string proto;
    if (auto p = c->pubsub_protocol()) proto = kProtocolIds[static_cast<std::size_t>(proto_of(*p))];
    m.peers.push_back(ConnectedPeer{c->peer_id(), c->remote_addr(), c->direction(), proto,
                                    c->in_router ? router_.score(c->slot, t) : 0.0});
  }
  for (const auto& topic : router_.topics()) {
    m.mesh_sizes[topic] = router_.mesh(topic).size();
    m.topic_peers[topic] = router_.peers(topic).size();
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
  resolver_.cancel();
  for (auto& a : acceptors_) {
    asio::error_code ec;
    a->close(ec);
  }
  acceptors_.clear();
  auto all = connections_;
  for (const auto& c : all) c->close("node closed");
}

}  // namespace p2pgossip::runtime
