// A node's request/response: the protocols it serves, its requests to peers and the
// remote requests waiting for the application. The exchanges themselves are the connection
// machine's (host/requests.cpp).
#include <algorithm>

#include "p2pgossip/protocol.hpp"
#include "runtime/connection.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

void Node::serve(const std::string& protocol, bool on) {
  auto it = std::find(served_.begin(), served_.end(), protocol);
  if (on && it == served_.end()) served_.push_back(protocol);
  if (!on && it != served_.end()) served_.erase(it);
}

void Node::request(const Bytes& peer_id, const std::string& protocol, ByteView data,
                   Duration timeout, std::size_t max_response, RequestId request) {
  Connection* c = by_peer(peer_id);
  if (!c) {
    return emit(Response{request, std::nullopt,
                         std::string(host::request_error_name(host::RequestError::kNotConnected))});
  }
  outbound_.emplace(request, c->id);
  c->send_request(request, protocol, data, max_response, now() + timeout);
}

void Node::respond(std::uint64_t token, std::optional<Bytes> response) {
  auto it = inbound_.find(token);
  if (it == inbound_.end()) return;
  const Inbound in = it->second;
  inbound_.erase(it);
  auto c = by_connection_id_.find(in.connection);
  if (c == by_connection_id_.end()) return;
  if (response)
    c->second->respond(in.stream, *response);
  else
    c->second->refuse(in.stream);
}

void Node::on_request(Connection& c, std::uint32_t stream, std::string protocol, Bytes data) {
  if (protocol == protocol::kKad && dht_request(c, stream, data)) return;
  const Instant t = now();
  if (inbound_.size() >= config_.limits.max_inbound_requests)
    std::erase_if(inbound_, [&](const auto& kv) { return kv.second.expires <= t; });
  if (inbound_.size() >= config_.limits.max_inbound_requests) {
    count(Drop::kRequestsBusy);
    return c.refuse(stream);
  }
  const std::uint64_t token = next_inbound_++;
  inbound_.emplace(token, Inbound{c.id, stream, t + config_.limits.request_timeout});
  emit(InboundRequest{id_, token, c.peer_id(), std::move(protocol), std::move(data)});
}

void Node::on_response(RequestId request, Bytes response) {
  auto it = outbound_.find(request);
  if (it == outbound_.end()) return;
  outbound_.erase(it);
  if (request & kDhtToken) return dht_outcome(request, std::move(response));
  emit(Response{request, std::move(response), {}});
}

void Node::on_request_failed(RequestId request, host::RequestError error) {
  if (!outbound_.erase(request)) return;
  if (request & kDhtToken) return dht_outcome(request, std::nullopt);
  emit(Response{request, std::nullopt, std::string(host::request_error_name(error))});
}

bool Node::carries_requests(net::ConnectionId connection) const {
  if (auto c = by_connection_id_.find(connection);
      c != by_connection_id_.end() && c->second->exchanging())
    return true;
  return std::any_of(outbound_.begin(), outbound_.end(),
                     [&](const auto& kv) { return kv.second == connection; });
}

void Node::requests_closed(const Connection& c) {
  for (auto it = outbound_.begin(); it != outbound_.end();) {
    if (it->second != c.id) {
      ++it;
      continue;
    }
    const RequestId request = it->first;
    it = outbound_.erase(it);
    if (request & kDhtToken) continue;  // the DHT's sender sends it once more
    emit(Response{request, std::nullopt,
                  std::string(host::request_error_name(host::RequestError::kConnectionClosed))});
  }
  std::erase_if(inbound_, [&](const auto& kv) { return kv.second.connection == c.id; });
  std::erase_if(dht_held_, [&](const auto& kv) { return kv.second.connection == c.id; });
}

}  // namespace p2pgossip::runtime
