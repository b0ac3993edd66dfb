// One simulation on several threads, conservatively: the nodes are split into shards, and
// virtual time into windows no longer than the lookahead (the smallest latency any link
// can draw). A packet sent in a window arrives at or after its end, so within a window
// every shard runs its own events alone; packets for another shard wait in an outbox and
// join that shard's queue when the window is over. Between windows one thread does what
// touches several shards, in canonical order: routers' disconnects, user commands, and
// messages first seen in the window. Windows lie on a fixed grid of lookahead-long cells
// (cut short by a command), the same for any number of threads, so a single thread runs
// the very same windows and gives the very same trace.
#if __has_include(<malloc.h>)
#include <malloc.h>  // malloc_trim, where glibc has it
#endif

#include <algorithm>
#include <exception>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "sim/simulation_impl.hpp"
#include "sim/window_barrier.hpp"

namespace p2pgossip::sim {

void Simulation::Impl::make_shards(std::uint32_t threads, Partitioning partitioning) {
  lookahead = cfg.link.latency.minimum();
  const bool shardable =
      lookahead > 0 && !cfg.peer_exchange && !cfg.full_stack && !cfg.wire_fidelity && n >= 2;
  const std::uint32_t count = shardable ? std::clamp<std::uint32_t>(threads, 1, n) : 1;
  for (std::uint32_t p = 0; p < count; ++p) {
    shards.push_back(std::make_unique<Shard>(cfg.verify_cache));
    for (auto& side : shards.back()->outbox) side.resize(count);
    for (auto& side : shards.back()->used_rpcs) side.resize(count);
  }
  part.resize(n);
  for (std::uint32_t v = 0; v < n; ++v)
    part[v] = partitioning == Partitioning::kRoundRobin
                  ? v % count
                  : static_cast<std::uint32_t>(std::uint64_t{v} * count / n);
}

void Simulation::Impl::run_until(std::int64_t to) {
  until = to;
  if (next_window()) {
    if (shards.size() == 1) {
      do run_window(0);
      while (next_window());
    } else {
      std::vector<std::exception_ptr> failures(shards.size() + 1);  // the last: between
      auto failed = [&] {
        return std::any_of(failures.begin(), failures.end(), [](auto& f) { return bool(f); });
      };
      bool more = true;
      auto between = [&]() noexcept {
        parallel = false;
        try {
          more = !failed() && next_window();
        } catch (...) {
          failures.back() = std::current_exception();
          more = false;
        }
        parallel = true;
      };
      WindowBarrier sync(static_cast<std::uint32_t>(shards.size()), between);
      auto work = [&](std::uint32_t p) {
        do {
          try {
            run_window(p);
          } catch (...) {
            failures[p] = std::current_exception();  // `between` stops the run
          }
          sync.arrive_and_wait();
        } while (more);
      };
      parallel = true;
      std::vector<std::jthread> helpers;
      for (std::uint32_t p = 1; p < shards.size(); ++p) helpers.emplace_back(work, p);
      work(0);
      helpers.clear();  // joins
      for (auto& s : shards)
        for (auto& side : s->used_rpcs)
          for (auto& used : side) used.clear();
      parallel = false;
      for (auto& f : failures)
        if (f) std::rethrow_exception(f);
    }
  }
  now = std::max(now, to);
  for (auto& s : shards) s->now = now;
  give_back_memory();
}

// After a run whose event queues let go of a burst's chunks: those are scattered through
// the heap, where malloc keeps them (a 10,000-node burst's 7.5 KiB a node), so hand their
// pages back. Only then: a trim walks the heap (4-12 ms there).
void Simulation::Impl::give_back_memory() {
  constexpr std::uint64_t kWorthTrimming = 32 << 20;
  std::uint64_t released = 0;
  for (auto& s : shards) released += s->queue.released_bytes();
  if (released - released_at_trim < kWorthTrimming) return;
  released_at_trim = released;
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Between windows: does what is due up to the first node event, then opens the window of
// that event. False when nothing is due by `until`.
bool Simulation::Impl::next_window() {
  for (;;) {
    gather();
    std::int64_t t_events = kNever;
    for (std::uint32_t p = 0; p < shards.size(); ++p) {
      Shard& s = *shards[p];
      if (!s.queue.empty()) t_events = std::min(t_events, s.queue.top().time);
      for (const MailBox& box : s.outbox[mail_side])  // the other side's is taken
        for (const Mail& m : box.mail) t_events = std::min(t_events, m.event.time);
    }
    std::int64_t t_close = kNever;
    for (const Close& c : closes) t_close = std::min(t_close, grid_end(c.time));
    const std::int64_t t_command = commands.empty() ? kNever : commands.begin()->first;
    const std::int64_t t = std::min({t_events, t_close, t_command});
    if (t > until) return false;
    if (t == t_close) {  // a router's disconnect is done before the commands of that time
      apply_closes(t);
      continue;
    }
    if (t == t_command) {  // commands before the nodes' events of their time
      between_windows(t);
      auto fn = std::move(commands.begin()->second);
      commands.erase(commands.begin());
      fn(t);
      continue;
    }
    between_windows(t);
    window_end = std::min({grid_end(t), t_close, t_command, until + 1});
    mail_side ^= 1;
    return true;
  }
}

// Takes the shard's mail, then runs its events of the window.
void Simulation::Impl::run_window(std::uint32_t p) {
  take_mail(p);
  run_events(*shards[p]);
}

// Takes what the other shards posted to shard p in the last window, and lets go of what they
// took from p then: p's mail and RPCs they used (allocated here, so freed here, without the
// lock of another thread's malloc arena).
void Simulation::Impl::take_mail(std::uint32_t p) {
  Shard& d = *shards[p];
  for (MailBox& box : d.outbox[mail_side]) box.clear();
  for (auto& from : shards) {
    MailBox& box = from->outbox[mail_side ^ 1][p];
    for (Mail& m : box.mail) take_letter(d, m, box);
    from->used_rpcs[mail_side ^ 1][p].clear();
  }
}

// A packet from another shard joins shard d, with d's own copies of its messages. A message
// not built by the simulation (an adversary's) has no number: it stays shared.
void Simulation::Impl::take_letter(Shard& d, Mail& m, MailBox& box) {
  MessageMemo::Entry* known = nullptr;
  MessagePtr message;
  if (m.message && m.replica != MessageMemo::kNoReplica)
    std::tie(message, known) = d.memo.own(remembered[m.replica], *m.message);
  else
    message = std::move(m.message);
  if (m.rpc)
    for (std::size_t i = 0; i < m.rpc->publish.size(); ++i) {
      const std::uint32_t r = box.replicas[m.first + i];
      MessagePtr& theirs = box.messages[m.first + i];
      m.rpc->publish[i] = r != MessageMemo::kNoReplica ? d.memo.own(remembered[r], *theirs).first
                                                       : std::move(theirs);
    }
  accept(d, m.event, m.packet, std::move(message), std::move(m.rpc), known);
}

// An RPC node `to` used: one from another shard's node is freed in that shard's next window.
void Simulation::Impl::release(std::uint32_t to, std::uint32_t from, std::unique_ptr<Rpc> rpc) {
  if (!parallel || part[from] == part[to]) return;
  rpc->publish.clear();  // this shard's copies
  shards[part[to]]->used_rpcs[mail_side][part[from]].push_back(std::move(rpc));
}

// Serial work at virtual time t: every shard's clock there.
void Simulation::Impl::between_windows(std::int64_t t) {
  for (auto& s : shards)
    if (s->now > t)  // a command or close scheduled inside a window it should have cut
      throw std::logic_error("simulation: virtual time would go back");
  now = t;
  for (auto& s : shards) s->now = t;
}

// The disconnects due at t, in (time, link) order: the same on any number of threads.
void Simulation::Impl::apply_closes(std::int64_t t) {
  between_windows(t);
  std::vector<Close> due;
  std::erase_if(closes, [&](const Close& c) {
    if (grid_end(c.time) != t) return false;
    due.push_back(c);
    return true;
  });
  std::sort(due.begin(), due.end(), [](const Close& a, const Close& b) {
    return a.time != b.time ? a.time < b.time : a.link < b.link;
  });
  for (const Close& c : due) {
    if (!dials.empty() && dials[c.link].dynamic) {
      dials[c.link].held = dials[reverse[c.link]].held = false;  // a link a dial made is let go
    } else if (c.sever) {
      severed[c.link] = severed[reverse[c.link]] = 1;  // a topology link stays down
    }
    update_link(c.link, t);
  }
}

// What the shards left for serial work: their messages first seen, and their disconnects.
void Simulation::Impl::gather() {
  resolve_deliveries();
  for (auto& s : shards) {
    closes.insert(closes.end(), s->closes.begin(), s->closes.end());
    s->closes.clear();
  }
}

// Gives the messages first seen in the window their indices, in (time, node, log row)
// order, then the hop counts of their deliveries in that order.
void Simulation::Impl::resolve_deliveries() {
  std::vector<std::pair<Shard*, Unresolved*>> all;
  for (auto& s : shards)
    for (Unresolved& u : s->unresolved) all.emplace_back(s.get(), &u);
  if (all.empty()) return;
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    const Unresolved &x = *a.second, &y = *b.second;
    if (x.time != y.time) return x.time < y.time;
    return x.node != y.node ? x.node < y.node : x.row < y.row;
  });
  for (auto [s, u] : all) {
    const std::uint32_t mi = message_slot(u->id, u->message->topic);
    if (u->from < 0 && messages[mi].publisher < 0) {  // an adversary's spam
      messages[mi].publisher = u->node;
      messages[mi].published_at = u->time;
    }
    s->log.message[u->row] = mi;
    s->log.hops[u->row] = count_hops(mi, u->node, u->from);
  }
  for (auto& s : shards) s->unresolved.clear();
}

// A message built here, for node u's shard: the others make their copies as it reaches them
// (one shard needs no numbers, nor their table).
void Simulation::Impl::remember(const MessagePtr& message, const MessageId& id, std::uint32_t u) {
  const MessageMemo::Entry entry{
      id, wire::encoded_rpc_size(*message), host::verify_cache_key(*message),
      CarriedMessages::kNone,
      shards.size() > 1 ? static_cast<std::uint32_t>(remembered.size()) : MessageMemo::kNoReplica};
  if (entry.replica != MessageMemo::kNoReplica) remembered.push_back(entry);
  shard_of(u).memo.remember(message, entry);
}

}  // namespace p2pgossip::sim
