// Where one node's deliveries go. The interpreter sees a delivery only where something reads
// message by message (Node.subscribe, on_delivery): a Delivered event goes out for those
// topics alone (every topic until told otherwise, as the low-level Runtime's users expect).
// Mailboxes attached to a topic keep its latest deliveries natively, and the runtime's
// delivery log, when on, books every one as a row.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "p2pgossip/runtime/mailbox.hpp"

namespace p2pgossip::runtime {

class DeliveryRoutes {
 public:
  // Delivered events for `topic` (nullopt: for every topic) on or off.
  void set_events(const std::optional<std::string>& topic, bool on);
  bool events_for(const std::string& topic) const { return all_ || topics_.count(topic) != 0; }
  void attach(const std::string& topic, std::shared_ptr<Mailbox> mailbox);
  void detach(const std::shared_ptr<Mailbox>& mailbox);
  // The mailboxes of `topic` (nullptr: none).
  const std::vector<std::shared_ptr<Mailbox>>* mailboxes(const std::string& topic) const;

 private:
  bool all_ = true;
  std::set<std::string, std::less<>> topics_;
  std::map<std::string, std::vector<std::shared_ptr<Mailbox>>, std::less<>> mailboxes_;
};

}  // namespace p2pgossip::runtime
