// Record checks (host/dht.hpp): records of the namespaces the application validates wait for
// its verdict, as go-libp2p-kad-dht asks its NamespacedValidator before it stores a
// PUT_VALUE or returns what GET_VALUE found. The verdict comes back asynchronously (the
// application's validator may be a coroutine), so a PUT_VALUE is held and a get_value lookup
// does not end while a record it met is being checked.
#include <algorithm>

#include "p2pgossip/host/dht.hpp"

namespace p2pgossip::host {

namespace {

// "/ns/rest" -> "ns"; empty for keys without a namespace.
std::string_view namespace_of(ByteView key) {
  const std::string_view k(reinterpret_cast<const char*>(key.data()), key.size());
  if (k.size() < 2 || k[0] != '/') return {};
  const std::size_t end = k.find('/', 1);
  return end == std::string_view::npos ? std::string_view{} : k.substr(1, end - 1);
}

}  // namespace

bool Dht::checked(ByteView key) const {
  const std::string_view ns = namespace_of(key);
  return !ns.empty() && std::find(checked_.begin(), checked_.end(), ns) != checked_.end();
}

bool Dht::selected(ByteView key) const {
  const std::string_view ns = namespace_of(key);
  return !ns.empty() && std::find(selected_.begin(), selected_.end(), ns) != selected_.end();
}

void Dht::record_selected(CheckToken token, std::size_t index, Instant now) {
  auto it = checks_.find(token);
  if (it == checks_.end() || !it->second.select) return;
  const LookupId id = *it->second.lookup;
  checks_.erase(it);
  auto run = lookups_.find(id);
  if (run == lookups_.end()) return;
  Running& r = run->second;
  r.selecting.reset();
  // The distinct records in the order DhtSelect listed them.
  std::vector<const Bytes*> distinct;
  for (const auto& [holder, value] : r.found)
    if (std::none_of(distinct.begin(), distinct.end(), [&](const Bytes* d) { return *d == value; }))
      distinct.push_back(&value);
  // No choice made (the application failed, or did not answer): the first, told to nobody.
  const bool chose = index < distinct.size();
  r.value = *distinct[chose ? index : 0];
  if (chose) correct(id, r, now);
  end(run, now);
  advance(now);
}

CheckToken Dht::ask_check(Check check, ByteView key, ByteView value) {
  const CheckToken token = next_check_++;
  checks_.emplace(token, std::move(check));
  ++counters_.records_checked;
  events_.push_back(
      DhtCheck{token, Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end())});
  return token;
}

Result<std::optional<CheckToken>> Dht::hold_request(ByteView peer, ByteView request, Instant now) {
  if (checked_.empty()) return std::optional<CheckToken>{};
  auto msg = kad::decode(request, config_.limits);
  // Anything else, or a malformed request, is handle_request's to answer or refuse.
  if (!msg || msg->type != kad::MessageType::kPutValue || !msg->record ||
      !checked(msg->record->key))
    return std::optional<CheckToken>{};
  if (checks_.size() >= config_.max_checks) {
    ++counters_.checks_refused;
    ++counters_.requests_refused;
    return Error{"too many records waiting for the validator"};
  }
  Check c{now + config_.check_timeout,
          std::nullopt,
          Bytes(peer.begin(), peer.end()),
          Bytes(request.begin(), request.end()),
          {}};
  return std::optional<CheckToken>{ask_check(std::move(c), msg->record->key, msg->record->value)};
}

Result<std::optional<Bytes>> Dht::record_checked(CheckToken token, bool valid, Instant now) {
  auto it = checks_.find(token);
  if (it == checks_.end() || it->second.select) return Error{"record check expired"};
  Check c = std::move(it->second);
  checks_.erase(it);
  if (!valid) ++counters_.records_rejected;
  if (!c.lookup) {
    if (!valid) {
      ++counters_.requests_refused;
      return Error{"record invalid (the application's validator)"};
    }
    return handle_request(c.peer, c.request, now);
  }
  if (auto run = lookups_.find(*c.lookup); run != lookups_.end()) {
    Running& r = run->second;
    if (r.checking) --r.checking;
    if (valid && !r.value && !r.selecting) {
      r.found.emplace_back(kad::LookupPeer{std::move(c.peer), std::move(c.addrs)},
                           std::move(c.value));
      if (r.found.size() >= r.quorum) conclude_get(run, now);
    }
  }
  advance(now);
  return std::optional<Bytes>{};
}

void Dht::expire_checks(Instant now) {
  std::vector<CheckToken> late;
  for (const auto& [token, c] : checks_)
    if (c.deadline <= now) late.push_back(token);
  for (CheckToken t : late) {
    ++counters_.checks_timed_out;
    if (checks_.at(t).select)
      record_selected(t, SIZE_MAX, now);
    else
      (void)record_checked(t, false, now);
  }
}

}  // namespace p2pgossip::host
