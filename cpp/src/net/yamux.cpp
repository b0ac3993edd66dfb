#include "p2pgossip/net/yamux.hpp"

#include <algorithm>

namespace p2pgossip::net::yamux {

namespace {

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

constexpr std::uint32_t kMaxStreamId = 0xffffffffu;

}  // namespace

void encode_header(const Header& h, Bytes& out) {
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(h.type));
  put_u16(out, h.flags);
  put_u32(out, h.stream_id);
  put_u32(out, h.length);
}

Result<Header> decode_header(ByteView b) {
  if (b.size() < kHeaderBytes) return Error{"yamux header: shorter than 12 bytes"};
  if (b[0] != kVersion) return Error{"yamux header: version " + std::to_string(b[0]) + " is not 0"};
  if (b[1] > static_cast<std::uint8_t>(FrameType::kGoAway))
    return Error{"yamux header: unknown frame type " + std::to_string(b[1])};
  Header h;
  h.type = static_cast<FrameType>(b[1]);
  h.flags = static_cast<std::uint16_t>((b[2] << 8) | b[3]);
  h.stream_id = get_u32(b.data() + 4);
  h.length = get_u32(b.data() + 8);
  return h;
}

Session::Session(Role role, Config config)
    : role_(role), config_(config), next_id_(role == Role::kClient ? 1 : 2) {
  // The remote assumes the default window; a smaller one could not be enforced.
  config_.receive_window = std::max(config_.receive_window, kInitialWindow);
  config_.max_frame_data = std::max<std::uint32_t>(config_.max_frame_data, 1);
}

bool Session::remote_parity(std::uint32_t id) const {
  return (id % 2 == 1) == (role_ == Role::kServer);
}

void Session::write_frame(FrameType type, std::uint16_t fl, std::uint32_t id, std::uint32_t length,
                          ByteView body) {
  encode_header({type, fl, id, length}, out_);
  out_.insert(out_.end(), body.begin(), body.end());
}

void Session::receive(ByteView data) {
  if (failed_) return;
  in_.feed(
      data,
      [this](ByteView b) -> std::optional<std::size_t> {
        if (b.size() < kHeaderBytes) return std::nullopt;
        auto h = decode_header(b.first(kHeaderBytes));
        // Checked before buffering: nobody may make us hold more than one window. A bad
        // header, or a data frame past the window, is handed on alone to be refused.
        if (!h || h->type != FrameType::kData || h->length > config_.receive_window)
          return kHeaderBytes;
        return kHeaderBytes + h->length;
      },
      [this](ByteView frame) {
        auto h = decode_header(frame.first(kHeaderBytes));
        if (!h) {
          protocol_error(h.error().what);
        } else if (h->type == FrameType::kData && h->length > config_.receive_window) {
          protocol_error("yamux: data frame of " + std::to_string(h->length) +
                         " bytes exceeds the receive window");
        } else {
          handle_frame(*h, frame.subspan(kHeaderBytes));
        }
        return !failed_;
      });
  if (failed_) in_.clear();
}

void Session::handle_frame(const Header& h, ByteView body) {
  switch (h.type) {
    case FrameType::kPing:
      if (h.stream_id != 0)
        return protocol_error("yamux: ping on stream " + std::to_string(h.stream_id));
      if (h.flags & flags::kSyn) {
        write_frame(FrameType::kPing, flags::kAck, 0, h.length);
        events_.push_back(Ping{h.length});
      } else if (h.flags & flags::kAck) {
        if (ping_outstanding_ == h.length) {
          ping_outstanding_.reset();
          events_.push_back(Pong{h.length});
        } else {
          ++counters_.unsolicited_pongs;
        }
      }
      return;
    case FrameType::kGoAway:
      if (h.stream_id != 0)
        return protocol_error("yamux: go away on stream " + std::to_string(h.stream_id));
      go_away_received_ = true;
      events_.push_back(GoAway{h.length});
      return;
    default:
      if (h.stream_id == 0) return protocol_error("yamux: data or window update on stream 0");
      return handle_stream_frame(h, body);
  }
}

void Session::handle_stream_frame(const Header& h, ByteView body) {
  std::uint32_t id = h.stream_id;
  auto it = streams_.find(id);
  if (h.flags & flags::kSyn) {
    if (!remote_parity(id))
      return protocol_error("yamux: SYN with our parity on stream " + std::to_string(id));
    // Ids only grow, so a closed stream's id is never taken for a new one.
    if (id <= last_remote_id_)
      return protocol_error("yamux: SYN reuses or goes below stream id " +
                            std::to_string(last_remote_id_));
    last_remote_id_ = id;
    if (go_away_sent_ || streams_.size() >= config_.max_streams) {
      ++(go_away_sent_ ? counters_.streams_refused_go_away : counters_.streams_refused_limit);
      write_frame(FrameType::kWindowUpdate, flags::kRst, id, 0);
      return;
    }
    Stream s;
    s.recv_credit = config_.receive_window;
    it = streams_.emplace(id, std::move(s)).first;
    write_frame(FrameType::kWindowUpdate, flags::kAck, id, config_.receive_window - kInitialWindow);
    events_.push_back(StreamOpened{id});
  }
  if (it == streams_.end()) {
    // Frames racing a reset or close on our side: dropped, and counted.
    ++counters_.frames_for_unknown_streams;
    return;
  }
  Stream& s = it->second;
  if (h.type == FrameType::kData) {
    if (h.length > 0 && s.remote_fin)
      return protocol_error("yamux: data after FIN on stream " + std::to_string(id));
    if (h.length > s.recv_credit)
      return protocol_error("yamux: stream " + std::to_string(id) + " exceeded its receive window");
    s.recv_credit -= h.length;
    s.unconsumed += h.length;
    if (!body.empty()) events_.push_back(Data{id, to_bytes(body)});
  } else {
    std::uint64_t window = std::uint64_t{s.send_window} + h.length;
    if (window > 0xffffffffu)
      return protocol_error("yamux: send window overflow on stream " + std::to_string(id));
    s.send_window = static_cast<std::uint32_t>(window);
  }
  if (h.flags & flags::kRst) {
    streams_.erase(it);
    events_.push_back(StreamReset{id});
    return;
  }
  if ((h.flags & flags::kFin) && !s.remote_fin) {
    s.remote_fin = true;
    events_.push_back(StreamClosed{id});
  }
  flush(id, s);
}

void Session::flush(std::uint32_t id, Stream& s) {
  while (!s.send_queue.empty() && s.send_window > 0) {
    std::size_t n =
        std::min<std::size_t>({s.send_queue.size(), s.send_window, config_.max_frame_data});
    write_frame(FrameType::kData, 0, id, static_cast<std::uint32_t>(n),
                ByteView(s.send_queue).first(n));
    s.send_queue.erase(s.send_queue.begin(), s.send_queue.begin() + static_cast<std::ptrdiff_t>(n));
    s.send_window -= static_cast<std::uint32_t>(n);
  }
  release_if_grown(s.send_queue);
  if (s.local_fin && !s.fin_sent && s.send_queue.empty()) {
    write_frame(FrameType::kWindowUpdate, flags::kFin, id, 0);
    s.fin_sent = true;
  }
  maybe_remove(id);
}

void Session::maybe_remove(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it != streams_.end() && it->second.fin_sent && it->second.remote_fin) streams_.erase(it);
}

void Session::protocol_error(std::string reason) {
  write_frame(FrameType::kGoAway, 0, 0, static_cast<std::uint32_t>(GoAwayCode::kProtocolError));
  failed_ = true;
  events_.push_back(ProtocolError{std::move(reason)});
}

Result<std::uint32_t> Session::open_stream() {
  if (failed_) return Error{"yamux: session failed"};
  if (go_away_sent_ || go_away_received_) return Error{"yamux: session is going away"};
  if (streams_.size() >= config_.max_streams) return Error{"yamux: stream limit reached"};
  if (next_id_ > kMaxStreamId - 2) return Error{"yamux: stream ids exhausted"};
  std::uint32_t id = next_id_;
  next_id_ += 2;
  Stream s;
  s.recv_credit = config_.receive_window;
  streams_.emplace(id, std::move(s));
  write_frame(FrameType::kWindowUpdate, flags::kSyn, id, config_.receive_window - kInitialWindow);
  return id;
}

Status Session::send(std::uint32_t id, ByteView data) {
  if (failed_) return Error{"yamux: session failed"};
  auto it = streams_.find(id);
  if (it == streams_.end()) return Error{"yamux: unknown stream " + std::to_string(id)};
  Stream& s = it->second;
  if (s.local_fin) return Error{"yamux: stream " + std::to_string(id) + " is closed for writing"};
  // What fits the remote's window leaves at once; only the rest waits in the queue.
  if (s.send_queue.size() + data.size() > config_.max_send_buffer + s.send_window)
    return Error{"yamux: send buffer of stream " + std::to_string(id) + " full"};
  s.send_queue.insert(s.send_queue.end(), data.begin(), data.end());
  flush(id, s);
  return Ok{};
}

Status Session::close(std::uint32_t id) {
  if (failed_) return Error{"yamux: session failed"};
  auto it = streams_.find(id);
  if (it == streams_.end()) return Error{"yamux: unknown stream " + std::to_string(id)};
  it->second.local_fin = true;
  flush(id, it->second);
  return Ok{};
}

Status Session::reset(std::uint32_t id) {
  if (failed_) return Error{"yamux: session failed"};
  auto it = streams_.find(id);
  if (it == streams_.end()) return Error{"yamux: unknown stream " + std::to_string(id)};
  streams_.erase(it);
  write_frame(FrameType::kWindowUpdate, flags::kRst, id, 0);
  return Ok{};
}

Status Session::consume(std::uint32_t id, std::uint32_t n) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return Ok{};  // closed or reset: no window left to credit
  Stream& s = it->second;
  if (n > s.unconsumed)
    return Error{"yamux: consumed more than was delivered on stream " + std::to_string(id)};
  s.unconsumed -= n;
  s.consumed += n;
  // Credit back in batches of half a window, as go-yamux does, not per read.
  if (s.consumed >= config_.receive_window / 2 && !s.remote_fin) {
    write_frame(FrameType::kWindowUpdate, 0, id, s.consumed);
    s.recv_credit += s.consumed;
    s.consumed = 0;
  }
  return Ok{};
}

std::uint32_t Session::ping() {
  std::uint32_t opaque = next_ping_++;
  ping_outstanding_ = opaque;
  write_frame(FrameType::kPing, flags::kSyn, 0, opaque);
  return opaque;
}

void Session::go_away(GoAwayCode code) {
  if (go_away_sent_) return;
  go_away_sent_ = true;
  write_frame(FrameType::kGoAway, 0, 0, static_cast<std::uint32_t>(code));
}

Bytes Session::take_output() { return std::exchange(out_, {}); }

std::optional<Event> Session::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::size_t Session::send_queued(std::uint32_t stream_id) const {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? 0 : it->second.send_queue.size();
}

}  // namespace p2pgossip::net::yamux
