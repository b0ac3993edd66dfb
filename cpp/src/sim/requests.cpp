// Request/response in the full-stack simulator: the exchanges are the connection machines'
// (host/requests.cpp), over the links' byte streams, as on sockets; here are the requests'
// log, the application's handler and the hook that hears each request end. A handler or a
// hook runs with callback_at set: what it asks of the simulation waits for the event to
// finish (Impl::at), so no state it changes is under the caller's feet.
#include <stdexcept>

#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {

namespace {

// Sets the callbacks' virtual time for one call, and restores it however the call ends.
class CallbackTime {
 public:
  CallbackTime(std::optional<std::int64_t>& slot, std::int64_t t)
      : slot_(slot), saved_(std::exchange(slot, t)) {}
  ~CallbackTime() { slot_ = saved_; }
  CallbackTime(const CallbackTime&) = delete;
  CallbackTime& operator=(const CallbackTime&) = delete;

 private:
  std::optional<std::int64_t>& slot_;
  std::optional<std::int64_t> saved_;
};

}  // namespace

void Simulation::Impl::start_request(RequestId id, Bytes data, Duration timeout,
                                     std::size_t max_response, std::int64_t t) {
  RequestRecord& r = request_log[id];
  r.sent_at = t;
  const host::RequestToken token = id + 1;
  const std::uint32_t l = link_index(r.node, r.peer);
  if (!nodes[r.node].host || l == kNoLink || !ends[l] || !ends[l]->machine.up())
    return end_request(token, std::nullopt, host::RequestError::kNotConnected, t);
  open_requests.emplace(token, l);
  ends[l]->machine.request(token, r.protocol, data, max_response, Instant{t} + timeout, Instant{t});
  take_events(r.node, l, t);
}

void Simulation::Impl::answer(std::uint32_t v, std::uint32_t l, host::RequestReceived& r,
                              std::int64_t t) {
  std::optional<Bytes> response;
  if (request_handler) {
    CallbackTime during(callback_at, t);
    response = request_handler(v, neighbour[l], r.protocol, r.request);
  }
  host::Connection& machine = ends[l]->machine;
  if (response)
    machine.respond(r.stream, *response, Instant{t});
  else
    machine.refuse(r.stream, Instant{t});
}

void Simulation::Impl::end_request(host::RequestToken token, std::optional<Bytes> response,
                                   std::optional<host::RequestError> error, std::int64_t t) {
  open_requests.erase(token);
  RequestRecord& r = request_log.at(token - 1);
  if (r.ended_at >= 0) return;
  r.ended_at = t;
  r.response = std::move(response);
  r.error = error;
  if (request_ended) {
    CallbackTime during(callback_at, t);
    request_ended(token - 1);
  }
}

void Simulation::Impl::fail_requests_on(std::uint32_t li, std::int64_t t) {
  std::vector<host::RequestToken> failed;
  for (const auto& [token, l] : open_requests)
    if (l == li || l == reverse[li]) failed.push_back(token);
  for (host::RequestToken token : failed)
    end_request(token, std::nullopt, host::RequestError::kConnectionClosed, t);
}

// ---- the public side ---------------------------------------------------------------------

void Simulation::serve(std::uint32_t node, const std::string& protocol, bool on, std::int64_t at) {
  impl_->check_node(node);
  if (!impl_->cfg.full_stack) throw std::logic_error("request/response needs full_stack=True");
  impl_->at(at, [this, node, protocol, on](std::int64_t) {
    auto& served = impl_->served;
    if (served.empty()) served.resize(impl_->n);
    auto& mine = served[node];
    std::erase(mine, protocol);
    if (on) mine.push_back(protocol);
  });
}

void Simulation::set_request_handler(RequestHandler handler) {
  impl_->request_handler = std::move(handler);
}

void Simulation::set_request_ended(RequestEnded hook) { impl_->request_ended = std::move(hook); }

RequestId Simulation::request(std::uint32_t node, std::uint32_t peer, const std::string& protocol,
                              Bytes data, Duration timeout, std::size_t max_response,
                              std::int64_t at) {
  impl_->check_node(node);
  impl_->check_node(peer);
  if (!impl_->cfg.full_stack) throw std::logic_error("request/response needs full_stack=True");
  const RequestId id = impl_->request_log.size();
  RequestRecord& r = impl_->request_log.emplace_back();
  r.node = node;
  r.peer = peer;
  r.protocol = protocol;
  r.sent_at = std::max(at, now());
  r.request_bytes = data.size();
  impl_->at(at, [this, id, data = std::move(data), timeout, max_response](std::int64_t t) mutable {
    impl_->start_request(id, std::move(data), timeout, max_response, t);
  });
  return id;
}

const std::vector<RequestRecord>& Simulation::requests() const { return impl_->request_log; }

}  // namespace p2pgossip::sim
