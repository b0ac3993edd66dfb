#include "p2pgossip/kad/server.hpp"

#include <algorithm>

namespace p2pgossip::kad {

Server::Server(ByteView local_peer_id, ServerConfig config, Instant now)
    : config_(config),
      table_(local_peer_id, config.table, now),
      records_(config.records),
      providers_(config.providers) {}

std::vector<Peer> Server::closer_peers(ByteView key, ByteView exclude) const {
  std::vector<Peer> out;
  // One more than asked, in case the requester is among them.
  for (const Entry* e : table_.closest(Key::of(key), config_.closer_peers + 1)) {
    if (out.size() == config_.closer_peers) break;
    if (std::equal(e->peer_id.begin(), e->peer_id.end(), exclude.begin(), exclude.end())) continue;
    out.push_back(Peer{e->peer_id, e->addrs,
                       e->connected ? ConnectionType::kConnected : ConnectionType::kNotConnected});
  }
  return out;
}

Result<std::optional<Message>> Server::handle(ByteView sender, const Message& request,
                                              Instant now) {
  ++counters_.requests[static_cast<std::size_t>(request.type)];
  if (config_.mode == Mode::kClient) {
    ++counters_.refused_client_mode;
    return Error{"kad: client mode, requests are not served"};
  }
  auto refuse = [this](const std::string& why) {
    ++counters_.refused_invalid;
    return Error{"kad: " + why};
  };
  Message resp;
  resp.type = request.type;
  switch (request.type) {
    case MessageType::kPing:
      return std::optional<Message>{resp};
    case MessageType::kFindNode:
      if (request.key.empty()) return refuse("FIND_NODE without a key");
      resp.key = request.key;
      resp.closer_peers = closer_peers(request.key, sender);
      return std::optional<Message>{std::move(resp)};
    case MessageType::kGetValue: {
      if (request.key.empty()) return refuse("GET_VALUE without a key");
      resp.key = request.key;
      if (const StoredRecord* r = records_.get(request.key, now))
        resp.record = Record{r->key, r->value, {}};
      resp.closer_peers = closer_peers(request.key, sender);
      return std::optional<Message>{std::move(resp)};
    }
    case MessageType::kPutValue: {
      if (!request.record) return refuse("PUT_VALUE without a record");
      if (request.record->key != request.key)
        return refuse("PUT_VALUE record.key differs from key");
      if (auto st = records_.put(request.record->key, request.record->value, now); !st) {
        ++counters_.put_rejected;
        return Error{"kad: PUT_VALUE: " + st.error().what};
      }
      return std::optional<Message>{request};
    }
    case MessageType::kGetProviders: {
      if (request.key.empty()) return refuse("GET_PROVIDERS without a key");
      resp.key = request.key;
      for (const Provider* p : providers_.get(request.key, now)) {
        const Entry* e = table_.find(p->peer_id);
        resp.provider_peers.push_back(
            Peer{p->peer_id, p->addrs,
                 e && e->connected ? ConnectionType::kConnected : ConnectionType::kNotConnected});
      }
      resp.closer_peers = closer_peers(request.key, sender);
      return std::optional<Message>{std::move(resp)};
    }
    case MessageType::kAddProvider: {
      if (request.key.empty()) return refuse("ADD_PROVIDER without a key");
      for (const Peer& p : request.provider_peers) {
        if (!std::equal(p.id.begin(), p.id.end(), sender.begin(), sender.end())) {
          ++counters_.providers_not_sender;
          continue;
        }
        if (auto st = providers_.add(request.key, p.id, p.addrs, now); !st)
          ++counters_.providers_rejected;
      }
      return std::optional<Message>{};
    }
  }
  return refuse("unknown message type");
}

}  // namespace p2pgossip::kad
