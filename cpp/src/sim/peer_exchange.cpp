// Peer exchange in the simulator (SimConfig::peer_exchange): every node runs the runtime's
// peer manager, a link is a connection one end dialled and the other accepted, PRUNEs carry
// signed records of virtual addresses, and the dials they cause make links on demand. Dials
// and pings complete at once.
#include <string>

#include "p2pgossip/net/peer_record.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {
namespace {

// The virtual address of node v: 10.0.0.0/8 numbers 16 M nodes.
net::Multiaddr address_of(std::uint32_t v) {
  return net::Multiaddr::parse("/ip4/10." + std::to_string((v >> 16) & 255) + "." +
                               std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255) +
                               "/tcp/4001")
      .value();
}

}  // namespace

// A pair of directed links between u and v beyond the topology (a dial made it).
std::uint32_t Simulation::Impl::add_link(std::uint32_t u, std::uint32_t v) {
  const auto li = static_cast<std::uint32_t>(links.size());
  for (auto [a, b] : {std::pair{u, v}, std::pair{v, u}}) {
    link_src.push_back(a);
    neighbour.push_back(b);
    links.emplace_back();
    severed.push_back(0);
    dials.push_back(LinkDial{true, false, false, 0});
  }
  reverse.push_back(li + 1);
  reverse.push_back(li);
  extra[u].emplace_back(v, li);
  extra[v].emplace_back(u, li + 1);
  return li;
}

// The signed record of the node with `peer_id`, sealed when first suggested.
std::optional<Bytes> Simulation::Impl::peer_record(ByteView peer_id) {
  auto it = node_of_peer.find(to_bytes(peer_id));
  if (it == node_of_peer.end()) return std::nullopt;
  const std::uint32_t v = it->second;
  if (records[v].empty())
    records[v] = net::SignedPeerRecord::seal(*nodes[v].identity, 1, {address_of(v)}).envelope();
  return records[v];
}

std::uint32_t Simulation::Impl::dialler(std::uint32_t li) const {
  return dials[li].src_dialled ? link_src[li] : neighbour[li];
}

// The link came up: its dialler's connection (the dial that asked for it, or one made now
// for a topology link) meets the other end's accept. A refusal on either side leaves the
// link idle: no peer uses it.
void Simulation::Impl::connect(std::uint32_t li, std::int64_t t) {
  const std::uint32_t a = dialler(li), b = a == link_src[li] ? neighbour[li] : link_src[li];
  const std::uint32_t ab = a == link_src[li] ? li : reverse[li];
  host::Host& ha = *nodes[a].host;
  host::Host& hb = *nodes[b].host;
  host::ConnectionId out = std::exchange(dials[ab].pending, 0);
  if (out == 0) {
    auto dialled =
        ha.connect(address_of(b).with_peer_id(nodes[b].identity->peer_id()).value(), Instant{t});
    if (!dialled) return;
    out = *dialled;
  }
  ha.dial_succeeded(out, Instant{t});
  auto in = hb.accept(address_of(a), Instant{t});
  if (!in) {
    ha.connection_closed(out, std::nullopt, "refused by the remote", Instant{t});
    return;
  }
  connections[a].peer_of[out] = b;
  connections[a].to[b] = out;
  connections[b].peer_of[*in] = a;
  connections[b].to[a] = *in;
  ha.connection_up(out, nodes[b].identity->peer_id().bytes(), Instant{t});
  hb.connection_up(*in, nodes[a].identity->peer_id().bytes(), Instant{t});
}

// u's connection to v, if any, is gone.
void Simulation::Impl::disconnect(std::uint32_t u, std::uint32_t v, std::int64_t t) {
  Connections& c = connections[u];
  auto it = c.to.find(v);
  if (it == c.to.end()) return;
  const host::ConnectionId id = it->second;
  c.to.erase(it);
  c.peer_of.erase(id);
  if (nodes[u].host) nodes[u].host->connection_closed(id, v, "link down", Instant{t});
}

// A dial the peer manager asked for completes at once: over the link to the node whose
// virtual address it names, made if the topology has none.
void Simulation::Impl::dial(std::uint32_t u, const host::Dial& d, std::int64_t t) {
  host::Host& h = *nodes[u].host;
  const auto peer = d.addr.peer_id();
  auto it = peer ? node_of_peer.find(to_bytes(peer->bytes())) : node_of_peer.end();
  const std::uint32_t v = it == node_of_peer.end() ? kNoLink : it->second;
  if (v == kNoLink || !nodes[v].host || group[u] != group[v])
    return h.dial_failed(d.connection, "unreachable", Instant{t});
  std::uint32_t li = link_index(u, v);
  if (li != kNoLink && (links[li].up || severed[li]))
    return h.dial_failed(d.connection, "link busy", Instant{t});
  if (li == kNoLink) li = add_link(u, v);
  const std::uint32_t back = reverse[li];
  dials[li].src_dialled = true;
  dials[back].src_dialled = false;
  dials[li].held = dials[back].held = true;
  dials[li].pending = d.connection;
  update_link(li, t);
}

void Simulation::Impl::peer_up(std::uint32_t u, const host::PeerUp& up, std::int64_t t) {
  auto it = connections[u].peer_of.find(up.connection);
  if (it == connections[u].peer_of.end()) return;
  const std::uint32_t v = it->second;
  nodes[u].host->pubsub_opened(v, nodes[v].identity->peer_id().bytes(),
                               dialler(link_index(u, v)) == u, protocol(), ip_of(v), Instant{t});
}

}  // namespace p2pgossip::sim
