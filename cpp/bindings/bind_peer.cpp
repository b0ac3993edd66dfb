// Python bindings of the peer-level net pieces: identify, ping, private-network
// certificates, signed peer records and the peer manager. Times are seconds (float) on the Python
// side.
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>

#include "fields.hpp"
#include "net_bindings.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/signed_envelope.hpp"
#include "p2pgossip/net/identify.hpp"
#include "p2pgossip/net/network_cert.hpp"
#include "p2pgossip/net/peer_manager.hpp"
#include "p2pgossip/net/peer_record.hpp"
#include "p2pgossip/net/ping.hpp"
#include "peer_manager_fields.hpp"

namespace p2pgossip::bindings {

namespace {

Duration seconds(double s) {
  if (!std::isfinite(s)) throw py::value_error("time must be finite");
  return Duration(static_cast<Duration::rep>(std::llround(s * 1e9)));
}

crypto::Ed25519PublicKey key32(const py::bytes& b, const char* what) {
  ByteView v = view_of(b);
  if (v.size() != crypto::kEd25519PublicKeySize)
    throw py::value_error(std::string(what) + " must be 32 bytes");
  crypto::Ed25519PublicKey out{};
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// --- identify ------------------------------------------------------------------------------

template <class T>
std::optional<T> opt_item(const py::dict& d, const char* key) {
  if (!d.contains(key) || d[key].is_none()) return std::nullopt;
  return d[key].cast<T>();
}

std::optional<Bytes> opt_bytes(const py::dict& d, const char* key) {
  auto b = opt_item<py::bytes>(d, key);
  if (!b) return std::nullopt;
  return to_bytes(view_of(*b));
}

net::identify::Identify identify_from_dict(const py::dict& d) {
  static const char* kKeys[] = {"protocol_version",  "agent_version", "public_key",
                                "listen_addrs",      "observed_addr", "protocols",
                                "signed_peer_record"};
  for (auto item : d) {
    auto key = item.first.cast<std::string>();
    if (std::none_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }))
      throw py::type_error("unknown Identify field '" + key + "'");
  }
  net::identify::Identify m;
  m.protocol_version = opt_item<std::string>(d, "protocol_version");
  m.agent_version = opt_item<std::string>(d, "agent_version");
  m.public_key = opt_bytes(d, "public_key");
  m.observed_addr = opt_bytes(d, "observed_addr");
  m.signed_peer_record = opt_bytes(d, "signed_peer_record");
  if (d.contains("listen_addrs"))
    for (auto a : d["listen_addrs"])
      m.listen_addrs.push_back(to_bytes(view_of(a.cast<py::bytes>())));
  if (d.contains("protocols")) m.protocols = d["protocols"].cast<std::vector<std::string>>();
  return m;
}

py::dict identify_to_dict(const net::identify::Identify& m) {
  auto opt = [](const std::optional<Bytes>& b) -> py::object {
    return b ? py::object(to_py(*b)) : py::none();
  };
  py::dict d;
  d["protocol_version"] = m.protocol_version;
  d["agent_version"] = m.agent_version;
  d["public_key"] = opt(m.public_key);
  py::list addrs;
  for (const auto& a : m.listen_addrs) addrs.append(to_py(a));
  d["listen_addrs"] = addrs;
  d["observed_addr"] = opt(m.observed_addr);
  d["protocols"] = m.protocols;
  d["signed_peer_record"] = opt(m.signed_peer_record);
  return d;
}

net::identify::Limits identify_limits(const py::kwargs& kw) {
  net::identify::Limits l;
  std::pair<const char*, std::size_t*> fields[] = {
      {"max_message_bytes", &l.max_message_bytes},
      {"max_messages", &l.max_messages},
      {"max_listen_addrs", &l.max_listen_addrs},
      {"max_protocols", &l.max_protocols},
      {"max_string_bytes", &l.max_string_bytes},
      {"max_public_key_bytes", &l.max_public_key_bytes},
      {"max_signed_peer_record_bytes", &l.max_signed_peer_record_bytes},
  };
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    auto f = std::find_if(std::begin(fields), std::end(fields),
                          [&](const auto& x) { return key == x.first; });
    if (f == std::end(fields)) throw py::type_error("unknown identify limit '" + key + "'");
    *f->second = item.second.cast<std::size_t>();
  }
  return l;
}

void bind_identify(py::module_& m) {
  namespace id = net::identify;
  m.attr("IDENTIFY_PROTOCOL_ID") = std::string(id::kProtocolId);
  m.def(
      "encode_identify",
      [](const py::dict& d, bool delimited) {
        auto msg = identify_from_dict(d);
        return to_py(delimited ? id::encode_delimited(msg) : id::encode(msg));
      },
      py::arg("message"), py::kw_only(), py::arg("delimited") = false);
  m.def(
      "decode_identify",
      [](const py::bytes& data, bool stream, const py::kwargs& limits) {
        auto l = identify_limits(limits);
        auto r = stream ? id::decode_stream(view_of(data), l) : id::decode(view_of(data), l);
        return identify_to_dict(value_or_raise(std::move(r)));
      },
      py::arg("data"), py::kw_only(), py::arg("stream") = false);
  m.def(
      "identify_dialable_listen_addrs",
      [](const py::dict& d) {
        std::size_t skipped = 0;
        auto addrs = id::dialable_listen_addrs(identify_from_dict(d), &skipped);
        return py::make_tuple(addrs, skipped);
      },
      py::arg("message"));
}

// --- ping ----------------------------------------------------------------------------------

py::list ping_events(net::ping::Pinger& p) {
  py::list events;
  while (auto ev = p.poll_event()) {
    if (auto* pong = std::get_if<net::ping::Pong>(&*ev))
      events.append(py::make_tuple("pong", to_seconds(pong->rtt)));
    else if (std::holds_alternative<net::ping::Timeout>(*ev))
      events.append(py::make_tuple("timeout"));
    else
      events.append(py::make_tuple("mismatch"));
  }
  return events;
}

void bind_ping(py::module_& m) {
  using net::ping::Echo;
  using net::ping::Pinger;
  m.attr("PING_PROTOCOL_ID") = std::string(net::ping::kProtocolId);
  py::class_<Pinger>(m, "Pinger", "The dialer's side of /ipfs/ping/1.0.0; `now` in seconds.")
      .def(py::init([](double timeout) { return Pinger(seconds(timeout)); }),
           py::arg("timeout") = 20.0)
      .def(
          "ping",
          [](Pinger& p, const py::bytes& random, double now) {
            ByteView v = view_of(random);
            if (v.size() != net::ping::kPayloadBytes)
              throw py::value_error("ping payload must be 32 bytes");
            net::ping::Payload payload{};
            std::memcpy(payload.data(), v.data(), payload.size());
            if (auto st = p.ping(payload, Instant(seconds(now))); !st)
              throw DecodeError(st.error().what);
            return to_py(p.take_output());
          },
          py::arg("random"), py::arg("now"))
      // Events: ("pong", rtt_seconds), ("timeout",), ("mismatch",).
      .def(
          "feed",
          [](Pinger& p, const py::bytes& data, double now) {
            p.receive(view_of(data), Instant(seconds(now)));
            return ping_events(p);
          },
          py::arg("data"), py::arg("now"))
      .def(
          "tick",
          [](Pinger& p, double now) {
            p.tick(Instant(seconds(now)));
            return ping_events(p);
          },
          py::arg("now"))
      .def_property_readonly("next_deadline",
                             [](const Pinger& p) -> std::optional<double> {
                               auto d = p.next_deadline();
                               if (!d) return std::nullopt;
                               return to_seconds(*d);
                             })
      .def_property_readonly("outstanding", &Pinger::outstanding)
      .def_property_readonly("failed", &Pinger::failed);
  py::class_<Echo>(m, "PingEcho", "The listener's side of /ipfs/ping/1.0.0.")
      .def(py::init<>())
      .def(
          "feed",
          [](Echo& e, const py::bytes& data) {
            e.receive(view_of(data));
            return to_py(e.take_output());
          },
          py::arg("data"))
      .def_property_readonly("pings_echoed", &Echo::pings_echoed);
}

// --- private-network certificates ----------------------------------------------------------

void bind_network_cert(py::module_& m) {
  m.def(
      "issue_certificate",
      [](const crypto::Identity& network, const py::bytes& peer_public_key,
         std::optional<std::uint64_t> expiry) {
        return to_py(
            net::issue_certificate(network, key32(peer_public_key, "peer_public_key"), expiry));
      },
      py::arg("network"), py::arg("peer_public_key"), py::arg("expiry") = py::none());
  m.def(
      "verify_certificate",
      [](const py::bytes& network_public_key, const py::bytes& peer_public_key,
         const py::bytes& certificate, std::uint64_t now) {
        auto st = net::verify_certificate(key32(network_public_key, "network_public_key"),
                                          key32(peer_public_key, "peer_public_key"),
                                          view_of(certificate), now);
        if (!st) throw DecodeError(st.error().what);
      },
      py::arg("network_public_key"), py::arg("peer_public_key"), py::arg("certificate"),
      py::arg("now"));
  m.def(
      "decode_certificate",
      [](const py::bytes& data) {
        auto c = value_or_raise(net::decode_certificate(view_of(data)));
        py::dict d;
        d["peer_public_key"] = to_py(c.peer_public_key);
        d["expiry"] = c.expiry_unix_s;
        d["signature"] = to_py(c.signature);
        return d;
      },
      py::arg("data"));
}

// --- signed envelopes and peer records ----------------------------------------------------

void bind_peer_record(py::module_& m) {
  using net::PeerRecord;
  m.attr("PEER_RECORD_DOMAIN") = std::string(net::kPeerRecordDomain);
  m.attr("PEER_RECORD_PAYLOAD_TYPE") = to_py(net::kPeerRecordPayloadType);
  m.def(
      "seal_envelope",
      [](const crypto::Identity& signer, std::string_view domain, const py::bytes& payload_type,
         const py::bytes& payload) {
        return to_py(crypto::encode_envelope(
            crypto::seal_envelope(signer, domain, view_of(payload_type), view_of(payload))));
      },
      py::arg("identity"), py::arg("domain"), py::arg("payload_type"), py::arg("payload"),
      "An encoded signed envelope (RFC 0002) of `payload` for `domain`.");
  m.def(
      "decode_envelope",
      [](const py::bytes& data) {
        auto e = value_or_raise(crypto::decode_envelope(view_of(data)));
        py::dict d;
        d["public_key"] = to_py(e.public_key);
        d["payload_type"] = to_py(e.payload_type);
        d["payload"] = to_py(e.payload);
        d["signature"] = to_py(e.signature);
        return d;
      },
      py::arg("data"), "The fields of an encoded envelope; the signature is not checked.");
  py::class_<PeerRecord>(m, "PeerRecord", "A peer's addresses (RFC 0003), signed in an envelope.")
      .def(py::init([](const crypto::PeerId& peer_id, std::uint64_t seq,
                       std::vector<net::Multiaddr> addrs) {
             return PeerRecord{peer_id, seq, std::move(addrs)};
           }),
           py::arg("peer_id"), py::arg("seq"), py::arg("addrs") = std::vector<net::Multiaddr>{})
      .def_readonly("peer_id", &PeerRecord::peer_id)
      .def_readonly("seq", &PeerRecord::seq)
      .def_readonly("addrs", &PeerRecord::addrs)
      .def("encode", [](const PeerRecord& r) { return to_py(net::encode_peer_record(r)); })
      .def_static(
          "decode",
          [](const py::bytes& data) {
            return value_or_raise(net::decode_peer_record(view_of(data)));
          },
          py::arg("data"), "The envelope's payload alone; unparsable addresses are skipped.")
      .def(
          "seal",
          [](const PeerRecord& r, const crypto::Identity& identity) {
            if (identity.peer_id() != r.peer_id)
              throw py::value_error("seal: the identity is not the record's peer");
            return to_py(net::SignedPeerRecord::seal(identity, r.seq, r.addrs).envelope());
          },
          py::arg("identity"), "The encoded envelope of this record signed by its peer.")
      .def_static(
          "open",
          [](const py::bytes& envelope) {
            return value_or_raise(net::SignedPeerRecord::open(view_of(envelope))).record();
          },
          py::arg("envelope"),
          "The record of a verified envelope; DecodeError names the rule it broke.")
      .def("__eq__", [](const PeerRecord& a, const PeerRecord& b) { return a == b; })
      .def("__repr__", [](const PeerRecord& r) {
        std::string addrs;
        for (const auto& a : r.addrs) addrs += (addrs.empty() ? "'" : ", '") + a.to_string() + "'";
        return "PeerRecord(peer_id=" + r.peer_id.to_string() + ", seq=" + std::to_string(r.seq) +
               ", addrs=[" + addrs + "])";
      });
}

// --- peer manager --------------------------------------------------------------------------

py::tuple action_tuple(const net::PeerAction& a) {
  return std::visit(
      [](const auto& x) -> py::tuple {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, net::Dial>)
          return py::make_tuple("dial", x.connection, x.addr);
        else if constexpr (std::is_same_v<T, net::Disconnect>)
          return py::make_tuple("disconnect", x.connection, x.peer, close_reason_text(x.reason));
        else if constexpr (std::is_same_v<T, net::Ping>)
          return py::make_tuple("ping", x.connection, x.peer);
        else
          return py::make_tuple("peer_up", x.connection, x.peer);
      },
      a);
}

net::AddrSource addr_source(std::string_view s) {
  if (s == "px") return net::AddrSource::kPx;
  if (s == "identify") return net::AddrSource::kIdentify;
  if (s == "known_peers") return net::AddrSource::kKnownPeers;
  if (s == "mdns") return net::AddrSource::kMdns;
  if (s == "dht") return net::AddrSource::kDht;
  throw py::value_error("source must be 'px', 'identify', 'known_peers', 'mdns' or 'dht'");
}

void bind_peer_manager(py::module_& m) {
  using net::PeerManager;
  auto at = [](double now) { return Instant(seconds(now)); };
  using PMC = net::PeerManagerConfig;
  Fields<PMC> config(m, "PeerManagerConfig",
                     "The peer manager's limits, liveness and backoff; durations in seconds.",
                     "PeerManager option");
  peer_manager_fields(config).value("seed", &PMC::seed).finish();

  py::class_<PeerManager> cls(m, "PeerManager",
                              "The sans-I/O peer manager; `now` and durations in seconds.");
  cls.attr("MAX_REASONS") = PeerManager::kMaxReasons;
  cls.def(py::init([](const crypto::PeerId& local, const py::kwargs& kw) {
            // The keywords are PeerManagerConfig's, checked by it.
            return PeerManager(
                local, py::type::of<net::PeerManagerConfig>()(**kw).cast<net::PeerManagerConfig>());
          }),
          py::arg("local"))
      .def(
          "add_bootstrap",
          [at](PeerManager& p, const net::Multiaddr& a, double now) {
            if (auto st = p.add_bootstrap(a, at(now)); !st) throw py::value_error(st.error().what);
          },
          py::arg("addr"), py::arg("now"))
      .def(
          "add_addresses",
          [at](PeerManager& p, const crypto::PeerId& peer, const std::vector<net::Multiaddr>& addrs,
               std::string_view source,
               double now) { return p.add_addresses(peer, addrs, addr_source(source), at(now)); },
          py::arg("peer"), py::arg("addrs"), py::arg("source") = "px", py::arg("now"))
      .def(
          "add_peer_record",
          [at](PeerManager& p, const py::bytes& envelope, std::string_view source, double now) {
            auto record = value_or_raise(net::SignedPeerRecord::open(view_of(envelope)));
            return p.add_peer_record(record, addr_source(source), at(now));
          },
          py::arg("envelope"), py::arg("source") = "px", py::arg("now"))
      .def(
          "peer_record",
          [](const PeerManager& p, const crypto::PeerId& peer) -> std::optional<py::bytes> {
            auto r = p.peer_record(peer);
            if (!r) return std::nullopt;
            return to_py(*r);
          },
          py::arg("peer"))
      .def("has_addresses", &PeerManager::has_addresses, py::arg("peer"))
      .def("forget", &PeerManager::forget, py::arg("peer"))
      .def("set_protected", &PeerManager::set_protected, py::arg("peer"), py::arg("on"))
      .def(
          "accept_inbound",
          [at](PeerManager& p, const net::Multiaddr& remote, double now) {
            return p.accept_inbound(remote, at(now));
          },
          py::arg("remote"), py::arg("now"))
      .def(
          "dial",
          [at](PeerManager& p, const net::Multiaddr& addr, double now) {
            auto id = p.dial(addr, at(now));
            if (!id) throw py::value_error(id.error().what);
            return *id;
          },
          py::arg("addr"), py::arg("now"),
          "An application's dial: its connection id; ValueError when a limit or a ban refuses it.")
      .def(
          "dial_succeeded",
          [at](PeerManager& p, net::ConnectionId id, double now) { p.dial_succeeded(id, at(now)); },
          py::arg("connection"), py::arg("now"))
      .def(
          "dial_failed",
          [at](PeerManager& p, net::ConnectionId id, std::string_view reason, double now) {
            p.dial_failed(id, reason, at(now));
          },
          py::arg("connection"), py::arg("reason"), py::arg("now"))
      .def(
          "peer_id_mismatch",
          [at](PeerManager& p, net::ConnectionId id, std::string_view reason, double now) {
            p.peer_id_mismatch(id, reason, at(now));
          },
          py::arg("connection"), py::arg("reason"), py::arg("now"))
      .def(
          "evict_pending_inbound",
          [at](PeerManager& p, double now) { return p.evict_pending_inbound(at(now)); },
          py::arg("now"))
      .def(
          "handshake_failed",
          [at](PeerManager& p, net::ConnectionId id, std::string_view reason, double now) {
            p.handshake_failed(id, reason, at(now));
          },
          py::arg("connection"), py::arg("reason"), py::arg("now"))
      .def(
          "connected",
          [at](PeerManager& p, net::ConnectionId id, const crypto::PeerId& peer, double now) {
            p.connected(id, peer, at(now));
          },
          py::arg("connection"), py::arg("peer"), py::arg("now"))
      .def(
          "disconnected",
          [at](PeerManager& p, net::ConnectionId id, std::string_view reason, double now) {
            p.disconnected(id, reason, at(now));
          },
          py::arg("connection"), py::arg("reason"), py::arg("now"))
      .def(
          "ping_result",
          [at](PeerManager& p, net::ConnectionId id, std::optional<double> rtt, double now) {
            std::optional<Duration> d;
            if (rtt) d = seconds(*rtt);
            p.ping_result(id, d, at(now));
          },
          py::arg("connection"), py::arg("rtt"), py::arg("now"))
      .def(
          "tick", [at](PeerManager& p, double now) { p.tick(at(now)); }, py::arg("now"))
      // Actions: ("dial", id, Multiaddr), ("disconnect", id, PeerId | None, reason),
      // ("ping", id, PeerId), ("peer_up", id, PeerId).
      .def("poll_actions",
           [](PeerManager& p) {
             py::list out;
             while (auto a = p.poll_action()) out.append(action_tuple(*a));
             return out;
           })
      .def_property_readonly("next_deadline",
                             [](const PeerManager& p) -> std::optional<double> {
                               auto d = p.next_deadline();
                               if (!d) return std::nullopt;
                               return to_seconds(*d);
                             })
      .def("export_known_peers", [](const PeerManager& p) { return to_py(p.export_known_peers()); })
      .def(
          "import_known_peers",
          [at](PeerManager& p, const py::bytes& data, double now) {
            return value_or_raise(p.import_known_peers(view_of(data), at(now)));
          },
          py::arg("data"), py::arg("now"))
      .def(
          "ban",
          [at](PeerManager& p, const py::handle& target, std::optional<double> until,
               const std::string& note, double now) {
            std::optional<Instant> u;
            if (until) u = at(*until);
            return p.ban(ban_target(target), u, net::BanReason::kManual, note, at(now));
          },
          py::arg("target"), py::arg("until") = py::none(), py::arg("note") = "", py::kw_only(),
          py::arg("now"), "Bans until `until` (seconds of the caller's clock; None: forever).")
      .def(
          "unban", [](PeerManager& p, const py::handle& t) { return p.unban(ban_target(t)); },
          py::arg("target"))
      .def(
          "bans",
          [at](PeerManager& p, double now) {
            py::list out;
            for (const net::Ban& b : p.bans(at(now))) {
              std::optional<double> until;
              if (b.until) until = to_seconds(*b.until);
              out.append(py::make_tuple(b.target.to_string(), until,
                                        std::string(net::ban_reason_name(b.reason)), b.note));
            }
            return out;
          },
          py::arg("now"), "(target, until or None, reason, note) per ban in force.")
      .def(
          "save_bans",
          [at](PeerManager& p, double now, std::int64_t now_unix) {
            return p.save_bans(at(now), now_unix);
          },
          py::arg("now"), py::arg("now_unix"))
      .def(
          "load_bans",
          [at](PeerManager& p, const std::string& text, double now, std::int64_t now_unix) {
            return value_or_raise(p.load_bans(text, at(now), now_unix));
          },
          py::arg("text"), py::arg("now"), py::arg("now_unix"))
      .def_property_readonly("counters",
                             [](const PeerManager& p) {
                               return peer_manager_counters(p.counters(), p.ban_counters());
                             })
      .def_property_readonly("inbound_count", &PeerManager::inbound_count)
      .def_property_readonly("outbound_count", &PeerManager::outbound_count)
      .def_property_readonly("pending_inbound_count", &PeerManager::pending_inbound_count)
      .def_property_readonly("candidate_count", &PeerManager::candidate_count)
      .def("connection_of", &PeerManager::connection_of, py::arg("peer"))
      .def(
          "last_rtt",
          [](const PeerManager& p, const crypto::PeerId& peer) -> std::optional<double> {
            auto d = p.last_rtt(peer);
            if (!d) return std::nullopt;
            return to_seconds(*d);
          },
          py::arg("peer"));
}

}  // namespace

void bind_peer(py::module_& m) {
  bind_identify(m);
  bind_ping(m);
  bind_network_cert(m);
  bind_peer_record(m);
  bind_peer_manager(m);
}

}  // namespace p2pgossip::bindings
