// One libp2p connection on a TCP socket: the shell around host::Connection (socket reads
// in, its output written, one timer at its deadline, its events to the Node) and the RPC
// queue that feeds its pubsub stream. All on the node's I/O thread.
#pragma once

#include <array>
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "p2pgossip/host/connection.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/runtime/events.hpp"
#include "p2pgossip/runtime/metrics.hpp"

namespace p2pgossip::runtime {

class Node;

constexpr router::PeerIndex kNoSlot = router::kLocalPeer;

// The runtime's merged RPCs: 60 messages of 256 B amortise the per-RPC framing and decoding,
// and a receiver holding a partial RPC per connection, or a sender one waiting for the yamux
// window, holds little (64 KiB RPCs held 12 MB of each in a 50-node burst, at the same
// deliveries per CPU-second).
constexpr std::size_t kMergedRpcBytes = 16 << 10;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `id`: the peer manager's connection id (it also times the handshake out).
  Connection(Node& node, net::ConnectionId id, asio::ip::tcp::socket socket, Direction direction,
             std::optional<Bytes> expected_peer_id, std::optional<RequestId> request);
  ~Connection();

  // Starts the read loop and the upgrade.
  void start();
  // Idempotent. `drop` counts the reason when the closing is a refusal or a failure.
  void close(std::string reason, std::optional<Drop> drop = std::nullopt);
  // Queues what the router sends this peer in its outbox (refusals counted).
  void send(Rpc&& rpc);
  void send(MessagePtr message);
  // Holds `rpc` back until `due` (LinkShaping latency) and then queues it. Held RPCs are
  // charged to the outbox's bounds (refusals counted alike), so a shaped link holds at most
  // peer_outbound_queue_bytes, not whatever is sent within its latency.
  void send_at(std::chrono::steady_clock::time_point due, Rpc&& rpc);
  bool holds_rpcs() const { return !delayed_.empty(); }
  bool exchanging() const { return machine_.exchanging(); }
  // Queues the held RPCs due by `now`; returns when the next is due, if any is held.
  std::optional<std::chrono::steady_clock::time_point> release_due(
      std::chrono::steady_clock::time_point now);
  // The queued copy of `message` is not sent (IDONTWANT, or an echo: counted under `why`).
  void cancel(const Message* message, Drop why);
  // Bytes queued and held for this peer.
  std::size_t queued_bytes() const { return outbox_.bytes(); }
  bool backlogged() const { return outbox_.backlogged(); }
  // Sends `payload` on our ping stream (opened on first use); the Node hears the result.
  void ping(const net::ping::Payload& payload);
  // Request/response on the connection machine; the Node hears the outcomes.
  void send_request(RequestId request, const std::string& protocol, ByteView data,
                    std::size_t max_response, Instant deadline);
  void respond(std::uint32_t stream, ByteView data);
  void refuse(std::uint32_t stream);

  bool closed() const { return closed_; }
  bool up() const { return machine_.up(); }
  Direction direction() const { return direction_; }
  const std::string& remote_addr() const { return remote_addr_; }
  const std::string& remote_ip() const { return remote_ip_; }
  const Bytes& peer_id() const { return machine_.peer_id(); }
  // The peer this connection is for: the authenticated one, else the dialled /p2p/ id.
  std::optional<Bytes> intended_peer() const {
    return peer_id().empty() ? machine_.expected_peer_id() : peer_id();
  }
  std::optional<router::Protocol> pubsub_protocol() const { return machine_.pubsub_protocol(); }

  const net::ConnectionId id;
  // Owned by the Node.
  router::PeerIndex slot = kNoSlot;
  bool in_router = false;
  std::optional<RequestId> request;
  std::unique_ptr<asio::steady_timer> delay_timer;  // for release_due, armed by the Node

 private:
  void read();
  // read(), or first a pause while the peer's inbound budget refills (Node::read_pause):
  // unread bytes make TCP and yamux flow control slow the sender, which loses nothing.
  void read_on();
  // After every input and command: the machine's events to the Node, its timer re-armed, a
  // flush posted.
  void drive();
  void post_flush();
  // Queued RPCs into the pubsub stream and the machine's output to the socket.
  void flush();
  void dispatch_events();
  void dispatch(host::ConnectionEvent& event);
  void count(const host::Outbox::Refused& refused);
  // The outbox's RPCs into the pubsub stream while it takes them. False when the stream
  // failed (the machine closed the connection).
  bool pump();
  bool write();
  void arm_timer();

  Node& node_;
  asio::ip::tcp::socket socket_;
  Direction direction_;
  std::string remote_addr_, remote_ip_;
  host::Connection machine_;
  bool closed_ = false;
  bool driving_ = false;  // drive() under way: a command from a Node callback defers to it

  // What the router sent this peer and the pubsub stream has not taken yet.
  host::Outbox outbox_;
  // RPCs held back by LinkShaping latency: (due, rpc, bytes reserved in the outbox), in order.
  struct Held {
    std::chrono::steady_clock::time_point due;
    Rpc rpc;
    std::size_t bytes;
  };
  std::deque<Held> delayed_;
  void drop_held();
  std::unique_ptr<asio::steady_timer> timer_;       // at the machine's deadline
  std::unique_ptr<asio::steady_timer> read_timer_;  // the end of a read pause
  std::optional<Instant> timer_for_;

  Bytes inflight_;        // sealed output the socket has not taken
  bool writing_ = false;  // waiting for the socket to take the rest of inflight_
  bool flush_posted_ = false;
};

}  // namespace p2pgossip::runtime
