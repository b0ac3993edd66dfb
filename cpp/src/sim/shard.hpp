// One part of a simulation's nodes and everything their events touch that no other part
// does: its event queue, the packets on their way to its nodes, its scratch space and its
// share of the results. A parallel run (sim/parallel.cpp) gives each shard a thread; what
// one shard sends to another waits in an outbox until the window ends.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/host/outbox.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/sim/event_queue.hpp"
#include "p2pgossip/sim/simulation.hpp"
#include "sim/in_flight.hpp"
#include "sim/message_memo.hpp"

namespace p2pgossip::sim {

// A packet for another shard's node: the event and its content by value, put into the
// receiving shard's tables when it takes its mail. Its messages are the sender's copies: the
// receiver uses its own (MessageMemo::own) and leaves these for the sender to let go of.
struct Mail {
  Event event;
  InFlight packet;
  MessagePtr message;  // a carried kind's (InFlight::carries_message)
  std::uint32_t replica = MessageMemo::kNoReplica;
  std::uint32_t first = 0;   // Kind::kRpc: where its messages start in the MailBox's
  std::unique_ptr<Rpc> rpc;  // Kind::kRpc, its messages moved out into the MailBox
};

// What one shard posts to another in a window. The sender clears it in its window after the
// next, when the receiver has taken it.
struct MailBox {
  std::vector<Mail> mail;
  std::vector<MessagePtr> messages;     // the RPCs' messages, in order
  std::vector<std::uint32_t> replicas;  // and their replica numbers
  void clear() {
    mail.clear();
    messages.clear();
    replicas.clear();
  }
};

// A delivery logged before its message had an index (a message first seen in a window,
// such as an adversary's spam): resolved in canonical order at the window's end.
struct Unresolved {
  std::size_t row;  // in the shard's delivery log
  MessagePtr message;
  MessageId id;
  std::uint32_t node;
  std::int64_t time;
  std::int64_t from;  // -1: the node's own publish
};

// A router's disconnect: its link goes down (both ways) at the end of its window, so
// every partitioning takes it down at the same virtual time.
struct Close {
  std::int64_t time;
  std::uint32_t link;
  // A topology link stays down (a router gave up on the peer); a ban's close does not: the
  // link is down while should_be_up finds the ban, and comes back when it ends.
  bool sever = true;
};

struct Shard {
  explicit Shard(bool verify_cache_on) : verify_cache(1 << 16, verify_cache_on) {
    idontwant_scratch.control.emplace().idontwant.resize(1);
  }

  EventQueue queue;
  std::int64_t now = 0;
  std::uint64_t events = 0;

  SlotTable<InFlight> inflight;
  CarriedMessages carried;                     // what kMessage packets carry
  SlotTable<std::unique_ptr<Rpc>> boxed_rpcs;  // what kRpc packets carry
  SlotTable<Bytes> segments;                   // what kBytes packets carry (full stack)
  SlotTable<MessagePtr> publishes;             // what kPublish events publish
  // Per receiving shard, two sides: a window posts on one while the receivers take the
  // other's (posted in the window before), and the sides swap between windows.
  std::array<std::vector<MailBox>, 2> outbox;
  // RPCs from another shard, after use: handed back, per sending shard, for it to free
  // (sides as the outbox's). Freed here, each would take the lock of the sender's malloc
  // arena, which the sender's own allocations contend for.
  std::array<std::vector<std::vector<std::unique_ptr<Rpc>>>, 2> used_rpcs;

  std::deque<std::vector<router::Action>> action_buffers;  // stable under nested drives
  std::size_t action_depth = 0;
  Bytes wire_scratch;
  Rpc arrival_scratch;    // reused to hand a lone in-flight message to its router
  Rpc idontwant_scratch;  // the same for an IDONTWANT of its id, with it or not
  // Splits an oversized RPC as the runtime's outbox does; never holds anything between calls.
  host::OutboxLimits shaper_limits;
  host::OutboundBudget shaper_budget{SIZE_MAX};
  host::Outbox shaper{shaper_limits, shaper_budget};

  std::shared_ptr<const router::Services> services;  // its hosts' (they count into here)
  crypto::VerifyCache verify_cache;
  MessageMemo memo;  // ids and cache keys of the messages built, by address; its copies
  std::uint64_t verifications = 0;
  std::uint64_t verifications_in_call = 0;

  DeliveryLog log;  // its nodes' deliveries, in the order it handled them
  std::vector<Unresolved> unresolved;
  std::vector<Close> closes;
  MeshLog mesh_log;  // its nodes' mesh changes, with topics numbered here
  std::unordered_map<std::string, std::uint32_t> mesh_topics;
};

}  // namespace p2pgossip::sim
