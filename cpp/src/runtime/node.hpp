// One node on an I/O thread: the socket shell of its host::Host (router, peer manager,
// blocks, links, validations, drops). Every method runs on the node's I/O thread; the
// Runtime posts commands here.
#pragma once

#include <asio.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/dht.hpp"
#include "p2pgossip/host/dht_sender.hpp"
#include "p2pgossip/host/host.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/host/request_response.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/runtime/config.hpp"
#include "p2pgossip/runtime/delivery_log.hpp"
#include "p2pgossip/runtime/events.hpp"
#include "p2pgossip/runtime/metrics.hpp"
#include "runtime/delivery_routes.hpp"
#include "runtime/event_queue.hpp"
#include "runtime/mdns_socket.hpp"

namespace p2pgossip::runtime {

class Connection;

// What the nodes of one runtime share; all of it thread-safe.
struct Shared {
  EventQueue& events;
  crypto::VerifyCache& verify_cache;
  LogLevel log_level;
  host::SharedBudget& outbound_budget;
  DeliveryLog& deliveries;
  host::MessagePool& messages;  // one body per message for every node
};

// The refusals of one publish call, whose messages may reach the router in several batches
// (Runtime::publish_batch hands a large call over in chunks as it signs them).
struct PublishTally {
  std::size_t failed = 0;
  std::optional<std::string> first;  // the first refusal's reason
};

// The protocols a node counts traffic for, indexed as in kProtocolIds.
enum class Proto : std::uint8_t { kMeshsub12, kMeshsub11, kFloodsub, kPing, kIdentify, kCount };
extern const std::array<std::string_view, static_cast<std::size_t>(Proto::kCount)> kProtocolIds;
Proto proto_of(router::Protocol p);

// The socket shell of one host::Host: listeners, TCP dials and accepts, connections (a
// connection's slot is its PeerIndex), the timer at the host's deadline, and the host's
// outputs turned into writes and events.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(NodeId id, NodeConfig config, asio::io_context& io, Shared& shared);
  ~Node();

  // ---- commands ------------------------------------------------------------------------
  // Listens on every address; one Listening (all addresses) and one CommandDone (the first
  // error, if any).
  void listen(const std::vector<std::string>& addrs, RequestId request);
  void connect(const std::string& addr, RequestId request);
  void disconnect(const Bytes& peer_id, RequestId request);
  void publish(MessagePtr message, RequestId request);
  // Publications signed on a caller's thread, built into Messages here (their data moved
  // out). With a tally, refusals are added to it and a request (not 0) reports the tally;
  // without, each refusal counts as Drop::kPublishFailed and is logged.
  void publish(const std::string& topic, std::vector<host::Publication>& publications,
               PublishTally* tally, RequestId request);
  void subscribe(const std::string& topic, RequestId request);
  void unsubscribe(const std::string& topic, RequestId request);
  void set_validator(const std::string& topic, bool registered);
  void validation_result(ValidationToken token, router::ValidationResult result);
  void set_app_score(const Bytes& peer_id, double value);
  void set_link(const Bytes& peer_id, LinkShaping shaping);
  void block(const std::vector<Bytes>& peer_ids);
  void unblock(const std::vector<Bytes>& peer_ids);
  void ban(const net::BanTarget& target, std::optional<Duration> duration, const std::string& note);
  void unban(const net::BanTarget& target);
  std::vector<net::BanEntry> bans();
  void set_role(const host::Role& role) { host_.set_role(role, now()); }
  // ---- request/response (node_requests.cpp) ------------------------------------------------
  // Inbound streams under `protocol` are answered (true) or refused from now on.
  void serve(const std::string& protocol, bool on);
  // One Response event for `request`: the peer's answer or why there is none.
  void request(const Bytes& peer_id, const std::string& protocol, ByteView data, Duration timeout,
               std::size_t max_response, RequestId request);
  // Answers (or, with nullopt, refuses) an InboundRequest; ignored once its stream is gone.
  void respond(std::uint64_t token, std::optional<Bytes> response);
  // ---- the DHT (node_dht.cpp) ------------------------------------------------------------
  // A LookupDone event for `request` (with an error when the DHT is off, or our own store
  // refuses a put or provide). `value`: kPutValue's.
  void dht_lookup(host::DhtOp op, const Bytes& key, const Bytes& value, std::size_t quorum,
                  RequestId request);
  void dht_check_namespaces(std::vector<std::string> namespaces);
  // The verdict on a RecordCheck: a held PUT_VALUE is answered (or refused) now.
  void dht_checked(host::CheckToken token, bool valid);
  void dht_select_namespaces(std::vector<std::string> namespaces);
  void dht_selected(host::CheckToken token, std::size_t index);
  NodeMetrics snapshot();
  std::optional<router::ScoreBreakdown> score_breakdown(const Bytes& peer_id);
  void close(RequestId request);
  // Closes everything without reporting (runtime shutdown); writes the known-peers file.
  void shutdown();
  // Reads the known-peers file and dials the bootstrap peers (once, after creation).
  void start_peers();
  void start_mdns();

  // ---- from connections ----------------------------------------------------------------
  const NodeConfig& config() const { return config_; }
  const net::noise::LocalIdentity& local_identity() const { return local_identity_; }
  asio::io_context& io() { return io_; }
  std::vector<std::string> pubsub_protocols() const;
  // Our Identify message as seen by connection `c` (observed address: its remote).
  Bytes identify_message(const Connection& c) const;
  // The Noise session config for a new connection (identity, private network).
  net::noise::SessionConfig noise_config(bool initiator) const;
  // The connection finished its upgrade; the host may refuse it (close it).
  void on_connection_up(const std::shared_ptr<Connection>& c);
  // A ping this node sent: its round trip, or nullopt (timed out, refused, stream failed).
  void on_ping_result(Connection& c, std::optional<Duration> rtt);
  // The remote's whole identify stream (it closed it).
  void on_identify(Connection& c, ByteView stream);
  void on_pubsub_stream(Connection& c, router::Protocol protocol);
  const std::vector<std::string>& served() const { return served_; }
  void on_request(Connection& c, std::uint32_t stream, std::string protocol, Bytes data);
  void on_response(RequestId request, Bytes response);
  void on_request_failed(RequestId request, host::RequestError error);
  // False when the RPC does not decode (the connection resets the stream).
  bool on_rpc(Connection& c, ByteView encoded);
  // `drop`: what the closing was counted as, if anything.
  void on_connection_closed(Connection& c, const std::string& reason, std::optional<Drop> drop);
  void count(Drop d, std::uint64_t n = 1) { host_.count(d, n); }
  // A forward the connection at `slot` could not queue: the router offers it again by IHAVE.
  void forward_refused(router::PeerIndex slot, const Message& m) {
    host_.router().forward_refused(slot, m);
  }
  // What every connection's outbox is bounded by: the receiver's limits and the per-peer
  // bytes, and the budget they share (Limits::node_outbound_queue_bytes).
  const host::OutboxLimits& outbox_limits() const { return outbox_limits_; }
  host::OutboundBudget& outbound_budget() { return budget_; }
  void count_in(Proto p, std::size_t bytes);
  void count_out(Proto p, std::size_t bytes);
  void count_tcp(std::size_t in, std::size_t out) {
    tcp_bytes_in_ += in;
    tcp_bytes_out_ += out;
  }
  Instant now() const;
  void log(LogLevel level, std::string message,
           std::vector<std::pair<std::string, std::string>> fields = {});
  DeliveryRoutes& routes() { return routes_; }
  // How long connection `peer` should stop reading (Host::read_pause); counts the pauses.
  std::optional<Duration> read_pause(router::PeerIndex peer) {
    auto pause = host_.read_pause(peer, now());
    if (pause) ++reads_paused_;
    return pause;
  }
  // Ends a turn on the I/O thread: runs the host's loop and carries out what it asks,
  // re-arms the timer, and hands the events of the turn to the queue in one batch.
  void settle();

 private:
  void accept(const std::shared_ptr<asio::ip::tcp::acceptor>& acceptor);
  // Resolves (DNS) and connects connection `id` of the peer manager.
  void dial(net::ConnectionId id, const std::string& addr, std::optional<RequestId> request);
  bool at_capacity() const;
  void sample_backlogs();  // Limits::max_connections (sockets open or connecting)
  void start_connection(net::ConnectionId id, asio::ip::tcp::socket socket, Direction direction,
                        std::optional<Bytes> peer_id, std::optional<RequestId> request);
  void tcp_connect(net::ConnectionId id, const asio::ip::tcp::endpoint& endpoint,
                   std::optional<Bytes> peer_id, std::optional<RequestId> request);
  void dial_failed(net::ConnectionId id, const std::string& reason,
                   std::optional<RequestId> request);
  void handle(router::Action& action);
  void handle(host::HostEvent& event);
  void deliver(router::Deliver& d);  // runtime/delivery_routes.cpp
  void close(const host::Close& close);
  void peer_up(const std::shared_ptr<Connection>& c);
  void save_known_peers();
  // node_dht.cpp: started with the node's peers, fed what connections and requests bring,
  // what its sender decides carried out, ticked at its deadline.
  void start_dht();
  bool dht_request(Connection& c, std::uint32_t stream, ByteView data);
  void dht_outcome(RequestId token, std::optional<Bytes> response);
  // A connection closed, or a dial failed before it got as far as its peer.
  void dht_closed(net::ConnectionId id);
  // Requests of ours on it, or exchanges either way in its streams.
  bool carries_requests(net::ConnectionId connection) const;
  void dht_tick();
  std::size_t outbound_peers() const;
  bool dht_settle();  // true when the DHT had anything to carry out
  static constexpr RequestId kDhtToken = RequestId{1} << 63;  // our kad queries' tokens
  // The connection's requests fail, its inbound requests are forgotten.
  void requests_closed(const Connection& c);
  void release_delayed(const std::shared_ptr<Connection>& c);
  void arm_timer();
  void done(RequestId request, std::optional<std::string> error = std::nullopt);
  void emit(Event e) { pending_.push_back(std::move(e)); }
  Connection* by_peer(const Bytes& peer_id);
  Connection* at_slot(router::PeerIndex peer) const {
    return peer < slots_.size() ? slots_[peer].get() : nullptr;
  }

  NodeId id_;
  NodeConfig config_;
  asio::io_context& io_;
  Shared& shared_;
  net::noise::LocalIdentity local_identity_;
  host::Host host_;
  asio::steady_timer timer_;  // at the host's deadline
  std::optional<Instant> timer_for_;
  // TCP connects under way, by peer manager connection id (cancelled on Disconnect).
  std::map<net::ConnectionId, std::shared_ptr<asio::ip::tcp::socket>> dialing_;
  std::map<net::ConnectionId, std::shared_ptr<Connection>> by_connection_id_;
  asio::ip::tcp::resolver resolver_;
  std::vector<std::shared_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<std::string> listen_addrs_;  // text, with /p2p
  std::shared_ptr<MdnsSocket> mdns_;       // when PeerConfig::mdns
  std::vector<net::Multiaddr> bound_;      // without /p2p: our peer record's

  std::set<std::shared_ptr<Connection>> connections_;  // every live connection
  std::vector<std::shared_ptr<Connection>> slots_;     // PeerIndex → upgraded connection
  std::vector<router::PeerIndex> free_slots_;
  std::map<Bytes, router::PeerIndex> slot_of_peer_;
  bool closed_ = false;

  // Request/response: the protocols served; inbound requests waiting for the application
  // (bounded by Limits::max_inbound_requests); our requests by the connection carrying them.
  struct Inbound {
    net::ConnectionId connection;
    std::uint32_t stream;
    Instant expires;  // the connection resets the stream then: an answer is too late
  };
  std::vector<std::string> served_;
  std::map<std::uint64_t, Inbound> inbound_;
  std::uint64_t next_inbound_ = 1;
  std::map<RequestId, net::ConnectionId> outbound_;

  // The DHT, when PeerConfig::dht, its sender, and the application's lookups.
  std::unique_ptr<host::Dht> dht_;
  std::unique_ptr<host::DhtSender> dht_sender_;
  std::map<host::LookupId, RequestId> dht_lookups_;
  std::map<host::CheckToken, Inbound> dht_held_;  // PUT_VALUEs waiting for their verdict
  std::vector<std::string> dht_checked_namespaces_, dht_selected_namespaces_;

  DeliveryRoutes routes_;
  std::vector<router::Action> actions_;
  std::vector<Event> pending_;
  std::vector<Event> refused_;  // ValidationRequests the full event queue refused
  std::array<ProtocolStats, static_cast<std::size_t>(Proto::kCount)> protocols_{};
  std::uint64_t tcp_bytes_in_ = 0, tcp_bytes_out_ = 0;
  host::OutboxLimits outbox_limits_;
  host::OutboundBudget budget_;
  std::uint64_t connections_opened_ = 0, connections_closed_ = 0, reads_paused_ = 0;
};

}  // namespace p2pgossip::runtime
