#include "p2pgossip/host/dht.hpp"

#include <algorithm>

namespace p2pgossip::host {

Dht::Dht(ByteView local_peer_id, DhtConfig config, Instant now, std::uint64_t seed)
    : server_(local_peer_id, config.server, now), config_(std::move(config)), rng_(seed) {}

void Dht::peer_connected(ByteView peer, std::span<const Bytes> addrs, Instant now) {
  server_.table().update(peer, addrs, true, now);
  if (!bootstrapped_) {
    // The spec's bootstrap: a lookup of our own id fills the buckets near us.
    bootstrapped_ = true;
    const ByteView self = server_.table().local_peer_id();
    start(Bytes(self.begin(), self.end()), false);
  }
  advance(now);
}

void Dht::peer_disconnected(ByteView peer, Instant now) {
  server_.table().set_connected(peer, false, now);
}

Result<std::optional<Bytes>> Dht::handle_request(ByteView peer, ByteView request, Instant now) {
  auto msg = kad::decode(request, config_.limits);
  if (!msg) {
    ++counters_.requests_refused;
    return msg.error();
  }
  auto answer = server_.handle(peer, *msg, now);
  if (!answer) {
    ++counters_.requests_refused;
    return answer.error();
  }
  ++counters_.requests_answered;
  if (!*answer) return std::optional<Bytes>{};
  return std::optional<Bytes>{kad::encode(**answer)};
}

void Dht::query_answered(QueryToken token, ByteView response, Instant now) {
  auto q = queries_.find(token);
  if (q == queries_.end()) return;
  Pending p = std::move(q->second);
  queries_.erase(q);
  auto run = lookups_.find(p.lookup);
  auto msg = kad::decode(response, config_.limits);
  if (!msg) return query_failed_for(p, run, now);
  ++counters_.answers;
  // It answered: a live server.
  server_.table().update(p.peer, p.addrs, true, now);
  if (run == lookups_.end()) return advance(now);
  if (run->second.storing) {
    store_answered(run->first, run->second, true);
    return advance(now);
  }
  std::vector<kad::LookupPeer> closer;
  closer.reserve(msg->closer_peers.size());
  for (kad::Peer& c : msg->closer_peers) {
    if (run->second.walk && wanted_ && !c.addrs.empty() &&
        !std::ranges::equal(c.id, server_.table().local_peer_id()) &&
        !server_.table().contains(c.id)) {
      ++counters_.peers_found;
      events_.push_back(DhtPeerFound{c.id, c.addrs});
    }
    closer.push_back(kad::LookupPeer{std::move(c.id), std::move(c.addrs)});
  }
  run->second.lookup.on_response(p.peer, closer);
  if (take_records(run->first, run->second, kad::LookupPeer{p.peer, p.addrs}, *msg, now))
    conclude_get(run, now);
  advance(now);
}

void Dht::query_failed(QueryToken token, Instant now) {
  auto q = queries_.find(token);
  if (q == queries_.end()) return;
  Pending p = std::move(q->second);
  queries_.erase(q);
  query_failed_for(p, lookups_.find(p.lookup), now);
}

void Dht::query_failed_for(const Pending& p, std::map<LookupId, Running>::iterator run,
                           Instant now) {
  if (p.unanswered) return;
  ++counters_.failures;
  // The spec: a peer that fails a query leaves the table (a waiting candidate takes its place).
  server_.table().remove(p.peer);
  if (run != lookups_.end() && run->second.storing)
    store_answered(run->first, run->second, false);
  else if (run != lookups_.end())
    run->second.lookup.on_failure(p.peer);
  advance(now);
}

LookupId Dht::find_node(ByteView key, Instant now) {
  const LookupId id = start(Bytes(key.begin(), key.end()), false);
  advance(now);
  return id;
}

LookupId Dht::start(Bytes target, bool walk, DhtOp op) {
  const kad::Key key = kad::Key::of(target);
  std::vector<kad::LookupPeer> seeds;
  for (const kad::Entry* e : server_.table().closest(key, config_.lookup.k))
    seeds.push_back(kad::LookupPeer{e->peer_id, e->addrs});
  const LookupId id = next_lookup_++;
  Running run{std::move(target),
              kad::Lookup(key, seeds, config_.lookup, server_.table().local_peer_id()), walk};
  run.op = op;
  lookups_.emplace(id, std::move(run));
  ++counters_.lookups_started;
  return id;
}

void Dht::send(LookupId id, kad::LookupPeer peer, const kad::Message& m, bool unanswered,
               Instant now) {
  const QueryToken token = next_query_++;
  queries_.emplace(
      token, Pending{id, peer.id, peer.addrs, now + config_.lookup.query_timeout, unanswered});
  ++counters_.queries;
  events_.push_back(DhtQuery{token, std::move(peer.id), std::move(peer.addrs), kad::encode(m)});
}

void Dht::tick(Instant now) {
  for (auto& [id, run] : lookups_) run.lookup.handle_timeout(now);
  // A query the shell never reported fails at its deadline (the lookup has given up on it).
  std::vector<QueryToken> late;
  for (const auto& [token, q] : queries_)
    if (q.deadline <= now) late.push_back(token);
  for (QueryToken t : late) query_failed(t, now);
  expire_checks(now);
  server_.records().expire(now);
  server_.providers().expire(now);
  advance(now);
}

bool Dht::walking() const {
  return std::any_of(lookups_.begin(), lookups_.end(),
                     [](const auto& kv) { return kv.second.walk; });
}

void Dht::start_due(Instant now) {
  if (!bootstrapped_) return;
  kad::RoutingTable& table = server_.table();
  for (std::size_t bucket : table.buckets_due(now)) {
    if (lookups_.size() >= config_.max_lookups) return;
    const bool last = bucket + 1 == table.bucket_count();
    table.mark_refreshed(bucket, now);
    // FIND_NODE names a position by a preimage: a peer id whose key is in the bucket.
    if (auto id = kad::random_peer_id_with_prefix(table.local_key(), bucket, last, rng_))
      start(std::move(*id), false);
  }
  if (wanted_ && !walking() && now >= next_walk_ && lookups_.size() < config_.max_lookups) {
    if (auto id = kad::random_peer_id_with_prefix(table.local_key(), 0, true, rng_))
      start(std::move(*id), true);
  }
}

void Dht::advance(Instant now) {
  bool ended = true;
  while (ended) {
    ended = false;
    start_due(now);
    for (auto it = lookups_.begin(); it != lookups_.end();) {
      Running& run = it->second;
      if (run.selecting) {  // the walk is over: the application is choosing
        ++it;
        continue;
      }
      if (!run.storing) {
        while (auto q = run.lookup.poll_query(now))
          send(it->first, *q, request_of(run), false, now);
        if (!run.lookup.finished() || run.checking > 0) {
          ++it;
          continue;
        }
        if (!run.found.empty()) {  // a get_value that met records, fewer than its quorum
          conclude_get(it++, now);
          ended = true;
          continue;
        }
        lookup_finished(it->first, run, now);  // a put or provide goes on to store
      }
      if (run.storing && run.awaiting > 0) {
        ++it;
        continue;
      }
      end(it++, now);
      ended = true;
    }
  }
}

void Dht::end(std::map<LookupId, Running>::iterator it, Instant now) {
  Running& run = it->second;
  DhtLookupDone done{it->first,
                     run.op,
                     std::move(run.target),
                     {},
                     run.lookup.hops(),
                     run.lookup.stats().queries,
                     run.lookup.stats().timeouts};
  for (const kad::LookupEntry* e : run.lookup.closest())
    done.closest.push_back(kad::LookupPeer{e->id, e->addrs});
  done.value = std::move(run.value);
  done.providers = std::move(run.providers);
  done.stored = run.stored;
  ++counters_.lookups_done;
  if (done.closest.empty()) ++counters_.lookups_empty;
  server_.table().note_lookup(kad::Key::of(done.target), now);
  if (run.walk) next_walk_ = now + config_.walk_interval;
  events_.push_back(std::move(done));
  lookups_.erase(it);
}

std::optional<Instant> Dht::next_deadline() const {
  std::optional<Instant> next;
  auto take = [&](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& [id, run] : lookups_) take(run.lookup.next_deadline());
  for (const auto& [token, q] : queries_) take(q.deadline);
  for (const auto& [token, c] : checks_) take(c.deadline);
  // What waits for room among max_lookups is started when a lookup ends, not by a deadline.
  if (!bootstrapped_ || lookups_.size() >= config_.max_lookups) return next;
  take(server_.table().next_refresh_deadline());
  if (wanted_ && !walking()) take(next_walk_);
  return next;
}

}  // namespace p2pgossip::host
