// Asynchronous validation: the second half of the receive pipeline for a message whose
// validator answered kPending (gossipsub.cpp runs the first half).
#include "router_state.hpp"

namespace p2pgossip::router {

void Router::validation_complete(MessagePtr message, const MessageId& id, PeerIndex from,
                                 ValidationResult result, Instant now) {
  State& st = *s_;
  std::uint32_t hops = 1;  // unknown: one link, as for a copy without a hop count
  if (const std::uint32_t* h = st.pending_hops.find(id)) {
    hops = *h;
    st.pending_hops.erase(id);
  }
  auto t = st.find_topic(message->topic);
  const std::optional<Slot> slot = st.slot_of(from);
  switch (result) {
    case ValidationResult::kAccept:
      break;
    case ValidationResult::kReject:
      ++st.counters.dropped_rejected;
      if (slot && t) st.score.rejected(*slot, *t, id, now);
      if (slot && st.tracer) st.tracer->invalid_message(from, now);
      return;
    case ValidationResult::kIgnore:
    case ValidationResult::kPending:
      ++st.counters.dropped_ignored;
      if (slot && t) st.score.ignored(*slot, *t, id, now);
      return;
  }
  // Unsubscribed meanwhile: nothing to deliver to.
  if (!t || !st.topics[*t].subscribed) {
    ++st.counters.dropped_unsubscribed_topic;
    return;
  }
  st.actions.emplace_back(Deliver{message, id, from});
  ++st.counters.messages_delivered;
  if (slot) st.score.first_delivery(*slot, *t, id, now);
  if (st.cfg.strategy == Strategy::kGossipSub) st.cache(id, message, *t);
  st.forward(message, id, *t, slot, hops, now);
  st.flush();
}

}  // namespace p2pgossip::router
