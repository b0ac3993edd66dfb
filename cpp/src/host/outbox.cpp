#include "p2pgossip/host/outbox.hpp"

#include <algorithm>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::host {

namespace {

// A field head (tag and length) is at most this long; RPC sizes below are bounded from
// above with it, so a merged RPC never passes the limits it was built within.
constexpr std::size_t kHead = 1 + wire::kMaxVarintBytes;

std::size_t idontwant_ids(const Rpc& r) {
  std::size_t n = 0;
  if (r.control)
    for (const ControlIDontWant& e : r.control->idontwant) n += e.message_ids.size();
  return n;
}

// A message's field in an RPC's publish list: what the peer is owed for it.
std::size_t entry_size(const Message& m) {
  return wire::len_field_size(2, wire::encoded_message_size(m));
}

// An RPC of IDONTWANTs alone: what a full control queue gives up first (it only saves the
// peer a duplicate), so it never crowds out a GRAFT, PRUNE, IHAVE or IWANT.
bool idontwant_only(const Rpc& r) {
  if (!r.subscriptions.empty() || !r.control) return false;
  const ControlMessage& c = *r.control;
  return !c.idontwant.empty() && c.ihave.empty() && c.iwant.empty() && c.graft.empty() &&
         c.prune.empty();
}

std::size_t control_entries(const Rpc& r) {
  if (!r.control) return 0;
  const ControlMessage& c = *r.control;
  return std::max(
      {c.ihave.size(), c.iwant.size(), c.graft.size(), c.prune.size(), c.idontwant.size()});
}

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Protobuf merge of two RPCs' control: repeated fields append.
void merge_control(Rpc& into, Rpc& from) {
  append(into.subscriptions, from.subscriptions);
  if (!from.control) return;
  if (!into.control) {
    into.control = std::move(from.control);
    return;
  }
  ControlMessage &a = *into.control, &b = *from.control;
  append(a.ihave, b.ihave);
  append(a.iwant, b.iwant);
  append(a.graft, b.graft);
  append(a.prune, b.prune);
  append(a.idontwant, b.idontwant);
}

}  // namespace

bool Outbox::mergeable(const Rpc& a, std::size_t a_size, const Rpc& b, std::size_t b_size) const {
  const wire::DecodeLimits& d = limits_->decode;
  return a_size + b_size <= std::min(limits_->merged_rpc_bytes, d.max_rpc_size) &&
         a.subscriptions.size() + b.subscriptions.size() <= d.max_subscriptions &&
         control_entries(a) + control_entries(b) <= d.max_control_entries &&
         (idontwant_ids(b) == 0 ||
          idontwant_ids(a) + idontwant_ids(b) <= limits_->max_idontwant_ids);
}

bool Outbox::charge(std::size_t bytes, Refused& r) {
  std::optional<Refusal> refusal;
  if (bytes_ + bytes > limits_->max_bytes)
    refusal = Refusal::kPeerFull;
  else if (!budget_->take(bytes))
    refusal = Refusal::kNodeBudget;
  if (!refusal) {
    bytes_ += bytes;
    return true;
  }
  if (!r.reason) r.reason = refusal;
  return false;
}

bool Outbox::charge_control(std::size_t bytes, Refused& r) {
  // Room that dropping forwards of `freed` encoded bytes (and at most `held` of the budget:
  // another queue may share their bodies) would leave, in both bounds.
  auto fits = [&](std::size_t freed, std::size_t held) {
    return bytes_ + bytes <= limits_->max_bytes + freed && budget_->fits_after(held, bytes);
  };
  if (fits(0, 0)) return charge(bytes, r);
  std::size_t forwards = 0;
  for (const Forward& f : forwards_) forwards += f.size;
  // Control that would not fit even without this peer's forwards (sized beyond the bounds,
  // or the node's budget held by other peers) is refused without dropping them in vain.
  if (!fits(forwards, forwards + forwards_.size() * kForwardEntryBytes)) return charge(bytes, r);
  if (!r.reason)
    r.reason = bytes_ + bytes > limits_->max_bytes ? Refusal::kPeerFull : Refusal::kNodeBudget;
  // The newest forwards go: the older ones are nearer to being sent.
  while (!fits(0, 0) && !forwards_.empty()) {
    release(forwards_.back());
    r.lost.push_back(std::move(forwards_.back().message));
    forwards_.pop_back();
    ++r.messages;
  }
  return charge(bytes, r);
}

void Outbox::release(std::size_t bytes) {
  bytes_ -= bytes;
  budget_->give(bytes);
}

void Outbox::release(const Forward& f) {
  bytes_ -= f.size;
  budget_->give_forward(f.message.get(), f.size, kForwardEntryBytes);
}

Outbox::Refused Outbox::push(Rpc&& rpc) {
  Refused r;
  const bool hops = !rpc.publish_hops.empty();
  for (std::size_t i = 0; i < rpc.publish.size(); ++i)
    r.add(
        push(std::move(rpc.publish[i]), hops ? std::optional(rpc.publish_hops[i]) : std::nullopt));
  if (rpc.subscriptions.empty() && !rpc.control) return r;
  rpc.publish.clear();
  rpc.publish_hops.clear();
  if (forwards_.empty() || !rpc.control || rpc.control->ihave.empty()) {
    r.add(push_control(std::move(rpc), std::nullopt));
    return r;
  }
  // The IHAVE goes in an entry of its own, behind the forwards queued before it (taken now:
  // the rest's control may drop the newest forwards to make room).
  const std::uint32_t after = forwards_.back().seq;
  Rpc gossip;
  gossip.control.emplace().ihave = std::move(rpc.control->ihave);
  rpc.control->ihave.clear();
  if (!rpc.subscriptions.empty() || control_entries(rpc) > 0)
    r.add(push_control(std::move(rpc), std::nullopt));
  r.add(push_control(std::move(gossip), after));
  return r;
}

Outbox::Refused Outbox::push_control(Rpc&& rpc, std::optional<std::uint32_t> after) {
  Refused r;
  const std::size_t size = wire::encoded_rpc_size(rpc);
  // Into the last queued control RPC of its kind when the receiver's limits allow: a slow
  // peer's queue holds a few large control RPCs, not one per heartbeat and IDONTWANT. An
  // IHAVE joining an IHAVE waits for the later one's forwards.
  if (!control_.empty() && control_.back().after.has_value() == after.has_value() &&
      mergeable(control_.back().rpc, control_.back().size, rpc, size)) {
    if (!charge_control(size, r)) {
      r.control = 1;
      return r;
    }
    control_.back().size += size;
    merge_control(control_.back().rpc, rpc);
    if (after) control_.back().after = after;
    return r;
  }
  if (control_.size() >= limits_->max_control && !shed_idontwant(r)) {
    r.control = 1;
    if (!r.reason) r.reason = Refusal::kPeerFull;
    return r;
  }
  if (!charge_control(size, r)) {
    r.control = 1;
    return r;
  }
  control_.push_back(Control{std::move(rpc), size, after});
  return r;
}

bool Outbox::shed_idontwant(Refused& r) {
  // The oldest goes: its message has most likely reached the peer already.
  const auto it =
      std::ranges::find_if(control_, [](const Control& c) { return idontwant_only(c.rpc); });
  if (it == control_.end()) return false;
  r.idontwant_shed += idontwant_ids(it->rpc);
  release(it->size);
  control_.erase(it);
  return true;
}

Outbox::Refused Outbox::push(MessagePtr message, std::optional<std::uint32_t> hops) {
  Refused r;
  const std::size_t size = entry_size(*message);
  std::optional<Refusal> refusal;
  if (bytes_ + size > limits_->max_bytes)
    refusal = Refusal::kPeerFull;
  else if (!budget_->take_forward(message.get(), size, kForwardEntryBytes))
    refusal = Refusal::kNodeBudget;
  if (refusal) {
    r.reason = refusal;
    r.messages = 1;
    r.lost.push_back(std::move(message));
    return r;
  }
  bytes_ += size;
  forwards_.push_back(
      Forward{std::move(message), static_cast<std::uint32_t>(size), next_seq_++, hops});
  return r;
}

std::optional<Outbox::Refusal> Outbox::reserve(const Rpc& rpc, std::size_t size) {
  if (bytes_ + size > limits_->max_bytes) return Refusal::kPeerFull;
  std::size_t entries = 0;
  for (const MessagePtr& m : rpc.publish) entries += entry_size(*m);
  if (!budget_->take(size - entries)) return Refusal::kNodeBudget;
  for (std::size_t i = 0; i < rpc.publish.size(); ++i) {
    const Message& m = *rpc.publish[i];
    if (budget_->take_forward(&m, entry_size(m), kForwardEntryBytes)) continue;
    while (i-- > 0) {
      const Message& taken = *rpc.publish[i];
      budget_->give_forward(&taken, entry_size(taken), kForwardEntryBytes);
    }
    budget_->give(size - entries);
    return Refusal::kNodeBudget;
  }
  bytes_ += size;
  return std::nullopt;
}

void Outbox::unreserve(const Rpc& rpc, std::size_t size) {
  std::size_t entries = 0;
  for (const MessagePtr& m : rpc.publish) entries += unreserve(*m);
  release(size - entries);
}

std::size_t Outbox::unreserve(const Message& message) {
  const std::size_t size = entry_size(message);
  bytes_ -= size;
  budget_->give_forward(&message, size, kForwardEntryBytes);
  return size;
}

std::size_t Outbox::cancel(const Message* message) {
  std::size_t dropped = 0;
  for (auto it = forwards_.begin(); it != forwards_.end();) {
    if (it->message.get() != message) {
      ++it;
      continue;
    }
    release(*it);
    it = forwards_.erase(it);
    ++dropped;
  }
  return dropped;
}

void Outbox::take_forwards(Rpc& rpc, std::size_t size, std::size_t max_size) {
  const wire::DecodeLimits& d = limits_->decode;
  // Hop counts are all or none in one RPC.
  const bool hops = !forwards_.empty() && forwards_.front().hops.has_value();
  if (hops) size += 2 * kHead;
  while (!forwards_.empty()) {
    Forward& f = forwards_.front();
    const std::size_t entry = f.size + (hops ? wire::kMaxVarintBytes : 0);
    if (f.hops.has_value() != hops) break;
    if (!rpc.publish.empty() && (rpc.publish.size() == d.max_publish || size + entry > max_size))
      break;
    if (rpc.publish.empty() && !rpc.empty() && size + entry > max_size) break;
    size += entry;
    release(f);
    rpc.publish.push_back(std::move(f.message));
    if (hops) rpc.publish_hops.push_back(*f.hops);
    forwards_.pop_front();
  }
}

bool Outbox::pop(Bytes& out) {
  out.clear();
  // The thread's scratch RPC, emptied after encoding: its lists keep their room, so an RPC
  // sent costs no allocation of its own.
  thread_local Rpc rpc;
  const bool popped = pop(rpc);
  if (popped) {
    out.reserve(wire::encoded_rpc_size(rpc));
    wire::encode_rpc(rpc, out);
  }
  rpc.clear();  // the messages' references go now, not at the next pop
  return popped;
}

bool Outbox::pop(Rpc& rpc) {
  rpc.clear();
  if (empty()) return false;
  const std::size_t max_size = std::min(limits_->merged_rpc_bytes, limits_->decode.max_rpc_size);
  std::size_t size = 0;
  // Control first (an IHAVE once the forwards before it have gone), merged while the
  // receiver's limits allow; one control RPC always goes.
  bool more = false;  // control ready to go that this RPC could not take
  for (auto it = control_.begin(); it != control_.end();) {
    if (!ready(*it)) {
      ++it;
      continue;
    }
    if (!rpc.empty() && !mergeable(rpc, size, it->rpc, it->size)) {
      more = true;
      break;
    }
    size += it->size;
    release(it->size);
    merge_control(rpc, it->rpc);
    it = control_.erase(it);
  }
  if (!more) take_forwards(rpc, size, max_size);
  return true;
}

bool Outbox::fits_whole(const Rpc& rpc, std::size_t size) const {
  const wire::DecodeLimits& d = limits_->decode;
  return size <= std::min(limits_->merged_rpc_bytes, d.max_rpc_size) &&
         rpc.publish.size() <= d.max_publish;
}

void Outbox::clear() {
  // An empty queue leaves the budget alone: a closed connection's outbox may outlive its node.
  if (forwards_.empty() && control_.empty() && bytes_ == 0) return;
  for (const Forward& f : forwards_) release(f);
  forwards_.clear();
  budget_->give(bytes_);  // control and reserved bytes
  bytes_ = 0;
  control_.clear();
}

}  // namespace p2pgossip::host
