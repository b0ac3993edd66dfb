// The connection machine's streams once muxed: protocol dispatch (pubsub, ping, identify,
// both ways), RPC framing in, and our pings.
#include "p2pgossip/host/connection.hpp"
#include "p2pgossip/net/identify.hpp"

namespace p2pgossip::host {

namespace ms = net::multistream;
namespace yamux = net::yamux;

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
            on_stream_closed(e.stream_id);
          } else if constexpr (std::is_same_v<T, yamux::StreamReset>) {
            on_stream_reset(e.stream_id);
          } else if constexpr (std::is_same_v<T, yamux::GoAway>) {
            fail("yamux go-away from the remote");
          } else if constexpr (std::is_same_v<T, yamux::ProtocolError>) {
            fail("yamux: " + e.reason, Drop::kYamuxError);
          }
        },
        *ev);
  }
}

// The remote finished writing; a finished inbound stream is closed our way too.
void Connection::on_stream_closed(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.kind == StreamKind::kPubsubOut ||
      it->second.kind == StreamKind::kPingOut || request_stream_closed(id, it->second))
    return;
  if (it->second.kind == StreamKind::kIdentifyOut)
    emit(IdentifyReceived{std::move(it->second.received)});
  streams_.erase(it);
  (void)yamux_->close(id);
}

void Connection::on_stream_reset(std::uint32_t id) {
  if (auto it = streams_.find(id); it != streams_.end()) request_stream_reset(it->second);
  streams_.erase(id);
  timed_.erase(id);
  sending_.erase(id);
  if (ping_out_ == id) ping_failed();
  // go-libp2p-pubsub drops a peer whose pubsub stream fails; so do we.
  if (pubsub_out_ == id) fail("pubsub stream reset by the remote");
}

std::optional<std::uint32_t> Connection::open_stream(std::vector<std::string> protocols) {
  auto sid = yamux_->open_stream();
  if (!sid) return std::nullopt;
  Stream s;
  s.ours = true;
  s.negotiation.emplace(ms::Role::kDialer, std::move(protocols));
  (void)yamux_->send(*sid, s.negotiation->take_output());
  streams_.emplace(*sid, std::move(s));
  return *sid;
}

void Connection::on_stream_opened(std::uint32_t id) {
  Stream s;
  std::vector<std::string> supported = config_.pubsub_protocols;
  supported.emplace_back(protocol::kPing);
  supported.emplace_back(protocol::kIdentify);
  if (config_.request_protocols)
    for (std::string& p : config_.request_protocols()) supported.push_back(std::move(p));
  s.negotiation.emplace(ms::Role::kListener, std::move(supported));
  (void)yamux_->send(id, s.negotiation->take_output());
  streams_.emplace(id, std::move(s));
}

void Connection::reset_stream(std::uint32_t id, Drop drop) {
  emit(StreamRefused{drop});
  streams_.erase(id);
  timed_.erase(id);
  sending_.erase(id);
  (void)yamux_->reset(id);
  if (pubsub_out_ == id) fail("pubsub stream failed");
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
    if (s.request) return request_failed(id, RequestError::kUnsupportedProtocol, true);
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
  if (s.request) {
    on_request_selected(id, s, protocol);
  } else if (s.ours && protocol == protocol::kPing) {
    s.kind = StreamKind::kPingOut;
    ping_ready_ = true;
    (void)yamux_->send(id, pinger_->take_output());
  } else if (s.ours && protocol == protocol::kIdentify) {
    s.kind = StreamKind::kIdentifyOut;
  } else if (auto p = pubsub_protocol_of(protocol)) {
    if (id == pubsub_out_) {
      s.kind = StreamKind::kPubsubOut;
      pubsub_out_ready_ = true;
      negotiation_deadline_.reset();
    } else {
      for (const auto& [other, o] : streams_)
        if (o.kind == StreamKind::kPubsubIn) return reset_stream(id, Drop::kDuplicateStream);
      s.kind = StreamKind::kPubsubIn;
      s.reader.emplace(config_.max_rpc_size);
    }
    if (!pubsub_protocol_) pubsub_protocol_ = *p;
    emit(PubsubStream{*p});
  } else if (protocol == protocol::kPing) {
    s.kind = StreamKind::kPing;
    s.echo.emplace();
  } else if (protocol != protocol::kIdentify) {
    on_request_selected(id, s, protocol);  // the listener selects only what it supports
  } else {
    // Identify: we are the one identified; one message, then our side of the stream closes.
    s.kind = StreamKind::kFinished;
    const Bytes msg = config_.identify_message ? config_.identify_message() : Bytes{};
    emit(IdentifySent{msg.size()});
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
        emit(RpcReceived{id, std::move(**msg)});
      }
    }
    case StreamKind::kPing: {
      s.echo->receive(data);
      const Bytes echo = s.echo->take_output();
      if (echo.empty()) return;
      (void)yamux_->send(id, echo);
      return emit(PingsEchoed{echo.size() / net::ping::kPayloadBytes});
    }
    case StreamKind::kPingOut:
      return on_ping_bytes(data);
    case StreamKind::kRequestIn:
      return on_request_payload(id, s, data);
    case StreamKind::kRequestOut:
      return on_response_payload(id, s, data);
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

void Connection::on_ping_bytes(ByteView data) {
  pinger_->receive(data, now_);
  auto ev = pinger_->poll_event();
  if (!ev) return;
  if (auto* pong = std::get_if<net::ping::Pong>(&*ev)) return emit(PingResult{pong->rtt});
  ping_failed();
}

// The ping stream is unusable (timeout, mismatch, reset, refused): the next ping opens a
// new one.
void Connection::ping_failed() {
  if (!ping_out_) return;
  const std::uint32_t sid = *std::exchange(ping_out_, std::nullopt);
  if (streams_.erase(sid)) (void)yamux_->reset(sid);
  pinger_.reset();
  emit(PingResult{});
}

}  // namespace p2pgossip::host
