// The host layer for Python: its sans-I/O Connection machine for tests, and the adversary
// Role (p2pgossip.adversary builds them).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fields.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/host/adversary.hpp"
#include "p2pgossip/host/connection.hpp"

namespace p2pgossip::bindings {

namespace {

using host::Connection;

py::object drop_or_none(std::optional<host::Drop> d) {
  if (!d) return py::none();
  return py::str(std::string(host::drop_name(*d)));
}

py::object rtt_or_none(std::optional<Duration> rtt) {
  if (!rtt) return py::none();
  return py::int_(rtt->count());
}

// Events as tuples: ("secured", peer_id), ("up",), ("pubsub_stream", protocol id),
// ("rpc", stream, bytes), ("identify", bytes), ("identify_sent", n), ("pings_echoed", n),
// ("ping", rtt_ns or None), ("stream_refused", drop), ("request", stream, protocol, bytes),
// ("response", token, bytes), ("request_failed", token, error), ("closed", reason, drop or
// None).
py::tuple event_tuple(const host::ConnectionEvent& ev) {
  return std::visit(
      [](const auto& e) -> py::tuple {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, host::Secured>)
          return py::make_tuple("secured", to_py(e.peer_id));
        if constexpr (std::is_same_v<T, host::Up>) return py::make_tuple("up");
        if constexpr (std::is_same_v<T, host::PubsubStream>)
          return py::make_tuple("pubsub_stream", std::string(protocol_id(e.protocol)));
        if constexpr (std::is_same_v<T, host::RpcReceived>)
          return py::make_tuple("rpc", e.stream, to_py(e.rpc));
        if constexpr (std::is_same_v<T, host::IdentifyReceived>)
          return py::make_tuple("identify", to_py(e.stream));
        if constexpr (std::is_same_v<T, host::IdentifySent>)
          return py::make_tuple("identify_sent", e.bytes);
        if constexpr (std::is_same_v<T, host::PingsEchoed>)
          return py::make_tuple("pings_echoed", e.count);
        if constexpr (std::is_same_v<T, host::PingResult>)
          return py::make_tuple("ping", rtt_or_none(e.rtt));
        if constexpr (std::is_same_v<T, host::StreamRefused>)
          return py::make_tuple("stream_refused", drop_or_none(e.drop));
        if constexpr (std::is_same_v<T, host::RequestReceived>)
          return py::make_tuple("request", e.stream, e.protocol, to_py(e.request));
        if constexpr (std::is_same_v<T, host::ResponseReceived>)
          return py::make_tuple("response", e.request, to_py(e.response));
        if constexpr (std::is_same_v<T, host::RequestFailed>)
          return py::make_tuple("request_failed", e.request,
                                std::string(host::request_error_name(e.error)));
        if constexpr (std::is_same_v<T, host::Closed>)
          return py::make_tuple("closed", e.reason, drop_or_none(e.drop));
      },
      ev);
}

std::unique_ptr<Connection> make_connection(
    bool dialer, crypto::IdentityPtr identity, std::optional<py::bytes> expected_peer_id,
    std::vector<std::string> pubsub_protocols, const py::bytes& identify_message,
    std::size_t max_streams, std::size_t max_rpc_size, std::size_t max_unsent_output,
    double ping_timeout_s, double stream_negotiation_timeout_s,
    std::optional<py::bytes> network_key, const py::bytes& network_certificate,
    std::uint64_t now_unix_s, std::vector<std::string> request_protocols,
    std::size_t max_request_size, double request_timeout_s) {
  host::ConnectionConfig c;
  c.dialer = dialer;
  c.noise.identity = net::noise::local_identity_of(std::move(identity));
  c.noise.extensions.network_certificate = to_bytes(view_of(network_certificate));
  if (network_key)
    c.noise.network_key = fixed<net::noise::kEd25519PublicKeyBytes>(*network_key, "network_key");
  c.noise.now_unix_s = now_unix_s;
  if (expected_peer_id) c.expected_peer_id = to_bytes(view_of(*expected_peer_id));
  c.pubsub_protocols = std::move(pubsub_protocols);
  c.identify_message = [msg = to_bytes(view_of(identify_message))] { return msg; };
  c.max_streams = max_streams;
  c.max_rpc_size = max_rpc_size;
  c.max_unsent_output = max_unsent_output;
  c.ping_timeout =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(ping_timeout_s));
  c.stream_negotiation_timeout = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(stream_negotiation_timeout_s));
  c.request_protocols = [p = std::move(request_protocols)] { return p; };
  c.max_request_size = max_request_size;
  c.request_timeout =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(request_timeout_s));
  return std::make_unique<Connection>(std::move(c));
}

void bind_role(py::module_& m) {
  using R = host::Role;
  Fields<R>(m, "Role", "An adversary's behaviours (host/adversary.hpp); durations in seconds.")
      .value("name", &R::name)
      .duration("start", &R::start)
      .value("spam_rate", &R::spam_rate)
      .value("spam_topic", &R::spam_topic)
      .value("invalid_signatures", &R::invalid_signatures)
      .value("invalid_payloads", &R::invalid_payloads)
      .value("censor", &R::censor)
      .property(
          "censored_origins",
          [](const R& r) {
            py::list l;
            for (const Bytes& b : r.censored_origins) l.append(to_py(b));
            return l;
          },
          [](R& r, const std::vector<py::bytes>& l) {
            r.censored_origins.clear();
            for (const py::bytes& b : l) r.censored_origins.push_back(to_bytes(view_of(b)));
          })
      .value("censor_fraction", &R::censor_fraction)
      .value("graft_spam", &R::graft_spam)
      .value("graft_eagerly", &R::graft_eagerly)
      .value("ihave_spam_ids", &R::ihave_spam_ids)
      .duration("replay_after", &R::replay_after)
      .duration("forward_delay", &R::forward_delay)
      .finish()
      .def_property_readonly("honest", &R::honest);
}

}  // namespace

void bind_host(py::module_& m) {
  bind_role(m);
  const host::ConnectionConfig d;
  // Times are integer nanoseconds of the caller's clock (a virtual one in tests).
  py::class_<Connection>(m, "Connection")
      .def(py::init(&make_connection), py::arg("dialer"), py::arg("identity"), py::kw_only(),
           py::arg("expected_peer_id") = py::none(),
           py::arg("pubsub_protocols") = std::vector<std::string>{std::string(protocol::kMeshsub12),
                                                                  std::string(protocol::kMeshsub11),
                                                                  std::string(protocol::kFloodsub)},
           py::arg("identify_message") = py::bytes(), py::arg("max_streams") = d.max_streams,
           py::arg("max_rpc_size") = d.max_rpc_size,
           py::arg("max_unsent_output") = d.max_unsent_output,
           py::arg("ping_timeout_s") = std::chrono::duration<double>(d.ping_timeout).count(),
           py::arg("stream_negotiation_timeout_s") =
               std::chrono::duration<double>(d.stream_negotiation_timeout).count(),
           py::arg("network_key") = py::none(), py::arg("network_certificate") = py::bytes(),
           py::arg("now_unix_s") = 0, py::arg("request_protocols") = std::vector<std::string>{},
           py::arg("max_request_size") = d.max_request_size,
           py::arg("request_timeout_s") = std::chrono::duration<double>(d.request_timeout).count())
      .def(
          "handle_bytes",
          [](Connection& c, std::int64_t now_ns, const py::bytes& data) {
            c.handle_bytes(Instant(now_ns), view_of(data));
          },
          py::arg("now_ns"), py::arg("data"))
      .def(
          "handle_timeout",
          [](Connection& c, std::int64_t now_ns) { c.handle_timeout(Instant(now_ns)); },
          py::arg("now_ns"))
      .def(
          "ping",
          [](Connection& c, const py::bytes& payload, std::int64_t now_ns) {
            c.ping(fixed<net::ping::kPayloadBytes>(payload, "payload"), Instant(now_ns));
          },
          py::arg("payload"), py::arg("now_ns"))
      .def("pubsub_writable", &Connection::pubsub_writable, py::arg("in_flight") = 0)
      .def(
          "send_rpc_frame",
          [](Connection& c, const py::bytes& rpc) { return c.send_rpc_frame(view_of(rpc)); },
          py::arg("rpc"))
      .def("reject_rpc", &Connection::reject_rpc, py::arg("stream"))
      .def(
          "request",
          [](Connection& c, std::uint64_t token, const std::string& protocol, const py::bytes& data,
             std::size_t max_response, std::int64_t deadline_ns, std::int64_t now_ns) {
            c.request(token, protocol, view_of(data), max_response, Instant(deadline_ns),
                      Instant(now_ns));
          },
          py::arg("token"), py::arg("protocol"), py::arg("data"), py::arg("max_response"),
          py::arg("deadline_ns"), py::arg("now_ns"))
      .def(
          "respond",
          [](Connection& c, std::uint32_t stream, const py::bytes& data, std::int64_t now_ns) {
            c.respond(stream, view_of(data), Instant(now_ns));
          },
          py::arg("stream"), py::arg("data"), py::arg("now_ns"))
      .def(
          "refuse",
          [](Connection& c, std::uint32_t stream, std::int64_t now_ns) {
            c.refuse(stream, Instant(now_ns));
          },
          py::arg("stream"), py::arg("now_ns"))
      .def("close", &Connection::close)
      .def("take_output",
           [](Connection& c) {
             Bytes out;
             c.poll_transmit(out);
             return to_py(out);
           })
      .def("poll_events",
           [](Connection& c) {
             py::list events;
             while (auto ev = c.poll_event()) events.append(event_tuple(*ev));
             return events;
           })
      .def_property_readonly("next_deadline_ns",
                             [](const Connection& c) -> std::optional<std::int64_t> {
                               auto due = c.next_deadline();
                               if (!due) return std::nullopt;
                               return due->count();
                             })
      .def_property_readonly("up", &Connection::up)
      .def_property_readonly("closed", &Connection::closed)
      .def_property_readonly("peer_id", [](const Connection& c) { return to_py(c.peer_id()); })
      .def_property_readonly("pubsub_protocol",
                             [](const Connection& c) -> std::optional<std::string> {
                               auto p = c.pubsub_protocol();
                               if (!p) return std::nullopt;
                               return std::string(protocol_id(*p));
                             });
}

}  // namespace p2pgossip::bindings
