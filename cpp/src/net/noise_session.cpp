#include "p2pgossip/net/noise_session.hpp"

#include <algorithm>

#include "p2pgossip/net/network_cert.hpp"

namespace p2pgossip::net::noise {

namespace {

SecretKey static_key_or_fresh(const std::optional<SecretKey>& k) {
  return k ? *k : generate_dh_keypair().private_key;
}

void put_frame_header(Bytes& out, std::size_t len) {
  out.push_back(static_cast<std::uint8_t>(len >> 8));
  out.push_back(static_cast<std::uint8_t>(len));
}

}  // namespace

LocalIdentity local_identity_of(crypto::IdentityPtr identity) {
  LocalIdentity local{identity->public_key(), {}};
  local.sign = [identity = std::move(identity)](ByteView msg) {
    auto sig = identity->sign(msg);
    return Bytes(sig.begin(), sig.end());
  };
  return local;
}

Session::Session(SessionConfig config)
    : config_(std::move(config)),
      handshake_(config_.initiator, config_.prologue, static_key_or_fresh(config_.static_key),
                 config_.ephemeral_key) {
  // Nothing secret needs to outlive the HandshakeState's own copies.
  config_.static_key.reset();
  config_.ephemeral_key.reset();
  config_.max_frame_plaintext =
      std::clamp<std::size_t>(config_.max_frame_plaintext, 1, kMaxTransportPlaintext);
  if (config_.initiator) {
    if (auto st = write_handshake({}); !st) fail(st.error().what);
  }
}

void Session::receive(ByteView data) {
  if (failed()) return;
  // At most one partial frame (≤ 65537 bytes) stays buffered.
  in_.feed(
      data,
      [](ByteView b) -> std::optional<std::size_t> {
        if (b.size() < kFrameHeaderBytes) return std::nullopt;
        return kFrameHeaderBytes + ((std::size_t{b[0]} << 8) | b[1]);
      },
      [this](ByteView frame) {
        frame = frame.subspan(kFrameHeaderBytes);
        if (state_ == State::kHandshake)
          on_handshake_message(frame);
        else
          on_transport_frame(frame);
        return !failed();
      });
  if (failed()) in_.clear();
}

void Session::on_handshake_message(ByteView message) {
  if (handshake_.my_turn()) return fail("noise: handshake message out of turn");
  auto payload = handshake_.read_message(message);
  if (!payload) return fail(payload.error().what);
  // The first message carries no libp2p payload; the second and third carry signed ones.
  bool carries_identity = config_.initiator || handshake_.complete();
  if (carries_identity) {
    if (auto st = accept_remote(*payload); !st) return fail(st.error().what);
    if (config_.network_key) {
      auto st =
          verify_certificate(*config_.network_key, remote_->remote_identity_key,
                             remote_->remote_extensions.network_certificate, config_.now_unix_s);
      if (!st) return fail(st.error().what, true);
    }
  }
  if (!handshake_.complete()) {
    if (auto st = write_handshake(local_payload()); !st) return fail(st.error().what);
  }
  if (handshake_.complete()) {
    std::tie(send_, recv_) = handshake_.split();
    state_ = State::kTransport;
    event_ = std::move(*remote_);
    remote_.reset();
  }
}

Status Session::accept_remote(ByteView payload_bytes) {
  auto payload = decode_payload(payload_bytes);
  if (!payload) return payload.error();
  auto id = verify_payload(*payload, handshake_.remote_static());
  if (!id) return id.error();
  if (config_.initiator && config_.expected_peer_id && *config_.expected_peer_id != id->peer_id)
    return Error{"noise: remote peer id does not match the dialled peer id"};
  remote_ = HandshakeComplete{std::move(id->peer_id), id->public_key,
                              payload->extensions.value_or(Extensions{})};
  return Ok{};
}

Bytes Session::local_payload() const {
  HandshakePayload p;
  Ed25519PublicKey key = config_.identity.public_key;
  p.identity_key = encode_ed25519_public_key(key);
  p.identity_sig =
      config_.identity.sign(static_key_signing_input(handshake_.local_static_public()));
  if (!config_.extensions.empty()) p.extensions = config_.extensions;
  return encode_payload(p);
}

Status Session::write_handshake(ByteView payload) {
  auto msg = handshake_.write_message(payload);
  if (!msg) return msg.error();
  put_frame_header(out_, msg->size());
  out_.insert(out_.end(), msg->begin(), msg->end());
  return Ok{};
}

void Session::on_transport_frame(ByteView frame) {
  if (auto st = recv_.decrypt_with_ad({}, frame, plaintext_); !st) fail(st.error().what);
}

Status Session::send(ByteView plaintext, Bytes& out) {
  if (state_ != State::kTransport) return Error{"noise: send before the handshake completed"};
  do {
    std::size_t n = std::min(plaintext.size(), config_.max_frame_plaintext);
    std::size_t at = out.size();
    put_frame_header(out, n + kTagLen);
    if (auto st = send_.encrypt_with_ad({}, plaintext.first(n), out); !st) {
      out.resize(at);
      return st;
    }
    plaintext = plaintext.subspan(n);
  } while (!plaintext.empty());
  return Ok{};
}

void Session::fail(std::string reason, bool network_refused) {
  state_ = State::kFailed;
  event_ = Failed{std::move(reason), network_refused};
}

Bytes Session::take_output() { return std::exchange(out_, {}); }
Bytes Session::take_plaintext() { return std::exchange(plaintext_, {}); }
std::optional<Event> Session::poll_event() { return std::exchange(event_, std::nullopt); }

}  // namespace p2pgossip::net::noise
