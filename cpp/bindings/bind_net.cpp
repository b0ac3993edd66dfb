#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <sodium.h>

#include <cstring>
#include <memory>

#include "bindings.hpp"
#include "net_bindings.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/net/multistream.hpp"
#include "p2pgossip/net/noise.hpp"
#include "p2pgossip/net/noise_payload.hpp"
#include "p2pgossip/net/noise_session.hpp"
#include "p2pgossip/net/yamux.hpp"

namespace p2pgossip::bindings {

namespace {

namespace noise = net::noise;
namespace yamux = net::yamux;

void bind_multiaddr(py::module_& m) {
  using net::Multiaddr;
  py::class_<Multiaddr>(m, "Multiaddr")
      .def_static(
          "parse", [](std::string_view s) { return value_or_raise(Multiaddr::parse(s)); },
          py::arg("text"))
      .def_static(
          "from_bytes",
          [](const py::bytes& b) { return value_or_raise(Multiaddr::from_bytes(view_of(b))); },
          py::arg("data"))
      .def("to_string", &Multiaddr::to_string)
      .def("to_bytes", [](const Multiaddr& a) { return to_py(a.to_bytes()); })
      .def_property_readonly("peer_id", &Multiaddr::peer_id)
      .def("without_peer_id", &Multiaddr::without_peer_id)
      .def(
          "with_peer_id",
          [](const Multiaddr& a, const crypto::PeerId& id) {
            return value_or_raise(a.with_peer_id(id));
          },
          py::arg("peer_id"))
      .def_property_readonly("components",
                             [](const Multiaddr& a) {
                               py::list out;
                               for (const auto& c : a.components())
                                 out.append(py::make_tuple(
                                     std::string(net::protocol_name(c.protocol)), to_py(c.value)));
                               return out;
                             })
      .def("__str__", &Multiaddr::to_string)
      .def("__repr__", [](const Multiaddr& a) { return "Multiaddr('" + a.to_string() + "')"; })
      .def("__eq__", [](const Multiaddr& a, const Multiaddr& b) { return a == b; })
      .def("__hash__", [](const Multiaddr& a) {
        py::list parts;
        for (const auto& c : a.components())
          parts.append(py::make_tuple(static_cast<std::uint32_t>(c.protocol), to_py(c.value)));
        return py::hash(py::tuple(parts));
      });
}

void bind_multistream(py::module_& m) {
  namespace ms = net::multistream;
  m.def(
      "multistream_encode", [](std::string_view text) { return to_py(ms::encode_message(text)); },
      py::arg("text"));
  py::class_<ms::Negotiation>(m, "MultistreamNegotiation")
      .def(py::init([](std::string_view role, std::vector<std::string> protocols,
                       std::size_t max_message_bytes, std::size_t max_proposals) {
             if (role != "dialer" && role != "listener")
               throw py::value_error("role must be 'dialer' or 'listener'");
             return ms::Negotiation(role == "dialer" ? ms::Role::kDialer : ms::Role::kListener,
                                    std::move(protocols), {max_message_bytes, max_proposals});
           }),
           py::arg("role"), py::arg("protocols"), py::arg("max_message_bytes") = 1024,
           py::arg("max_proposals") = 32)
      // One step: feed received bytes, get (bytes to send, events). Events are
      // ("selected", protocol) or ("failed", reason).
      .def(
          "feed",
          [](ms::Negotiation& n, const py::bytes& data) {
            n.receive(view_of(data));
            py::list events;
            while (auto ev = n.poll_event()) {
              if (auto* s = std::get_if<ms::ProtocolSelected>(&*ev))
                events.append(py::make_tuple("selected", s->protocol));
              else
                events.append(py::make_tuple("failed", std::get<ms::Failed>(*ev).reason));
            }
            return py::make_tuple(to_py(n.take_output()), events);
          },
          py::arg("data"))
      .def("take_output", [](ms::Negotiation& n) { return to_py(n.take_output()); })
      .def("take_remaining", [](ms::Negotiation& n) { return to_py(n.take_remaining()); })
      .def_property_readonly("done", &ms::Negotiation::done);
}

std::optional<noise::SecretKey> secret_or_none(const std::optional<py::bytes>& b,
                                               const char* what) {
  if (!b) return std::nullopt;
  return noise::SecretKey(fixed<noise::kKeyLen>(*b, what));
}

// An Ed25519 signer over libsodium for Python callers, standing in for the crypto
// layer's Identity: it holds the secret key and wipes it when the last user drops it.
struct Ed25519Signer {
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> secret{};
  noise::Ed25519PublicKey public_key{};
  ~Ed25519Signer() { sodium_memzero(secret.data(), secret.size()); }
};

noise::LocalIdentity identity_from_seed(const py::bytes& seed, std::optional<py::function> sign) {
  auto key = fixed<crypto_sign_SEEDBYTES>(seed, "identity_seed");
  auto signer = std::make_shared<Ed25519Signer>();
  crypto_sign_seed_keypair(signer->public_key.data(), signer->secret.data(), key.data());
  sodium_memzero(key.data(), key.size());
  noise::LocalIdentity id{signer->public_key, {}};
  if (sign) {
    // Research hook: a Python callable produces the signature (e.g. a forged one).
    id.sign = [fn = *sign](ByteView msg) {
      py::gil_scoped_acquire gil;
      py::bytes sig = fn(to_py(msg));
      return to_bytes(view_of(sig));
    };
  } else {
    id.sign = [signer](ByteView msg) {
      Bytes sig(crypto_sign_BYTES);
      crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), signer->secret.data());
      return sig;
    };
  }
  return id;
}

py::tuple noise_event(const noise::Event& ev) {
  if (auto* c = std::get_if<noise::HandshakeComplete>(&ev))
    return py::make_tuple("complete", to_py(c->peer_id), to_py(c->remote_identity_key),
                          c->remote_extensions.stream_muxers);
  return py::make_tuple("failed", std::get<noise::Failed>(ev).reason);
}

void bind_noise(py::module_& m) {
  using noise::CipherState;
  using noise::HandshakeState;
  py::class_<CipherState>(m, "NoiseCipherState")
      .def(
          "encrypt",
          [](CipherState& c, const py::bytes& ad, const py::bytes& pt) {
            Bytes out;
            if (auto st = c.encrypt_with_ad(view_of(ad), view_of(pt), out); !st)
              throw DecodeError(st.error().what);
            return to_py(out);
          },
          py::arg("ad"), py::arg("plaintext"))
      .def(
          "decrypt",
          [](CipherState& c, const py::bytes& ad, const py::bytes& ct) {
            Bytes out;
            if (auto st = c.decrypt_with_ad(view_of(ad), view_of(ct), out); !st)
              throw DecodeError(st.error().what);
            return to_py(out);
          },
          py::arg("ad"), py::arg("ciphertext"))
      .def_property("nonce", &CipherState::nonce, &CipherState::set_nonce);

  py::class_<HandshakeState>(m, "NoiseHandshakeState")
      .def(py::init([](bool initiator, const py::bytes& static_key,
                       std::optional<py::bytes> ephemeral_key, const py::bytes& prologue) {
             return HandshakeState(
                 initiator, view_of(prologue),
                 noise::SecretKey(fixed<noise::kKeyLen>(static_key, "static_key")),
                 secret_or_none(ephemeral_key, "ephemeral_key"));
           }),
           py::arg("initiator"), py::arg("static_key"), py::arg("ephemeral_key") = py::none(),
           py::arg("prologue") = py::bytes())
      .def(
          "write_message",
          [](HandshakeState& h, const py::bytes& payload) {
            return to_py(value_or_raise(h.write_message(view_of(payload))));
          },
          py::arg("payload") = py::bytes())
      .def(
          "read_message",
          [](HandshakeState& h, const py::bytes& msg) {
            return to_py(value_or_raise(h.read_message(view_of(msg))));
          },
          py::arg("message"))
      .def_property_readonly("complete", &HandshakeState::complete)
      .def_property_readonly("handshake_hash",
                             [](const HandshakeState& h) { return to_py(h.handshake_hash()); })
      .def_property_readonly("remote_static",
                             [](const HandshakeState& h) { return to_py(h.remote_static()); })
      .def("split", [](const HandshakeState& h) {
        if (!h.complete()) throw DecodeError("noise: split before the handshake completed");
        return h.split();
      });

  m.def(
      "noise_peer_id",
      [](const py::bytes& key) { return to_py(noise::peer_id_of(fixed<32>(key, "public key"))); },
      py::arg("ed25519_public_key"));
  m.def(
      "noise_decode_payload",
      [](const py::bytes& data) {
        auto p = value_or_raise(noise::decode_payload(view_of(data)));
        py::object ext = py::none();
        if (p.extensions) {
          py::list hashes;
          for (const auto& h : p.extensions->webtransport_certhashes) hashes.append(to_py(h));
          ext = py::make_tuple(hashes, p.extensions->stream_muxers,
                               to_py(p.extensions->network_certificate));
        }
        return py::make_tuple(to_py(p.identity_key), to_py(p.identity_sig), ext);
      },
      py::arg("data"));

  // The identity is a crypto Identity or, for tests that need a custom signer, a 32-byte seed.
  auto make_session =
      [](bool initiator, const py::object& identity, std::optional<py::bytes> expected_peer_id,
         const py::bytes& prologue, std::optional<py::bytes> static_key,
         std::optional<py::bytes> ephemeral_key, std::vector<std::string> stream_muxers,
         std::optional<py::function> sign, std::optional<py::bytes> network_key,
         const py::bytes& network_certificate, std::uint64_t now_unix_s) {
        noise::SessionConfig c;
        c.initiator = initiator;
        if (py::isinstance<crypto::Identity>(identity)) {
          if (sign) throw py::value_error("sign= needs a seed, not an Identity");
          c.identity = noise::local_identity_of(identity.cast<crypto::IdentityPtr>());
        } else if (py::isinstance<py::bytes>(identity)) {
          c.identity = identity_from_seed(identity.cast<py::bytes>(), std::move(sign));
        } else {
          throw py::type_error("identity must be an Identity or a 32-byte seed");
        }
        if (expected_peer_id) c.expected_peer_id = to_bytes(view_of(*expected_peer_id));
        c.prologue = to_bytes(view_of(prologue));
        c.static_key = secret_or_none(static_key, "static_key");
        c.ephemeral_key = secret_or_none(ephemeral_key, "ephemeral_key");
        c.extensions.stream_muxers = std::move(stream_muxers);
        c.extensions.network_certificate = to_bytes(view_of(network_certificate));
        if (network_key)
          c.network_key = fixed<noise::kEd25519PublicKeyBytes>(*network_key, "network_key");
        c.now_unix_s = now_unix_s;
        return std::make_unique<noise::Session>(std::move(c));
      };
  py::class_<noise::Session>(m, "NoiseSession")
      .def(py::init(make_session), py::arg("initiator"), py::arg("identity"), py::kw_only(),
           py::arg("expected_peer_id") = py::none(), py::arg("prologue") = py::bytes(),
           py::arg("static_key") = py::none(), py::arg("ephemeral_key") = py::none(),
           py::arg("stream_muxers") = std::vector<std::string>{}, py::arg("sign") = py::none(),
           py::arg("network_key") = py::none(), py::arg("network_certificate") = py::bytes(),
           py::arg("now_unix_s") = 0)
      // One step: feed received bytes, get (bytes to send, events). Events are
      // ("complete", peer_id, remote_identity_key, remote_stream_muxers) or ("failed", reason).
      .def(
          "feed",
          [](noise::Session& s, const py::bytes& data) {
            s.receive(view_of(data));
            py::list events;
            while (auto ev = s.poll_event()) events.append(noise_event(*ev));
            return py::make_tuple(to_py(s.take_output()), events);
          },
          py::arg("data"))
      .def("take_output", [](noise::Session& s) { return to_py(s.take_output()); })
      .def(
          "send",
          [](noise::Session& s, const py::bytes& pt) {
            if (auto st = s.send(view_of(pt)); !st) throw DecodeError(st.error().what);
            return to_py(s.take_output());
          },
          py::arg("plaintext"))
      .def("take_plaintext", [](noise::Session& s) { return to_py(s.take_plaintext()); })
      .def_property_readonly("established", &noise::Session::established)
      .def_property_readonly("failed", &noise::Session::failed)
      .def_property_readonly("receive_buffer_bytes", &noise::Session::receive_buffer_bytes)
      .def_property_readonly("handshake_hash",
                             [](const noise::Session& s) { return to_py(s.handshake_hash()); });
}

void raise_if(const Status& st) {
  if (!st) throw DecodeError(st.error().what);
}

py::tuple yamux_event(const yamux::Event& ev) {
  return std::visit(
      [](const auto& e) -> py::tuple {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, yamux::StreamOpened>)
          return py::make_tuple("opened", e.stream_id);
        if constexpr (std::is_same_v<T, yamux::Data>)
          return py::make_tuple("data", e.stream_id, to_py(e.data));
        if constexpr (std::is_same_v<T, yamux::StreamClosed>)
          return py::make_tuple("closed", e.stream_id);
        if constexpr (std::is_same_v<T, yamux::StreamReset>)
          return py::make_tuple("reset", e.stream_id);
        if constexpr (std::is_same_v<T, yamux::GoAway>) return py::make_tuple("go_away", e.code);
        if constexpr (std::is_same_v<T, yamux::Ping>) return py::make_tuple("ping", e.opaque);
        if constexpr (std::is_same_v<T, yamux::Pong>) return py::make_tuple("pong", e.opaque);
        if constexpr (std::is_same_v<T, yamux::ProtocolError>)
          return py::make_tuple("protocol_error", e.reason);
      },
      ev);
}

void bind_yamux(py::module_& m) {
  using yamux::Session;
  py::class_<Session>(m, "YamuxSession")
      .def(py::init([](std::string_view role, std::size_t max_streams, std::uint32_t receive_window,
                       std::uint32_t max_frame_data, std::size_t max_send_buffer) {
             if (role != "client" && role != "server")
               throw py::value_error("role must be 'client' or 'server'");
             return Session(role == "client" ? yamux::Role::kClient : yamux::Role::kServer,
                            {max_streams, receive_window, max_frame_data, max_send_buffer});
           }),
           py::arg("role"), py::arg("max_streams") = 256,
           py::arg("receive_window") = yamux::kInitialWindow, py::arg("max_frame_data") = 64 * 1024,
           py::arg("max_send_buffer") = 1024 * 1024)
      // One step: feed received bytes, get (bytes to send, events). Events: ("opened", id),
      // ("data", id, bytes), ("closed", id), ("reset", id), ("go_away", code),
      // ("ping", opaque), ("pong", opaque), ("protocol_error", reason).
      .def(
          "feed",
          [](Session& s, const py::bytes& data) {
            s.receive(view_of(data));
            py::list events;
            while (auto ev = s.poll_event()) events.append(yamux_event(*ev));
            return py::make_tuple(to_py(s.take_output()), events);
          },
          py::arg("data"))
      .def("take_output", [](Session& s) { return to_py(s.take_output()); })
      .def("open_stream", [](Session& s) { return value_or_raise(s.open_stream()); })
      .def(
          "send",
          [](Session& s, std::uint32_t id, const py::bytes& d) {
            raise_if(s.send(id, view_of(d)));
          },
          py::arg("stream_id"), py::arg("data"))
      .def(
          "close", [](Session& s, std::uint32_t id) { raise_if(s.close(id)); },
          py::arg("stream_id"))
      .def(
          "reset", [](Session& s, std::uint32_t id) { raise_if(s.reset(id)); },
          py::arg("stream_id"))
      .def(
          "consume",
          [](Session& s, std::uint32_t id, std::uint32_t n) { raise_if(s.consume(id, n)); },
          py::arg("stream_id"), py::arg("n"))
      .def("ping", &Session::ping)
      .def(
          "go_away",
          [](Session& s, std::uint32_t code) { s.go_away(static_cast<yamux::GoAwayCode>(code)); },
          py::arg("code") = 0)
      .def_property_readonly("failed", &Session::failed)
      .def_property_readonly("stream_count", &Session::stream_count)
      .def_property_readonly("receive_buffer_bytes", &Session::receive_buffer_bytes)
      .def_property_readonly("counters", [](const Session& s) {
        const auto& c = s.counters();
        py::dict d;
        d["streams_refused_limit"] = c.streams_refused_limit;
        d["streams_refused_go_away"] = c.streams_refused_go_away;
        d["frames_for_unknown_streams"] = c.frames_for_unknown_streams;
        d["unsolicited_pongs"] = c.unsolicited_pongs;
        return d;
      });
  m.def(
      "yamux_encode_header",
      [](std::uint8_t type, std::uint16_t fl, std::uint32_t id, std::uint32_t length) {
        if (type > 3) throw py::value_error("type must be 0..3");
        Bytes out;
        yamux::encode_header({static_cast<yamux::FrameType>(type), fl, id, length}, out);
        return to_py(out);
      },
      py::arg("type"), py::arg("flags"), py::arg("stream_id"), py::arg("length"));
}

}  // namespace

void bind_net(py::module_& m) {
  bind_multiaddr(m);
  bind_multistream(m);
  bind_noise(m);
  bind_yamux(m);
  bind_peer(m);
}

}  // namespace p2pgossip::bindings
