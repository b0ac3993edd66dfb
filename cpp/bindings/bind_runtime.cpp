// p2pgossip._core runtime bindings: the low-level Runtime (python/p2pgossip builds the
// asyncio Node and LocalNetwork on top). Events drain as a list of tuples, converted in one
// call under the GIL; every command releases the GIL while it enqueues.
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.hpp"
#include "fields.hpp"
#include "host_bindings.hpp"
#include "mdns_bindings.hpp"
#include "metrics_bindings.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/net/multiaddr.hpp"
#include "p2pgossip/runtime/runtime.hpp"
#include "peer_manager_fields.hpp"
#include "runtime_bindings.hpp"
#include "score_breakdown.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::runtime;

namespace {

std::vector<Bytes> peer_ids_of(const py::iterable& items) {
  std::vector<Bytes> out;
  for (auto h : items) out.push_back(peer_id_of(h));
  return out;
}

// The data of a message to publish: bytes or any buffer, copied (the GIL is released while
// it is signed).
Bytes publish_data_of(const py::handle& h) {
  if (PyBytes_Check(h.ptr())) return to_bytes(view_of(py::reinterpret_borrow<py::bytes>(h)));
  if (!PyObject_CheckBuffer(h.ptr())) throw py::type_error("data must be bytes-like");
  py::buffer_info b = py::reinterpret_borrow<py::buffer>(h).request();
  const auto* p = static_cast<const std::uint8_t*>(b.ptr);
  return Bytes(p, p + b.size * b.itemsize);
}

// A str argument's UTF-8, cached in the str (alive for the call): pybind11's string_view
// caster would also register the str for the call's life support, a set insertion per call.
std::string_view utf8_of(const py::str& s) {
  Py_ssize_t size = 0;
  const char* p = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (!p) throw py::error_already_set();
  return {p, static_cast<std::size_t>(size)};
}

// Runtime::publish_batch with the GIL released; its error as ValueError.
RequestId sign_and_queue(Runtime& r, NodeId node, std::string_view topic, std::span<Bytes> data,
                         std::span<MessageId> ids, bool notify, bool defer) {
  Result<RequestId> request = Error{};
  {
    py::gil_scoped_release release;
    request = r.publish_batch(node, topic, data, ids, notify, defer);
  }
  if (!request) throw py::value_error(request.error().what);
  return *request;
}

// A message id as Python's bytes.hex() spells it, built without the intermediate bytes.
py::str hex_str(const MessageId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const ByteView b = id.view();
  PyObject* s = PyUnicode_New(static_cast<Py_ssize_t>(2 * b.size()), 127);
  if (!s) throw py::error_already_set();
  auto* out = static_cast<char*>(PyUnicode_DATA(s));
  for (std::uint8_t c : b) {
    *out++ = kDigits[c >> 4];
    *out++ = kDigits[c & 15];
  }
  return py::reinterpret_steal<py::str>(s);
}

router::ValidationResult validation_of(const std::string& s) {
  if (s == "accept") return router::ValidationResult::kAccept;
  if (s == "reject") return router::ValidationResult::kReject;
  if (s == "ignore") return router::ValidationResult::kIgnore;
  throw py::value_error("result must be 'accept', 'reject' or 'ignore'");
}

const char* direction_name(Direction d) {
  return d == Direction::kInbound ? "inbound" : "outbound";
}

// Tuples keyed by a first element naming the kind; shapes documented in _core/runtime.pyi.
py::object event_to_py(Event& e) {
  return std::visit(
      [](auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Delivered>) {
          return py::make_tuple("delivered", x.node, message_to_py(x.message), to_py(x.id.view()),
                                to_py(x.received_from), x.received_at);
        } else if constexpr (std::is_same_v<T, PeerConnected>) {
          return py::make_tuple("peer_connected", x.node, to_py(x.peer_id), x.addr,
                                direction_name(x.direction));
        } else if constexpr (std::is_same_v<T, PeerDisconnected>) {
          return py::make_tuple("peer_disconnected", x.node, to_py(x.peer_id), x.addr,
                                direction_name(x.direction), x.reason);
        } else if constexpr (std::is_same_v<T, Listening>) {
          return py::make_tuple("listening", x.node, x.addrs);
        } else if constexpr (std::is_same_v<T, MeshChanged>) {
          return py::make_tuple("mesh", x.node, x.topic, to_py(x.peer_id), x.joined);
        } else if constexpr (std::is_same_v<T, CommandDone>) {
          return py::make_tuple("done", x.request, x.error ? py::cast(*x.error) : py::none());
        } else if constexpr (std::is_same_v<T, ValidationRequest>) {
          return py::make_tuple("validate", x.node, x.token, message_to_py(x.message),
                                to_py(x.id.view()), to_py(x.received_from));
        } else if constexpr (std::is_same_v<T, DeliveriesLogged>) {
          return py::make_tuple("logged");
        } else if constexpr (std::is_same_v<T, MailboxReady>) {
          return py::make_tuple("ready", x.node, x.token);
        } else if constexpr (std::is_same_v<T, InboundRequest>) {
          return py::make_tuple("request", x.node, x.token, to_py(x.peer_id), x.protocol,
                                to_py(x.data));
        } else if constexpr (std::is_same_v<T, LookupDone>) {
          auto listed = [](const LookupDone::Peers& ps) {
            py::list out;
            for (const auto& [id, addrs] : ps) out.append(py::make_tuple(to_py(id), addrs));
            return out;
          };
          return py::make_tuple("lookup", x.request, listed(x.peers), x.hops,
                                x.value ? py::object(to_py(*x.value)) : py::none(),
                                listed(x.providers), x.stored,
                                x.error ? py::cast(*x.error) : py::none());
        } else if constexpr (std::is_same_v<T, RecordCheck>) {
          return py::make_tuple("record_check", x.node, x.token, to_py(x.key), to_py(x.value));
        } else if constexpr (std::is_same_v<T, RecordSelect>) {
          py::list values;
          for (const Bytes& v : x.values) values.append(to_py(v));
          return py::make_tuple("record_select", x.node, x.token, to_py(x.key), values);
        } else if constexpr (std::is_same_v<T, Response>) {
          return py::make_tuple("response", x.request,
                                x.data ? py::object(to_py(*x.data)) : py::none(),
                                x.data ? py::none() : py::cast(x.error));
        } else {
          py::dict fields;
          for (auto& [k, v] : x.fields) fields[py::str(k)] = v;
          return py::make_tuple("log", static_cast<int>(x.level), x.node, x.message, fields);
        }
      },
      e);
}

py::dict metrics_to_py(const NodeMetrics& m) {
  py::dict out;
  py::dict router;
#define P2PGOSSIP_COUNTER(name) router[#name] = m.router.name;
  P2PGOSSIP_ROUTER_COUNTERS(P2PGOSSIP_COUNTER)
#undef P2PGOSSIP_COUNTER
  out["router"] = router;
  py::dict protocols;
  for (const auto& [name, s] : m.protocols) {
    py::dict d;
    d["messages_in"] = s.messages_in;
    d["bytes_in"] = s.bytes_in;
    d["messages_out"] = s.messages_out;
    d["bytes_out"] = s.bytes_out;
    protocols[py::str(name)] = d;
  }
  out["protocols"] = protocols;
  py::dict drops;
  for (std::size_t i = 0; i < kDropCount; ++i)
    drops[py::str(std::string(drop_name(static_cast<Drop>(i))))] = m.drops[i];
  out["drops"] = drops;
  out["tcp_bytes_in"] = m.tcp_bytes_in;
  out["tcp_bytes_out"] = m.tcp_bytes_out;
  out["connections_opened"] = m.connections_opened;
  out["connections_closed"] = m.connections_closed;
  out["reads_paused"] = m.reads_paused;
  out["outbound_queue_bytes"] = m.outbound_queue_bytes;
  out["outbound_queue_memory"] = m.outbound_queue_memory;
  out["peer_manager"] = peer_manager_counters(m.peer_manager, m.bans);
  out["mdns"] = mdns_counters(m.mdns);
  out["dht"] = dht_counters(m.dht, m.dht_table_size);
  py::list peers;
  for (const ConnectedPeer& p : m.peers)
    peers.append(
        py::make_tuple(to_py(p.peer_id), p.addr, direction_name(p.direction), p.protocol, p.score));
  out["peers"] = peers;
  out["mesh_sizes"] = m.mesh_sizes;
  out["topic_peers"] = m.topic_peers;
  py::dict meshes;
  for (const auto& [topic, ids] : m.meshes) {
    py::list l;
    for (const Bytes& id : ids) l.append(to_py(id));
    meshes[py::str(topic)] = l;
  }
  out["meshes"] = meshes;
  return out;
}

}  // namespace

void bind_runtime(py::module_& m) {
  Fields<Limits>(m, "NodeLimits", "Connection limits and protocol bounds of one node.")
      .count("max_connections", &Limits::max_connections)
      .count("peer_outbound_queue", &Limits::peer_outbound_queue)
      .count("peer_outbound_queue_bytes", &Limits::peer_outbound_queue_bytes)
      .count("node_outbound_queue_bytes", &Limits::node_outbound_queue_bytes)
      .count("max_pending_validations", &Limits::max_pending_validations)
      .count("max_streams_per_connection", &Limits::max_streams_per_connection)
      .count("socket_send_buffer", &Limits::socket_send_buffer)
      .count("max_request_size", &Limits::max_request_size)
      .duration("request_timeout", &Limits::request_timeout)
      .count("max_inbound_requests", &Limits::max_inbound_requests)
      .nested("decode", &Limits::decode)
      .finish();

  Fields<PeerConfig> peers(
      m, "PeerConfig",
      "Which peers a node dials and keeps (the peer manager's limits, liveness and backoff), "
      "bootstrap peers, the known-peers file and private-network admission.");
  peer_manager_fields(peers)
      .property(
          "bootstrap", [](const PeerConfig& c) { return c.bootstrap; },
          [](PeerConfig& c, std::vector<std::string> addrs) {
            for (const auto& a : addrs) {
              auto parsed = net::Multiaddr::parse(a);
              if (!parsed) throw py::value_error("bootstrap " + a + ": " + parsed.error().what);
              if (!parsed->peer_id())
                throw py::value_error("bootstrap " + a + ": needs /p2p/<peer id>");
            }
            c.bootstrap = std::move(addrs);
          })
      .duration("ping_timeout", &PeerConfig::ping_timeout)
      .duration("stream_negotiation_timeout", &PeerConfig::stream_negotiation_timeout)
      .duration("stalled_peer_prune_after", &PeerConfig::stalled_peer_prune_after)
      .duration("stalled_peer_close_after", &PeerConfig::stalled_peer_close_after)
      .value("known_peers_file", &PeerConfig::known_peers_file)
      .property(
          "network_key", [](const PeerConfig& c) { return to_py(c.network_key); },
          [](PeerConfig& c, const py::bytes& key) {
            Bytes k = to_bytes(view_of(key));
            if (!k.empty() && k.size() != crypto::kEd25519PublicKeySize)
              throw py::value_error("network_key must be a 32-byte Ed25519 public key");
            c.network_key = std::move(k);
          })
      .property(
          "network_certificate", [](const PeerConfig& c) { return to_py(c.network_certificate); },
          [](PeerConfig& c, const py::bytes& cert) {
            c.network_certificate = to_bytes(view_of(cert));
          })
      .value("mdns", &PeerConfig::mdns)
      .value("mdns_port", &PeerConfig::mdns_port)
      .value("mdns_interface", &PeerConfig::mdns_interface)
      .duration("mdns_query_interval", &PeerConfig::mdns_query_interval)
      .value("dht", &PeerConfig::dht)
      .duration("dht_walk_interval", &PeerConfig::dht_walk_interval)
      .property(
          "dht_mode",
          [](const PeerConfig& c) {
            return std::string(c.dht_mode == kad::Mode::kClient ? "client" : "server");
          },
          [](PeerConfig& c, const std::string& mode) {
            if (mode != "client" && mode != "server")
              throw py::value_error("dht_mode must be 'server' or 'client', not '" + mode + "'");
            c.dht_mode = mode == "client" ? kad::Mode::kClient : kad::Mode::kServer;
          })
      .finish();

  py::class_<Runtime>(m, "Runtime",
                      "Asio I/O threads hosting libp2p nodes. Commands return request ids "
                      "answered by 'done' events; drain() returns every queued event.")
      .def(py::init([](std::size_t threads, std::size_t max_events, int log_level,
                       std::size_t verify_cache_capacity, std::size_t outbound_queue_bytes) {
             if (threads == 0) throw py::value_error("threads must be >= 1");
             RuntimeConfig c;
             c.threads = threads;
             c.max_events = max_events;
             c.log_level = static_cast<LogLevel>(log_level);
             c.verify_cache_capacity = verify_cache_capacity;
             c.outbound_queue_bytes = outbound_queue_bytes;
             return std::make_unique<Runtime>(c);
           }),
           py::arg("threads") = 1, py::arg("max_events") = 1 << 20, py::arg("log_level") = 30,
           py::arg("verify_cache_capacity") = crypto::VerifyCache::kDefaultCapacity,
           py::arg("outbound_queue_bytes") = RuntimeConfig{}.outbound_queue_bytes)
      .def("start", &Runtime::start, py::call_guard<py::gil_scoped_release>())
      .def("stop", &Runtime::stop, py::call_guard<py::gil_scoped_release>())
      .def("join", &Runtime::join, py::call_guard<py::gil_scoped_release>())
      .def(
          "close",
          [](Runtime& r) {
            r.stop();
            r.join();
          },
          py::call_guard<py::gil_scoped_release>(), "stop() then join().")
      .def_property_readonly("running", &Runtime::running)
      .def_property_readonly("fd", &Runtime::fd)
      .def_property_readonly("dropped_events", &Runtime::dropped_events)
      .def("drain",
           [](Runtime& r) {
             std::vector<Event> events;
             {
               py::gil_scoped_release release;
               events = r.drain();
             }
             py::list out(events.size());
             for (std::size_t i = 0; i < events.size(); ++i)
               PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i),
                               event_to_py(events[i]).release().ptr());
             return out;
           })
      .def(
          "add_node",
          [](Runtime& r, crypto::IdentityPtr identity, std::vector<std::string> listen,
             const py::object& gossip, host::MessageIdFn message_id, std::uint64_t seed,
             const py::object& limits, const py::object& peers, bool reject_marked_invalid) {
            if (!identity) throw py::type_error("identity must be an Identity");
            NodeConfig c;
            c.identity = std::move(identity);
            c.listen = std::move(listen);
            if (!gossip.is_none()) c.gossip = gossip.cast<router::GossipConfig>();
            c.message_id = message_id;
            c.seed = seed;
            if (!limits.is_none()) c.limits = limits.cast<Limits>();
            if (!peers.is_none()) c.peers = peers.cast<PeerConfig>();
            c.reject_marked_invalid = reject_marked_invalid;
            RequestId req = 0;
            NodeId node;
            {
              py::gil_scoped_release release;
              node = r.add_node(std::move(c), &req);
            }
            return py::make_tuple(node, req);
          },
          py::arg("identity"), py::arg("listen") = std::vector<std::string>{},
          py::arg("gossip") = py::none(), py::arg("message_id") = host::MessageIdFn::kXxh3,
          py::arg("seed") = 0, py::arg("limits") = py::none(), py::arg("peers") = py::none(),
          py::arg("reject_marked_invalid") = false)
      .def("listen", &Runtime::listen, py::arg("node"), py::arg("addr"),
           py::call_guard<py::gil_scoped_release>())
      .def("close_node", &Runtime::close_node, py::arg("node"),
           py::call_guard<py::gil_scoped_release>())
      .def("connect", &Runtime::connect, py::arg("node"), py::arg("addr"),
           py::call_guard<py::gil_scoped_release>())
      .def(
          "disconnect",
          [](Runtime& r, NodeId node, const py::handle& peer) {
            return r.disconnect(node, peer_id_of(peer));
          },
          py::arg("node"), py::arg("peer_id"))
      .def(
          "publish",
          [](Runtime& r, NodeId node, const std::shared_ptr<Message>& msg) {
            if (!msg) throw py::type_error("message must be a Message");
            auto req = r.publish(node, msg);
            if (!req) throw py::value_error(req.error().what);
            return *req;
          },
          py::arg("node"), py::arg("message"),
          "Publish a prebuilt message: refused (ValueError) unless it meets the node's "
          "signature policy and its signature verifies.")
      .def(
          "publish_unverified",
          [](Runtime& r, NodeId node, const std::shared_ptr<Message>& msg) {
            if (!msg) throw py::type_error("message must be a Message");
            return r.publish_unverified(node, msg);
          },
          py::arg("node"), py::arg("message"),
          "Publish a message as given, forged or not: for p2pgossip.adversary only.")
      .def(
          "publish_data",
          [](Runtime& r, NodeId node, std::string topic, const py::bytes& data) {
            Bytes d = to_bytes(view_of(data));
            Result<Published> p = Error{};
            {
              py::gil_scoped_release release;
              p = r.publish_data(node, std::move(topic), std::move(d));
            }
            if (!p) throw py::value_error(p.error().what);
            return py::make_tuple(p->request, to_py(p->id.view()), message_to_py(p->message));
          },
          py::arg("node"), py::arg("topic"), py::arg("data"),
          "Sign (with the node's identity) and publish; returns (request, message id, message).")
      .def(
          "publish_batch",
          [](Runtime& r, NodeId node, const py::str& topic, const py::sequence& data, bool notify,
             bool defer) {
            const std::size_t n = data.size();
            std::vector<Bytes> d;
            d.reserve(n);
            for (auto h : data) d.push_back(publish_data_of(h));
            std::vector<MessageId> ids(n);
            auto request = sign_and_queue(r, node, utf8_of(topic), d, ids, notify, defer);
            py::list out(n);
            for (std::size_t i = 0; i < n; ++i)
              PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i),
                              hex_str(ids[i]).release().ptr());
            return py::make_tuple(request, out);
          },
          py::arg("node"), py::arg("topic"), py::arg("data"), py::arg("notify"),
          py::arg("defer") = false,
          "Sign a batch on the calling thread (GIL released) and hand it to the router, in "
          "chunks as it is signed; returns (request or 0 without notify, [message id hex]).")
      .def(
          "publish_nowait",
          [](Runtime& r, NodeId node, const py::str& topic, const py::handle& data) {
            Bytes d = publish_data_of(data);
            MessageId id;
            sign_and_queue(r, node, utf8_of(topic), {&d, 1}, {&id, 1}, /*notify=*/false,
                           /*defer=*/true);
            return hex_str(id);
          },
          py::arg("node"), py::arg("topic"), py::arg("data"),
          "publish_batch of one message, deferred and without notification; returns the "
          "message id in hex.")
      .def("flush_publishes", &Runtime::flush_publishes, py::arg("node"),
           py::call_guard<py::gil_scoped_release>(),
           "Hand the node's deferred publish_batch batches to its router.")
      .def("subscribe", &Runtime::subscribe, py::arg("node"), py::arg("topic"),
           py::call_guard<py::gil_scoped_release>())
      .def("unsubscribe", &Runtime::unsubscribe, py::arg("node"), py::arg("topic"),
           py::call_guard<py::gil_scoped_release>())
      .def("set_validator", &Runtime::set_validator, py::arg("node"), py::arg("topic"),
           py::arg("registered"), py::call_guard<py::gil_scoped_release>())
      .def(
          "validation_result",
          [](Runtime& r, NodeId node, ValidationToken token, const std::string& result) {
            r.validation_result(node, token, validation_of(result));
          },
          py::arg("node"), py::arg("token"), py::arg("result"))
      .def(
          "set_app_score",
          [](Runtime& r, NodeId node, const py::handle& peer, double value) {
            r.set_app_score(node, peer_id_of(peer), value);
          },
          py::arg("node"), py::arg("peer_id"), py::arg("value"))
      .def("set_role", &Runtime::set_role, py::arg("node"), py::arg("role"))
      .def(
          "set_link",
          [](Runtime& r, NodeId node, const py::handle& peer, double latency_s, double loss) {
            if (!(loss >= 0 && loss <= 1)) throw py::value_error("loss must be in [0, 1]");
            r.set_link(node, peer_id_of(peer),
                       LinkShaping{from_seconds(latency_s, "latency"), loss});
          },
          py::arg("node"), py::arg("peer_id"), py::arg("latency") = 0.0, py::arg("loss") = 0.0,
          "Shape this node's sends to one peer: added latency (seconds) and loss probability.")
      .def(
          "block",
          [](Runtime& r, NodeId node, const py::iterable& peers) {
            r.block(node, peer_ids_of(peers));
          },
          py::arg("node"), py::arg("peer_ids"))
      .def(
          "unblock",
          [](Runtime& r, NodeId node, const py::iterable& peers) {
            r.unblock(node, peer_ids_of(peers));
          },
          py::arg("node"), py::arg("peer_ids"))
      .def(
          "ban",
          [](Runtime& r, NodeId node, const py::handle& target, std::optional<double> duration_s,
             const std::string& note) {
            std::optional<Duration> d;
            if (duration_s) d = from_seconds(*duration_s, "duration");
            r.ban(node, ban_target(target), d, note);
          },
          py::arg("node"), py::arg("target"), py::arg("duration") = py::none(),
          py::arg("note") = "")
      .def(
          "unban",
          [](Runtime& r, NodeId node, const py::handle& target) {
            r.unban(node, ban_target(target));
          },
          py::arg("node"), py::arg("target"))
      .def(
          "bans",
          [](Runtime& r, NodeId node) -> py::object {
            std::optional<std::vector<net::BanEntry>> bans;
            {
              py::gil_scoped_release release;
              bans = r.bans(node);
            }
            if (!bans) return py::none();
            return ban_entries(*bans);
          },
          py::arg("node"),
          "(target, 'peer' | 'ip', seconds left or None, reason, note) per ban in force.")
      .def(
          "score_breakdown",
          [](Runtime& r, NodeId node, const py::bytes& peer_id) {
            std::optional<router::ScoreBreakdown> b;
            {
              Bytes peer = to_bytes(view_of(peer_id));
              py::gil_scoped_release release;
              b = r.score_breakdown(node, std::move(peer));
            }
            return score_breakdown_py(b);
          },
          py::arg("node"), py::arg("peer_id"))
      .def(
          "metrics",
          [](Runtime& r, NodeId node) -> py::object {
            std::optional<NodeMetrics> snap;
            {
              py::gil_scoped_release release;
              snap = r.metrics(node);
            }
            if (!snap) return py::none();
            return metrics_to_py(*snap);
          },
          py::arg("node"))
      .def("count_app_drop", &Runtime::count_app_drop, py::arg("node"), py::arg("reason"),
           py::arg("n") = 1, py::call_guard<py::gil_scoped_release>(),
           "Count a drop made in the application layer (layer='app' in metric_families).")
      .def(
          "metric_families",
          [](Runtime& r, NodeId node) -> py::object {
            std::optional<std::vector<metrics::FamilySnapshot>> families;
            {
              py::gil_scoped_release release;
              families = r.metric_families(node);
            }
            if (!families) return py::none();
            return snapshot_to_py(*families);
          },
          py::arg("node"), "The node's metrics as Prometheus families (None: unknown node).")
      .def(
          "serve_metrics",
          [](Runtime& r, std::vector<NodeId> nodes, const std::string& host, std::uint16_t port,
             double timeout) {
            auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
                from_seconds(timeout, "timeout"));
            Result<std::pair<std::uint64_t, std::uint16_t>> out = Error{};
            {
              py::gil_scoped_release release;
              out = r.serve_metrics(std::move(nodes), host, port, t);
            }
            if (!out) throw py::value_error(out.error().what);
            return *out;
          },
          py::arg("nodes"), py::arg("host") = "127.0.0.1", py::arg("port") = 0,
          py::arg("timeout") = 10.0,
          "Serve GET /metrics for these nodes; returns (endpoint id, port).")
      .def("stop_metrics", &Runtime::stop_metrics, py::arg("endpoint"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("verify_cache_hits",
                             [](const Runtime& r) { return r.verify_cache().hits(); })
      .def_property_readonly("verify_cache_misses",
                             [](const Runtime& r) { return r.verify_cache().misses(); });
}

}  // namespace p2pgossip::bindings
