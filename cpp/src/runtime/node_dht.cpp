// A node's Kademlia DHT on sockets: the shell around host::Dht and host::DhtSender (which
// decides how queries reach their peers). Kad requests of the remote are answered natively
// on the request/response streams; the sender's sends, dials and closes are carried out
// here; the servers a walk finds become the peer manager's dial candidates.
#include "p2pgossip/protocol.hpp"
#include "runtime/connection.hpp"
#include "runtime/node.hpp"

namespace p2pgossip::runtime {

namespace {
const std::string kKadProtocol(protocol::kKad);
}  // namespace

void Node::start_dht() {
  if (!config_.peers.dht) return;
  host::DhtConfig c;
  c.walk_interval = config_.peers.dht_walk_interval;
  c.server.mode = config_.peers.dht_mode;
  dht_ = std::make_unique<host::Dht>(config_.identity->peer_id().bytes(), c, now(),
                                     config_.seed ^ 0x6b6164);  // "kad"
  dht_->set_checked_namespaces(dht_checked_namespaces_);
  dht_->set_selected_namespaces(dht_selected_namespaces_);
  dht_sender_ = std::make_unique<host::DhtSender>(*dht_, config_.peers.target_outbound);
  // A client is not offered the protocol (multistream says "na"), so identify omits it.
  if (c.server.mode == kad::Mode::kServer) serve(kKadProtocol, true);
}

void Node::dht_lookup(host::DhtOp op, const Bytes& key, const Bytes& value, std::size_t quorum,
                      RequestId request) {
  if (!dht_) return emit(LookupDone{request, {}, 0, {}, {}, 0, "the DHT is off (PeerConfig.dht)"});
  const Instant t = now();
  Result<host::LookupId> id = host::LookupId{0};
  switch (op) {
    case host::DhtOp::kFindNode:
      id = dht_->find_node(key, t);
      break;
    case host::DhtOp::kGetValue:
      id = dht_->get_value(key, t, quorum);
      break;
    case host::DhtOp::kPutValue:
      id = dht_->put_value(key, value, t);
      break;
    case host::DhtOp::kGetProviders:
      id = dht_->get_providers(key, t);
      break;
    case host::DhtOp::kAddProvider:
      dht_->set_listen_addrs([&] {
        std::vector<Bytes> addrs;
        for (const net::Multiaddr& a : bound_) addrs.push_back(a.to_bytes());
        return addrs;
      }());
      id = dht_->add_provider(key, t);
      break;
  }
  if (!id) return emit(LookupDone{request, {}, 0, {}, {}, 0, id.error().what});
  dht_lookups_.emplace(*id, request);
}

void Node::dht_check_namespaces(std::vector<std::string> namespaces) {
  dht_checked_namespaces_ = std::move(namespaces);  // kept for a DHT started later
  if (dht_) dht_->set_checked_namespaces(dht_checked_namespaces_);
}

void Node::dht_select_namespaces(std::vector<std::string> namespaces) {
  dht_selected_namespaces_ = std::move(namespaces);
  if (dht_) dht_->set_selected_namespaces(dht_selected_namespaces_);
}

void Node::dht_selected(host::CheckToken token, std::size_t index) {
  if (!dht_) return;
  dht_->record_selected(token, index, now());
  settle();
}

void Node::dht_checked(host::CheckToken token, bool valid) {
  if (!dht_) return;
  auto answer = dht_->record_checked(token, valid, now());
  auto held = dht_held_.find(token);
  if (held == dht_held_.end()) return;  // a lookup's record
  const Inbound in = held->second;
  dht_held_.erase(held);
  auto c = by_connection_id_.find(in.connection);
  if (c == by_connection_id_.end()) return;
  if (answer && *answer)
    c->second->respond(in.stream, **answer);
  else
    c->second->refuse(in.stream);
}

bool Node::dht_request(Connection& c, std::uint32_t stream, ByteView data) {
  if (!dht_) return false;
  const Instant t = now();
  auto held = dht_->hold_request(c.peer_id(), data, t);
  if (held && *held) {
    // The stream stays open for the verdict; the connection resets it at the request
    // deadline if none comes.
    std::erase_if(dht_held_, [&](const auto& kv) { return kv.second.expires <= t; });
    dht_held_.emplace(**held, Inbound{c.id, stream, t + config_.limits.request_timeout});
    return true;
  }
  if (!held) {
    c.refuse(stream);
    return true;
  }
  auto answer = dht_->handle_request(c.peer_id(), data, t);
  if (answer && *answer)
    c.respond(stream, **answer);
  else
    c.refuse(stream);  // refused, or ADD_PROVIDER (no answer): the stream is done
  return true;
}

void Node::dht_outcome(RequestId token, std::optional<Bytes> response) {
  dht_sender_->answered(token & ~kDhtToken, std::move(response), now());
}

void Node::dht_closed(net::ConnectionId id) {
  if (!dht_sender_) return;
  bool connecting = false;
  if (auto peer = dht_sender_->dialled_for(id))
    for (const auto& other : connections_)
      if (other->id != id && !other->closed() && other->intended_peer() == *peer) connecting = true;
  dht_sender_->connection_closed(id, connecting, now());
}

void Node::dht_tick() {
  if (!dht_sender_) return;
  dht_sender_->outbound_peers(outbound_peers());
  dht_sender_->tick(now());
}

std::size_t Node::outbound_peers() const {
  const net::PeerManager* pm = host_.peer_manager();
  return pm ? pm->outbound_count() : 0;
}

bool Node::dht_settle() {
  if (!dht_) return false;
  bool any = false;
  dht_sender_->outbound_peers(outbound_peers());
  while (auto e = dht_sender_->poll(now())) {
    any = true;
    if (auto* s = std::get_if<host::DhtSend>(&*e)) {
      auto c = by_connection_id_.find(s->connection);
      if (c == by_connection_id_.end()) {
        dht_sender_->answered(s->token, std::nullopt, now());
        continue;
      }
      const RequestId token = s->token | kDhtToken;
      outbound_.emplace(token, s->connection);
      c->second->send_request(token, kKadProtocol, s->request, kad::Limits{}.max_message_bytes,
                              s->deadline);
    } else if (auto* d = std::get_if<host::DhtDial>(&*e)) {
      auto id = at_capacity() ? Result<net::ConnectionId>(Error{"connection limit"})
                              : host_.connect(d->addr, now());
      if (!id) {
        dht_sender_->dial_refused(d->peer, now());
        continue;
      }
      dht_sender_->dialling(d->peer, *id);
      dial(*id, d->addr.to_string(), std::nullopt);
    } else if (auto* x = std::get_if<host::DhtCloseTemporary>(&*e)) {
      if (carries_requests(x->connection)) continue;  // closed after its other exchanges
      if (auto c = by_connection_id_.find(x->connection); c != by_connection_id_.end())
        c->second->close("DHT queries answered");
    } else if (auto* check = std::get_if<host::DhtCheck>(&*e)) {
      emit(RecordCheck{id_, check->token, std::move(check->key), std::move(check->value)});
    } else if (auto* select = std::get_if<host::DhtSelect>(&*e)) {
      emit(RecordSelect{id_, select->token, std::move(select->key), std::move(select->values)});
    } else if (auto* found = std::get_if<host::DhtPeerFound>(&*e)) {
      auto peer = crypto::PeerId::from_bytes(found->peer);
      if (!peer) continue;
      std::vector<net::Multiaddr> addrs;
      for (const Bytes& b : found->addrs)
        if (auto a = net::Multiaddr::from_bytes(b)) addrs.push_back(*a);
      host_.discovered(*peer, addrs, net::AddrSource::kDht, now());
    } else if (auto* done = std::get_if<host::DhtLookupDone>(&*e)) {
      auto app = dht_lookups_.find(done->id);
      if (app == dht_lookups_.end()) continue;
      auto listed = [](const std::vector<kad::LookupPeer>& peers) {
        std::vector<std::pair<Bytes, std::vector<std::string>>> out;
        for (const kad::LookupPeer& p : peers) {
          std::vector<std::string> addrs;
          for (const Bytes& b : p.addrs)
            if (auto a = net::Multiaddr::from_bytes(b)) addrs.push_back(a->to_string());
          out.emplace_back(p.id, std::move(addrs));
        }
        return out;
      };
      LookupDone out{app->second,
                     listed(done->closest),
                     done->hops,
                     std::move(done->value),
                     listed(done->providers),
                     done->stored,
                     {}};
      dht_lookups_.erase(app);
      emit(std::move(out));
    }
  }
  return any;
}

}  // namespace p2pgossip::runtime
