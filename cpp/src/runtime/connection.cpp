#include "runtime/connection.hpp"

#include <algorithm>

#include "p2pgossip/wire/rpc_codec.hpp"
#include "runtime/endpoint.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace {

// Queued RPCs merge up to this size: enough to amortise the per-RPC framing and decoding,
// small enough that what leaves the queue (yamux and socket buffers, not budgeted) stays
// small per connection.
constexpr std::size_t kMergedRpcBytes = 64 * 1024;

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
        c.expected_peer_id = std::move(expected_peer_id);
        c.pubsub_protocols = node.pubsub_protocols();
        c.identify_message = [this] { return node_.identify_message(*this); };
        const Limits& l = node.config().limits;
        c.max_streams = l.max_streams_per_connection;
        c.max_rpc_size = l.decode.max_rpc_size;
        c.max_unsent_output = l.socket_send_buffer;
        c.ping_timeout = node.config().peers.ping_timeout;
        return c;
      }()) {
  asio::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_addr_ = multiaddr_of(remote);
    remote_ip_ = remote.address().to_string();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
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
  rpc_queue_.clear();
  delayed_.clear();
  node_.return_outbound(std::exchange(rpc_queue_bytes_, 0));
  node_.on_connection_closed(*this, reason);
}

void Connection::ping(const net::ping::Payload& payload) {
  machine_.ping(payload, node_.now());
  drive();
}

// ---- the machine -------------------------------------------------------------------------

void Connection::drive() {
  if (driving_ || closed_) return;
  // The Node may drop its last reference while an event closes the connection.
  const auto self = shared_from_this();
  driving_ = true;
  dispatch_events();
  // A failed pubsub stream closes the connection: the machine's Closed event is next.
  if (!closed_ && !pump()) dispatch_events();
  driving_ = false;
  if (closed_) return;
  if (!writing_ && machine_.poll_transmit(inflight_)) write();
  arm_timer();
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

void Connection::read() {
  socket_.async_read_some(
      asio::buffer(read_buf_), [self = shared_from_this()](asio::error_code ec, std::size_t n) {
        if (self->closed_) return;
        if (ec) {
          if (ec == asio::error::eof)
            self->close("closed by the remote");
          else
            self->close("read: " + ec.message(), Drop::kSocketError);
        } else {
          self->node_.count_tcp(n, 0);
          self->machine_.handle_bytes(self->node_.now(), ByteView(self->read_buf_.data(), n));
          self->drive();
          if (!self->closed_) self->read();
        }
        self->node_.settle();
      });
}

void Connection::write() {
  writing_ = true;
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
                      self->writing_ = false;
                      self->drive();
                      self->node_.settle();
                    });
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
        return drive();
      }
      // The grown buffer does not fit: the RPC may still fit on its own.
    }
  }
  if (rpc_queue_.size() >= l.peer_outbound_queue) return node_.count(Drop::kOutboundQueueFull);
  if (auto refused = charge(rpc.rpc.capacity())) return node_.count(*refused);
  rpc_queue_.push_back(std::move(rpc));
  drive();
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

bool Connection::pump() {
  bool sent = true;
  while (!rpc_queue_.empty() && machine_.pubsub_writable(inflight_.size())) {
    const Bytes& rpc = rpc_queue_.front().rpc;
    sent = machine_.send_rpc_frame(rpc);
    if (!sent) break;
    uncharge(rpc.capacity());
    rpc_queue_.pop_front();
  }
  return sent;
}

}  // namespace p2pgossip::runtime
