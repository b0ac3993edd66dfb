#include "runtime/delivery_routes.hpp"

#include <algorithm>

#include "runtime/node.hpp"

namespace p2pgossip::runtime {

void DeliveryRoutes::set_events(const std::optional<std::string>& topic, bool on) {
  if (!topic)
    all_ = on;
  else if (on)
    topics_.insert(*topic);
  else
    topics_.erase(*topic);
}

void DeliveryRoutes::attach(const std::string& topic, std::shared_ptr<Mailbox> mailbox) {
  mailboxes_[topic].push_back(std::move(mailbox));
}

void DeliveryRoutes::detach(const std::shared_ptr<Mailbox>& mailbox) {
  for (auto it = mailboxes_.begin(); it != mailboxes_.end(); ++it) {
    auto& list = it->second;
    if (auto m = std::find(list.begin(), list.end(), mailbox); m != list.end()) {
      list.erase(m);
      if (list.empty()) mailboxes_.erase(it);
      return;
    }
  }
}

const std::vector<std::shared_ptr<Mailbox>>* DeliveryRoutes::mailboxes(
    const std::string& topic) const {
  auto it = mailboxes_.find(topic);
  return it == mailboxes_.end() ? nullptr : &it->second;
}

void Node::deliver(router::Deliver& d) {
  const auto at = static_cast<MonotonicNs>(now().count());
  const ByteView from = d.from == router::kLocalPeer ? ByteView{} : host_.router().peer_id(d.from);
  DeliveryLog& log = shared_.deliveries;
  if (log.enabled() && log.append(id_, d.id, from, at)) emit(DeliveriesLogged{});
  const std::string& topic = d.message->topic;
  const bool event = routes_.events_for(topic);
  const auto* boxes = routes_.mailboxes(topic);
  if (!event && !boxes) return;
  Delivered out{id_, std::move(d.message), d.id, to_bytes(from), at};
  if (boxes)
    for (const auto& m : *boxes)
      if (m->push(out)) emit(MailboxReady{id_, m->token()});
  if (event) emit(std::move(out));
}

}  // namespace p2pgossip::runtime
