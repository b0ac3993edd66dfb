// One libp2p connection on a TCP socket: the upgrade (multistream-select /noise, Noise XX,
// multistream-select /yamux/1.0.0, yamux), then protocol streams. It drives the sans-I/O
// net machines with Asio and reports to its Node; all on the node's I/O thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "p2pgossip/net/multistream.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/net/ping.hpp"
#include "p2pgossip/net/yamux.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/runtime/events.hpp"
#include "p2pgossip/runtime/metrics.hpp"
#include "runtime/length_prefixed.hpp"

namespace p2pgossip::runtime {

class Node;

constexpr router::PeerIndex kNoSlot = router::kLocalPeer;

// One encoded RPC waiting to be sent, with the entry counts the receiver's decoder bounds
// (DecodeLimits), so merging two never makes an RPC the receiver refuses.
struct OutboundRpc {
  Bytes rpc;  // without the length prefix
  std::size_t publish = 0, subscriptions = 0, control = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `id`: the peer manager's connection id (it also times the handshake out).
  Connection(Node& node, net::ConnectionId id, asio::ip::tcp::socket socket, Direction direction,
             std::optional<Bytes> expected_peer_id, std::optional<RequestId> request);

  // Starts the read loop and the upgrade.
  void start();
  // Idempotent. `drop` counts the reason when the closing is a refusal or a failure.
  void close(std::string reason, std::optional<Drop> drop = std::nullopt);
  // Queues one length-prefixed RPC for the pubsub stream (merged into the last queued one
  // when it fits; dropped and counted when the queue is full).
  void send_rpc(OutboundRpc rpc);
  // Holds `rpc` back until `due` (LinkShaping latency) and then queues it. Held RPCs are
  // charged to the same budgets as queued ones (refusals counted alike), so a shaped link
  // holds at most peer_outbound_queue_bytes, not whatever is sent within its latency.
  void send_rpc_at(std::chrono::steady_clock::time_point due, OutboundRpc rpc);
  bool holds_rpcs() const { return !delayed_.empty(); }
  // Queues the held RPCs due by `now`; returns when the next is due, if any is held.
  std::optional<std::chrono::steady_clock::time_point> release_due(
      std::chrono::steady_clock::time_point now);
  // The memory the queued and held RPCs take (their buffers' capacities), summed afresh:
  // the budgets charge the same amounts as the RPCs come and go.
  std::size_t queued_rpc_memory() const;
  // Sends `payload` on our ping stream (opened on first use); the Node hears the result.
  void ping(const net::ping::Payload& payload);

  bool closed() const { return closed_; }
  bool up() const { return up_; }
  Direction direction() const { return direction_; }
  const std::string& remote_addr() const { return remote_addr_; }
  const std::string& remote_ip() const { return remote_ip_; }
  const Bytes& peer_id() const { return peer_id_; }
  // The peer this connection is for: the authenticated one, else the dialled /p2p/ id.
  std::optional<Bytes> intended_peer() const {
    return peer_id_.empty() ? expected_peer_id_ : peer_id_;
  }
  std::optional<router::Protocol> pubsub_protocol() const { return pubsub_protocol_; }

  const net::ConnectionId id;
  // Owned by the Node.
  router::PeerIndex slot = kNoSlot;
  bool in_router = false;
  std::optional<RequestId> request;
  std::unique_ptr<asio::steady_timer> delay_timer;  // for release_due, armed by the Node

 private:
  enum class Stage { kSecurityNegotiation, kNoise, kMuxerNegotiation, kMuxed };
  // kFinished: we wrote all we had to (identify) and read nothing more. kPingOut and
  // kIdentifyOut are the streams we open to ping the remote and to identify it.
  enum class StreamKind {
    kNegotiating,
    kPubsubOut,
    kPubsubIn,
    kPing,
    kFinished,
    kPingOut,
    kIdentifyOut
  };
  struct Stream {
    StreamKind kind = StreamKind::kNegotiating;
    bool ours = false;  // we opened it (ping, identify); the pubsub stream is pubsub_out_
    std::optional<net::multistream::Negotiation> negotiation;
    std::optional<LengthPrefixedReader> reader;
    router::Protocol protocol = router::Protocol::kMeshsub12;
    std::optional<net::ping::Echo> echo;
    Bytes received;  // kIdentifyOut: the remote's identify stream so far
  };

  void read();
  void on_bytes(ByteView data);
  void on_secured(const net::noise::HandshakeComplete& remote);
  void on_plaintext(ByteView data);
  void on_muxed(Bytes rest);
  void process_yamux();
  void on_stream_opened(std::uint32_t id);
  void on_stream_data(std::uint32_t id, Bytes data);
  void on_stream_selected(std::uint32_t id, Stream& s, const std::string& protocol, Bytes rest);
  void on_stream_payload(std::uint32_t id, Stream& s, ByteView data);
  void open_pubsub_stream();
  // Opens a stream and proposes `protocol` as the dialer.
  std::optional<std::uint32_t> open_stream(std::string_view protocol);
  void on_ping_bytes(ByteView data);
  void ping_failed();
  void reset_stream(std::uint32_t id, Drop drop);
  // Charges `bytes` more queue memory to this peer's bytes and the node's budget; the
  // refusal (not counted here) otherwise.
  std::optional<Drop> charge(std::size_t bytes);
  void uncharge(std::size_t bytes);
  void pump();
  void send_plain(ByteView data);
  void write_raw(Bytes data);
  void write();

  Node& node_;
  asio::ip::tcp::socket socket_;
  Direction direction_;
  std::optional<Bytes> expected_peer_id_;
  std::string remote_addr_, remote_ip_;
  Bytes peer_id_;
  Stage stage_ = Stage::kSecurityNegotiation;
  bool closed_ = false;
  bool up_ = false;

  std::optional<net::multistream::Negotiation> negotiation_;
  std::optional<net::noise::Session> noise_;
  std::optional<net::yamux::Session> yamux_;
  std::map<std::uint32_t, Stream> streams_;
  std::optional<std::uint32_t> pubsub_out_;
  bool pubsub_out_ready_ = false;
  std::optional<router::Protocol> pubsub_protocol_;
  // RPCs not yet handed to yamux; a later RPC may be merged into the last entry.
  std::deque<OutboundRpc> rpc_queue_;
  // RPCs held back by LinkShaping latency: (due, rpc), in order.
  std::deque<std::pair<std::chrono::steady_clock::time_point, OutboundRpc>> delayed_;
  std::size_t rpc_queue_bytes_ = 0;  // the capacity of every buffer in rpc_queue_ and delayed_
  std::optional<std::uint32_t> ping_out_;
  bool ping_ready_ = false;  // ping_out_ negotiated
  std::optional<net::ping::Pinger> pinger_;
  std::unique_ptr<asio::steady_timer> ping_timer_;

  std::array<std::uint8_t, 32 * 1024> read_buf_;
  Bytes out_, inflight_;
  bool writing_ = false;
};

}  // namespace p2pgossip::runtime
