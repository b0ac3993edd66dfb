// The Asio runtime: real nodes on real sockets speaking libp2p (TCP, multistream-select,
// Noise, yamux, /meshsub, /floodsub, /ipfs/ping, /ipfs/id), driving the same sans-I/O
// Router and net machines as the simulator.
//
// Threads: `RuntimeConfig::threads` I/O threads, started by start() and joined by join();
// the destructor stops and joins, so dropping a Runtime never leaves a thread behind. Each
// node lives on one I/O thread; its state is touched only there.
//
// Commands (every public method) may be called from any thread: they enqueue work for the
// node's I/O thread and return at once. Commands that can fail return a RequestId whose
// outcome arrives as a CommandDone event.
//
// Events leave through one bounded queue. The eventfd (fd()) becomes readable when the
// queue goes from empty to non-empty, once per batch: an asyncio loop add_reader()s it
// and takes everything with one drain(). No application code ever runs on an I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/runtime/config.hpp"
#include "p2pgossip/runtime/delivery_log.hpp"
#include "p2pgossip/runtime/events.hpp"
#include "p2pgossip/runtime/mailbox.hpp"
#include "p2pgossip/runtime/metric_families.hpp"
#include "p2pgossip/runtime/metrics.hpp"

namespace p2pgossip::runtime {

// Published by Runtime::publish_data: the message as signed on the caller's thread.
struct Published {
  RequestId request;
  MessagePtr message;
  MessageId id;
};

class Runtime {
 public:
  explicit Runtime(RuntimeConfig config = {});
  ~Runtime();  // stop() + join()
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Starts the I/O threads (once). Commands issued before start() wait for it.
  void start();
  // Closes every node (connections, listeners, timers) and lets the I/O threads finish.
  // Idempotent; returns at once.
  void stop();
  // Waits for the I/O threads to exit (after stop(); a no-op if never started).
  void join();
  bool running() const;

  // ---- events ----------------------------------------------------------------------------
  // A Linux eventfd, readable while events are queued. Owned by the runtime.
  int fd() const;
  // Takes every queued event and resets the eventfd.
  std::vector<Event> drain();
  // Traffic events (Delivered, ValidationRequest, Log) dropped because the queue was full.
  std::uint64_t dropped_events() const;

  // ---- nodes -----------------------------------------------------------------------------
  // Creates a node and starts listening on config.listen: Listening then CommandDone, or
  // CommandDone with the error (the node exists even when a listen address failed).
  NodeId add_node(NodeConfig config, RequestId* request = nullptr);
  // Listens on one more address.
  RequestId listen(NodeId node, std::string multiaddr);
  // Closes every connection and listener of the node and forgets it.
  RequestId close_node(NodeId node);

  // Dials /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<peer id>]. With /p2p, a remote
  // presenting another identity is refused (Drop::kPeerIdMismatch). Done when the
  // connection is upgraded (or at once when that peer is already connected).
  RequestId connect(NodeId node, std::string multiaddr);
  RequestId disconnect(NodeId node, Bytes peer_id);

  // Request/response (host/request_response.hpp). The node answers `protocol`'s inbound
  // streams (InboundRequest events) while served; request() sends one request to a
  // connected peer, and a Response event (answer or error) follows.
  void serve(NodeId node, std::string protocol, bool on);
  RequestId request(NodeId node, Bytes peer_id, std::string protocol, Bytes data, Duration timeout,
                    std::size_t max_response);
  // Answers an InboundRequest (nullopt: refuses it, the requester sees a reset).
  void respond(NodeId node, std::uint64_t token, std::optional<Bytes> response);
  // A DHT operation (PeerConfig::dht) on `key` (`value`: put_value's; `quorum`: the records
  // get_value collects, host::Dht::get_value): a LookupDone follows.
  RequestId dht(NodeId node, host::DhtOp op, Bytes key, Bytes value = {}, std::size_t quorum = 1);
  // Records with keys "/<namespace>/..." of these namespaces wait for a verdict (a
  // RecordCheck event) before the node stores or returns them.
  void dht_check_namespaces(NodeId node, std::vector<std::string> namespaces);
  void dht_checked(NodeId node, std::uint64_t token, bool valid);
  // Different records a get_value found under keys of these namespaces are the
  // application's to choose among (a RecordSelect event).
  void dht_select_namespaces(NodeId node, std::vector<std::string> namespaces);
  void dht_selected(NodeId node, std::uint64_t token, std::size_t index);

  // Publishes a message built and signed by the caller (Message.create in Python), once it
  // passes the checks a receiver makes: the node's signature policy and, under StrictSign, a
  // valid signature (refused here otherwise, so a forgery never leaves by accident). Done
  // with the router's error, if any (too large, duplicate).
  Result<RequestId> publish(NodeId node, MessagePtr message);
  // The same without the checks: a forged or policy-breaking message goes out as given. For
  // adversaries (p2pgossip.adversary) only.
  RequestId publish_unverified(NodeId node, MessagePtr message);
  // Builds and (per the node's signature policy) signs the message on the calling thread
  // with the node's identity and seqno counter, computes its id, then publishes it.
  Result<Published> publish_data(NodeId node, std::string topic, Bytes data);
  // Signs each of `data` as publish_data does (ids[i] receives the id of data[i]; `ids` has
  // data.size() elements) and hands them to the router in call order. A large call is
  // handed over in chunks as it is signed (up to kPublishChunk messages, the last
  // kPublishTail on their own): the router takes a chunk while the next is signed, and
  // what is left for it after the last signature is short.
  // With `notify`, the returned request's CommandDone answers the whole call (the first
  // refusal and how many failed); without, the request is 0 and each refusal is counted
  // (Drop::kPublishFailed) and logged.
  // Messages waiting for the router are bounded (kMaxPendingPublishes): past the bound the
  // whole call is refused here, so a publisher that never waits cannot grow the queue.
  // With `defer`, the I/O thread is not woken for the last chunk: it waits until a later
  // call wakes it, kPublishCoalesce messages wait, or flush_publishes(); a stream of small
  // calls (notified or not) then costs one wakeup per flush.
  Result<RequestId> publish_batch(NodeId node, std::string_view topic, std::span<Bytes> data,
                                  std::span<MessageId> ids, bool notify, bool defer = false);
  // Hands the node's deferred batches to its router (no-op when none wait).
  void flush_publishes(NodeId node);
  static constexpr std::size_t kPublishCoalesce = 256;
  static constexpr std::size_t kPublishChunk = 128;
  static constexpr std::size_t kPublishTail = 16;
  static constexpr std::size_t kMaxPendingPublishes = 1 << 16;

  // ---- where deliveries go (runtime/delivery_routes.hpp) ---------------------------------
  // Delivered events of the node's `topic` (nullopt: of every topic; on by default) on/off.
  void set_delivery_events(NodeId node, std::optional<std::string> topic, bool on);
  // A mailbox keeping the node's latest `maxsize` deliveries of `topic`; its drops count as
  // the app drop "subscription:<topic>". Kept until close_mailbox.
  std::shared_ptr<Mailbox> open_mailbox(NodeId node, std::string topic, std::size_t maxsize,
                                        bool drop_newest);
  void close_mailbox(NodeId node, std::shared_ptr<Mailbox> mailbox);
  // Books every delivery of every node from now on (DeliveryLog); the rows since the last
  // take, with DeliveriesLogged once after each take when more arrive.
  void log_deliveries();
  DeliveryLog::Rows take_deliveries();
  bool notify_deliveries_at(std::size_t rows);  // DeliveryLog::notify_at

  RequestId subscribe(NodeId node, std::string topic);
  RequestId unsubscribe(NodeId node, std::string topic);

  // Messages of a topic with a validator wait for validation_result(); other topics are
  // delivered without waiting. Pending validations are bounded per node (past the bound,
  // messages are ignored and counted as router dropped_ignored).
  void set_validator(NodeId node, std::string topic, bool registered);
  void validation_result(NodeId node, ValidationToken token, router::ValidationResult result);

  void set_app_score(NodeId node, Bytes peer_id, double value);
  // Shapes the node's sends to one peer (by peer id, kept across reconnections).
  void set_link(NodeId node, Bytes peer_id, LinkShaping shaping);
  // Blocked peers: their connections are closed and new ones (either direction) refused,
  // each counted as Drop::kBlocked, until unblocked. Partitions are built from these.
  void block(NodeId node, std::vector<Bytes> peer_ids);
  void unblock(NodeId node, std::vector<Bytes> peer_ids);
  // Bans a peer or an IP for `duration` (nullopt: until unbanned): connections closed, new
  // ones refused at accept and dial, each counted (peer_manager.bans). Bans are saved beside
  // the known-peers file, when there is one, and outlive a restart.
  void ban(NodeId node, net::BanTarget target, std::optional<Duration> duration, std::string note);
  void unban(NodeId node, net::BanTarget target);
  // The bans in force, with their time left (nullopt: no expiry); nullopt for an unknown node.
  std::optional<std::vector<net::BanEntry>> bans(NodeId node);
  // The node plays `role` from now on (host/adversary.hpp; an honest role: honest again).
  void set_role(NodeId node, host::Role role);

  // A consistent snapshot taken on the node's I/O thread (the caller waits for it; taken
  // directly when the I/O threads are not running). nullopt for an unknown node.
  std::optional<NodeMetrics> metrics(NodeId node);
  // The node's score of a connected peer, term by term; nullopt when either is unknown.
  std::optional<router::ScoreBreakdown> score_breakdown(NodeId node, Bytes peer_id);

  // ---- metrics endpoint (runtime/metrics_http.hpp) ----------------------------------------
  // Counts a drop made above the runtime (layer="app" in node_families). At most
  // kMaxAppDropReasons reasons per node; further reasons count as "other". n = 0 makes the
  // reason visible at zero.
  void count_app_drop(NodeId node, const std::string& reason, std::uint64_t n);
  static constexpr std::size_t kMaxAppDropReasons = 256;
  // The node's metrics as Prometheus families (taken as metrics() takes its snapshot).
  std::optional<std::vector<metrics::FamilySnapshot>> metric_families(NodeId node);
  // Serves GET /metrics on host:port (port 0: any free port) with the families of `nodes`
  // (those still open at scrape time), from the first I/O thread. Returns the endpoint's id
  // and bound port. Endpoints close with stop_metrics() or stop().
  Result<std::pair<std::uint64_t, std::uint16_t>> serve_metrics(
      std::vector<NodeId> nodes, const std::string& host, std::uint16_t port,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void stop_metrics(std::uint64_t endpoint);

  const crypto::VerifyCache& verify_cache() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2pgossip::runtime
