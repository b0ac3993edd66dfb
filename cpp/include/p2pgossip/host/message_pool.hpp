// One copy of each message for the hosts of a process (the runtime's nodes). Each node
// decodes what it receives; the first receipt its router keeps is swapped here for the copy
// another node already holds (router::Services::share), so a message kept by N nodes (their
// mcache, queued forwards, mailboxes) costs one body, not N. Thread-safe. Entries die with
// their last holder (weak references) and are swept as the pool grows.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "p2pgossip/message.hpp"
#include "p2pgossip/message_id_hash.hpp"

namespace p2pgossip::host {

class MessagePool {
 public:
  // The copy of `m` (whose id is `id`) every node should keep: one held already, if equal
  // (ids are the application's choice and may collide), else `m`, remembered.
  MessagePtr share(const MessagePtr& m, const MessageId& id);
  // The copy held under `id`, if any: a first receipt equal to it need not be built
  // (Host::rpc_bytes compares them).
  MessagePtr find(const MessageId& id) const;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<MessageId, std::weak_ptr<const Message>, MessageIdHash> held_;
  std::size_t sweep_at_ = kMinSweep;
  static constexpr std::size_t kMinSweep = 4096;
};

}  // namespace p2pgossip::host
