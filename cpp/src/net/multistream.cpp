#include "p2pgossip/net/multistream.hpp"

#include <algorithm>

#include "p2pgossip/wire/protobuf.hpp"

namespace p2pgossip::net::multistream {

namespace {

// A length prefix for a message ≤ 65535 bytes takes at most 3 varint bytes.
constexpr std::size_t kMaxPrefixBytes = 3;

}  // namespace

Bytes encode_message(std::string_view text) {
  Bytes out;
  out.reserve(text.size() + kMaxPrefixBytes + 1);
  wire::put_varint(out, text.size() + 1);
  out.insert(out.end(), text.begin(), text.end());
  out.push_back('\n');
  return out;
}

Result<std::optional<std::string>> decode_message(ByteView buf, std::size_t max_message_bytes,
                                                  std::size_t& consumed) {
  max_message_bytes = std::min(max_message_bytes, kHardMaxMessageBytes);
  std::uint64_t len = 0;
  std::size_t i = 0;
  for (;; ++i) {
    if (i == buf.size()) return std::optional<std::string>{};
    if (i == kMaxPrefixBytes) return Error{"multistream: length prefix longer than 3 bytes"};
    len |= std::uint64_t{buf[i] & 0x7fu} << (7 * i);
    if (!(buf[i] & 0x80)) break;
  }
  std::size_t prefix = i + 1;
  if (prefix > 1 && buf[i] == 0) return Error{"multistream: overlong length prefix"};
  if (len == 0) return Error{"multistream: empty message"};
  if (len > max_message_bytes)
    return Error{"multistream: message of " + std::to_string(len) + " bytes exceeds limit " +
                 std::to_string(max_message_bytes)};
  if (buf.size() - prefix < len) return std::optional<std::string>{};
  ByteView body = buf.subspan(prefix, len);
  if (body.back() != '\n') return Error{"multistream: message does not end with '\\n'"};
  std::string text(as_chars(body.first(len - 1)));
  if (text.find('\n') != std::string::npos)
    return Error{"multistream: message contains '\\n' before its end"};
  consumed = prefix + len;
  return std::optional<std::string>{std::move(text)};
}

Negotiation::Negotiation(Role role, std::vector<std::string> protocols, Config config)
    : role_(role), protocols_(std::move(protocols)), config_(config) {
  Bytes header = encode_message(kProtocolId);
  out_.insert(out_.end(), header.begin(), header.end());
  // The dialer pipelines its first proposal with the header, saving a round trip.
  if (role_ == Role::kDialer) propose_next();
}

void Negotiation::receive(ByteView data) {
  in_.insert(in_.end(), data.begin(), data.end());
  std::size_t pos = 0;
  while (!done()) {
    std::size_t consumed = 0;
    auto msg = decode_message(ByteView(in_).subspan(pos), config_.max_message_bytes, consumed);
    if (!msg) {
      fail(msg.error().what);
      break;
    }
    if (!msg->has_value()) break;
    pos += consumed;
    handle(std::move(**msg));
  }
  // What is left is a partial message (bounded by the message limit) or, once the
  // negotiation is done, the selected protocol's first bytes.
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(pos));
  if (state_ == State::kFailed) in_.clear();
}

void Negotiation::handle(std::string message) {
  if (state_ == State::kAwaitHeader) {
    if (message != kProtocolId)
      return fail("multistream: unsupported header '" + message.substr(0, 64) + "'");
    state_ = State::kNegotiating;
    return;
  }
  if (role_ == Role::kDialer)
    handle_dialer(message);
  else
    handle_listener(message);
}

void Negotiation::handle_dialer(const std::string& message) {
  const std::string& proposed = protocols_[proposals_ - 1];
  if (message == proposed) {
    state_ = State::kSelected;
    event_ = ProtocolSelected{proposed};
  } else if (message == kNa) {
    propose_next();
  } else {
    fail("multistream: listener answered '" + message.substr(0, 64) + "' to '" + proposed + "'");
  }
}

void Negotiation::handle_listener(const std::string& message) {
  if (++proposals_ > config_.max_proposals)
    return fail("multistream: dialer proposed more than " + std::to_string(config_.max_proposals) +
                " protocols");
  // "ls" is optional in the spec; a listener that does not list answers "na".
  bool supported = message != kLs &&
                   std::find(protocols_.begin(), protocols_.end(), message) != protocols_.end();
  Bytes reply = encode_message(supported ? std::string_view(message) : kNa);
  out_.insert(out_.end(), reply.begin(), reply.end());
  if (supported) {
    state_ = State::kSelected;
    event_ = ProtocolSelected{message};
  }
}

void Negotiation::propose_next() {
  if (proposals_ == protocols_.size() || proposals_ == config_.max_proposals)
    return fail("multistream: no protocol in common");
  const std::string& p = protocols_[proposals_++];
  if (p.size() + 1 > std::min(config_.max_message_bytes, kHardMaxMessageBytes) || p == kNa ||
      p == kLs || p.find('\n') != std::string::npos)
    return fail("multistream: cannot propose invalid protocol id '" + p.substr(0, 64) + "'");
  Bytes msg = encode_message(p);
  out_.insert(out_.end(), msg.begin(), msg.end());
}

void Negotiation::fail(std::string reason) {
  state_ = State::kFailed;
  event_ = Failed{std::move(reason)};
}

Bytes Negotiation::take_output() { return std::exchange(out_, {}); }

std::optional<Event> Negotiation::poll_event() { return std::exchange(event_, std::nullopt); }

Bytes Negotiation::take_remaining() {
  if (state_ != State::kSelected) return {};
  return std::exchange(in_, {});
}

}  // namespace p2pgossip::net::multistream
