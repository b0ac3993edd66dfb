// multistream-select 1.0 (multiformats/multistream-select, libp2p connections spec):
// both sides send the header /multistream/1.0.0, the dialer proposes protocols in its
// order of preference, the listener echoes the first one it supports or answers "na".
// Each message is a varint length, the UTF-8 text and '\n' (the length counts the '\n').
// Sans-I/O: feed received bytes with receive(), send what take_output() returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::multistream {

constexpr std::string_view kProtocolId = "/multistream/1.0.0";
constexpr std::string_view kNa = "na";
constexpr std::string_view kLs = "ls";
// go-multistream refuses messages above 64 KiB; protocol ids are far shorter, so the
// default is tighter. A configured limit above this hard cap is clamped to it.
constexpr std::size_t kHardMaxMessageBytes = 65535;

struct Config {
  // Longest message accepted, counting the '\n'; longer is a protocol error.
  std::size_t max_message_bytes = 1024;
  // Listener: how many protocols the dialer may propose ("ls" included) before the
  // listener gives up; dialer: how many of its own it proposes at most.
  std::size_t max_proposals = 32;
};

struct ProtocolSelected {
  std::string protocol;
};
struct Failed {
  std::string reason;
};
using Event = std::variant<ProtocolSelected, Failed>;

enum class Role { kDialer, kListener };

// One length-prefixed message: varint(len(text)+1) || text || '\n'.
Bytes encode_message(std::string_view text);

// Decodes one message from the front of `buf`. Returns nullopt when more bytes are
// needed; on success sets `consumed` and returns the text without the '\n'.
Result<std::optional<std::string>> decode_message(ByteView buf, std::size_t max_message_bytes,
                                                  std::size_t& consumed);

class Negotiation {
 public:
  // `protocols`: the dialer's proposals in order of preference, or the listener's
  // supported set. The header (and the dialer's first proposal) is queued at once.
  Negotiation(Role role, std::vector<std::string> protocols, Config config = {});

  void receive(ByteView data);
  // Bytes to send to the remote, in order; empties the queue.
  Bytes take_output();
  // The outcome, once: ProtocolSelected or Failed.
  std::optional<Event> poll_event();
  // After ProtocolSelected: bytes the remote sent after the negotiation, which belong
  // to the selected protocol. Bytes received after the outcome are appended here.
  Bytes take_remaining();

  bool done() const { return state_ == State::kSelected || state_ == State::kFailed; }
  Role role() const { return role_; }

 private:
  enum class State { kAwaitHeader, kNegotiating, kSelected, kFailed };
  void handle(std::string message);
  void handle_dialer(const std::string& message);
  void handle_listener(const std::string& message);
  void propose_next();
  void fail(std::string reason);

  Role role_;
  std::vector<std::string> protocols_;
  Config config_;
  State state_ = State::kAwaitHeader;
  std::size_t proposals_ = 0;
  Bytes in_;
  Bytes out_;
  std::optional<Event> event_;
};

}  // namespace p2pgossip::net::multistream
