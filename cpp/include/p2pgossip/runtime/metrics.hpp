// A node's metrics as one consistent snapshot, taken on its I/O thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/dht.hpp"
#include "p2pgossip/host/drop.hpp"
#include "p2pgossip/net/mdns_discovery.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/router/counters.hpp"
#include "p2pgossip/runtime/events.hpp"

namespace p2pgossip::runtime {

using host::Drop;
using host::drop_name;
using host::kDropCount;

// Traffic of one protocol: pubsub protocols count RPCs, others count stream messages.
struct ProtocolStats {
  std::uint64_t messages_in = 0, bytes_in = 0, messages_out = 0, bytes_out = 0;
};

struct ConnectedPeer {
  Bytes peer_id;
  std::string addr;
  Direction direction;
  std::string protocol;  // the pubsub protocol negotiated; empty until negotiated
  double score;
};

struct NodeMetrics {
  router::Counters router;
  std::map<std::string, ProtocolStats> protocols;  // by protocol id
  std::array<std::uint64_t, kDropCount> drops{};   // indexed by Drop
  std::uint64_t tcp_bytes_in = 0, tcp_bytes_out = 0;
  std::uint64_t connections_opened = 0, connections_closed = 0;
  // Times a connection stopped reading while its peer's inbound budget refilled.
  std::uint64_t reads_paused = 0;
  // Bytes the RPCs queued (and held back by link latency) for every peer would take on the
  // wire: what the peers are owed, each within Limits::peer_outbound_queue_bytes.
  std::uint64_t outbound_queue_bytes = 0;
  // Memory those RPCs take, at most Limits::node_outbound_queue_bytes: a message queued for
  // several peers is one object, counted once (host::OutboundBudget).
  std::uint64_t outbound_queue_memory = 0;
  net::PeerManagerCounters peer_manager;
  net::BanCounters bans;
  net::MdnsCounters mdns;  // zeros unless PeerConfig::mdns
  host::DhtCounters dht;   // zeros unless PeerConfig::dht
  std::size_t dht_table_size = 0;
  std::vector<ConnectedPeer> peers;
  std::map<std::string, std::size_t> mesh_sizes;     // our topics → mesh size
  std::map<std::string, std::size_t> topic_peers;    // our topics → peers subscribed to them
  std::map<std::string, std::vector<Bytes>> meshes;  // our topics → mesh peers (the live view)
};

}  // namespace p2pgossip::runtime
