// Every delivery of a runtime's nodes as rows of numbers, for an experiment that wants all of
// them (LocalNetwork): appended on the I/O threads, taken by the reader in bulk as columns,
// so a burst costs no interpreter object per delivery. Off until enable(); then it grows by
// about 20 bytes a delivery and a message id per distinct message until taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/message_id_hash.hpp"
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
  // I/O thread. True when the reader must be told (DeliveriesLogged): once after each take,
  // when the rows waiting reach notify_at's count (1 unless asked otherwise).
  bool append(NodeId node, const MessageId& id, ByteView from, MonotonicNs at);
  Rows take();
  // Tell the reader only once `rows` rows wait (a reader waiting for N more deliveries cannot
  // be done before): one wakeup per burst instead of one per batch. True when they already
  // wait (take them now; nothing will be told).
  bool notify_at(std::size_t rows);

 private:
  // Peer ids looked up by view: no string made per row.
  struct PeerHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::atomic<bool> enabled_{false};
  std::mutex mu_;
  Rows rows_;
  std::unordered_map<MessageId, std::uint32_t, MessageIdHash> ids_;
  std::unordered_map<std::string, std::int32_t, PeerHash, std::equal_to<>> peers_;  // by bytes
  bool told_ = false;
  std::size_t notify_at_ = 1;
};

}  // namespace p2pgossip::runtime
