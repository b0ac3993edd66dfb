// The connection machine's request/response streams (request_response.hpp): ours carry one
// request and read one response; the remote's are read one request at a time, each answered
// before the next is read, so a remote has at most one request per stream waiting on us.
#include "p2pgossip/host/connection.hpp"
#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::host {

namespace {
// Feed a stream's outgoing bytes to yamux while less than this waits for its window.
constexpr std::size_t kRequestHighWater = 64 * 1024;
}  // namespace

std::string_view request_error_name(RequestError e) {
  switch (e) {
    case RequestError::kUnsupportedProtocol:
      return "unsupported_protocol";
    case RequestError::kTimeout:
      return "timeout";
    case RequestError::kResponseTooLarge:
      return "response_too_large";
    case RequestError::kReset:
      return "reset";
    case RequestError::kConnectionClosed:
      return "connection_closed";
    case RequestError::kStreamLimit:
      return "stream_limit";
    case RequestError::kNotConnected:
      return "not_connected";
    case RequestError::kBusy:
      return "busy";
  }
  return "unknown";
}

void Connection::request(RequestToken token, const std::string& protocol, ByteView request,
                         std::size_t max_response, Instant deadline, Instant now) {
  if (closed_ || !yamux_) return emit(RequestFailed{token, RequestError::kConnectionClosed});
  now_ = now;
  const auto id = open_stream({protocol});
  if (!id) return emit(RequestFailed{token, RequestError::kStreamLimit});
  Stream& s = streams_.at(*id);
  s.request = token;
  s.reader.emplace(max_response);
  // Held until the remote accepts the protocol; then sent, and our side closed.
  wire::put_varint(s.outgoing, request.size());
  s.outgoing.insert(s.outgoing.end(), request.begin(), request.end());
  s.deadline = deadline;
  timed_.insert(*id);
  seal();
}

void Connection::respond(std::uint32_t stream, ByteView response, Instant now) {
  auto it = streams_.find(stream);
  if (closed_ || it == streams_.end() || !it->second.answering) return;
  now_ = now;
  Stream& s = it->second;
  s.answering = false;
  send_framed(stream, s, response, s.remote_closed);
  if (!s.remote_closed) {
    // The remote may send another request on this stream; it has request_timeout to.
    s.deadline = now + config_.request_timeout;
    read_request(stream, s);
  }
  seal();
}

void Connection::refuse(std::uint32_t stream, Instant now) {
  auto it = streams_.find(stream);
  if (closed_ || it == streams_.end() || it->second.kind != StreamKind::kRequestIn) return;
  now_ = now;
  timed_.erase(stream);
  sending_.erase(stream);
  streams_.erase(it);
  (void)yamux_->reset(stream);
  seal();
}

bool Connection::exchanging() const {
  for (const auto& [id, s] : streams_)
    if (s.request || s.kind == StreamKind::kRequestIn) return true;
  return false;
}

bool Connection::answers(const std::string& protocol) const {
  if (!config_.request_protocols) return false;
  for (const std::string& p : config_.request_protocols())
    if (p == protocol) return true;
  return false;
}

void Connection::on_request_selected(std::uint32_t id, Stream& s, const std::string& protocol) {
  if (s.ours) {
    // The request, framed when it was made, goes out now, then our FIN.
    s.kind = StreamKind::kRequestOut;
    s.fin_after = true;
    sending_.insert(id);
    return;
  }
  s.kind = StreamKind::kRequestIn;
  s.protocol = protocol;
  s.reader.emplace(config_.max_request_size);
  s.deadline = now_ + config_.request_timeout;
  timed_.insert(id);
}

void Connection::on_request_payload(std::uint32_t id, Stream& s, ByteView data) {
  s.reader->feed(data);
  // Answering: what follows waits, up to one more largest request.
  if (s.answering && s.reader->buffered() > config_.max_request_size + 10)
    return reset_stream(id, Drop::kRequestTooLarge);
  if (!s.answering) read_request(id, s);
}

void Connection::read_request(std::uint32_t id, Stream& s) {
  auto msg = s.reader->next();
  if (!msg) return reset_stream(id, Drop::kRequestTooLarge);
  if (!*msg) return;
  s.answering = true;
  s.deadline = now_ + config_.request_timeout;
  emit(RequestReceived{id, s.protocol, std::move(**msg)});
}

void Connection::on_response_payload(std::uint32_t id, Stream& s, ByteView data) {
  s.reader->feed(data);
  auto msg = s.reader->next();
  if (!msg) return request_failed(id, RequestError::kResponseTooLarge, true);
  if (!*msg) return;
  emit(ResponseReceived{s.request, std::move(**msg)});
  // Our side is closed already; the remote's FIN (or reset) finds no stream.
  timed_.erase(id);
  sending_.erase(id);
  streams_.erase(id);
}

bool Connection::request_stream_closed(std::uint32_t id, Stream& s) {
  if (s.request) {
    request_failed(id, RequestError::kReset, false);
    return true;
  }
  if (s.kind != StreamKind::kRequestIn) return false;
  s.remote_closed = true;
  if (s.answering) return true;  // FIN once answered
  if (s.reader->buffered()) {
    reset_stream(id, Drop::kRequestTimeout);  // it will never be whole
  } else if (!sending_.count(id)) {
    timed_.erase(id);
    streams_.erase(id);
    (void)yamux_->close(id);
  } else {
    s.fin_after = true;
    timed_.erase(id);
  }
  return true;
}

void Connection::request_stream_reset(Stream& s) {
  if (s.request) emit(RequestFailed{s.request, RequestError::kReset});
}

void Connection::request_failed(std::uint32_t id, RequestError error, bool reset) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  emit(RequestFailed{it->second.request, error});
  timed_.erase(id);
  sending_.erase(id);
  streams_.erase(it);
  if (reset) (void)yamux_->reset(id);
}

void Connection::send_framed(std::uint32_t id, Stream& s, ByteView data, bool fin_after) {
  if (s.sent == s.outgoing.size()) {
    s.outgoing.clear();
    s.sent = 0;
  }
  wire::put_varint(s.outgoing, data.size());
  s.outgoing.insert(s.outgoing.end(), data.begin(), data.end());
  s.fin_after = fin_after;
  sending_.insert(id);
}

// Large requests and responses go out as the remote's window opens, not all into yamux's
// send buffer (bounded near one RPC).
void Connection::flush_outgoing() {
  for (auto it = sending_.begin(); it != sending_.end();) {
    const std::uint32_t id = *it;
    auto st = streams_.find(id);
    if (st == streams_.end()) {
      it = sending_.erase(it);
      continue;
    }
    Stream& s = st->second;
    while (s.sent < s.outgoing.size() && yamux_->send_queued(id) < kRequestHighWater) {
      const std::size_t n = std::min(s.outgoing.size() - s.sent, kRequestHighWater);
      if (!yamux_->send(id, ByteView(s.outgoing.data() + s.sent, n))) break;
      s.sent += n;
    }
    if (s.sent < s.outgoing.size()) {
      ++it;
      continue;
    }
    s.outgoing.clear();
    release_if_grown(s.outgoing);
    s.sent = 0;
    it = sending_.erase(it);
    if (!s.fin_after) continue;
    (void)yamux_->close(id);
    // An answered stream the remote closed is done; ours waits for its response.
    if (s.kind == StreamKind::kRequestIn) {
      timed_.erase(id);
      streams_.erase(st);
    }
  }
}

void Connection::request_deadlines(Instant now) {
  for (auto it = timed_.begin(); it != timed_.end();) {
    const std::uint32_t id = *it++;
    auto st = streams_.find(id);
    if (st == streams_.end()) {
      timed_.erase(id);
      continue;
    }
    Stream& s = st->second;
    if (!s.deadline || now < *s.deadline) continue;
    if (s.request) {
      request_failed(id, RequestError::kTimeout, true);
    } else if (s.answering || s.reader->buffered()) {
      reset_stream(id, Drop::kRequestTimeout);
    } else {
      // Idle between requests: closed politely.
      timed_.erase(id);
      sending_.erase(id);
      streams_.erase(st);
      (void)yamux_->close(id);
    }
  }
}

void Connection::fail_requests() {
  for (const auto& [id, s] : streams_)
    if (s.request) emit(RequestFailed{s.request, RequestError::kConnectionClosed});
}

}  // namespace p2pgossip::host
