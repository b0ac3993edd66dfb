// The pubsub RPC of libp2p's rpc.proto (GossipSub v1.1 control + v1.2 IDONTWANT).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/message_ids.hpp"

namespace p2pgossip {

struct SubOpts {
  std::optional<bool> subscribe;
  std::optional<std::string> topic_id;
  bool operator==(const SubOpts&) const = default;
};

struct ControlIHave {
  std::optional<std::string> topic_id;
  MessageIds message_ids;
  bool operator==(const ControlIHave&) const = default;
};

struct ControlIWant {
  MessageIds message_ids;
  bool operator==(const ControlIWant&) const = default;
};

struct ControlGraft {
  std::optional<std::string> topic_id;
  bool operator==(const ControlGraft&) const = default;
};

struct PeerInfo {
  std::optional<Bytes> peer_id;
  std::optional<Bytes> signed_peer_record;
  bool operator==(const PeerInfo&) const = default;
};

struct ControlPrune {
  std::optional<std::string> topic_id;
  std::vector<PeerInfo> peers;
  std::optional<std::uint64_t> backoff;  // seconds
  bool operator==(const ControlPrune&) const = default;
};

struct ControlIDontWant {
  MessageIds message_ids;
  bool operator==(const ControlIDontWant&) const = default;
};

struct ControlMessage {
  std::vector<ControlIHave> ihave;
  std::vector<ControlIWant> iwant;
  std::vector<ControlGraft> graft;
  std::vector<ControlPrune> prune;
  std::vector<ControlIDontWant> idontwant;
  bool empty() const {
    return ihave.empty() && iwant.empty() && graft.empty() && prune.empty() && idontwant.empty();
  }
  bool operator==(const ControlMessage&) const = default;
};

struct Rpc {
  std::vector<SubOpts> subscriptions;
  std::vector<MessagePtr> publish;  // shared, never copied when forwarded
  std::optional<ControlMessage> control;
  // p2pgossip extension (RPC field wire::kPublishHopsField, skipped by other implementations
  // as an unknown field): how many links each publish entry has crossed, for randomsub's
  // hop limit. Empty, or one entry per publish entry.
  std::vector<std::uint32_t> publish_hops;

  bool empty() const { return subscriptions.empty() && publish.empty() && !control; }
  // Empties it and keeps its lists' room, for a scratch RPC reused without allocating.
  void clear() {
    subscriptions.clear();
    publish.clear();
    control.reset();
    publish_hops.clear();
  }
};

// Deep equality (publish compares the messages, not the pointers).
bool operator==(const Rpc& a, const Rpc& b);

}  // namespace p2pgossip
