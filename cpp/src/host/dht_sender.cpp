#include "p2pgossip/host/dht_sender.hpp"

#include <algorithm>
#include <utility>

#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/protocol.hpp"

namespace p2pgossip::host {

void DhtSender::peer_up(ByteView peer, net::ConnectionId connection, Instant now) {
  Bytes id(peer.begin(), peer.end());
  connected_.insert_or_assign(id, connection);
  if (dials_.erase(connection)) temporary_.insert(connection);
  untried_.erase(id);
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  std::vector<Waiting> waiting = std::move(it->second);
  waiting_.erase(it);
  for (Waiting& w : waiting)
    send(w.token, connection, id, std::move(w.addrs), std::move(w.request), now);
}

void DhtSender::identified(ByteView peer, ByteView identify_stream, Instant now) {
  auto m = net::identify::decode_stream(identify_stream);
  if (!m ||
      std::find(m->protocols.begin(), m->protocols.end(), protocol::kKad) == m->protocols.end())
    return;
  std::vector<Bytes> addrs;
  for (const net::Multiaddr& a : net::identify::dialable_listen_addrs(*m))
    addrs.push_back(a.to_bytes());
  dht_.peer_connected(peer, addrs, now);
}

void DhtSender::dialling(ByteView peer, net::ConnectionId connection) {
  dials_.insert_or_assign(connection, Bytes(peer.begin(), peer.end()));
}

// Refused here (a ban, the limits): the peer's other addresses would be too.
void DhtSender::dial_refused(ByteView peer, Instant now) {
  const Bytes id(peer.begin(), peer.end());
  untried_.erase(id);
  fail_waiting(id, now);
}

void DhtSender::connection_closed(net::ConnectionId connection, bool peer_connecting, Instant now) {
  temporary_.erase(connection);
  for (auto it = connected_.begin(); it != connected_.end(); ++it)
    if (it->second == connection) {
      dht_.peer_disconnected(it->first, now);
      connected_.erase(it);
      break;
    }
  // Its queries once more: on the peer's other connection, or through a new dial (the
  // remote may have closed a connection it dialled just as we sent on it).
  std::vector<QueryToken> lost;
  for (const auto& [token, s] : sent_)
    if (s.connection == connection) lost.push_back(token);
  for (QueryToken token : lost) {
    auto s = sent_.extract(token);
    if (!retried_.insert(token).second) {
      outcome(token, std::nullopt, now);
      continue;
    }
    Sent& m = s.mapped();
    query(token, std::move(m.peer), std::move(m.addrs), std::move(m.request), now);
  }

  auto dial = dials_.find(connection);
  if (dial == dials_.end()) return;
  const Bytes peer = std::move(dial->second);
  dials_.erase(dial);
  // Closed as a duplicate of a connection the peer made to us meanwhile: its waiting
  // queries went out on that one at its peer_up, or wait for it.
  if (connected_.count(peer) || peer_connecting) return;
  if (!waiting_.count(peer)) {
    untried_.erase(peer);
    return;
  }
  if (!dial_next(peer)) fail_waiting(peer, now);
}

void DhtSender::answered(QueryToken token, std::optional<Bytes> response, Instant now) {
  std::optional<net::ConnectionId> on;
  if (auto s = sent_.find(token); s != sent_.end()) {
    on = s->second.connection;
    sent_.erase(s);
  }
  outcome(token, response, now);
  if (response && on && temporary_.count(*on)) answered_on_.insert(*on);
}

void DhtSender::settle_temporary() {
  for (net::ConnectionId c : std::exchange(answered_on_, {})) {
    if (!temporary_.count(c) || std::any_of(sent_.begin(), sent_.end(), [&](const auto& kv) {
          return kv.second.connection == c;
        }))
      continue;  // closed after the queries still on it
    // Without it the node would be below target: wanted after all, an ordinary connection.
    if (outbound_ <= target_outbound_)
      temporary_.erase(c);
    else
      out_.push_back(DhtCloseTemporary{c});
  }
}

void DhtSender::tick(Instant now) {
  // A dial that never reported (closed mid-upgrade by another peer's connection) must not
  // hold its queries past their time.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& waiting = it->second;
    std::erase_if(waiting, [&](const Waiting& w) {
      if (w.expires > now) return false;
      outcome(w.token, std::nullopt, now);
      return true;
    });
    if (waiting.empty()) untried_.erase(it->first);
    it = waiting.empty() ? waiting_.erase(it) : std::next(it);
  }
  dht_.want_peers(outbound_ < target_outbound_);
  dht_.tick(now);
}

std::optional<Instant> DhtSender::next_deadline() const {
  std::optional<Instant> due = dht_.next_deadline();
  for (const auto& [peer, waiting] : waiting_)
    for (const Waiting& w : waiting)
      if (!due || w.expires < *due) due = w.expires;
  return due;
}

std::optional<DhtSenderEvent> DhtSender::poll(Instant now) {
  settle_temporary();
  for (;;) {
    if (!out_.empty()) {
      DhtSenderEvent e = std::move(out_.front());
      out_.pop_front();
      return e;
    }
    auto e = dht_.poll();
    if (!e) return std::nullopt;
    if (auto* q = std::get_if<DhtQuery>(&*e)) {
      query(q->token, std::move(q->peer), std::move(q->addrs), std::move(q->request), now);
    } else if (auto* found = std::get_if<DhtPeerFound>(&*e)) {
      return std::move(*found);
    } else if (auto* check = std::get_if<DhtCheck>(&*e)) {
      return std::move(*check);
    } else if (auto* select = std::get_if<DhtSelect>(&*e)) {
      return std::move(*select);
    } else {
      return std::move(std::get<DhtLookupDone>(*e));
    }
  }
}

void DhtSender::query(QueryToken token, Bytes peer, std::vector<Bytes> addrs, Bytes request,
                      Instant now) {
  if (auto c = connected_.find(peer); c != connected_.end())
    return send(token, c->second, std::move(peer), std::move(addrs), std::move(request), now);
  auto& waiting = waiting_[peer];
  waiting.push_back(Waiting{token, addrs, std::move(request), now + dht_.query_timeout()});
  if (waiting.size() > 1) return;  // its dial is under way
  untried_[peer] = std::move(addrs);
  if (!dial_next(peer)) fail_waiting(peer, now);
}

void DhtSender::send(QueryToken token, net::ConnectionId c, Bytes peer, std::vector<Bytes> addrs,
                     Bytes request, Instant now) {
  out_.push_back(DhtSend{c, token, request, now + dht_.query_timeout()});
  sent_.insert_or_assign(token, Sent{std::move(peer), std::move(addrs), std::move(request), c});
}

bool DhtSender::dial_next(const Bytes& peer) {
  auto untried = untried_.find(peer);
  if (untried == untried_.end()) return false;
  auto id = crypto::PeerId::from_bytes(peer);
  std::vector<Bytes>& addrs = untried->second;
  while (id && !addrs.empty()) {
    auto addr = net::Multiaddr::from_bytes(addrs.front());
    addrs.erase(addrs.begin());
    auto full = addr ? addr->with_peer_id(*id) : addr;
    if (!full) continue;  // a transport we do not speak
    out_.push_back(DhtDial{peer, std::move(*full)});
    return true;
  }
  untried_.erase(untried);
  return false;
}

void DhtSender::fail_waiting(const Bytes& peer, Instant now) {
  auto it = waiting_.find(peer);
  if (it == waiting_.end()) return;
  std::vector<Waiting> waiting = std::move(it->second);
  waiting_.erase(it);
  for (const Waiting& w : waiting) outcome(w.token, std::nullopt, now);
}

void DhtSender::outcome(QueryToken token, const std::optional<Bytes>& response, Instant now) {
  retried_.erase(token);  // however it ended (answered, lost twice, expired waiting)
  if (response)
    dht_.query_answered(token, *response, now);
  else
    dht_.query_failed(token, now);
}

}  // namespace p2pgossip::host
