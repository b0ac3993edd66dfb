// Carries a host::Dht's queries over a shell's connections, as go-libp2p-kad-dht's message
// sender does: a query to a connected peer goes out on its connection; one to a peer we are
// not connected to waits while the peer's addresses are dialled in turn (servers name peers
// at addresses some of which are not dialable from here); a query whose connection closes
// under it (often the loser of a simultaneous dial) is sent once more, and fails the second
// time. A connection dialled only to carry queries is temporary: closed once they are
// answered, unless the node is short of outbound peers (it is then kept like any other).
//
// Sans-I/O: the shell reports connections and outcomes, and carries out what poll() returns
// (sends, dials, closes), along with the Dht's own outputs (found peers, finished lookups,
// record checks),
// which pass through here so the shell polls one machine.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <variant>
#include <vector>

#include "p2pgossip/host/dht.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/net/peer_manager.hpp"

namespace p2pgossip::host {

// Send `request` as a kad request on `connection`; report answered() for `token`.
struct DhtSend {
  net::ConnectionId connection;
  QueryToken token;
  Bytes request;
  Instant deadline;
};
// Dial `addr` (with the peer's /p2p) for `peer`; report dialling() with the connection id,
// or dial_refused() when the shell cannot (its limits, a ban).
struct DhtDial {
  Bytes peer;
  net::Multiaddr addr;
};
// Close this temporary connection, unless it carries other exchanges now.
struct DhtCloseTemporary {
  net::ConnectionId connection;
};
using DhtSenderEvent = std::variant<DhtSend, DhtDial, DhtCloseTemporary, DhtPeerFound,
                                    DhtLookupDone, DhtCheck, DhtSelect>;

class DhtSender {
 public:
  // Below `target_outbound` outbound peers, the keyspace is walked for more and a temporary
  // connection is kept.
  DhtSender(Dht& dht, std::size_t target_outbound) : dht_(dht), target_outbound_(target_outbound) {}

  // ---- inputs ----------------------------------------------------------------------------
  // `connection` is now `peer`'s connection: queries waiting for it go out.
  void peer_up(ByteView peer, net::ConnectionId connection, Instant now);
  // The remote's identify stream: if it serves kad, the Dht learns of it and where it listens.
  void identified(ByteView peer, ByteView identify_stream, Instant now);
  void dialling(ByteView peer, net::ConnectionId connection);
  void dial_refused(ByteView peer, Instant now);
  // A connection closed, or a dial of ours failed before it got as far as its peer.
  // `peer_connecting`: another connection to the peer it was dialled for is being set up
  // (the remote dialled us meanwhile), whose peer_up the waiting queries then await.
  void connection_closed(net::ConnectionId connection, bool peer_connecting, Instant now);
  // The outcome of a DhtSend: the answer, or none (failed, timed out, refused).
  void answered(QueryToken token, std::optional<Bytes> response, Instant now);
  // The node's outbound peers now (the shell reports it before tick and poll).
  void outbound_peers(std::size_t n) { outbound_ = n; }
  void tick(Instant now);

  // ---- outputs ---------------------------------------------------------------------------
  std::optional<DhtSenderEvent> poll(Instant now);
  // The Dht's, or a waiting query's expiry if sooner.
  std::optional<Instant> next_deadline() const;
  // The peer a dial of ours was made for.
  std::optional<Bytes> dialled_for(net::ConnectionId connection) const {
    auto it = dials_.find(connection);
    return it == dials_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  struct Waiting {
    QueryToken token;
    std::vector<Bytes> addrs;
    Bytes request;
    Instant expires;
  };
  struct Sent {
    Bytes peer;
    std::vector<Bytes> addrs;  // to redial it, if its connection is gone
    Bytes request;
    net::ConnectionId connection;
  };

  void query(QueryToken token, Bytes peer, std::vector<Bytes> addrs, Bytes request, Instant now);
  void send(QueryToken token, net::ConnectionId c, Bytes peer, std::vector<Bytes> addrs,
            Bytes request, Instant now);
  // Emits a dial of the peer's next address not yet tried; false when none is left.
  bool dial_next(const Bytes& peer);
  void fail_waiting(const Bytes& peer, Instant now);
  void outcome(QueryToken token, const std::optional<Bytes>& response, Instant now);
  // Closes (or, short of outbound peers, keeps) the temporary connections with nothing left.
  void settle_temporary();

  Dht& dht_;
  std::size_t target_outbound_;
  std::size_t outbound_ = 0;
  std::deque<DhtSenderEvent> out_;
  std::map<Bytes, net::ConnectionId> connected_;
  std::map<Bytes, std::vector<Waiting>> waiting_;  // for a dial to their peer
  std::map<Bytes, std::vector<Bytes>> untried_;    // addresses left to dial, by peer id
  std::map<net::ConnectionId, Bytes> dials_;
  std::map<QueryToken, Sent> sent_;
  std::set<QueryToken> retried_;  // sent once more already: the next loss fails them
  std::set<net::ConnectionId> temporary_;
  std::set<net::ConnectionId> answered_on_;  // temporary ones whose queries were answered
};

}  // namespace p2pgossip::host
