// A node's Kademlia DHT on sockets: the shell around host::Dht. Kad requests of the remote
// are answered natively on the request/response streams; our queries go out as requests on
// the peer's connection, after a dial when the lookup names a peer we are not connected to;
// the servers a walk finds become the peer manager's dial candidates.
#include <algorithm>

#include "p2pgossip/net/identify.hpp"
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
  // A client is not offered the protocol (multistream says "na"), so identify omits it.
  if (c.server.mode == kad::Mode::kServer) serve(kKadProtocol, true);
}

void Node::dht_lookup(host::DhtOp op, const Bytes& key, const Bytes& value, RequestId request) {
  if (!dht_) return emit(LookupDone{request, {}, 0, {}, {}, 0, "the DHT is off (PeerConfig.dht)"});
  const Instant t = now();
  Result<host::LookupId> id = host::LookupId{0};
  switch (op) {
    case host::DhtOp::kFindNode:
      id = dht_->find_node(key, t);
      break;
    case host::DhtOp::kGetValue:
      id = dht_->get_value(key, t);
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

// Identify says whether the remote serves kad, and where it listens.
void Node::dht_identified(const Connection& c, ByteView identify_stream) {
  if (!dht_) return;
  auto m = net::identify::decode_stream(identify_stream);
  if (!m ||
      std::find(m->protocols.begin(), m->protocols.end(), protocol::kKad) == m->protocols.end())
    return;
  std::vector<Bytes> addrs;
  for (const net::Multiaddr& a : net::identify::dialable_listen_addrs(*m))
    addrs.push_back(a.to_bytes());
  dht_->peer_connected(c.peer_id(), addrs, now());
}

bool Node::dht_request(Connection& c, std::uint32_t stream, ByteView data) {
  if (!dht_) return false;
  auto answer = dht_->handle_request(c.peer_id(), data, now());
  if (answer && *answer)
    c.respond(stream, **answer);
  else
    c.refuse(stream);  // refused, or ADD_PROVIDER (no answer): the stream is done
  return true;
}

void Node::dht_outcome(RequestId token, std::optional<Bytes> response) {
  dht_sent_.erase(token);
  dht_retried_.erase(token);
  const host::QueryToken t = token & ~kDhtToken;
  if (response)
    dht_->query_answered(t, *response, now());
  else
    dht_->query_failed(t, now());
}

void Node::dht_query(host::DhtQuery& q) {
  const Instant deadline = now() + dht_->query_timeout();
  if (Connection* c = by_peer(q.peer)) {
    const RequestId token = q.token | kDhtToken;
    outbound_.emplace(token, c->id);
    c->send_request(token, kKadProtocol, q.request, kad::Limits{}.max_message_bytes, deadline);
    dht_sent_.insert_or_assign(token, DhtSent{q.peer, std::move(q.addrs), std::move(q.request)});
    return;
  }
  auto& waiting = dht_waiting_[q.peer];
  waiting.push_back(DhtWait{q.token, q.addrs, std::move(q.request), deadline});
  if (waiting.size() > 1) return;  // its dial is under way
  dht_untried_[q.peer] = std::move(q.addrs);
  if (dht_dial_next(q.peer)) return;
  for (const DhtWait& w : waiting) dht_outcome(w.token | kDhtToken, std::nullopt);
  dht_waiting_.erase(q.peer);
}

// Dials the peer's next address not yet tried (servers name peers at addresses some of
// which may not be dialable from here); false when none is left.
bool Node::dht_dial_next(const Bytes& peer_id) {
  auto untried = dht_untried_.find(peer_id);
  if (untried == dht_untried_.end()) return false;
  auto peer = crypto::PeerId::from_bytes(peer_id);
  std::vector<Bytes>& addrs = untried->second;
  while (peer && !addrs.empty() && !at_capacity()) {
    auto addr = net::Multiaddr::from_bytes(addrs.front());
    addrs.erase(addrs.begin());
    auto full = addr ? addr->with_peer_id(*peer) : addr;
    if (!full) continue;  // a transport we do not speak
    auto id = host_.connect(*full, now());
    if (!id) break;  // refused here (banned, limits): its other addresses would be too
    dht_dials_.emplace(*id, peer_id);
    dial(*id, full->to_string(), std::nullopt);
    return true;
  }
  dht_untried_.erase(untried);
  return false;
}

// The dialled peer is up: its waiting queries go out.
void Node::dht_connected(const Connection& c) {
  if (!dht_) return;
  if (dht_dials_.erase(c.id)) dht_temporary_.insert(c.id);
  dht_untried_.erase(c.peer_id());
  auto it = dht_waiting_.find(c.peer_id());
  if (it == dht_waiting_.end()) return;
  std::vector<DhtWait> waiting = std::move(it->second);
  dht_waiting_.erase(it);
  for (DhtWait& w : waiting) {
    host::DhtQuery q{w.token, c.peer_id(), std::move(w.addrs), std::move(w.request)};
    dht_query(q);
  }
}

void Node::dht_answered_on(net::ConnectionId connection) {
  if (!dht_temporary_.count(connection) || carries_requests(connection)) return;
  const net::PeerManager* pm = host_.peer_manager();
  if (!pm || pm->outbound_count() <= config_.peers.target_outbound) {
    dht_temporary_.erase(connection);  // wanted after all: an ordinary connection now
    return;
  }
  dht_closing_.insert(connection);  // closed in dht_settle, outside the connection's turn
}

void Node::dht_dial_failed(net::ConnectionId id) {
  dht_temporary_.erase(id);
  dht_closing_.erase(id);
  auto dial = dht_dials_.find(id);
  if (dial == dht_dials_.end()) return;
  const Bytes peer = std::move(dial->second);
  dht_dials_.erase(dial);
  // Closed as a duplicate of a connection the peer made to us meanwhile: use that one, or
  // wait for it if its upgrade is under way (dht_connected sends them, or they expire).
  if (Connection* c = by_peer(peer)) return dht_connected(*c);
  for (const auto& other : connections_)
    if (other->id != id && !other->closed() && other->intended_peer() == peer) return;
  auto it = dht_waiting_.find(peer);
  if (it == dht_waiting_.end()) {
    dht_untried_.erase(peer);
    return;
  }
  if (dht_dial_next(peer)) return;  // its next address
  std::vector<DhtWait> waiting = std::move(it->second);
  dht_waiting_.erase(it);
  for (const DhtWait& w : waiting) dht_outcome(w.token | kDhtToken, std::nullopt);
}

void Node::dht_tick() {
  if (!dht_) return;
  const Instant t = now();
  // A dial that never reported (closed mid-upgrade by another peer's connection) must not
  // hold its queries past their time.
  for (auto it = dht_waiting_.begin(); it != dht_waiting_.end();) {
    auto& waiting = it->second;
    std::erase_if(waiting, [&](const DhtWait& w) {
      if (w.expires > t) return false;
      dht_outcome(w.token | kDhtToken, std::nullopt);
      return true;
    });
    if (waiting.empty()) dht_untried_.erase(it->first);
    it = waiting.empty() ? dht_waiting_.erase(it) : std::next(it);
  }
  dht_->want_peers(host_.peer_manager() &&
                   host_.peer_manager()->outbound_count() < config_.peers.target_outbound);
  dht_->tick(t);
}

bool Node::dht_settle() {
  if (!dht_) return false;
  bool any = false;
  for (RequestId token : std::exchange(dht_retry_, {})) {
    auto sent = dht_sent_.find(token);
    if (sent == dht_sent_.end()) continue;
    any = true;
    if (!dht_retried_.insert(token).second) {
      dht_outcome(token, std::nullopt);
      continue;
    }
    // Once more: on the peer's other connection, or through a new dial (the remote may have
    // closed a connection it dialled just as we sent on it).
    DhtSent s = std::move(sent->second);
    dht_sent_.erase(sent);
    host::DhtQuery q{token & ~kDhtToken, std::move(s.peer), std::move(s.addrs),
                     std::move(s.request)};
    dht_query(q);
  }
  for (net::ConnectionId id : std::exchange(dht_closing_, {})) {
    if (carries_requests(id)) continue;  // queries sent on it since: closed after them
    dht_temporary_.erase(id);
    if (auto c = by_connection_id_.find(id); c != by_connection_id_.end()) {
      any = true;
      c->second->close("DHT queries answered");
    }
  }
  while (auto e = dht_->poll()) {
    any = true;
    if (auto* q = std::get_if<host::DhtQuery>(&*e)) {
      dht_query(*q);
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
