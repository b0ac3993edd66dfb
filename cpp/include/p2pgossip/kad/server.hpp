// The answering side of `/ipfs/kad/1.0.0` (libp2p kad-dht spec, "RPC messages"): one request
// Message from a peer in, its response out, from the routing table and the stores.
//
//   FIND_NODE      closerPeers: the k closest to SHA-256(key) in the table, the requester
//                  left out
//   GET_VALUE      record (if held and live) + closerPeers
//   PUT_VALUE      record validated and stored (record.key must equal key); the request
//                  echoed back
//   GET_PROVIDERS  providerPeers (live ones) + closerPeers
//   ADD_PROVIDER   every providerPeers entry naming the sender is stored; no response (as
//                  go- and rust-libp2p: the requester does not wait for one)
//   PING           PING (deprecated, answered for old peers)
//
// A refused request (client mode, a missing key, a record that fails validation) is an error
// whose text says why: the driver resets the stream, as go-libp2p-kad-dht does.
//
// Client mode (spec, "Client and server mode"): the node queries but does not serve, and
// must not advertise the protocol; every request is refused.
#pragma once

#include <cstddef>
#include <optional>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/kad/message.hpp"
#include "p2pgossip/kad/routing_table.hpp"
#include "p2pgossip/kad/store.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::kad {

enum class Mode : std::uint8_t { kClient, kServer };

struct ServerConfig {
  Mode mode = Mode::kServer;
  std::size_t closer_peers = kK;  // peers named in each answer
  RoutingTableConfig table;
  RecordStoreConfig records;
  ProviderStoreConfig providers;
};

struct ServerCounters {
  std::size_t requests[6] = {};  // by MessageType
  std::size_t refused_client_mode = 0;
  std::size_t refused_invalid = 0;       // missing key/record, key mismatch
  std::size_t put_rejected = 0;          // the record store said no
  std::size_t providers_not_sender = 0;  // ADD_PROVIDER entries naming someone else
  std::size_t providers_rejected = 0;    // the provider store said no
};

class Server {
 public:
  Server(ByteView local_peer_id, ServerConfig config, Instant now);

  Mode mode() const { return config_.mode; }
  void set_mode(Mode m) { config_.mode = m; }
  RoutingTable& table() { return table_; }
  const RoutingTable& table() const { return table_; }
  RecordStore& records() { return records_; }
  const RecordStore& records() const { return records_; }
  ProviderStore& providers() { return providers_; }
  const ProviderStore& providers() const { return providers_; }
  const ServerCounters& counters() const { return counters_; }

  // The response to `request` from `sender` (its peer id); nullopt for ADD_PROVIDER.
  Result<std::optional<Message>> handle(ByteView sender, const Message& request, Instant now);

  // The `closerPeers` answer for a key: the table's closest to SHA-256(key), `exclude` (the
  // requester) left out.
  std::vector<Peer> closer_peers(ByteView key, ByteView exclude) const;

 private:
  ServerConfig config_;
  RoutingTable table_;
  RecordStore records_;
  ProviderStore providers_;
  ServerCounters counters_;
};

}  // namespace p2pgossip::kad
