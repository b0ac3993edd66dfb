// Every delivery of a runtime's nodes as rows of numbers, for an experiment that wants all of
// them (LocalNetwork): appended on the I/O threads, taken by the reader in bulk as columns,
// so a burst costs no interpreter object per delivery. Off until enable(); then it grows by
// about 20 bytes a delivery and a message id per distinct message until taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/runtime/events.hpp"

namespace p2pgossip::runtime {

class DeliveryLog {
 public:
  // The rows appended since the last take, and the message ids and neighbour peer ids first
  // named by them: `message` indexes every id taken so far (new_ids continue the numbering),
  // `from` every peer id taken so far (-1: the node's own publish).
  struct Rows {
    std::vector<NodeId> node;
    std::vector<std::uint32_t> message;
    std::vector<std::int32_t> from;
    std::vector<MonotonicNs> at;
    std::vector<MessageId> new_ids;
    std::vector<Bytes> new_peers;
  };

  void enable() { enabled_.store(true, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // I/O thread. True for the first row since the last take: the reader is told once per
  // batch (DeliveriesLogged), not once per row.
  bool append(NodeId node, const MessageId& id, ByteView from, MonotonicNs at);
  Rows take();

 private:
  struct IdHash {
    std::size_t operator()(const MessageId& id) const;
  };

  std::atomic<bool> enabled_{false};
  std::mutex mu_;
  Rows rows_;
  std::unordered_map<MessageId, std::uint32_t, IdHash> ids_;
  std::unordered_map<std::string, std::int32_t> peers_;  // peer id bytes as a string key
  bool told_ = false;
};

}  // namespace p2pgossip::runtime
