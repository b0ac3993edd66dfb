// The public Simulation: the commands a user schedules at a virtual time. The simulation's
// parts are in the files simulation_impl.hpp names; results.cpp reads the results out.
#include "p2pgossip/sim/simulation.hpp"

#include <string>

#include "p2pgossip/wire/rpc_codec.hpp"
#include "sim/simulation_impl.hpp"

namespace p2pgossip::sim {

Simulation::Simulation(std::uint32_t nodes, const std::vector<Edge>& edges, SimConfig config)
    : impl_(std::make_unique<Impl>(nodes, edges, std::move(config))) {}
Simulation::~Simulation() = default;

std::uint32_t Simulation::size() const { return impl_->n; }
std::int64_t Simulation::now() const { return impl_->callback_at.value_or(impl_->now); }

void Simulation::subscribe(std::uint32_t node, const std::string& topic, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, topic](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    impl_->all_topics.insert(topic);
    nd.topics.insert(topic);
    if (!nd.host) return;
    nd.host->subscribe(topic, Instant{t});
    impl_->drive(node, t, t);
  });
}

void Simulation::unsubscribe(std::uint32_t node, const std::string& topic, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, topic](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    nd.topics.erase(topic);
    if (!nd.host) return;
    nd.host->unsubscribe(topic, Instant{t});
    impl_->drive(node, t, t);
  });
}

Result<MessageId> Simulation::publish(std::uint32_t node, const std::string& topic, Bytes data,
                                      std::int64_t at) {
  impl_->check_node(node);
  if (auto ok = impl_->publisher.check_size(topic, data.size()); !ok) return ok.error();
  auto message =
      std::make_shared<const Message>(impl_->build_message(node, topic, std::move(data)));
  const MessageId id = impl_->publisher.id(*message);
  if (impl_->message_index.contains(id))
    return Error{
        "publish: message id already used (the default id hashes topic and data, so "
        "publish distinct data or use message_id='from-seqno')"};
  impl_->remember(message, id, node);
  const std::uint32_t mi = impl_->message_slot(id, topic);
  const std::int64_t now = this->now();
  impl_->messages[mi].published_at = std::max(at, now);
  impl_->messages[mi].publisher = node;
  if (at <= now && !impl_->callback_at) {
    impl_->publish_at(node, message, now);
  } else {  // the node's own event, not a command: it needs no pause between windows
    impl_->push(node, std::max(at, now), EventKind::kPublish, node,
                impl_->shard_of(node).publishes.put(message));
  }
  return id;
}

Result<MessageId> Simulation::inject(std::uint32_t to, std::uint32_t via, std::uint32_t author,
                                     const std::string& topic, Bytes data, bool forge_signature,
                                     std::int64_t at) {
  impl_->check_node(to);
  impl_->check_node(via);
  impl_->check_node(author);
  if (impl_->cfg.gossip.signature_policy != router::SignaturePolicy::kStrictSign && forge_signature)
    return Error{"inject: forge_signature needs the StrictSign policy"};
  if (impl_->link_index(via, to) == kNoLink)  // its router would drop it unseen
    return Error{"inject: node " + std::to_string(via) + " is not a neighbour of node " +
                 std::to_string(to) + ", and a router hears only its peers"};
  Message m = impl_->build_message(author, topic, std::move(data));
  if (forge_signature) (*m.signature)[0] ^= 1;
  auto message = std::make_shared<const Message>(std::move(m));
  const MessageId id = impl_->publisher.id(*message);
  impl_->remember(message, id, via);
  const std::uint32_t mi = impl_->message_slot(id, topic);
  impl_->messages[mi].published_at = std::max(at, now());
  InFlight f;
  f.link = kNoLink;
  f.from = via;
  f.size = static_cast<std::uint32_t>(wire::encoded_rpc_size(*message));
  f.kind = static_cast<std::uint32_t>(InFlight::Kind::kMessage);
  impl_->post(via, to, std::max(at, now()), f, message, nullptr, nullptr);
  return id;
}

void Simulation::partition(const std::vector<std::vector<std::uint32_t>>& groups, std::int64_t at) {
  for (const auto& g : groups)
    for (auto u : g) impl_->check_node(u);
  impl_->at(at, [this, groups](std::int64_t t) {
    impl_->group.assign(impl_->n, static_cast<std::uint32_t>(groups.size()));
    for (std::uint32_t i = 0; i < groups.size(); ++i)
      for (auto u : groups[i]) impl_->group[u] = i;
    impl_->update_all_links(t);
  });
}

void Simulation::heal(std::int64_t at) {
  impl_->at(at, [this](std::int64_t t) {
    impl_->group.assign(impl_->n, 0);
    impl_->update_all_links(t);
  });
}

void Simulation::crash(std::uint32_t node, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    if (!nd.host) return;
    // The mesh log says the crashed node's meshes emptied, so a replay of it stays true.
    if (!impl_->recorders.empty())
      for (const std::string& topic : nd.host->router().topics())
        for (router::PeerIndex p : nd.host->router().mesh(topic))
          impl_->recorders[node].prune(p, topic, Instant{t});
    nd.host.reset();
    ++nd.incarnation;
    ++nd.stats.crashes;
    nd.tick_at = kNever;
    impl_->update_links_of(node, t);
  });
}

void Simulation::restart(std::uint32_t node, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    if (nd.host) return;
    for (std::uint32_t li = impl_->offsets[node]; li < impl_->offsets[node + 1]; ++li)
      impl_->severed[li] = impl_->severed[impl_->reverse[li]] = 0;  // a fresh start
    impl_->start_host(node);
    impl_->update_links_of(node, t);
    impl_->drive(node, t, t);
  });
}

void Simulation::set_role(std::uint32_t node, const host::Role& role, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, role](std::int64_t t) {
    if (role.honest())
      impl_->roles.erase(node);
    else
      impl_->roles[node] = role;
    Node& nd = impl_->nodes[node];
    if (!nd.host) return;
    nd.host->set_role(role, Instant{t});
    impl_->drive(node, t, t);
  });
}

void Simulation::set_ip(std::uint32_t node, const std::string& ip, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, ip](std::int64_t) {
    if (impl_->ips.empty()) impl_->ips.resize(impl_->n);
    impl_->ips[node] = ip;
    // Neighbours connected now learn it here (a router ignores a peer it does not have);
    // later connections get it from ip_of.
    auto tell = [&](std::uint32_t v) {
      if (impl_->nodes[v].host) impl_->nodes[v].host->router().set_peer_ip(node, ip);
    };
    for (std::uint32_t li = impl_->offsets[node]; li < impl_->offsets[node + 1]; ++li)
      tell(impl_->neighbour[li]);
    if (!impl_->extra.empty())
      for (const auto& [v, li] : impl_->extra[node]) tell(v);
  });
}

void Simulation::ban(std::uint32_t node, const net::BanTarget& target,
                     std::optional<std::int64_t> until, const std::string& note, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, target, until, note](std::int64_t t) {
    Node& nd = impl_->nodes[node];
    if (!nd.host) return;
    std::optional<Instant> expires;
    if (until) expires = Instant{*until};
    nd.host->ban(target, expires, net::BanReason::kManual, note, Instant{t});
    impl_->drive(node, t, t);
    // Down now, whichever neighbours it covers (an address may be several's), and back up
    // when it expires.
    impl_->update_links_of(node, t);
    if (until)
      impl_->at(*until, [this, node](std::int64_t te) { impl_->update_links_of(node, te); });
  });
}

void Simulation::unban(std::uint32_t node, const net::BanTarget& target, std::int64_t at) {
  impl_->check_node(node);
  impl_->at(at, [this, node, target](std::int64_t t) {
    auto& h = impl_->nodes[node].host;
    if (h && h->unban(target)) impl_->update_links_of(node, t);
  });
}

std::vector<net::BanEntry> Simulation::bans(std::uint32_t node) const {
  impl_->check_node(node);
  auto& h = impl_->nodes[node].host;
  return h ? h->ban_entries(Instant{impl_->now}) : std::vector<net::BanEntry>{};
}

Status Simulation::set_link(std::uint32_t u, std::uint32_t v, const LinkParams& params,
                            std::int64_t at) {
  impl_->check_node(u);
  impl_->check_node(v);
  const std::uint32_t li = impl_->link_index(u, v);
  if (li == kNoLink)
    return Error{"set_link: nodes " + std::to_string(u) + " and " + std::to_string(v) +
                 " are not neighbours"};
  if (impl_->params.size() >= 0xffff) return Error{"set_link: at most 65535 link settings"};
  // Windows already run stay as they were: a link faster than the lookahead shortens it
  // from now, and one that may deliver at once needs a single shard.
  const std::int64_t minimum = params.latency.minimum();
  if (minimum == 0 && impl_->shards.size() > 1)
    return Error{"set_link: a latency that may be 0 needs threads=1"};
  impl_->lookahead = std::min(impl_->lookahead, minimum);
  impl_->at(at, [this, li, params](std::int64_t) {
    const auto index = static_cast<std::uint16_t>(impl_->params.size());
    impl_->params.push_back(params);
    impl_->links[li].params = impl_->links[impl_->reverse[li]].params = index;
  });
  return Ok{};
}

void Simulation::run_until(std::int64_t until) { impl_->run_until(until); }
std::uint32_t Simulation::threads() const {
  return static_cast<std::uint32_t>(impl_->shards.size());
}
std::int64_t Simulation::lookahead_ns() const { return impl_->lookahead; }

}  // namespace p2pgossip::sim
