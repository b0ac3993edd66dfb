// The DHT's values and provider records (host/dht.hpp): what each operation asks during its
// walk, what it takes from the answers, and the stores a put or provide sends once it knows
// the closest servers.
#include "p2pgossip/host/dht.hpp"

namespace p2pgossip::host {

Result<LookupId> Dht::put_value(ByteView key, ByteView value, Instant now) {
  if (auto st = server_.records().put(key, value, now); !st) return st.error();
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kPutValue);
  lookups_.at(id).value = Bytes(value.begin(), value.end());
  advance(now);
  return id;
}

LookupId Dht::get_value(ByteView key, Instant now) {
  const LookupId id = start(Bytes(key.begin(), key.end()), false, DhtOp::kGetValue);
  // Held here already: the spec's local lookup first, nothing to ask.
  if (const kad::StoredRecord* r = server_.records().get(key, now)) {
    lookups_.at(id).value = r->value;
    end(lookups_.find(id), now);
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

bool Dht::take_records(LookupId id, Running& run, kad::Message& answer, Instant now) {
  if (run.op == DhtOp::kGetValue && answer.record && answer.record->key == run.target &&
      server_.records().validate(answer.record->key, answer.record->value)) {
    if (!checked(run.target)) {
      run.value = std::move(answer.record->value);
      return true;
    }
    // The walk goes on meanwhile, and does not end before the verdict (the first valid
    // record ends it).
    if (checks_.size() < config_.max_checks) {
      ++run.checking;
      ask_check(Check{now + config_.check_timeout, id, {}, {}, answer.record->value},
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

}  // namespace p2pgossip::host
