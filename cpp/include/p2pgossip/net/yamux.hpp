// yamux 1.0 (hashicorp/yamux spec.md, libp2p/specs yamux): streams multiplexed over one
// secure connection. Every frame starts with a 12-byte big-endian header
//   version(8) = 0 | type(8) | flags(16) | stream id(32) | length(32)
// Data frames carry `length` bytes; WindowUpdate carries a window delta, Ping an opaque
// value, GoAway an error code. Clients open odd stream ids, servers even ones; id 0 is
// the session. Sans-I/O: receive() bytes, take_output() bytes, poll_event() events.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/frame_buffer.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::yamux {

constexpr std::uint8_t kVersion = 0;
constexpr std::size_t kHeaderBytes = 12;
constexpr std::uint32_t kInitialWindow = 256 * 1024;

enum class FrameType : std::uint8_t { kData = 0, kWindowUpdate = 1, kPing = 2, kGoAway = 3 };

namespace flags {
constexpr std::uint16_t kSyn = 1;
constexpr std::uint16_t kAck = 2;
constexpr std::uint16_t kFin = 4;
constexpr std::uint16_t kRst = 8;
}  // namespace flags

enum class GoAwayCode : std::uint32_t { kNormal = 0, kProtocolError = 1, kInternalError = 2 };

struct Header {
  FrameType type = FrameType::kData;
  std::uint16_t flags = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t length = 0;
  bool operator==(const Header&) const = default;
};

void encode_header(const Header& h, Bytes& out);
// Rejects a version other than 0 and unknown frame types.
Result<Header> decode_header(ByteView twelve_bytes);

enum class Role { kClient, kServer };

struct Config {
  // Concurrent streams (both directions); a remote SYN beyond it is answered with RST.
  std::size_t max_streams = 256;
  // Receive window per stream. Only the default is announced implicitly; a peer sending
  // more than the credit we granted commits a protocol error.
  std::uint32_t receive_window = kInitialWindow;
  // Largest Data frame we send (we accept up to the window).
  std::uint32_t max_frame_data = 64 * 1024;
  // Data a local writer may queue per stream beyond the remote's window.
  std::size_t max_send_buffer = 1024 * 1024;
};

struct StreamOpened {  // the remote opened a stream
  std::uint32_t stream_id;
};
struct Data {
  std::uint32_t stream_id;
  Bytes data;
};
struct StreamClosed {  // the remote half-closed (FIN): no more data from it
  std::uint32_t stream_id;
};
struct StreamReset {
  std::uint32_t stream_id;
};
struct GoAway {
  std::uint32_t code;
};
struct Ping {  // the remote pinged us (already answered)
  std::uint32_t opaque;
};
struct Pong {  // the answer to our ping
  std::uint32_t opaque;
};
struct ProtocolError {  // the session is over; a GoAway(protocol error) was queued
  std::string reason;
};
using Event =
    std::variant<StreamOpened, Data, StreamClosed, StreamReset, GoAway, Ping, Pong, ProtocolError>;

// Refusals and drops, each with its reason.
struct Counters {
  std::uint64_t streams_refused_limit = 0;
  std::uint64_t streams_refused_go_away = 0;
  std::uint64_t frames_for_unknown_streams = 0;
  std::uint64_t unsolicited_pongs = 0;
};

class Session {
 public:
  explicit Session(Role role, Config config = {});

  void receive(ByteView data);
  Bytes take_output();
  // A taken output buffer, sent: its memory serves the next frames (reuse()).
  void recycle_output(Bytes&& spent) { reuse(out_, std::move(spent)); }
  std::optional<Event> poll_event();

  Result<std::uint32_t> open_stream();
  // Queues data; sent as the remote's window allows. Error past max_send_buffer.
  Status send(std::uint32_t stream_id, ByteView data);
  // Half-close: FIN after the queued data.
  Status close(std::uint32_t stream_id);
  Status reset(std::uint32_t stream_id);
  // The upper layer processed `n` bytes of Data: credit them back to the remote.
  Status consume(std::uint32_t stream_id, std::uint32_t n);
  std::uint32_t ping();
  void go_away(GoAwayCode code = GoAwayCode::kNormal);

  bool failed() const { return failed_; }
  // Bytes queued on a stream beyond the remote's window (0 for an unknown stream): lets a
  // writer stop feeding a stream the remote does not read.
  std::size_t send_queued(std::uint32_t stream_id) const;
  std::size_t stream_count() const { return streams_.size(); }
  // Frames written and not yet taken (take_output).
  std::size_t output_bytes() const { return out_.size(); }
  // Memory held for a received frame not yet complete.
  std::size_t receive_buffer_bytes() const { return in_.capacity(); }
  const Counters& counters() const { return counters_; }

 private:
  struct Stream {
    std::uint32_t recv_credit = 0;  // bytes the remote may still send
    std::uint32_t unconsumed = 0;   // delivered, not yet processed by the upper layer
    std::uint32_t consumed = 0;     // processed, not yet credited back
    std::uint32_t send_window = kInitialWindow;
    Bytes send_queue;        // bounded by Config::max_send_buffer
    bool local_fin = false;  // close() called
    bool fin_sent = false;
    bool remote_fin = false;
  };

  void handle_frame(const Header& h, ByteView body);
  void handle_stream_frame(const Header& h, ByteView body);
  void write_frame(FrameType type, std::uint16_t fl, std::uint32_t id, std::uint32_t length,
                   ByteView body = {});
  void flush(std::uint32_t id, Stream& s);
  void maybe_remove(std::uint32_t id);
  void protocol_error(std::string reason);
  bool remote_parity(std::uint32_t id) const;

  Role role_;
  Config config_;
  std::uint32_t next_id_;
  std::uint32_t last_remote_id_ = 0;
  std::uint32_t next_ping_ = 0;
  std::optional<std::uint32_t> ping_outstanding_;
  bool go_away_sent_ = false;
  bool go_away_received_ = false;
  bool failed_ = false;
  std::map<std::uint32_t, Stream> streams_;
  FrameBuffer in_;
  Bytes out_;
  std::deque<Event> events_;
  Counters counters_;
};

}  // namespace p2pgossip::net::yamux
