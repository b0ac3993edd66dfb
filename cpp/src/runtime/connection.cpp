#include "runtime/connection.hpp"

#include <algorithm>

#include "p2pgossip/host/pump.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/endpoint.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace {
// Noise frames of 16 KiB, not 64: each connection's reader holds at most the frame a 32 KiB
// read cut, and 400 connections of a burst held 23 MB of 64 KiB ones. The tag and header
// are 18 bytes a frame, 0.1% more.
constexpr std::size_t kSealedFramePlaintext = (16 << 10) - net::noise::kTagLen - 2;
}  // namespace

Connection::Connection(Node& node, net::ConnectionId cid, asio::ip::tcp::socket socket,
                       Direction direction, std::optional<Bytes> expected_peer_id,
                       std::optional<RequestId> req)
    : id(cid),
      request(std::move(req)),
      node_(node),
      socket_(std::move(socket)),
      direction_(direction),
      machine_([&] {
        const bool dialer = direction == Direction::kOutbound;
        host::ConnectionConfig c;
        c.dialer = dialer;
        c.noise = node.noise_config(dialer);
        c.noise.max_frame_plaintext = kSealedFramePlaintext;
        c.expected_peer_id = std::move(expected_peer_id);
        c.pubsub_protocols = node.pubsub_protocols();
        c.identify_message = [this] { return node_.identify_message(*this); };
        const Limits& l = node.config().limits;
        c.max_streams = l.max_streams_per_connection;
        c.max_rpc_size = l.decode.max_rpc_size;
        c.max_unsent_output = l.socket_send_buffer;
        c.ping_timeout = node.config().peers.ping_timeout;
        c.stream_negotiation_timeout = node.config().peers.stream_negotiation_timeout;
        c.request_protocols = [this] { return node_.served(); };
        c.max_request_size = l.max_request_size;
        c.request_timeout = l.request_timeout;
        return c;
      }()),
      outbox_(node.outbox_limits(), node.outbound_budget()) {
  asio::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_addr_ = multiaddr_of(remote);
    remote_ip_ = remote.address().to_string();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // read(): a readable socket may still have nothing
}

void Connection::start() {
  drive();
  read();
}

void Connection::close(std::string reason, std::optional<Drop> drop) {
  if (closed_) return;
  closed_ = true;
  machine_.close();
  if (drop) node_.count(*drop);
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (delay_timer) delay_timer->cancel();
  if (timer_) timer_->cancel();
  if (read_timer_) read_timer_->cancel();
  drop_held();
  outbox_.clear();
  node_.on_connection_closed(*this, reason, drop);
}

Connection::~Connection() { drop_held(); }  // empty once closed: the node may be gone

// Held RPCs give back what they took as they go: an entry each and the bodies they alone
// hold, which the outbox cannot know of (dropped with the connection, they were given back
// as plain bytes, and their bodies stayed counted as held).
void Connection::drop_held() {
  for (const Held& h : delayed_) outbox_.unreserve(h.rpc, h.bytes);
  delayed_.clear();
}

void Connection::ping(const net::ping::Payload& payload) {
  machine_.ping(payload, node_.now());
  drive();
}

void Connection::send_request(RequestId request, const std::string& protocol, ByteView data,
                              std::size_t max_response, Instant deadline) {
  machine_.request(request, protocol, data, max_response, deadline, node_.now());
  drive();
}

void Connection::respond(std::uint32_t stream, ByteView data) {
  machine_.respond(stream, data, node_.now());
  drive();
}

void Connection::refuse(std::uint32_t stream) {
  machine_.refuse(stream, node_.now());
  drive();
}

// ---- the machine -------------------------------------------------------------------------

void Connection::drive() {
  if (driving_ || closed_) return;
  // The Node may drop its last reference while an event closes the connection.
  const auto self = shared_from_this();
  driving_ = true;
  dispatch_events();
  driving_ = false;
  // The machine's own output (handshake, window updates, pongs) leaves at once, before a
  // Node command can close the connection; queued RPCs wait for the turn's flush.
  if (!closed_ && !writing_ && machine_.poll_transmit(inflight_)) write();
  if (closed_) return;
  post_flush();
  arm_timer();
}

// Output leaves once per turn of the I/O thread, not per RPC the router sends: what this
// turn queued is merged into few RPCs and sealed and written at once, and waits until then
// in the outbox as shared messages rather than as encoded and sealed bytes.
void Connection::post_flush() {
  if (flush_posted_ || writing_) return;  // a write waiting for the socket flushes after it
  flush_posted_ = true;
  asio::post(node_.io(), [self = shared_from_this()] {
    // Closed since: the node may be gone (a closed node is freed once its close has run,
    // and this handler keeps the connection alive, not the node). Like every handler here,
    // touch the node only while open: settling a freed node crashed the DHT tests.
    if (self->closed_) return;
    self->flush_posted_ = false;
    self->flush();
    self->node_.settle();
  });
}

void Connection::flush() {
  // The queued RPCs into the pubsub stream and out to the socket while it takes them: each
  // write frees the room the next pump fills. A failed pubsub stream closes the connection:
  // the machine's Closed event is next.
  while (!closed_ && !writing_) {
    if (!pump()) {
      driving_ = true;
      dispatch_events();
      driving_ = false;
      return;
    }
    if (!machine_.poll_transmit(inflight_) || !write()) return;
  }
}

void Connection::dispatch_events() {
  while (!closed_) {
    auto ev = machine_.poll_event();
    if (!ev) return;
    dispatch(*ev);
  }
}

void Connection::dispatch(host::ConnectionEvent& event) {
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, host::Up>) {
          node_.on_connection_up(shared_from_this());
        } else if constexpr (std::is_same_v<T, host::PubsubStream>) {
          node_.on_pubsub_stream(*this, e.protocol);
        } else if constexpr (std::is_same_v<T, host::RpcReceived>) {
          if (!node_.on_rpc(*this, e.rpc)) machine_.reject_rpc(e.stream);
        } else if constexpr (std::is_same_v<T, host::IdentifyReceived>) {
          node_.on_identify(*this, e.stream);
        } else if constexpr (std::is_same_v<T, host::IdentifySent>) {
          node_.count_out(Proto::kIdentify, e.bytes);
        } else if constexpr (std::is_same_v<T, host::PingsEchoed>) {
          for (std::size_t i = 0; i < e.count; ++i) {
            node_.count_in(Proto::kPing, net::ping::kPayloadBytes);
            node_.count_out(Proto::kPing, net::ping::kPayloadBytes);
          }
        } else if constexpr (std::is_same_v<T, host::PingResult>) {
          if (e.rtt) {
            node_.count_in(Proto::kPing, net::ping::kPayloadBytes);
            node_.count_out(Proto::kPing, net::ping::kPayloadBytes);
          }
          node_.on_ping_result(*this, e.rtt);
        } else if constexpr (std::is_same_v<T, host::StreamRefused>) {
          node_.count(e.drop);
        } else if constexpr (std::is_same_v<T, host::RequestReceived>) {
          node_.on_request(*this, e.stream, std::move(e.protocol), std::move(e.request));
        } else if constexpr (std::is_same_v<T, host::ResponseReceived>) {
          node_.on_response(e.request, std::move(e.response));
        } else if constexpr (std::is_same_v<T, host::RequestFailed>) {
          node_.on_request_failed(e.request, e.error);
        } else if constexpr (std::is_same_v<T, host::Closed>) {
          close(std::move(e.reason), e.drop);
        }
        // Secured: the Node decides at Up, once the connection is usable.
      },
      event);
}

void Connection::arm_timer() {
  const auto due = machine_.next_deadline();
  if (due == timer_for_) return;
  timer_for_ = due;
  if (!due) {
    if (timer_) timer_->cancel();
    return;
  }
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(node_.io());
  timer_->expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(*due)));
  timer_->async_wait([self = shared_from_this()](asio::error_code ec) {
    if (ec || self->closed_) return;
    self->timer_for_.reset();
    self->machine_.handle_timeout(self->node_.now());
    self->drive();
    self->node_.settle();
  });
}

// ---- socket ------------------------------------------------------------------------------

// Waits until the socket is readable, then reads into the I/O thread's buffer: a buffer
// per thread, not one per connection held while it waits (400 connections kept 13 MB).
void Connection::read() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](asio::error_code ec) {
                       if (self->closed_) return;
                       thread_local std::array<std::uint8_t, 32 * 1024> buf;
                       std::size_t n = 0;
                       if (!ec) n = self->socket_.read_some(asio::buffer(buf), ec);
                       if (ec == asio::error::would_block || ec == asio::error::try_again)
                         return self->read();
                       if (ec) {
                         if (ec == asio::error::eof)
                           self->close("closed by the remote");
                         else
                           self->close("read: " + ec.message(), Drop::kSocketError);
                       } else {
                         self->node_.count_tcp(n, 0);
                         self->machine_.handle_bytes(self->node_.now(), ByteView(buf.data(), n));
                         self->drive();
                         self->read_on();
                       }
                       self->node_.settle();
                     });
}

void Connection::read_on() {
  if (closed_) return;
  const auto pause = in_router ? node_.read_pause(slot) : std::nullopt;
  if (!pause) return read();
  if (!read_timer_) read_timer_ = std::make_unique<asio::steady_timer>(node_.io());
  read_timer_->expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(*pause));
  read_timer_->async_wait([self = shared_from_this()](asio::error_code ec) {
    if (!ec) self->read_on();
  });
}

// Writes at once what the socket takes (it is non-blocking), so the kernel holds the bytes
// and ours are freed now; an async_write freed them only when its handler ran, after those
// of every other connection of the thread (a 50-node burst held 45 MB of sealed output so).
// The rest waits for the socket to be writable. True when all of it was written.
bool Connection::write() {
  asio::error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(inflight_), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) {
    close("write: " + ec.message(), Drop::kSocketError);
    return false;
  }
  node_.count_tcp(0, n);
  inflight_.erase(inflight_.begin(), inflight_.begin() + static_cast<std::ptrdiff_t>(n));
  if (inflight_.empty()) {
    release_if_grown(inflight_);
    return true;
  }
  writing_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_write,
                     [self = shared_from_this()](asio::error_code ec) {
                       if (self->closed_) return;
                       self->writing_ = false;
                       if (ec)
                         self->close("write: " + ec.message(), Drop::kSocketError);
                       else if (self->write())
                         self->flush();
                       self->node_.settle();
                     });
  return false;
}

// ---- sending RPCs ------------------------------------------------------------------------

void Connection::count(const host::Outbox::Refused& refused) {
  if (refused.idontwant_shed) node_.count(Drop::kIdontwantShed, refused.idontwant_shed);
  if (!refused.reason) return;
  const Drop d = *refused.reason == host::Outbox::Refusal::kPeerFull ? Drop::kOutboundQueueFull
                                                                     : Drop::kNodeOutboundBudget;
  node_.count(d, refused.messages + refused.control);
  if (in_router)
    for (const MessagePtr& m : refused.lost) node_.forward_refused(slot, *m);
}

void Connection::send(Rpc&& rpc) {
  if (closed_) return;
  count(outbox_.push(std::move(rpc)));
  drive();
}

void Connection::send(MessagePtr message) {
  if (closed_) return;
  count(outbox_.push(std::move(message)));
  drive();
}

void Connection::send_at(std::chrono::steady_clock::time_point due, Rpc&& rpc) {
  if (closed_) return;
  const std::size_t bytes = wire::encoded_rpc_size(rpc);
  if (auto refused = outbox_.reserve(rpc, bytes)) {
    host::Outbox::Refused r;
    r.reason = refused;
    r.messages = std::max<std::size_t>(rpc.publish.size(), 1);
    r.lost = std::move(rpc.publish);
    return count(r);
  }
  delayed_.push_back(Held{due, std::move(rpc), bytes});
}

std::optional<std::chrono::steady_clock::time_point> Connection::release_due(
    std::chrono::steady_clock::time_point now) {
  while (!closed_ && !delayed_.empty() && delayed_.front().due <= now) {
    Held held = std::move(delayed_.front());
    delayed_.pop_front();
    outbox_.unreserve(held.rpc, held.bytes);  // charged again as it is queued
    count(outbox_.push(std::move(held.rpc)));
  }
  drive();
  if (closed_ || delayed_.empty()) return std::nullopt;
  return delayed_.front().due;
}

// Held copies (a shaped link's latency stands for a slow one) are cancelled like queued ones.
void Connection::cancel(const Message* message, Drop why) {
  std::size_t n = outbox_.cancel(message);
  for (Held& h : delayed_) {
    std::vector<MessagePtr>& publish = h.rpc.publish;
    std::size_t removed = 0, freed = 0;
    for (std::size_t i = publish.size(); i-- > 0;) {
      if (publish[i].get() != message) continue;
      freed += outbox_.unreserve(*publish[i]);
      publish.erase(publish.begin() + static_cast<std::ptrdiff_t>(i));
      if (!h.rpc.publish_hops.empty())
        h.rpc.publish_hops.erase(h.rpc.publish_hops.begin() + static_cast<std::ptrdiff_t>(i));
      ++removed;
    }
    if (!removed) continue;
    n += removed;
    // What is left of the difference is the removed messages' hop counts.
    const std::size_t bytes = wire::encoded_rpc_size(h.rpc);
    outbox_.unreserve(h.bytes - freed - bytes);
    h.bytes = bytes;
  }
  if (n) node_.count(why, n);
}

bool Connection::pump() {
  const auto protocol = pubsub_protocol();
  // The RPC being handed to the machine: one buffer per I/O thread, not one per connection
  // (a burst grew each of 400 connections' to 64 KiB).
  thread_local Bytes frame;
  return host::pump(outbox_, machine_, frame, inflight_.size(), [&](std::size_t bytes) {
    if (protocol) node_.count_out(proto_of(*protocol), bytes);
  });
}

}  // namespace p2pgossip::runtime
