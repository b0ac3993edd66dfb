// noise-libp2p as one sans-I/O machine: the XX handshake carrying signed libp2p payloads,
// then the transport. Every Noise message on the wire is framed by a 2-byte big-endian
// length, so a frame carries at most 65535 bytes of ciphertext (65519 of plaintext).
//   initiator -> e                       (empty payload)
//   responder <- e, ee, s, es + payload  (initiator verifies it, checks the peer id)
//   initiator -> s, se + payload         (responder verifies it)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/frame_buffer.hpp"
#include "p2pgossip/net/noise.hpp"
#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::net::noise {

constexpr std::size_t kFrameHeaderBytes = 2;
constexpr std::size_t kMaxTransportPlaintext = kMaxMessageBytes - kTagLen;

// The local libp2p identity as the handshake needs it: the Ed25519 public key and a
// signing function (the caller keeps the private key).
struct LocalIdentity {
  Ed25519PublicKey public_key{};
  std::function<Bytes(ByteView)> sign;
};

// The handshake view of a node's crypto::Identity; the signer shares ownership of it.
LocalIdentity local_identity_of(crypto::IdentityPtr identity);

struct SessionConfig {
  bool initiator = true;
  LocalIdentity identity;
  // Initiator: the peer id (binary multihash) the dialled /p2p/ component named.
  std::optional<Bytes> expected_peer_id;
  Bytes prologue;
  // Noise static key; a fresh one is drawn when absent (the spec allows per-session keys).
  std::optional<SecretKey> static_key;
  std::optional<SecretKey> ephemeral_key;  // tests only
  Extensions extensions;                   // sent in our payload when non-empty
  // Private network: when set, the remote must present a network certificate for its
  // identity key signed by this key and valid at `now_unix_s` (see network_cert.hpp).
  std::optional<Ed25519PublicKey> network_key;
  std::uint64_t now_unix_s = 0;
  // Plaintext per transport frame we seal (at most kMaxTransportPlaintext). Smaller frames
  // let a receiver that reads in pieces hold less of a frame it cannot open yet.
  std::size_t max_frame_plaintext = kMaxTransportPlaintext;
};

struct HandshakeComplete {
  Bytes peer_id;
  Ed25519PublicKey remote_identity_key{};
  Extensions remote_extensions;
};
struct Failed {
  std::string reason;
  // A private-network refusal (the reason starts with "network certificate: ").
  bool network_refused = false;
};
using Event = std::variant<HandshakeComplete, Failed>;

class Session {
 public:
  explicit Session(SessionConfig config);

  // Handshake messages, then transport frames; decrypted transport data accumulates for
  // take_plaintext(). After a failure, input is ignored.
  void receive(ByteView data);
  Bytes take_output();
  Bytes take_plaintext();
  // A taken plaintext buffer, read: its memory serves the next frames (reuse()).
  void recycle_plaintext(Bytes&& spent) { reuse(plaintext_, std::move(spent)); }
  std::optional<Event> poll_event();

  // Seals `plaintext` into as many frames as needed (appended to the output).
  Status send(ByteView plaintext) { return send(plaintext, out_); }
  // The same, appended to `out` (a transport's own buffer: no copy through the output).
  Status send(ByteView plaintext, Bytes& out);

  bool established() const { return state_ == State::kTransport; }
  bool failed() const { return state_ == State::kFailed; }
  // Memory held for a received frame not yet complete.
  std::size_t receive_buffer_bytes() const { return in_.capacity(); }
  const Hash& handshake_hash() const { return handshake_.handshake_hash(); }

 private:
  enum class State { kHandshake, kTransport, kFailed };
  void on_handshake_message(ByteView message);
  void on_transport_frame(ByteView frame);
  Status write_handshake(ByteView payload);
  Bytes local_payload() const;
  Status accept_remote(ByteView payload_bytes);
  void fail(std::string reason, bool network_refused = false);

  SessionConfig config_;
  HandshakeState handshake_;
  State state_ = State::kHandshake;
  CipherState send_, recv_;
  std::optional<HandshakeComplete> remote_;
  FrameBuffer in_;
  Bytes out_, plaintext_;
  std::optional<Event> event_;
};

}  // namespace p2pgossip::net::noise
