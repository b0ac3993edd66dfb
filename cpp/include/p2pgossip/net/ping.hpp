// Ping (`/ipfs/ping/1.0.0`, libp2p/specs ping/ping.md): the dialer writes 32 random bytes,
// the listener echoes them, and the dialer measures the round trip. The dialer may ping
// again on the same stream once the echo is back. Both sides are sans-I/O: the random
// bytes and `now` come in from the driver.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/result.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::net::ping {

constexpr std::string_view kProtocolId = protocol::kPing;
constexpr std::size_t kPayloadBytes = 32;
using Payload = std::array<std::uint8_t, kPayloadBytes>;

struct Pong {
  Duration rtt;
};
struct Timeout {};
// The echo differed from what was sent: the stream is unusable.
struct Mismatch {};
using Event = std::variant<Pong, Timeout, Mismatch>;

// The dialer's side of one ping stream. After a Timeout or Mismatch the stream is failed
// (a late echo could not be told apart from garbage): the driver resets it and opens a new
// one for the next ping.
class Pinger {
 public:
  // rust-libp2p's default: a ping unanswered for 20 s has timed out.
  explicit Pinger(Duration timeout = std::chrono::seconds(20)) : timeout_(timeout) {}

  // Sends `random` (the driver draws it). Error while a ping is outstanding or after failure.
  Status ping(const Payload& random, Instant now);
  void receive(ByteView data, Instant now);
  // Raises Timeout once `now` reaches the deadline of the outstanding ping.
  void tick(Instant now);

  Bytes take_output() { return std::exchange(out_, {}); }
  std::optional<Event> poll_event() { return std::exchange(event_, std::nullopt); }
  std::optional<Instant> next_deadline() const;
  bool outstanding() const { return sent_at_.has_value(); }
  bool failed() const { return failed_; }

 private:
  Duration timeout_;
  Payload sent_{};
  std::optional<Instant> sent_at_;
  Bytes in_, out_;
  std::optional<Event> event_;
  bool failed_ = false;
};

// The listener's side: echoes every complete 32-byte block; a partial block waits.
class Echo {
 public:
  void receive(ByteView data);
  Bytes take_output() { return std::exchange(out_, {}); }
  std::uint64_t pings_echoed() const { return echoed_; }

 private:
  Bytes partial_, out_;
  std::uint64_t echoed_ = 0;
};

}  // namespace p2pgossip::net::ping
