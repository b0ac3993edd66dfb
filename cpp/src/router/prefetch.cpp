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

// Every cache line of the members from `first` to `last` (inclusive), in declaration order.
template <class A, class B>
void pull_span(const A* first, const B* last) {
  const char* end = reinterpret_cast<const char*>(last + 1);
  for (const char* p = reinterpret_cast<const char*>(first); p < end; p += 64) pull(p);
  pull(end - 1);
}

}  // namespace

void Router::prefetch(int stage, PeerIndex from, const MessageId* id) const {
  const State& st = *s_;
  switch (stage) {
    case 0:  // the router's hot lines (router_state.hpp), by address only
      pull_span(reinterpret_cast<const char*>(&st), &st.actions);
      // The table's lookup fields: its first 64 bytes, on two lines unless State is aligned.
      pull_span(reinterpret_cast<const char*>(&st.messages),
                reinterpret_cast<const char*>(&st.messages) + 63);
      pull(&st.counters);  // messages_received, duplicates
      if (st.scoring) st.score.prefetch(0, 0, nullptr);
      break;
    case 1:  // the peer index's line for `from`, and the table slot the id is looked up at
      st.by_index.prefetch(from);
      if (id) st.messages.prefetch(*id);
      if (st.scoring) st.score.prefetch(1, 0, nullptr);
      break;
    default: {  // the sender's receive state; the id's records, in the slots stage 1 pulled
      const auto s = st.slot_of(from);
      if (s) pull(&st.peers[*s]);  // one line
      const std::uint64_t h = id ? hash_id(*id) : 0;
      if (id) st.messages.prefetch_record(h);
      if (s && st.scoring) st.score.prefetch(2, *s, id ? &h : nullptr);
      break;
    }
  }
}

}  // namespace p2pgossip::router
