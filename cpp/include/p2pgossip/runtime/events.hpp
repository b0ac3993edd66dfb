// Events out of the I/O threads, queued for the application (Python) in batches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/runtime/config.hpp"

namespace p2pgossip::runtime {

using NodeId = std::uint32_t;
using RequestId = std::uint64_t;
using ValidationToken = std::uint64_t;
// CLOCK_MONOTONIC nanoseconds (std::chrono::steady_clock on Linux): the same clock as
// Python's time.monotonic_ns(), so receive times compare with publish times taken there.
using MonotonicNs = std::int64_t;

enum class Direction : std::uint8_t { kInbound, kOutbound };

// A message delivered to the node's application: first valid receipt on a subscribed
// topic, or our own publish (received_from empty then).
struct Delivered {
  NodeId node;
  MessagePtr message;  // message->from is the author's peer id (StrictSign)
  MessageId id;
  Bytes received_from;  // peer id of the neighbour it came from
  MonotonicNs received_at;
};

// A connection passed the whole upgrade (Noise, yamux) and is usable.
struct PeerConnected {
  NodeId node;
  Bytes peer_id;
  std::string addr;  // the remote's multiaddr (ip, port; no /p2p)
  Direction direction;
};

struct PeerDisconnected {
  NodeId node;
  Bytes peer_id;
  std::string addr;
  Direction direction;
  std::string reason;
};

// A peer joined or left the node's mesh of a topic (router::Tracer's graft and prune).
struct MeshChanged {
  NodeId node;
  std::string topic;
  Bytes peer_id;
  bool joined;
};

struct Listening {
  NodeId node;
  std::vector<std::string> addrs;  // bound addresses with real ports, ending in /p2p/<id>
};

// The outcome of a command; error empty on success. For connect: the connection is up
// (PeerConnected came first) or it failed with the reason.
struct CommandDone {
  RequestId request;
  std::optional<std::string> error;
};

// A received message on a topic with a registered validator waits for
// Runtime::validation_result(node, token, ...) before it is delivered or forwarded.
struct ValidationRequest {
  NodeId node;
  ValidationToken token;
  MessagePtr message;
  MessageId id;
  Bytes received_from;
};

struct Log {
  LogLevel level;
  NodeId node;
  std::string message;
  std::vector<std::pair<std::string, std::string>> fields;  // peer, topic, reason, ...
};

// A request of `peer_id` under `protocol` that the application serves: answered with
// Runtime::respond(node, token, ...).
struct InboundRequest {
  NodeId node;
  std::uint64_t token;
  Bytes peer_id;
  std::string protocol;
  Bytes data;
};

// The outcome of Runtime::request: the response, or the error's name
// (host::request_error_name).
struct Response {
  RequestId request;
  std::optional<Bytes> data;
  std::string error;
};

// The outcome of Runtime::dht: the closest servers that answered (peer id and multiaddrs,
// closest first), the lookup's hops, and per operation the value found (get_value), the
// providers (get_providers) or how many servers took the record (put_value, add_provider);
// or why it did not run.
struct LookupDone {
  using Peers = std::vector<std::pair<Bytes, std::vector<std::string>>>;
  RequestId request;
  Peers peers;
  std::uint32_t hops = 0;
  std::optional<Bytes> value;
  Peers providers;
  std::size_t stored = 0;
  std::optional<std::string> error;
};

// A DHT record of a namespace the application validates (Runtime::dht_check_namespaces)
// waits for its verdict: Runtime::dht_checked(node, token, valid).
struct RecordCheck {
  NodeId node;
  std::uint64_t token;
  Bytes key;
  Bytes value;
};
// A get_value found different valid records under a key of a namespace the application
// selects among (Runtime::dht_select_namespaces): Runtime::dht_selected(node, token, index).
struct RecordSelect {
  NodeId node;
  std::uint64_t token;
  Bytes key;
  std::vector<Bytes> values;
};

// The runtime's delivery log has rows the reader has not taken (once until it takes them).
struct DeliveriesLogged {};

// A mailbox a reader waits on (Mailbox::wait) received a delivery.
struct MailboxReady {
  NodeId node;
  std::uint64_t token;
};

using Event = std::variant<Delivered, PeerConnected, PeerDisconnected, MeshChanged, Listening,
                           CommandDone, ValidationRequest, Log, DeliveriesLogged, MailboxReady,
                           InboundRequest, Response, LookupDone, RecordCheck, RecordSelect>;

}  // namespace p2pgossip::runtime
