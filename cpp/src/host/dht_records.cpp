// The DHT's values and provider records (host/dht.hpp): what each operation asks during its
// walk, what it takes from the answers, and the stores a put or provide sends once it knows
// the closest servers.
#include <algorithm>

#include "p2pgossip/host/dht.hpp"

namespace p2pgossip::host {

Result<LookupId> Dht::put_value(ByteView key, ByteView value, Instant now) {
  if (auto st = server_.records().put(key, value, now); !st) return st.error();
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kPutValue);
  lookups_.at(id).value = Bytes(value.begin(), value.end());
  advance(now);
  return id;
}

LookupId Dht::get_value(ByteView key, Instant now, std::size_t quorum) {
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kGetValue);
  Running& run = lookups_.at(id);
  run.quorum = std::max<std::size_t>(quorum, 1);
  // The spec's local lookup first: ours is one of the records (the only one at quorum 1).
  if (const kad::StoredRecord* r = server_.records().get(key, now)) {
    run.found.emplace_back(kad::LookupPeer{}, r->value);
    if (run.quorum == 1) {
      run.value = r->value;
      end(lookups_.find(id), now);
    }
  }
  advance(now);
  return id;
}

Result<LookupId> Dht::add_provider(ByteView key, Instant now) {
  const ByteView self = server_.table().local_peer_id();
  if (auto st = server_.providers().add(key, self, listen_addrs_, now); !st) return st.error();
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kAddProvider);
  advance(now);
  return id;
}

LookupId Dht::get_providers(ByteView key, Instant now) {
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kGetProviders);
  Running& run = lookups_.at(id);
  for (const kad::Provider* p : server_.providers().get(key, now))
    run.providers.push_back(kad::LookupPeer{p->peer_id, p->addrs});
  if (run.providers.size() >= config_.lookup.k) end(lookups_.find(id), now);
  advance(now);
  return id;
}

kad::Message Dht::request_of(const Running& run) const {
  kad::Message m;
  m.key = run.target;
  switch (run.op) {
    case DhtOp::kGetValue:
      m.type = kad::MessageType::kGetValue;
      break;
    case DhtOp::kGetProviders:
      m.type = kad::MessageType::kGetProviders;
      break;
    default:  // a put or provide first finds the closest servers
      m.type = kad::MessageType::kFindNode;
  }
  return m;
}

bool Dht::take_records(LookupId id, Running& run, const kad::LookupPeer& from, kad::Message& answer,
                       Instant now) {
  if (run.op == DhtOp::kGetValue && answer.record && answer.record->key == run.target &&
      server_.records().validate(answer.record->key, answer.record->value)) {
    if (!checked(run.target)) {
      run.found.emplace_back(from, std::move(answer.record->value));
      return run.found.size() >= run.quorum;
    }
    // The walk goes on meanwhile, and does not end before the verdict.
    if (checks_.size() < config_.max_checks) {
      ++run.checking;
      ask_check(
          Check{now + config_.check_timeout, id, from.id, {}, answer.record->value, from.addrs},
          answer.record->key, answer.record->value);
    } else {
      ++counters_.checks_refused;
    }
    return false;
  }
  if (run.op != DhtOp::kGetProviders) return false;
  for (kad::Peer& p : answer.provider_peers) {
    const bool known = std::any_of(run.providers.begin(), run.providers.end(),
                                   [&](const kad::LookupPeer& q) { return q.id == p.id; });
    if (!known) run.providers.push_back(kad::LookupPeer{std::move(p.id), std::move(p.addrs)});
  }
  return run.providers.size() >= config_.lookup.k;
}

void Dht::lookup_finished(LookupId id, Running& run, Instant now) {
  if (run.op != DhtOp::kPutValue && run.op != DhtOp::kAddProvider) return;
  run.storing = true;
  kad::Message m;
  m.key = run.target;
  if (run.op == DhtOp::kPutValue) {
    m.type = kad::MessageType::kPutValue;
    m.record = kad::Record{run.target, *run.value, {}};
  } else {
    m.type = kad::MessageType::kAddProvider;
    const ByteView self = server_.table().local_peer_id();
    m.provider_peers.push_back(kad::Peer{Bytes(self.begin(), self.end()), listen_addrs_});
  }
  for (const kad::LookupEntry* e : run.lookup.closest()) {
    // ADD_PROVIDER is not answered: sent is all we learn, so it counts as stored.
    const bool unanswered = run.op == DhtOp::kAddProvider;
    send(id, kad::LookupPeer{e->id, e->addrs}, m, unanswered, now);
    if (unanswered)
      ++run.stored;
    else
      ++run.awaiting;
  }
}

void Dht::store_answered(LookupId, Running& run, bool ok) {
  if (run.awaiting) --run.awaiting;
  if (ok) ++run.stored;
}

void Dht::conclude_get(std::map<LookupId, Running>::iterator it, Instant now) {
  const LookupId id = it->first;
  Running& run = it->second;
  std::vector<Bytes> distinct;
  for (const auto& [holder, value] : run.found)
    if (std::find(distinct.begin(), distinct.end(), value) == distinct.end())
      distinct.push_back(value);
  const bool ask =
      distinct.size() > 1 && selected(run.target) && checks_.size() < config_.max_checks;
  if (ask) {
    const CheckToken token = next_check_++;
    Check c{now + config_.check_timeout, id};
    c.select = true;
    checks_.emplace(token, std::move(c));
    run.selecting = token;
    ++counters_.records_selected;
    events_.push_back(DhtSelect{token, run.target, std::move(distinct)});
    return;
  }
  // Nothing to choose by (or no room to ask): the first found, and no holder is told
  // otherwise, since the choice is arbitrary.
  run.value = std::move(distinct.front());
  end(it, now);
}

void Dht::correct(LookupId id, Running& run, Instant now) {
  kad::Message m;
  m.type = kad::MessageType::kPutValue;
  m.key = run.target;
  m.record = kad::Record{run.target, *run.value, {}};
  for (const auto& [holder, value] : run.found) {
    if (value == *run.value) continue;
    ++counters_.records_corrected;
    if (holder.id.empty())
      (void)server_.records().put(run.target, *run.value, now);
    else
      send(id, holder, m, false, now);  // answered after the lookup ended: nothing waits
  }
}

}  // namespace p2pgossip::host
