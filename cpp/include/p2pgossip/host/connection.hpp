// One libp2p connection as a sans-I/O machine, in quinn-proto's shape: bytes read from the
// transport, timeouts and commands come in with `now`; bytes to write, events and the next
// deadline go out. It runs the upgrade (multistream-select /noise, Noise XX,
// multistream-select /yamux/1.0.0, yamux) and then the streams: our pubsub stream out and
// the remote's in (RPCs framed by an unsigned-varint length), ping and identify both ways,
// and request/response exchanges (request_response.hpp; requests.cpp).
// The outbound RPC queue is the host's: it hands over a frame whenever pubsub_writable().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/host/drop.hpp"
#include "p2pgossip/host/length_prefixed.hpp"
#include "p2pgossip/host/request_response.hpp"
#include "p2pgossip/net/multistream.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/net/ping.hpp"
#include "p2pgossip/net/yamux.hpp"
#include "p2pgossip/protocol.hpp"
#include "p2pgossip/time.hpp"

namespace p2pgossip::host {

struct ConnectionConfig {
  // We dialled: multistream-select dialer, Noise initiator, yamux client.
  bool dialer = true;
  // Identity and private network; `initiator` is set from `dialer`.
  net::noise::SessionConfig noise;
  // The dialled /p2p/ id: a remote of another identity is refused (Drop::kPeerIdMismatch).
  std::optional<Bytes> expected_peer_id;
  // Proposed on our pubsub stream in order of preference, accepted on the remote's.
  std::vector<std::string> pubsub_protocols;
  // Our identify message as this connection's remote sees it (its observed address), asked
  // for when the remote identifies us.
  std::function<Bytes()> identify_message;
  std::size_t max_streams = 64;
  // Caps the length prefix of a received RPC, checked before anything is buffered.
  std::size_t max_rpc_size = 1 << 20;
  // pubsub_writable() is false while this much output waits for the transport.
  std::size_t max_unsent_output = 256 << 10;
  Duration ping_timeout = 20s;
  // Once muxed, the remote must answer our pubsub stream's negotiation within this, or the
  // connection is closed (Drop::kStreamNegotiationTimeout): a connection that finished Noise
  // and yamux but speaks no pubsub would otherwise hold a connection slot forever. Zero: no
  // deadline.
  Duration stream_negotiation_timeout = 10s;
  // The request/response protocols we answer, asked for as each inbound stream opens (the
  // application may add handlers while connected). Empty: none.
  std::function<std::vector<std::string>()> request_protocols;
  // Caps the length prefix of a remote's request (Drop::kRequestTooLarge).
  std::size_t max_request_size = 1 << 20;
  // A remote's request must arrive whole, and be answered (respond/refuse), within this of
  // its stream opening or of our previous answer on it (Drop::kRequestTimeout); a stream
  // kept open with no request in flight is closed after it.
  Duration request_timeout = 10s;
};

// The remote authenticated itself (and is the dialled peer, if one was named).
struct Secured {
  Bytes peer_id;
};
// Muxed: the connection is usable; our pubsub and identify streams are being opened.
struct Up {};
// A pubsub stream was negotiated (ours or the remote's): the remote speaks `protocol`.
struct PubsubStream {
  PubsubProtocol protocol;
};
// One RPC of the remote, without its length prefix, for the host to decode. If it does not
// decode, the host calls reject_rpc(stream).
struct RpcReceived {
  std::uint32_t stream;
  Bytes rpc;
};
// The remote's whole answer to our identify request (the stream it closed).
struct IdentifyReceived {
  Bytes stream;
};
// We answered the remote's identify request with `bytes`.
struct IdentifySent {
  std::size_t bytes;
};
// We echoed `count` pings of the remote.
struct PingsEchoed {
  std::size_t count;
};
// Our ping: its round trip, or nullopt (timed out, refused, stream failed).
struct PingResult {
  std::optional<Duration> rtt;
};
// A stream of the remote was reset for `drop`; the connection stays.
struct StreamRefused {
  Drop drop;
};
// The machine gave up on the connection (the last event); `drop` when it is a refusal or a
// failure to count.
struct Closed {
  std::string reason;
  std::optional<Drop> drop;
};
using ConnectionEvent = std::variant<Secured, Up, PubsubStream, RpcReceived, IdentifyReceived,
                                     IdentifySent, PingsEchoed, PingResult, StreamRefused,
                                     RequestReceived, ResponseReceived, RequestFailed, Closed>;

class Connection {
 public:
  // Queues the multistream-select header (and the dialer's /noise proposal).
  explicit Connection(ConnectionConfig config);

  // ---- inputs ----------------------------------------------------------------------------
  // Bytes read from the transport.
  void handle_bytes(Instant now, ByteView data);
  // Call at next_deadline() (or later): times the outstanding ping out.
  void handle_timeout(Instant now);
  // Sends `payload` (the host draws it) on our ping stream, opened on first use; a
  // PingResult follows.
  void ping(const net::ping::Payload& payload, Instant now);
  // Our pubsub stream is negotiated, under the yamux high-water mark, and the output not yet
  // written (ours, plus `in_flight` bytes the transport took but has not written) is under
  // max_unsent_output.
  bool pubsub_writable(std::size_t in_flight = 0) const;
  // Sends one RPC (without its length prefix) on our pubsub stream. False when the stream
  // failed: the connection is then closed (a Closed event).
  bool send_rpc_frame(ByteView rpc);
  // The host could not decode an RPC of `stream`: the stream is reset (Drop::kRpcDecode), and
  // RPCs of it not yet polled are discarded.
  void reject_rpc(std::uint32_t stream);
  // Sends `request` under `protocol` on a stream of its own: a ResponseReceived or a
  // RequestFailed for `token` follows (RequestFailed{kTimeout} at `deadline`). A response
  // whose length prefix is above `max_response` is refused before it is buffered.
  void request(RequestToken token, const std::string& protocol, ByteView request,
               std::size_t max_response, Instant deadline, Instant now);
  // Answers the RequestReceived of `stream` (ignored if the stream is gone: reset, timed
  // out, closed). refuse() resets the stream instead.
  void respond(std::uint32_t stream, ByteView response, Instant now);
  void refuse(std::uint32_t stream, Instant now);
  // The host closes the connection: nothing more goes out or comes in, no event follows
  // (its outstanding requests included: the host fails them).
  void close();

  // ---- outputs ---------------------------------------------------------------------------
  // Swaps the bytes for the transport into `into` (empty: its buffer is reused); false when
  // there are none.
  bool poll_transmit(Bytes& into);
  std::optional<ConnectionEvent> poll_event();
  std::optional<Instant> next_deadline() const;

  bool closed() const { return closed_; }
  bool up() const { return yamux_.has_value(); }
  // The authenticated remote; empty before Secured.
  const Bytes& peer_id() const { return peer_id_; }
  const std::optional<Bytes>& expected_peer_id() const { return config_.expected_peer_id; }
  std::optional<PubsubProtocol> pubsub_protocol() const { return pubsub_protocol_; }
  // Request/response exchanges under way, either way (a connection in use for them).
  bool exchanging() const;

 private:
  enum class Stage { kSecurityNegotiation, kNoise, kMuxerNegotiation, kMuxed };
  // kFinished: we wrote all we had to (identify) and read nothing more. kPingOut and
  // kIdentifyOut are the streams we open to ping the remote and to identify it.
  enum class StreamKind {
    kNegotiating,
    kPubsubOut,
    kPubsubIn,
    kPing,
    kFinished,
    kPingOut,
    kIdentifyOut,
    kRequestOut,  // ours, negotiated: the request is sent, the response being read
    kRequestIn    // the remote's: requests read, answered one at a time
  };
  struct Stream {
    StreamKind kind = StreamKind::kNegotiating;
    bool ours = false;  // we opened it (pubsub_out_, ping, identify)
    std::optional<net::multistream::Negotiation> negotiation;
    std::optional<LengthPrefixedReader> reader;
    std::optional<net::ping::Echo> echo;
    Bytes received;  // kIdentifyOut: the remote's identify stream so far
    // Request/response: ours carries the caller's token (0: not a request); `outgoing`
    // (from `sent` on) waits for the stream's window, FIN after it when `fin_after`.
    RequestToken request = 0;
    std::string protocol;  // kRequestIn
    Bytes outgoing;
    std::size_t sent = 0;
    bool fin_after = false;
    bool answering = false;      // kRequestIn: a RequestReceived awaits respond()
    bool remote_closed = false;  // kRequestIn: the remote half-closed
    std::optional<Instant> deadline;
  };

  // ---- upgrade (connection.cpp)
  net::multistream::Role role() const;
  // Feeds the connection's negotiation (/noise, then /yamux/1.0.0; its answers sealed once
  // secured): the bytes after it once a protocol is selected.
  std::optional<Bytes> negotiate(ByteView data, bool sealed, std::string_view stage, Drop drop);
  void on_security_bytes(ByteView data);
  void on_noise_bytes(ByteView data);
  void on_secured(const net::noise::HandshakeComplete& remote);
  void on_plaintext(ByteView data);
  void on_muxed(Bytes rest);
  void fail(std::string reason, std::optional<Drop> drop = std::nullopt);
  void emit(ConnectionEvent e) { events_.push_back(std::move(e)); }
  void write_raw(Bytes data);
  void send_plain(ByteView data);
  // Seals what yamux queued: once per input, so frames queued together share Noise frames.
  void seal();

  // ---- streams (streams.cpp)
  void process_yamux();
  void on_stream_closed(std::uint32_t id);
  void on_stream_reset(std::uint32_t id);
  void on_stream_opened(std::uint32_t id);
  void on_stream_data(std::uint32_t id, Bytes data);
  void on_stream_selected(std::uint32_t id, Stream& s, const std::string& protocol, Bytes rest);
  void on_stream_payload(std::uint32_t id, Stream& s, ByteView data);
  // Opens a stream and proposes `protocols` as the dialer.
  std::optional<std::uint32_t> open_stream(std::vector<std::string> protocols);
  void on_ping_bytes(ByteView data);
  void ping_failed();
  void reset_stream(std::uint32_t id, Drop drop);

  // ---- request/response (requests.cpp)
  bool answers(const std::string& protocol) const;
  void on_request_selected(std::uint32_t id, Stream& s, const std::string& protocol);
  void on_request_payload(std::uint32_t id, Stream& s, ByteView data);
  void read_request(std::uint32_t id, Stream& s);
  void on_response_payload(std::uint32_t id, Stream& s, ByteView data);
  // The stream's end, if it belongs to a request/response exchange: true when handled.
  bool request_stream_closed(std::uint32_t id, Stream& s);
  void request_stream_reset(Stream& s);
  void request_failed(std::uint32_t id, RequestError error, bool reset);
  // `data` length-prefixed into the stream's outgoing bytes, written as its window allows.
  void send_framed(std::uint32_t id, Stream& s, ByteView data, bool fin_after);
  void flush_outgoing();
  void request_deadlines(Instant now);
  void fail_requests();

  ConnectionConfig config_;
  Instant now_{};  // of the input being handled
  Bytes peer_id_;
  Stage stage_ = Stage::kSecurityNegotiation;
  bool closed_ = false;

  std::optional<net::multistream::Negotiation> negotiation_;
  std::optional<net::noise::Session> noise_;
  std::optional<net::yamux::Session> yamux_;
  std::map<std::uint32_t, Stream> streams_;
  std::optional<std::uint32_t> pubsub_out_;
  bool pubsub_out_ready_ = false;
  // Muxed, our pubsub stream not negotiated yet: closed at this instant.
  std::optional<Instant> negotiation_deadline_;
  std::optional<PubsubProtocol> pubsub_protocol_;
  std::optional<std::uint32_t> ping_out_;
  bool ping_ready_ = false;  // ping_out_ negotiated
  std::optional<net::ping::Pinger> pinger_;
  // Streams with a deadline, and with outgoing request/response bytes: few, so scanned.
  std::set<std::uint32_t> timed_, sending_;

  std::deque<ConnectionEvent> events_;
  // Streams reject_rpc reset: their RPCs still queued in events_ are dropped.
  std::set<std::uint32_t> rejected_;
  Bytes out_;    // sealed, for the transport
  Bytes frame_;  // send_rpc_frame's length prefix and RPC, reused
};

}  // namespace p2pgossip::host
