#include "runtime/connection.hpp"

#include <algorithm>

#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/wire/protobuf.hpp"
#include "runtime/endpoint.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace ms = net::multistream;
namespace noise = net::noise;
namespace yamux = net::yamux;

namespace {

// Stop feeding the pubsub stream while this much waits for the remote's yamux window.
constexpr std::size_t kStreamHighWater = 64 * 1024;
// Queued RPCs merge up to this size: enough to amortise the per-RPC framing and decoding,
// small enough that what leaves the queue (yamux and socket buffers, not budgeted) stays
// small per connection.
constexpr std::size_t kMergedRpcBytes = 64 * 1024;

yamux::Config yamux_config(const Limits& l) {
  yamux::Config c;
  c.max_streams = l.max_streams_per_connection;
  // Room for one largest RPC above the high-water mark.
  c.max_send_buffer = kStreamHighWater + l.decode.max_rpc_size + 16;
  return c;
}

}  // namespace

Connection::Connection(Node& node, net::ConnectionId cid, asio::ip::tcp::socket socket,
                       Direction direction, std::optional<Bytes> expected_peer_id,
                       std::optional<RequestId> req)
    : id(cid),
      request(std::move(req)),
      node_(node),
      socket_(std::move(socket)),
      direction_(direction),
      expected_peer_id_(std::move(expected_peer_id)) {
  asio::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_addr_ = multiaddr_of(remote);
    remote_ip_ = remote.address().to_string();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::start() {
  const auto role = direction_ == Direction::kOutbound ? ms::Role::kDialer : ms::Role::kListener;
  negotiation_.emplace(role, std::vector<std::string>{std::string(protocol::kNoise)});
  write_raw(negotiation_->take_output());
  read();
}

void Connection::close(std::string reason, std::optional<Drop> drop) {
  if (closed_) return;
  closed_ = true;
  if (drop) node_.count(*drop);
  // A yamux GoAway would be polite, but the socket closes right after; skip it.
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (delay_timer) delay_timer->cancel();
  if (ping_timer_) ping_timer_->cancel();
  rpc_queue_.clear();
  delayed_.clear();
  node_.return_outbound(std::exchange(rpc_queue_bytes_, 0));
  node_.on_connection_closed(*this, reason);
}

// ---- socket ------------------------------------------------------------------------------

void Connection::read() {
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](asio::error_code ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) {
                              if (ec == asio::error::eof)
                                self->close("closed by the remote");
                              else
                                self->close("read: " + ec.message(), Drop::kSocketError);
                            } else {
                              self->node_.count_tcp(n, 0);
                              self->on_bytes(ByteView(self->read_buf_.data(), n));
                              if (!self->closed_) self->read();
                            }
                            self->node_.settle();
                          });
}

void Connection::write_raw(Bytes data) {
  if (data.empty() || closed_) return;
  if (out_.empty())
    out_ = std::move(data);
  else
    out_.insert(out_.end(), data.begin(), data.end());
  if (!writing_) write();
}

void Connection::write() {
  writing_ = true;
  inflight_.swap(out_);
  out_.clear();
  release_if_grown(out_);
  asio::async_write(socket_, asio::buffer(inflight_),
                    [self = shared_from_this()](asio::error_code ec, std::size_t n) {
                      if (self->closed_) return;
                      if (ec) {
                        self->close("write: " + ec.message(), Drop::kSocketError);
                        self->node_.settle();
                        return;
                      }
                      self->node_.count_tcp(0, n);
                      self->inflight_.clear();
                      release_if_grown(self->inflight_);
                      if (!self->out_.empty()) {
                        self->write();
                      } else {
                        self->writing_ = false;
                        self->pump();
                      }
                      self->node_.settle();
                    });
}

// ---- upgrade -----------------------------------------------------------------------------

void Connection::on_bytes(ByteView data) {
  if (stage_ == Stage::kSecurityNegotiation) {
    negotiation_->receive(data);
    write_raw(negotiation_->take_output());
    auto ev = negotiation_->poll_event();
    if (!ev) return;
    if (auto* f = std::get_if<ms::Failed>(&*ev))
      return close("security negotiation: " + f->reason, Drop::kSecurityNegotiation);
    Bytes rest = negotiation_->take_remaining();
    negotiation_.reset();
    noise_.emplace(node_.noise_config(direction_ == Direction::kOutbound));
    stage_ = Stage::kNoise;
    write_raw(noise_->take_output());
    if (rest.empty()) return;
    data = rest;
    noise_->receive(data);
  } else {
    noise_->receive(data);
  }
  write_raw(noise_->take_output());
  if (stage_ == Stage::kNoise) {
    auto ev = noise_->poll_event();
    if (ev) {
      if (auto* f = std::get_if<noise::Failed>(&*ev))
        return close("noise: " + f->reason,
                     f->network_refused ? Drop::kNetworkRefused : Drop::kNoiseFailed);
      on_secured(std::get<noise::HandshakeComplete>(*ev));
      if (closed_) return;
    }
  }
  if (noise_->failed()) return close("noise: transport decryption failed", Drop::kNoiseFailed);
  Bytes plain = noise_->take_plaintext();
  if (!plain.empty()) on_plaintext(plain);
}

void Connection::on_secured(const noise::HandshakeComplete& remote) {
  peer_id_ = remote.peer_id;
  if (expected_peer_id_ && *expected_peer_id_ != peer_id_)
    return close("remote peer id differs from the dialled /p2p/ id", Drop::kPeerIdMismatch);
  stage_ = Stage::kMuxerNegotiation;
  const auto role = direction_ == Direction::kOutbound ? ms::Role::kDialer : ms::Role::kListener;
  negotiation_.emplace(role, std::vector<std::string>{std::string(protocol::kYamux)});
  send_plain(negotiation_->take_output());
}

void Connection::on_plaintext(ByteView data) {
  if (stage_ == Stage::kMuxerNegotiation) {
    negotiation_->receive(data);
    send_plain(negotiation_->take_output());
    auto ev = negotiation_->poll_event();
    if (!ev) return;
    if (auto* f = std::get_if<ms::Failed>(&*ev))
      return close("muxer negotiation: " + f->reason, Drop::kMuxerNegotiation);
    Bytes rest = negotiation_->take_remaining();
    negotiation_.reset();
    on_muxed(std::move(rest));
    return;
  }
  yamux_->receive(data);
  process_yamux();
}

void Connection::on_muxed(Bytes rest) {
  const auto role =
      direction_ == Direction::kOutbound ? yamux::Role::kClient : yamux::Role::kServer;
  yamux_.emplace(role, yamux_config(node_.config().limits));
  stage_ = Stage::kMuxed;
  up_ = true;
  if (!node_.on_connection_up(shared_from_this())) return;
  open_pubsub_stream();
  // Identify the remote: its listen addresses feed the peer manager.
  (void)open_stream(protocol::kIdentify);
  if (!rest.empty()) yamux_->receive(rest);
  process_yamux();
}

void Connection::send_plain(ByteView data) {
  if (data.empty() || closed_) return;
  if (auto st = noise_->send(data); !st)
    return close("noise: " + st.error().what, Drop::kNoiseFailed);
  write_raw(noise_->take_output());
}

// ---- streams -----------------------------------------------------------------------------

void Connection::process_yamux() {
  while (!closed_) {
    auto ev = yamux_->poll_event();
    if (!ev) break;
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, yamux::StreamOpened>) {
            on_stream_opened(e.stream_id);
          } else if constexpr (std::is_same_v<T, yamux::Data>) {
            const auto n = static_cast<std::uint32_t>(e.data.size());
            on_stream_data(e.stream_id, std::move(e.data));
            if (!closed_) (void)yamux_->consume(e.stream_id, n);
          } else if constexpr (std::is_same_v<T, yamux::StreamClosed>) {
            // The remote finished writing; a finished inbound stream is closed our way too.
            auto it = streams_.find(e.stream_id);
            if (it != streams_.end() && it->second.kind != StreamKind::kPubsubOut &&
                it->second.kind != StreamKind::kPingOut) {
              if (it->second.kind == StreamKind::kIdentifyOut)
                node_.on_identify(*this, it->second.received);
              streams_.erase(it);
              (void)yamux_->close(e.stream_id);
            }
          } else if constexpr (std::is_same_v<T, yamux::StreamReset>) {
            streams_.erase(e.stream_id);
            if (ping_out_ == e.stream_id) ping_failed();
            if (pubsub_out_ == e.stream_id) {
              // go-libp2p-pubsub drops a peer whose pubsub stream fails; so do we.
              close("pubsub stream reset by the remote");
            }
          } else if constexpr (std::is_same_v<T, yamux::GoAway>) {
            close("yamux go-away from the remote");
          } else if constexpr (std::is_same_v<T, yamux::ProtocolError>) {
            close("yamux: " + e.reason, Drop::kYamuxError);
          }
        },
        *ev);
  }
  if (!closed_) {
    send_plain(yamux_->take_output());
    pump();
  }
}

void Connection::open_pubsub_stream() {
  auto sid = yamux_->open_stream();
  if (!sid) return;
  pubsub_out_ = *sid;
  Stream s;
  s.negotiation.emplace(ms::Role::kDialer, node_.pubsub_protocols());
  (void)yamux_->send(*sid, s.negotiation->take_output());
  streams_.emplace(*sid, std::move(s));
}

std::optional<std::uint32_t> Connection::open_stream(std::string_view protocol) {
  auto sid = yamux_->open_stream();
  if (!sid) return std::nullopt;
  Stream s;
  s.ours = true;
  s.negotiation.emplace(ms::Role::kDialer, std::vector<std::string>{std::string(protocol)});
  (void)yamux_->send(*sid, s.negotiation->take_output());
  streams_.emplace(*sid, std::move(s));
  send_plain(yamux_->take_output());
  return *sid;
}

void Connection::on_stream_opened(std::uint32_t id) {
  Stream s;
  std::vector<std::string> supported = node_.pubsub_protocols();
  supported.emplace_back(protocol::kPing);
  supported.emplace_back(protocol::kIdentify);
  s.negotiation.emplace(ms::Role::kListener, std::move(supported));
  (void)yamux_->send(id, s.negotiation->take_output());
  streams_.emplace(id, std::move(s));
}

void Connection::reset_stream(std::uint32_t id, Drop drop) {
  node_.count(drop);
  streams_.erase(id);
  (void)yamux_->reset(id);
  if (pubsub_out_ == id) close("pubsub stream failed");
}

void Connection::on_stream_data(std::uint32_t id, Bytes data) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  if (s.kind != StreamKind::kNegotiating) return on_stream_payload(id, s, data);
  s.negotiation->receive(data);
  (void)yamux_->send(id, s.negotiation->take_output());
  auto ev = s.negotiation->poll_event();
  if (!ev) return;
  if (std::holds_alternative<ms::Failed>(*ev)) {
    if (!s.ours || id == pubsub_out_) return reset_stream(id, Drop::kStreamNegotiation);
    // The remote does not speak what we proposed (ping, identify): not its fault.
    streams_.erase(it);
    (void)yamux_->reset(id);
    if (ping_out_ == id) ping_failed();
    return;
  }
  Bytes rest = s.negotiation->take_remaining();
  const std::string protocol = std::get<ms::ProtocolSelected>(*ev).protocol;
  s.negotiation.reset();
  on_stream_selected(id, s, protocol, std::move(rest));
}

void Connection::on_stream_selected(std::uint32_t id, Stream& s, const std::string& protocol,
                                    Bytes rest) {
  if (s.ours && protocol == protocol::kPing) {
    s.kind = StreamKind::kPingOut;
    ping_ready_ = true;
    (void)yamux_->send(id, pinger_->take_output());
  } else if (s.ours && protocol == protocol::kIdentify) {
    s.kind = StreamKind::kIdentifyOut;
  } else if (auto p = pubsub_protocol_of(protocol)) {
    s.protocol = *p;
    if (id == pubsub_out_) {
      s.kind = StreamKind::kPubsubOut;
      pubsub_out_ready_ = true;
    } else {
      for (const auto& [other, o] : streams_)
        if (o.kind == StreamKind::kPubsubIn) return reset_stream(id, Drop::kDuplicateStream);
      s.kind = StreamKind::kPubsubIn;
      s.reader.emplace(node_.config().limits.decode.max_rpc_size);
    }
    if (!pubsub_protocol_) pubsub_protocol_ = *p;
    node_.on_pubsub_stream(*this, *p);
    pump();
  } else if (protocol == protocol::kPing) {
    s.kind = StreamKind::kPing;
    s.echo.emplace();
  } else {
    // Identify: we are the one identified; one message, then our side of the stream closes.
    s.kind = StreamKind::kFinished;
    const Bytes msg = node_.identify_message(*this);
    node_.count_out(Proto::kIdentify, msg.size());
    (void)yamux_->send(id, msg);
    (void)yamux_->close(id);
  }
  if (!rest.empty()) on_stream_payload(id, s, rest);
}

void Connection::on_stream_payload(std::uint32_t id, Stream& s, ByteView data) {
  switch (s.kind) {
    case StreamKind::kPubsubIn: {
      s.reader->feed(data);
      for (;;) {
        auto msg = s.reader->next();
        if (!msg) return reset_stream(id, Drop::kRpcTooLarge);
        if (!*msg) return;
        if (!node_.on_rpc(*this, **msg)) return reset_stream(id, Drop::kRpcDecode);
        if (closed_) return;
      }
    }
    case StreamKind::kPing: {
      s.echo->receive(data);
      const Bytes echo = s.echo->take_output();
      if (echo.empty()) return;
      (void)yamux_->send(id, echo);
      for (std::size_t i = 0; i < echo.size() / net::ping::kPayloadBytes; ++i) {
        node_.count_in(Proto::kPing, net::ping::kPayloadBytes);
        node_.count_out(Proto::kPing, net::ping::kPayloadBytes);
      }
      return;
    }
    case StreamKind::kPingOut:
      return on_ping_bytes(data);
    case StreamKind::kIdentifyOut: {
      const net::identify::Limits limits;
      if (s.received.size() + data.size() > limits.max_message_bytes * limits.max_messages) {
        streams_.erase(id);
        (void)yamux_->reset(id);
        return;
      }
      s.received.insert(s.received.end(), data.begin(), data.end());
      return;
    }
    default:
      return;  // nothing is read from our outbound pubsub stream or a finished one
  }
}

// ---- ping --------------------------------------------------------------------------------

void Connection::ping(const net::ping::Payload& payload) {
  if (closed_ || !yamux_) return;
  if (!ping_out_) {
    pinger_.emplace(node_.config().peers.ping_timeout);
    ping_out_ = open_stream(protocol::kPing);
    ping_ready_ = false;
    if (!ping_out_) return node_.on_ping_result(*this, std::nullopt);
  }
  if (!pinger_->ping(payload, node_.now())) return node_.on_ping_result(*this, std::nullopt);
  if (ping_ready_) {
    (void)yamux_->send(*ping_out_, pinger_->take_output());
    send_plain(yamux_->take_output());
  }
  if (!ping_timer_) ping_timer_ = std::make_unique<asio::steady_timer>(node_.io());
  ping_timer_->expires_after(node_.config().peers.ping_timeout);
  ping_timer_->async_wait([self = shared_from_this()](asio::error_code ec) {
    if (ec || self->closed_ || !self->pinger_) return;
    self->pinger_->tick(self->node_.now());
    if (self->pinger_->poll_event()) self->ping_failed();
    self->node_.settle();
  });
}

void Connection::on_ping_bytes(ByteView data) {
  pinger_->receive(data, node_.now());
  auto ev = pinger_->poll_event();
  if (!ev) return;
  if (auto* pong = std::get_if<net::ping::Pong>(&*ev)) {
    if (ping_timer_) ping_timer_->cancel();
    node_.count_in(Proto::kPing, net::ping::kPayloadBytes);
    node_.count_out(Proto::kPing, net::ping::kPayloadBytes);
    return node_.on_ping_result(*this, pong->rtt);
  }
  ping_failed();
}

// The ping stream is unusable (timeout, mismatch, reset, refused): the next ping opens a
// new one.
void Connection::ping_failed() {
  if (!ping_out_) return;
  const std::uint32_t sid = *std::exchange(ping_out_, std::nullopt);
  if (streams_.erase(sid)) (void)yamux_->reset(sid);
  pinger_.reset();
  if (ping_timer_) ping_timer_->cancel();
  node_.on_ping_result(*this, std::nullopt);
}

// ---- sending RPCs ------------------------------------------------------------------------

std::optional<Drop> Connection::charge(std::size_t bytes) {
  if (rpc_queue_bytes_ + bytes > node_.config().limits.peer_outbound_queue_bytes)
    return Drop::kOutboundQueueFull;
  if (!node_.take_outbound(bytes)) return Drop::kNodeOutboundBudget;
  rpc_queue_bytes_ += bytes;
  return std::nullopt;
}

void Connection::uncharge(std::size_t bytes) {
  rpc_queue_bytes_ -= bytes;
  node_.return_outbound(bytes);
}

// The budgets charge what the queue holds, the capacity of its buffers, not the bytes they
// carry: a merged RPC's buffer grows by doubling, and charging its size alone let the
// queues of an overloaded node hold a fifth more than the budget.
void Connection::send_rpc(OutboundRpc rpc) {
  if (closed_) return;
  const Limits& l = node_.config().limits;
  const std::size_t size = rpc.rpc.size();
  const std::size_t merged_max = std::min(kMergedRpcBytes, l.decode.max_rpc_size);
  // Two encoded RPCs concatenated are one RPC holding both (protobuf merge: repeated fields
  // append, the control messages merge), so a burst rides in few large RPCs.
  if (!rpc_queue_.empty()) {
    OutboundRpc& last = rpc_queue_.back();
    const wire::DecodeLimits& d = l.decode;
    const std::size_t need = last.rpc.size() + size;
    if (need <= merged_max && last.publish + rpc.publish <= d.max_publish &&
        last.subscriptions + rpc.subscriptions <= d.max_subscriptions &&
        last.control + rpc.control <= d.max_control_entries) {
      const std::size_t cap = last.rpc.capacity();
      const std::size_t grown = need <= cap ? cap : std::min(std::max(2 * cap, need), merged_max);
      if (const auto refused = charge(grown - cap); !refused) {
        last.rpc.reserve(grown);
        last.rpc.insert(last.rpc.end(), rpc.rpc.begin(), rpc.rpc.end());
        last.publish += rpc.publish;
        last.subscriptions += rpc.subscriptions;
        last.control += rpc.control;
        return pump();
      }
      // The grown buffer does not fit: the RPC may still fit on its own.
    }
  }
  if (rpc_queue_.size() >= l.peer_outbound_queue) return node_.count(Drop::kOutboundQueueFull);
  if (auto refused = charge(rpc.rpc.capacity())) return node_.count(*refused);
  rpc_queue_.push_back(std::move(rpc));
  pump();
}

void Connection::send_rpc_at(std::chrono::steady_clock::time_point due, OutboundRpc rpc) {
  if (closed_) return;
  if (auto refused = charge(rpc.rpc.capacity())) return node_.count(*refused);
  delayed_.emplace_back(due, std::move(rpc));
}

std::optional<std::chrono::steady_clock::time_point> Connection::release_due(
    std::chrono::steady_clock::time_point now) {
  while (!closed_ && !delayed_.empty() && delayed_.front().first <= now) {
    OutboundRpc rpc = std::move(delayed_.front().second);
    delayed_.pop_front();
    uncharge(rpc.rpc.capacity());  // charged again as send_rpc queues it
    send_rpc(std::move(rpc));
  }
  if (closed_ || delayed_.empty()) return std::nullopt;
  return delayed_.front().first;
}

std::size_t Connection::queued_rpc_memory() const {
  std::size_t n = 0;
  for (const OutboundRpc& r : rpc_queue_) n += r.rpc.capacity();
  for (const auto& [due, r] : delayed_) n += r.rpc.capacity();
  return n;
}

void Connection::pump() {
  if (closed_ || !pubsub_out_ready_ || rpc_queue_.empty()) return;
  const std::size_t socket_limit = node_.config().limits.socket_send_buffer;
  bool sent = false;
  Bytes frame;
  while (!rpc_queue_.empty() && yamux_->send_queued(*pubsub_out_) < kStreamHighWater &&
         out_.size() + inflight_.size() < socket_limit) {
    const Bytes& rpc = rpc_queue_.front().rpc;
    frame.clear();
    wire::put_varint(frame, rpc.size());
    frame.insert(frame.end(), rpc.begin(), rpc.end());
    if (auto st = yamux_->send(*pubsub_out_, frame); !st) {
      close("pubsub stream: " + st.error().what, Drop::kYamuxError);
      return;
    }
    uncharge(rpc.capacity());
    rpc_queue_.pop_front();
    sent = true;
  }
  if (sent) send_plain(yamux_->take_output());
}

}  // namespace p2pgossip::runtime
