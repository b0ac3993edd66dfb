// Router::prefetch: the state an incoming RPC touches first, pulled into cache ahead of
// time. A simulator of thousands of routers visits a different router at every event, so
// each RPC would otherwise wait on a chain of cache misses.
#include "router_state.hpp"

namespace p2pgossip::router {

namespace {

template <class T>
void pull(const T* p) {
  __builtin_prefetch(p);
}

}  // namespace

void Router::prefetch(PeerIndex from, const Message* message) const {
  const State& st = *s_;
  pull(&st.cfg.strategy);
  pull(&st.cfg.thresholds);
  pull(&st.svc);
  pull(&st.counters.messages_received);
  pull(&st.counters.duplicates);
  pull(&st.peers);
  pull(&st.seen);
  pull(&st.started);
  // The peer table is small and sorted: its middle is where the search starts.
  if (!st.by_index.empty()) pull(&st.by_index[st.by_index.size() / 2]);
  // Where the sender's slot is, when the table already is in cache.
  if (auto s = st.slot_of(from)) pull(&st.peers[*s].message_bucket);
  // The seen-cache slot the message's id hashes to: its duplicate check is the first lookup.
  if (message && st.svc.message_id) st.seen.prefetch(st.svc.message_id(*message));
}

}  // namespace p2pgossip::router
