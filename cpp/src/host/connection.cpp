// The connection machine's upgrade, inputs and outputs; its streams are in streams.cpp.
#include "p2pgossip/host/connection.hpp"

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::host {

namespace ms = net::multistream;
namespace noise = net::noise;
namespace yamux = net::yamux;

Connection::Connection(ConnectionConfig config) : config_(std::move(config)) {
  config_.noise.initiator = config_.dialer;
  negotiation_.emplace(role(), std::vector<std::string>{std::string(protocol::kNoise)});
  write_raw(negotiation_->take_output());
}

ms::Role Connection::role() const {
  return config_.dialer ? ms::Role::kDialer : ms::Role::kListener;
}

// ---- inputs ------------------------------------------------------------------------------

void Connection::handle_bytes(Instant now, ByteView data) {
  if (closed_) return;
  now_ = now;
  if (stage_ == Stage::kSecurityNegotiation)
    on_security_bytes(data);
  else
    on_noise_bytes(data);
  seal();
}

void Connection::handle_timeout(Instant now) {
  if (closed_) return;
  now_ = now;
  if (negotiation_deadline_ && now >= *negotiation_deadline_) {
    negotiation_deadline_.reset();
    return fail("no pubsub stream negotiated within stream_negotiation_timeout",
                Drop::kStreamNegotiationTimeout);
  }
  request_deadlines(now);
  if (pinger_) {
    pinger_->tick(now);
    if (pinger_->poll_event()) ping_failed();
  }
  seal();
}

void Connection::ping(const net::ping::Payload& payload, Instant now) {
  if (closed_ || !yamux_) return;
  now_ = now;
  if (!ping_out_) {
    pinger_.emplace(config_.ping_timeout);
    ping_out_ = open_stream({std::string(protocol::kPing)});
    ping_ready_ = false;
    if (!ping_out_) return emit(PingResult{});
  }
  if (!pinger_->ping(payload, now)) return emit(PingResult{});
  if (ping_ready_) (void)yamux_->send(*ping_out_, pinger_->take_output());
  seal();
}

bool Connection::pubsub_writable(std::size_t in_flight) const {
  // An RPC waiting for the remote's yamux window stops the feed (the rest waits in the
  // outbox as shared messages, not as bytes); frames yamux holds unsealed count as output.
  return !closed_ && pubsub_out_ready_ && yamux_->send_queued(*pubsub_out_) == 0 &&
         out_.size() + yamux_->output_bytes() + in_flight < config_.max_unsent_output;
}

bool Connection::send_rpc_frame(ByteView rpc) {
  if (closed_ || !pubsub_out_ready_) return false;
  frame_.clear();
  wire::put_varint(frame_, rpc.size());
  frame_.insert(frame_.end(), rpc.begin(), rpc.end());
  const Status st = yamux_->send(*pubsub_out_, frame_);
  frame_.clear();
  release_if_grown(frame_);
  if (!st) fail("pubsub stream: " + st.error().what, Drop::kYamuxError);
  return static_cast<bool>(st);
}

void Connection::reject_rpc(std::uint32_t stream) {
  if (closed_ || !streams_.count(stream)) return;
  rejected_.insert(stream);
  reset_stream(stream, Drop::kRpcDecode);
  seal();
}

void Connection::close() {
  closed_ = true;
  events_.clear();
  out_.clear();
}

// ---- outputs -----------------------------------------------------------------------------

bool Connection::poll_transmit(Bytes& into) {
  seal();  // the RPC frames sent since the last input
  if (out_.empty()) return false;
  into.swap(out_);
  out_.clear();
  release_if_grown(out_);
  return true;
}

std::optional<ConnectionEvent> Connection::poll_event() {
  while (!events_.empty()) {
    ConnectionEvent e = std::move(events_.front());
    events_.pop_front();
    if (const auto* rpc = std::get_if<RpcReceived>(&e); rpc && rejected_.count(rpc->stream))
      continue;
    return e;
  }
  rejected_.clear();  // no event left of a rejected stream
  return std::nullopt;
}

std::optional<Instant> Connection::next_deadline() const {
  if (closed_) return std::nullopt;
  std::optional<Instant> next = negotiation_deadline_;
  if (pinger_)
    if (auto p = pinger_->next_deadline(); p && (!next || *p < *next)) next = p;
  for (std::uint32_t id : timed_)
    if (auto s = streams_.find(id);
        s != streams_.end() && s->second.deadline && (!next || *s->second.deadline < *next))
      next = s->second.deadline;
  return next;
}

// ---- upgrade -----------------------------------------------------------------------------

std::optional<Bytes> Connection::negotiate(ByteView data, bool sealed, std::string_view stage,
                                           Drop drop) {
  negotiation_->receive(data);
  Bytes out = negotiation_->take_output();
  if (sealed)
    send_plain(out);
  else
    write_raw(std::move(out));
  auto ev = negotiation_->poll_event();
  if (!ev) return std::nullopt;
  if (auto* f = std::get_if<ms::Failed>(&*ev)) {
    fail(std::string(stage) + ": " + f->reason, drop);
    return std::nullopt;
  }
  Bytes rest = negotiation_->take_remaining();
  negotiation_.reset();
  return rest;
}

void Connection::on_security_bytes(ByteView data) {
  auto rest = negotiate(data, false, "security negotiation", Drop::kSecurityNegotiation);
  if (!rest) return;
  noise_.emplace(config_.noise);
  stage_ = Stage::kNoise;
  write_raw(noise_->take_output());
  if (!rest->empty()) on_noise_bytes(*rest);
}

void Connection::on_noise_bytes(ByteView data) {
  noise_->receive(data);
  write_raw(noise_->take_output());
  if (stage_ == Stage::kNoise) {
    if (auto ev = noise_->poll_event()) {
      if (auto* f = std::get_if<noise::Failed>(&*ev))
        return fail("noise: " + f->reason,
                    f->network_refused ? Drop::kNetworkRefused : Drop::kNoiseFailed);
      on_secured(std::get<noise::HandshakeComplete>(*ev));
      if (closed_) return;
    }
  }
  if (noise_->failed()) return fail("noise: transport decryption failed", Drop::kNoiseFailed);
  Bytes plain = noise_->take_plaintext();
  if (!plain.empty()) on_plaintext(plain);
  noise_->recycle_plaintext(std::move(plain));
}

void Connection::on_secured(const noise::HandshakeComplete& remote) {
  peer_id_ = remote.peer_id;
  if (config_.expected_peer_id && *config_.expected_peer_id != peer_id_)
    return fail("remote peer id differs from the dialled /p2p/ id", Drop::kPeerIdMismatch);
  emit(Secured{peer_id_});
  stage_ = Stage::kMuxerNegotiation;
  negotiation_.emplace(role(), std::vector<std::string>{std::string(protocol::kYamux)});
  send_plain(negotiation_->take_output());
}

void Connection::on_plaintext(ByteView data) {
  if (stage_ == Stage::kMuxed) {
    yamux_->receive(data);
    return process_yamux();
  }
  auto rest = negotiate(data, true, "muxer negotiation", Drop::kMuxerNegotiation);
  if (rest) on_muxed(std::move(*rest));
}

void Connection::on_muxed(Bytes rest) {
  yamux::Config c;
  c.max_streams = config_.max_streams;
  // Room for one largest RPC (and its length prefix) beyond the remote's window.
  c.max_send_buffer = config_.max_rpc_size + 16;
  yamux_.emplace(config_.dialer ? yamux::Role::kClient : yamux::Role::kServer, c);
  stage_ = Stage::kMuxed;
  if (config_.stream_negotiation_timeout > Duration::zero())
    negotiation_deadline_ = now_ + config_.stream_negotiation_timeout;
  emit(Up{});
  pubsub_out_ = open_stream(config_.pubsub_protocols);
  // Identify the remote: its listen addresses feed the peer manager.
  (void)open_stream({std::string(protocol::kIdentify)});
  if (!rest.empty()) yamux_->receive(rest);
  process_yamux();
}

void Connection::fail(std::string reason, std::optional<Drop> drop) {
  closed_ = true;
  // A yamux GoAway would be polite, but the transport closes right after; skip it.
  out_.clear();
  fail_requests();
  emit(Closed{std::move(reason), drop});
}

void Connection::write_raw(Bytes data) {
  if (data.empty() || closed_) return;
  if (out_.empty())
    out_ = std::move(data);
  else
    out_.insert(out_.end(), data.begin(), data.end());
}

void Connection::send_plain(ByteView data) {
  if (data.empty() || closed_) return;
  // Sealed into the transport's buffer itself, after anything Noise still holds (nothing
  // once the handshake is over): no buffer of Noise's own a frame.
  write_raw(noise_->take_output());
  if (auto st = noise_->send(data, out_); !st)
    return fail("noise: " + st.error().what, Drop::kNoiseFailed);
}

void Connection::seal() {
  if (!yamux_ || closed_) return;
  if (!sending_.empty()) flush_outgoing();
  Bytes frames = yamux_->take_output();
  send_plain(frames);
  yamux_->recycle_output(std::move(frames));
}

}  // namespace p2pgossip::host
