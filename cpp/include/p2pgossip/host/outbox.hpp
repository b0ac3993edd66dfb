// The per-peer outbound queue, one for both shells: what a node has decided to send a peer
// and the transport has not taken yet.
//
// - Priority classes, as go-libp2p-pubsub's rpc_queue and rust-libp2p's queue do: control
//   (subscriptions, GRAFT, PRUNE, IWANT, IDONTWANT) leaves before forwarded messages, so a
//   burst of forwards never delays the mesh upkeep or the IDONTWANTs that shrink it. IHAVE
//   waits for the forwards queued before it (go and rust do not rush it either): offered
//   ahead of them, ids whose messages were already on their way drew IWANTs, and the peer got
//   both copies (a 50-node burst: 1,056-2,750 such repeats, each a "repeated duplicate").
// - Messages wait as shared pointers and are encoded when the transport takes them, merged
//   into as few RPCs as the receiver's decode limits allow (max_rpc_size, max_publish): a
//   burst rides in few large RPCs, and no RPC is one the receiver would refuse.
// - IDONTWANT cancels: a queued copy of a message the peer says it has is never sent.
// - Bounded: bytes per peer (encoded: what the peer is owed), and a budget of memory the
//   node's outboxes share (control RPCs, an entry a forward, each queued message body once:
//   host/queued_bodies.hpp). A refusal is the caller's to count; the queue never grows past its
//   bounds. When they are reached, what is lost is what gossip recovers: a forward is refused, and
//   control that does not fit takes the room of the newest queued forwards (dropped and counted as
//   refused forwards). A forward's receiver gets the message from another mesh peer or by
//   IHAVE/IWANT; a lost GRAFT, PRUNE, IWANT or subscription has no such repair. The count
//   bound (max_control RPCs) gives up IDONTWANTs first: the receiver reads only a few ids
//   an RPC (go's MaxIDontWantLength, 10), so a burst of large messages to a slow peer fills
//   the queue with them, and a heartbeat's PRUNE or IHAVE refused behind them is a mesh out
//   of step or a message never offered.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/queued_bodies.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/rpc.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::host {

// What the nodes of one process (a runtime's, on any of its I/O threads) may queue together
// (RuntimeConfig::outbound_queue_bytes): hundreds of nodes in one process hold at most this,
// not their per-node budgets summed.
class SharedBudget {
 public:
  explicit SharedBudget(std::size_t limit) : limit_(limit) {}
  bool take(std::size_t bytes) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (used + bytes > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
  }
  void give(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  bool fits_after(std::size_t freed, std::size_t bytes) const {
    return used() + bytes <= limit_ + freed;
  }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

// The budget the outboxes of one node share (Limits::node_outbound_queue_bytes), within the
// process's, if any.
class OutboundBudget {
 public:
  explicit OutboundBudget(std::size_t limit, SharedBudget* process = nullptr)
      : limit_(limit), process_(process) {}
  bool take(std::size_t bytes) {
    if (used_ + bytes > limit_) return false;
    if (process_ && !process_->take(bytes)) return false;
    used_ += bytes;
    return true;
  }
  void give(std::size_t bytes) {
    used_ -= bytes;
    if (process_) process_->give(bytes);
  }
  // A queued forward of `message`: `entry` bytes for its place in a queue, and `body` bytes
  // unless another of the node's queues holds the same message object already.
  bool take_forward(const Message* message, std::size_t body, std::size_t entry) {
    const bool first = bodies_.hold(message);
    if (take(entry + (first ? body : 0))) return true;
    bodies_.release(message);
    return false;
  }
  void give_forward(const Message* message, std::size_t body, std::size_t entry) {
    give(entry + (bodies_.release(message) ? body : 0));
  }
  std::size_t used() const { return used_; }
  // Distinct message bodies the node's queues hold.
  std::size_t bodies() const { return bodies_.size(); }
  // Whether `bytes` would be taken once `freed` of the used bytes are given back.
  bool fits_after(std::size_t freed, std::size_t bytes) const {
    return used_ + bytes <= limit_ + freed && (!process_ || process_->fits_after(freed, bytes));
  }

 private:
  std::size_t limit_;
  SharedBudget* process_;
  std::size_t used_ = 0;
  QueuedBodies bodies_;
};

struct OutboxLimits {
  // The receiver's: what one RPC may hold.
  wire::DecodeLimits decode;
  // Bytes queued for this peer (encoded sizes).
  std::size_t max_bytes = 2 << 20;
  // Control RPCs queued for this peer (a control RPC is small; this bounds their count).
  std::size_t max_control = 4096;
  // Forwards merge into RPCs up to this size: enough to amortise the per-RPC framing and
  // decoding, small enough that what leaves the queue stays small per connection (the
  // runtime takes 16 KiB: runtime/connection.hpp).
  std::size_t merged_rpc_bytes = 64 << 10;
  // IDONTWANT ids the receiver reads from one RPC (GossipConfig::max_idontwant_length, go's
  // MaxIDontWantLength): merging never puts more in one.
  std::size_t max_idontwant_ids = 10;
};

class Outbox {
 public:
  enum class Refusal : std::uint8_t { kPeerFull, kNodeBudget };
  struct Refused {
    std::size_t messages = 0;       // forwards refused, or dropped to make room for control
    std::size_t control = 0;        // control RPCs refused (0 or 1 per push)
    std::optional<Refusal> reason;  // of the first refusal
    // IDONTWANT ids dropped from the queue to make room for other control (the queue held
    // max_control RPCs): not refusals, nothing lost, the peer may send those copies.
    std::size_t idontwant_shed = 0;
    // Those forwards' messages: the shell tells the router (Router::forward_refused), which
    // offers them to the peer again by IHAVE.
    std::vector<MessagePtr> lost;

    // Folds in another push's outcome (the first reason stays).
    void add(Refused&& o) {
      messages += o.messages;
      control += o.control;
      idontwant_shed += o.idontwant_shed;
      if (!reason) reason = o.reason;
      for (MessagePtr& m : o.lost) lost.push_back(std::move(m));
    }
  };

  Outbox(const OutboxLimits& limits, OutboundBudget& budget) : limits_(&limits), budget_(&budget) {}
  ~Outbox() { clear(); }
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues an RPC: its subscriptions and control in the control class, its messages (with
  // their hop counts, if any) in the forward class.
  Refused push(Rpc&& rpc);
  // Queues one forwarded message (the router's SendMessage).
  Refused push(MessagePtr message, std::optional<std::uint32_t> hops = std::nullopt);

  // The peer sent IDONTWANT for `message`: a queued copy is dropped. Messages are shared,
  // so the copy queued is the very object the router's mcache holds under the id the peer
  // named: found by address, without hashing anything. Returns how many were dropped.
  std::size_t cancel(const Message* message);

  // Encodes the next RPC to send into `out` (cleared first, without the length prefix):
  // control first, then forwards merged within the limits. False when empty.
  bool pop(Bytes& out);
  // The same RPC, not encoded (the simulator's fast mode sends RPCs as values), into `rpc`
  // emptied first (Rpc::clear: its lists keep their room).
  bool pop(Rpc& rpc);
  // Whether `rpc` (of `size` encoded bytes) would leave an empty outbox as it is, in one
  // RPC: a sender can skip the queue for it.
  bool fits_whole(const Rpc& rpc, std::size_t size) const;

  // An RPC held for this peer outside the queue (a shell's link-shaping delay) counts
  // against the same bounds as if queued, its messages as forwards (an entry each, each
  // body once): the refusal, nothing taken, when it does not fit. `size`: its encoded size.
  std::optional<Refusal> reserve(const Rpc& rpc, std::size_t size);
  void unreserve(const Rpc& rpc, std::size_t size);
  // One message taken out of a held RPC (returns its encoded size); its hop count, if any,
  // is given back as plain bytes.
  std::size_t unreserve(const Message& message);
  void unreserve(std::size_t bytes) { release(bytes); }

  bool empty() const { return control_.empty() && forwards_.empty(); }
  // Queued and reserved, encoded: what the peer is owed (the per-peer bound).
  std::size_t bytes() const { return bytes_; }
  std::size_t messages() const { return forwards_.size(); }
  // Half full or more: the peer is not reading what we send (Host::outbound_backlog). An
  // empty queue never is, whatever the bound.
  bool backlogged() const { return bytes_ > 0 && 2 * bytes_ >= limits_->max_bytes; }
  // Drops everything queued and reserved (the connection closed), returning the budget.
  void clear();

  const OutboxLimits& limits() const { return *limits_; }

 private:
  struct Forward {
    MessagePtr message;
    std::uint32_t size;  // its entry in an RPC's publish list: tag, length, message
    std::uint32_t seq;   // its place in the order of pushes (wraps)
    std::optional<std::uint32_t> hops;
  };

 public:
  // What a queued forward costs the budget besides its message's body.
  static constexpr std::size_t kForwardEntryBytes = sizeof(Forward);

 private:
  struct Control {
    Rpc rpc;  // subscriptions and control only
    std::size_t size;
    // IHAVE only: it leaves once the forwards up to this one (by seq) have.
    std::optional<std::uint32_t> after;
  };
  // Whether `c` may leave now.
  bool ready(const Control& c) const {
    return !c.after || forwards_.empty() ||
           static_cast<std::int32_t>(forwards_.front().seq - *c.after) > 0;
  }
  // Queues one control RPC (merged into the last entry of its kind when it fits).
  Refused push_control(Rpc&& rpc, std::optional<std::uint32_t> after);
  // Whether two control RPCs fit in one the receiver decodes.
  bool mergeable(const Rpc& a, std::size_t a_size, const Rpc& b, std::size_t b_size) const;
  bool charge(std::size_t bytes, Refused& r);
  // Drops the oldest queued RPC of IDONTWANTs alone (counted in `r`); false if none.
  bool shed_idontwant(Refused& r);
  // charge() for control: drops the newest forwards while that makes room.
  bool charge_control(std::size_t bytes, Refused& r);
  void release(std::size_t bytes);
  void release(const Forward& f);
  // Moves forwards into `rpc` (already `size` bytes) while it stays within the limits; the
  // first always goes into an RPC that is otherwise empty.
  void take_forwards(Rpc& rpc, std::size_t size, std::size_t max_size);

  const OutboxLimits* limits_;
  OutboundBudget* budget_;
  std::deque<Control> control_;
  std::deque<Forward> forwards_;
  std::uint32_t next_seq_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace p2pgossip::host
