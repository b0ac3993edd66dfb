// p2pgossip._core router bindings: GossipConfig (durations in seconds, named presets), the
// Message and Rpc value types a Router exchanges, and the Router itself for sans-I/O tests.
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <xxhash.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "bindings.hpp"
#include "fields.hpp"
#include "host_bindings.hpp"
#include "p2pgossip/host/message_id.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "rpc_dict.hpp"
#include "score_breakdown.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::router;

namespace {

Instant instant(double now) { return from_seconds(now, "now"); }

const char* strategy_name(Strategy s) {
  switch (s) {
    case Strategy::kGossipSub:
      return "gossipsub";
    case Strategy::kFloodSub:
      return "floodsub";
    case Strategy::kRandomSub:
      return "randomsub";
  }
  return "gossipsub";
}
Strategy strategy_of(const std::string& s) {
  if (s == "gossipsub") return Strategy::kGossipSub;
  if (s == "floodsub") return Strategy::kFloodSub;
  if (s == "randomsub") return Strategy::kRandomSub;
  throw py::value_error("strategy must be 'gossipsub', 'floodsub' or 'randomsub'");
}

ValidationResult validation_result_of(const std::string& s) {
  if (s == "accept") return ValidationResult::kAccept;
  if (s == "reject") return ValidationResult::kReject;
  if (s == "ignore") return ValidationResult::kIgnore;
  if (s == "pending") return ValidationResult::kPending;
  throw py::value_error("validation result must be 'accept', 'reject', 'ignore' or 'pending'");
}

Protocol protocol_of(const std::string& s) {
  if (auto p = pubsub_protocol_of(s)) return *p;
  throw py::value_error("protocol must be '/meshsub/1.2.0', '/meshsub/1.1.0' or '/floodsub/1.0.0'");
}

GossipConfig preset(const std::string& name) {
  GossipConfig c;
  if (name == "default") return c;
  if (name == "floodsub") {
    c.strategy = Strategy::kFloodSub;
    return c;
  }
  if (name == "randomsub") {
    c.strategy = Strategy::kRandomSub;
    return c;
  }
  if (name == "ethereum") {
    // Ethereum consensus p2p-interface.md, "The gossip domain: gossipsub".
    c.D = 8;
    c.D_lo = 6;
    c.D_hi = 12;
    c.D_lazy = 6;
    c.heartbeat_interval = std::chrono::milliseconds(700);
    c.fanout_ttl = std::chrono::seconds(60);
    c.mcache_len = 6;
    c.mcache_gossip = 3;
    c.seen_ttl = 550 * c.heartbeat_interval;
    c.signature_policy = SignaturePolicy::kStrictNoSign;
    c.max_message_size = 10 * 1024 * 1024;
    return c;
  }
  throw py::value_error("unknown preset '" + name +
                        "' (known: default, ethereum, floodsub, randomsub)");
}

std::optional<py::bytes> opt_bytes(const std::optional<Bytes>& b) {
  if (!b) return std::nullopt;
  return to_py(*b);
}
py::list id_list(const MessageIds& ids) {
  py::list l;
  for (ByteView id : ids) l.append(to_py(id));
  return l;
}
MessageIds ids_of(const py::iterable& it) {
  MessageIds r;
  for (auto x : it) r.push_back(view_of(x.cast<py::bytes>()));
  return r;
}

MessagePtr message_ptr(const Message& m) { return std::make_shared<const Message>(m); }

void bind_config(py::module_& m) {
  Fields<TopicScoreParams>(m, "TopicScoreParams", "Per-topic peer-score parameters (P1..P4).")
      .value("topic_weight", &TopicScoreParams::topic_weight)
      .value("time_in_mesh_weight", &TopicScoreParams::time_in_mesh_weight)
      .duration("time_in_mesh_quantum", &TopicScoreParams::time_in_mesh_quantum)
      .value("time_in_mesh_cap", &TopicScoreParams::time_in_mesh_cap)
      .value("first_message_deliveries_weight", &TopicScoreParams::first_message_deliveries_weight)
      .value("first_message_deliveries_decay", &TopicScoreParams::first_message_deliveries_decay)
      .value("first_message_deliveries_cap", &TopicScoreParams::first_message_deliveries_cap)
      .value("mesh_message_deliveries_weight", &TopicScoreParams::mesh_message_deliveries_weight)
      .value("mesh_message_deliveries_decay", &TopicScoreParams::mesh_message_deliveries_decay)
      .value("mesh_message_deliveries_cap", &TopicScoreParams::mesh_message_deliveries_cap)
      .value("mesh_message_deliveries_threshold",
             &TopicScoreParams::mesh_message_deliveries_threshold)
      .duration("mesh_message_deliveries_window", &TopicScoreParams::mesh_message_deliveries_window)
      .duration("mesh_message_deliveries_activation",
                &TopicScoreParams::mesh_message_deliveries_activation)
      .value("mesh_failure_penalty_weight", &TopicScoreParams::mesh_failure_penalty_weight)
      .value("mesh_failure_penalty_decay", &TopicScoreParams::mesh_failure_penalty_decay)
      .value("invalid_message_deliveries_weight",
             &TopicScoreParams::invalid_message_deliveries_weight)
      .value("invalid_message_deliveries_decay",
             &TopicScoreParams::invalid_message_deliveries_decay)
      .finish();

  Fields<PeerScoreParams>(m, "PeerScoreParams", "Peer-score parameters (GossipSub v1.1).")
      .value("topics", &PeerScoreParams::topics)
      .value("topic_score_cap", &PeerScoreParams::topic_score_cap)
      .value("app_specific_weight", &PeerScoreParams::app_specific_weight)
      .value("ip_colocation_factor_weight", &PeerScoreParams::ip_colocation_factor_weight)
      .value("ip_colocation_factor_threshold", &PeerScoreParams::ip_colocation_factor_threshold)
      .value("behaviour_penalty_weight", &PeerScoreParams::behaviour_penalty_weight)
      .value("behaviour_penalty_threshold", &PeerScoreParams::behaviour_penalty_threshold)
      .value("behaviour_penalty_decay", &PeerScoreParams::behaviour_penalty_decay)
      .duration("decay_interval", &PeerScoreParams::decay_interval)
      .value("decay_to_zero", &PeerScoreParams::decay_to_zero)
      .duration("retain_score", &PeerScoreParams::retain_score)
      .finish();

  Fields<PeerScoreThresholds>(m, "PeerScoreThresholds", "Score thresholds (GossipSub v1.1).")
      .value("gossip_threshold", &PeerScoreThresholds::gossip_threshold)
      .value("publish_threshold", &PeerScoreThresholds::publish_threshold)
      .value("graylist_threshold", &PeerScoreThresholds::graylist_threshold)
      .value("accept_px_threshold", &PeerScoreThresholds::accept_px_threshold)
      .value("opportunistic_graft_threshold", &PeerScoreThresholds::opportunistic_graft_threshold)
      .finish();

  using G = GossipConfig;
  auto cls =
      Fields<G>(m, "GossipConfig",
                "Every router parameter; durations in seconds. Defaults are go-libp2p-pubsub's.")
          .property(
              "strategy", [](const G& c) { return std::string(strategy_name(c.strategy)); },
              [](G& c, const std::string& s) { c.strategy = strategy_of(s); })
          .property(
              "signature_policy", [](const G& c) { return c.signature_policy; },
              [](G& c, SignaturePolicy p) { c.signature_policy = p; })
          .value("D", &G::D)
          .value("D_lo", &G::D_lo)
          .value("D_hi", &G::D_hi)
          .value("D_score", &G::D_score)
          .value("D_out", &G::D_out)
          .value("D_lazy", &G::D_lazy)
          .value("gossip_factor", &G::gossip_factor)
          .duration("heartbeat_initial_delay", &G::heartbeat_initial_delay)
          .duration("heartbeat_initial_jitter", &G::heartbeat_initial_jitter)
          .duration("heartbeat_interval", &G::heartbeat_interval)
          .duration("fanout_ttl", &G::fanout_ttl)
          .value("mcache_len", &G::mcache_len)
          .value("mcache_gossip", &G::mcache_gossip)
          .value("gossip_retransmission", &G::gossip_retransmission)
          .duration("seen_ttl", &G::seen_ttl)
          .value("seen_max_entries", &G::seen_max_entries)
          .value("prune_peers", &G::prune_peers)
          .duration("prune_backoff", &G::prune_backoff)
          .duration("unsubscribe_backoff", &G::unsubscribe_backoff)
          .duration("graft_flood_threshold", &G::graft_flood_threshold)
          .value("do_px", &G::do_px)
          .value("mesh_takeover_defence", &G::mesh_takeover_defence)
          .value("opportunistic_graft_ticks", &G::opportunistic_graft_ticks)
          .value("opportunistic_graft_peers", &G::opportunistic_graft_peers)
          .value("max_ihave_length", &G::max_ihave_length)
          .value("max_ihave_messages", &G::max_ihave_messages)
          .duration("iwant_followup_time", &G::iwant_followup_time)
          .value("idontwant_message_threshold", &G::idontwant_message_threshold)
          .value("max_idontwant_messages", &G::max_idontwant_messages)
          .value("max_idontwant_length", &G::max_idontwant_length)
          .value("idontwant_message_ttl_heartbeats", &G::idontwant_message_ttl_heartbeats)
          .value("flood_publish", &G::flood_publish)
          .value("max_message_size", &G::max_message_size)
          .value("rate_limit_messages_per_s", &G::rate_limit_messages_per_s)
          .value("rate_limit_bytes_per_s", &G::rate_limit_bytes_per_s)
          .value("rate_limit_burst_s", &G::rate_limit_burst_s)
          .value("randomsub_k", &G::randomsub_k)
          .value("randomsub_ttl", &G::randomsub_ttl)
          .value("disconnect_graylisted", &G::disconnect_graylisted)
          .value("max_subscriptions_per_peer", &G::max_subscriptions_per_peer)
          .value("max_subscribes_per_heartbeat", &G::max_subscribes_per_heartbeat)
          .nested("score", &G::score)
          .nested("thresholds", &G::thresholds)
          .finish();
  cls.def_static("preset", &preset, py::arg("name"),
                 "A named configuration: 'default' (go-libp2p-pubsub), 'ethereum' (consensus "
                 "p2p spec), 'floodsub', 'randomsub'.");
  cls.def_property_readonly_static("presets", [](const py::object&) {
    return std::vector<std::string>{"default", "ethereum", "floodsub", "randomsub"};
  });
}

}  // namespace

void bind_rpc(py::module_& m) {
  // Message is bound once, by bind_message.cpp (registered before this).
  py::class_<Rpc>(m, "Rpc",
                  "A pubsub RPC as the router sends and receives it. Control entries are "
                  "plain tuples: ihave (topic, [ids]), iwant [ids], graft topic, "
                  "prune (topic, [peer ids], backoff s or None), idontwant [ids]. "
                  "to_dict/from_dict give the full wire shape of p2pgossip.wire.")
      .def(py::init([](const std::vector<std::pair<bool, std::string>>& subscriptions,
                       const std::vector<Message>& publish, const py::list& ihave,
                       const py::list& iwant, const std::vector<std::string>& graft,
                       const py::list& prune, const py::list& idontwant,
                       const std::vector<std::uint32_t>& publish_hops) {
             if (!publish_hops.empty() && publish_hops.size() != publish.size())
               throw py::value_error("publish_hops: one entry per publish entry");
             Rpc r;
             r.publish_hops = publish_hops;
             for (const auto& [sub, topic] : subscriptions) r.subscriptions.push_back({sub, topic});
             for (const Message& msg : publish) r.publish.push_back(message_ptr(msg));
             ControlMessage c;
             for (auto h : ihave) {
               auto t = h.cast<py::tuple>();
               c.ihave.push_back({t[0].cast<std::string>(), ids_of(t[1])});
             }
             for (auto w : iwant) c.iwant.push_back({ids_of(w.cast<py::iterable>())});
             for (const auto& t : graft) c.graft.push_back({t});
             for (auto p : prune) {
               auto t = p.cast<py::tuple>();
               ControlPrune pr{t[0].cast<std::string>(), {}, std::nullopt};
               for (ByteView id : ids_of(t[1])) pr.peers.push_back({to_bytes(id), std::nullopt});
               if (t.size() > 2 && !t[2].is_none()) pr.backoff = t[2].cast<std::uint64_t>();
               c.prune.push_back(std::move(pr));
             }
             for (auto d : idontwant) c.idontwant.push_back({ids_of(d.cast<py::iterable>())});
             if (!c.empty()) r.control = std::move(c);
             return r;
           }),
           py::arg("subscriptions") = std::vector<std::pair<bool, std::string>>{},
           py::arg("publish") = std::vector<Message>{}, py::arg("ihave") = py::list(),
           py::arg("iwant") = py::list(), py::arg("graft") = std::vector<std::string>{},
           py::arg("prune") = py::list(), py::arg("idontwant") = py::list(),
           py::arg("publish_hops") = std::vector<std::uint32_t>{})
      .def_property_readonly(
          "subscriptions",
          [](const Rpc& r) {
            py::list l;
            for (const SubOpts& s : r.subscriptions)
              l.append(py::make_tuple(s.subscribe.value_or(false), s.topic_id.value_or("")));
            return l;
          })
      .def_property_readonly("publish",
                             [](const Rpc& r) {
                               py::list l;
                               for (const MessagePtr& p : r.publish) l.append(Message(*p));
                               return l;
                             })
      .def_readonly("publish_hops", &Rpc::publish_hops)
      .def_property_readonly(
          "ihave",
          [](const Rpc& r) {
            py::list l;
            if (r.control)
              for (const auto& h : r.control->ihave)
                l.append(py::make_tuple(h.topic_id.value_or(""), id_list(h.message_ids)));
            return l;
          })
      .def_property_readonly("iwant",
                             [](const Rpc& r) {
                               py::list l;
                               if (r.control)
                                 for (const auto& w : r.control->iwant)
                                   l.append(id_list(w.message_ids));
                               return l;
                             })
      .def_property_readonly("graft",
                             [](const Rpc& r) {
                               py::list l;
                               if (r.control)
                                 for (const auto& g : r.control->graft)
                                   l.append(g.topic_id.value_or(""));
                               return l;
                             })
      .def_property_readonly(
          "prune",
          [](const Rpc& r) {
            py::list l;
            if (r.control)
              for (const auto& p : r.control->prune) {
                py::list peers;
                for (const auto& i : p.peers)
                  if (i.peer_id) peers.append(to_py(*i.peer_id));
                l.append(py::make_tuple(p.topic_id.value_or(""), peers, py::cast(p.backoff)));
              }
            return l;
          })
      .def_property_readonly("idontwant",
                             [](const Rpc& r) {
                               py::list l;
                               if (r.control)
                                 for (const auto& d : r.control->idontwant)
                                   l.append(id_list(d.message_ids));
                               return l;
                             })
      .def("to_dict", &rpc_to_dict, "The wire dict of p2pgossip.wire (encode_rpc's input).")
      .def_static("from_dict", &rpc_from_dict, py::arg("d"),
                  "An Rpc from a wire dict (decode_rpc's output); errors name the key.")
      .def(
          "encode",
          [](const Rpc& r) {
            Bytes out;
            wire::encode_rpc(r, out);
            return to_py(out);
          },
          "The protobuf encoding (rpc.proto RPC).")
      .def_static(
          "decode",
          [](const py::bytes& data, const py::object& limits_or_none) {
            const ByteView in = view_of(data);
            const wire::DecodeLimits limits = limits_or_none.is_none()
                                                  ? wire::DecodeLimits{}
                                                  : limits_or_none.cast<wire::DecodeLimits>();
            Result<Rpc> r = [&] {
              py::gil_scoped_release release;
              return wire::decode_rpc(in, limits);
            }();
            return value_or_raise(std::move(r));
          },
          py::arg("data"), py::arg("limits") = py::none(),
          "Decodes an encoded RPC; raises DecodeError naming the field and the rule.")
      .def("__eq__",
           [](const Rpc& a, const py::object& b) -> py::object {
             if (!py::isinstance<Rpc>(b))
               return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(a == b.cast<const Rpc&>());
           })
      .def("__repr__",
           [](const Rpc& r) {
             std::size_t n = r.control ? r.control->ihave.size() + r.control->iwant.size() +
                                             r.control->graft.size() + r.control->prune.size() +
                                             r.control->idontwant.size()
                                       : 0;
             return "Rpc(subscriptions=" + std::to_string(r.subscriptions.size()) +
                    ", publish=" + std::to_string(r.publish.size()) +
                    ", control_entries=" + std::to_string(n) + ")";
           })
      .attr("__hash__") = py::none();
}

// A Router plus the Python callables its Services call; they must outlive it.
// Calls a Python callable (kind, peer, topic, now in s) for each mesh change.
class PyTracer : public Tracer {
 public:
  explicit PyTracer(py::object fn) : fn_(std::move(fn)) {}
  void graft(PeerIndex peer, const std::string& topic, Instant now) override {
    fn_("graft", peer, topic, static_cast<double>(now.count()) / 1e9);
  }
  void prune(PeerIndex peer, const std::string& topic, Instant now) override {
    fn_("prune", peer, topic, static_cast<double>(now.count()) / 1e9);
  }

 private:
  py::object fn_;
};

// An IdPool (its type is the router's own) for Python to share between routers.
struct PyIdPool {
  std::shared_ptr<IdPool> pool;
};

struct PyRouter {
  py::object message_id, verify, validate, validation_full, peer_record;
  std::unique_ptr<PyTracer> tracer;
  std::unique_ptr<Router> router;  // after the tracer: destroyed before it
};

// The router's message id function: "xxh3" (the default, content-addressed) and "from-seqno"
// (libp2p's default) run in C++; a callable (Message) -> bytes is called through Python.
std::function<MessageId(const Message&)> message_id_service(const py::object& fn) {
  if (py::isinstance<py::str>(fn)) {
    // A from||seqno id fails only for a malformed `from`; such a message fails the signature
    // policy too and is never marked seen, so the empty id is never recorded.
    const auto id_fn = fn.cast<host::MessageIdFn>();
    return [id_fn](const Message& msg) { return host::message_id(id_fn, msg); };
  }
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("message_id must be 'xxh3', 'from-seqno' or a callable Message -> bytes");
  PyObject* mid = fn.ptr();
  return [mid](const Message& msg) {
    py::bytes b = py::reinterpret_borrow<py::object>(mid)(msg);
    return MessageId(view_of(b));
  };
}

py::dict counters_dict(const Counters& c) {
  py::dict d;
#define P2PGOSSIP_COUNTER(name) d[#name] = c.name;
  P2PGOSSIP_ROUTER_COUNTERS(P2PGOSSIP_COUNTER)
#undef P2PGOSSIP_COUNTER
  return d;
}

py::object action_tuple(Action& a) {
  return std::visit(
      [](auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, SendRpc>) {
          return py::make_tuple("send", x.peer, std::move(*x.rpc));
        } else if constexpr (std::is_same_v<T, SendMessage>) {
          Rpc rpc;
          rpc.publish.push_back(std::move(x.message));
          return py::make_tuple("send", x.peer, std::move(rpc));
        } else if constexpr (std::is_same_v<T, Deliver>) {
          py::object from = x.from == kLocalPeer ? py::none() : py::cast(x.from);
          return py::make_tuple("deliver", Message(*x.message), to_py(x.id.view()), from);
        } else if constexpr (std::is_same_v<T, DisconnectPeer>) {
          return py::make_tuple("disconnect", x.peer, x.reason);
        } else {
          return py::make_tuple("connect", to_py(x.peer_id), opt_bytes(x.signed_peer_record));
        }
      },
      a);
}

namespace {

void bind_router_class(py::module_& m) {
  py::class_<PyIdPool>(
      m, "IdPool",
      "Message ids kept once for the routers given it (Router(ids=...)), which then keep a "
      "4-byte handle an id; the routers sharing one must be used by one thread at a time.")
      .def(py::init([] { return PyIdPool{make_id_pool()}; }))
      .def(
          "__len__", [](const PyIdPool& p) { return id_pool_size(*p.pool); },
          "Ids held for the routers sharing the pool.");

  py::class_<PyRouter>(m, "Router",
                       "The sans-I/O GossipSub/floodsub/randomsub router; `now` in seconds.")
      .def(py::init([](const GossipConfig& config, std::uint64_t seed, py::object message_id,
                       py::object verify, py::object validate, py::object validation_full,
                       py::object peer_record, const PyIdPool* ids) {
             auto r = std::make_unique<PyRouter>();
             r->message_id = message_id;
             r->verify = verify;
             r->validate = validate;
             r->validation_full = validation_full;
             r->peer_record = peer_record;
             Services svc;
             if (ids) svc.ids = ids->pool;
             svc.message_id = message_id_service(message_id);
             if (verify.is_none()) {
               // StrictSign verification by the crypto layer (no Python in the loop).
               svc.verify_signature = [](const Message& msg) { return host::verify_message(msg); };
             } else {
               if (!PyCallable_Check(verify.ptr()))
                 throw py::type_error("verify must be None or a callable Message -> bool");
               PyObject* v = verify.ptr();
               svc.verify_signature = [v](const Message& msg) {
                 return py::reinterpret_borrow<py::object>(v)(msg).cast<bool>();
               };
             }
             if (!validate.is_none()) {
               PyObject* v = validate.ptr();
               svc.validate = [v](const std::string& topic, const Message& msg, PeerIndex from) {
                 return validation_result_of(
                     py::reinterpret_borrow<py::object>(v)(topic, msg, from).cast<std::string>());
               };
             }
             if (!validation_full.is_none()) {
               if (!PyCallable_Check(validation_full.ptr()))
                 throw py::type_error("validation_full must be None or a callable str -> bool");
               PyObject* f = validation_full.ptr();
               svc.validation_full = [f](const std::string& topic) {
                 return py::reinterpret_borrow<py::object>(f)(topic).cast<bool>();
               };
             }
             if (!peer_record.is_none()) {
               if (!PyCallable_Check(peer_record.ptr()))
                 throw py::type_error("peer_record must be None or a callable bytes -> bytes|None");
               PyObject* f = peer_record.ptr();
               svc.peer_record = [f](ByteView peer_id) -> std::optional<Bytes> {
                 py::object rec = py::reinterpret_borrow<py::object>(f)(to_py(peer_id));
                 if (rec.is_none()) return std::nullopt;
                 return to_bytes(view_of(rec.cast<py::bytes>()));
               };
             }
             r->router = std::make_unique<Router>(config, std::move(svc), seed);
             return r;
           }),
           py::arg("config"), py::arg("seed"), py::arg("message_id") = "xxh3",
           py::arg("verify") = py::none(), py::arg("validate") = py::none(),
           py::arg("validation_full") = py::none(), py::arg("peer_record") = py::none(),
           py::arg("ids") = nullptr)
      .def(
          "set_tracer",
          [](PyRouter& r, const py::object& fn) {
            auto tracer = fn.is_none() ? nullptr : std::make_unique<PyTracer>(fn);
            r.router->set_tracer(tracer.get());
            r.tracer = std::move(tracer);
          },
          py::arg("tracer"),
          "Calls tracer(kind, peer, topic, now) for every mesh change: kind 'graft' when the "
          "peer joins our mesh of topic, 'prune' when it leaves; None removes it.")
      .def(
          "peer_connected",
          [](PyRouter& r, PeerIndex peer, const py::bytes& peer_id, bool outbound,
             const std::string& protocol, double now) {
            r.router->peer_connected(peer, view_of(peer_id), outbound, protocol_of(protocol),
                                     instant(now));
          },
          py::arg("peer"), py::arg("peer_id"), py::arg("outbound"),
          py::arg("protocol") = std::string(protocol::kMeshsub12), py::arg("now"))
      .def(
          "peer_disconnected",
          [](PyRouter& r, PeerIndex peer, double now) {
            r.router->peer_disconnected(peer, instant(now));
          },
          py::arg("peer"), py::arg("now"))
      .def(
          "rpc_received",
          [](PyRouter& r, PeerIndex peer, const Rpc& rpc, double now) {
            r.router->rpc_received(peer, rpc, instant(now));
          },
          py::arg("peer"), py::arg("rpc"), py::arg("now"))
      .def(
          "validation_complete",
          [](PyRouter& r, const Message& msg, const py::bytes& id, PeerIndex from,
             const std::string& result, double now) {
            r.router->validation_complete(message_ptr(msg), MessageId(view_of(id)), from,
                                          validation_result_of(result), instant(now));
          },
          py::arg("message"), py::arg("id"), py::arg("peer"), py::arg("result"), py::arg("now"),
          "Finishes a validation the validator answered 'pending' for.")
      .def(
          "publish",
          [](PyRouter& r, const Message& msg, double now) {
            auto res = r.router->publish(message_ptr(msg), instant(now));
            if (!res) throw py::value_error(res.error().what);
            return to_py(res->view());
          },
          py::arg("message"), py::arg("now"))
      .def(
          "subscribe",
          [](PyRouter& r, const std::string& t, double now) {
            r.router->subscribe(t, instant(now));
          },
          py::arg("topic"), py::arg("now"))
      .def(
          "unsubscribe",
          [](PyRouter& r, const std::string& t, double now) {
            r.router->unsubscribe(t, instant(now));
          },
          py::arg("topic"), py::arg("now"))
      .def(
          "add_explicit_peer", [](PyRouter& r, PeerIndex p) { r.router->add_explicit_peer(p); },
          py::arg("peer"))
      .def(
          "set_application_score",
          [](PyRouter& r, PeerIndex p, double v) { r.router->set_application_score(p, v); },
          py::arg("peer"), py::arg("value"))
      .def(
          "forward_refused",
          [](PyRouter& r, PeerIndex p, const std::shared_ptr<Message>& m) {
            if (!m) throw py::type_error("message must be a Message");
            r.router->forward_refused(p, *m);
          },
          py::arg("peer"), py::arg("message"),
          "The shell could not queue our forward of `message` to `peer`: the next heartbeat "
          "offers it to that peer by IHAVE.")
      .def(
          "prune_peer",
          [](PyRouter& r, PeerIndex p, double now) { r.router->prune_peer(p, instant(now)); },
          py::arg("peer"), py::arg("now"))
      .def(
          "set_peer_ip",
          [](PyRouter& r, PeerIndex p, const std::string& ip) { r.router->set_peer_ip(p, ip); },
          py::arg("peer"), py::arg("ip"))
      .def(
          "tick", [](PyRouter& r, double now) { r.router->tick(instant(now)); }, py::arg("now"))
      .def("next_deadline",
           [](PyRouter& r) -> std::optional<double> {
             auto d = r.router->next_deadline();
             if (!d) return std::nullopt;
             return to_seconds(*d);
           })
      .def("drain_actions",
           [](PyRouter& r) {
             std::vector<Action> actions;
             r.router->drain_actions(actions);
             py::list l;
             for (Action& a : actions) l.append(action_tuple(a));
             return l;
           })
      .def("counters", [](PyRouter& r) { return counters_dict(r.router->counters()); })
      .def(
          "mesh", [](PyRouter& r, const std::string& t) { return r.router->mesh(t); },
          py::arg("topic"))
      .def(
          "fanout", [](PyRouter& r, const std::string& t) { return r.router->fanout(t); },
          py::arg("topic"))
      .def(
          "peers", [](PyRouter& r, const std::string& t) { return r.router->peers(t); },
          py::arg("topic"))
      .def("topics", [](PyRouter& r) { return r.router->topics(); })
      .def(
          "score",
          [](PyRouter& r, PeerIndex p, double now) { return r.router->score(p, instant(now)); },
          py::arg("peer"), py::arg("now"))
      .def(
          "score_breakdown",
          [](PyRouter& r, PeerIndex p, double now) {
            return score_breakdown_py(r.router->score_breakdown(p, instant(now)));
          },
          py::arg("peer"), py::arg("now"))
      .def(
          "duplicates_from", [](PyRouter& r, PeerIndex p) { return r.router->duplicates_from(p); },
          py::arg("peer"))
      .def(
          "topic_table_size", [](PyRouter& r) { return r.router->topic_table_size(); },
          "Topics the router holds state for (subscribed by us or a connected peer, or with "
          "mesh, fanout, mcache or backoff state, or score parameters); others are forgotten.")
      .def(
          "message_state_bytes", [](PyRouter& r) { return r.router->message_state_bytes(); },
          "Bytes of per-message state: seen cache, mcache, IWANT/IDONTWANT bookkeeping, "
          "promises.");
}

}  // namespace

void bind_router(py::module_& m) {
  bind_config(m);
  bind_router_class(m);
}

}  // namespace p2pgossip::bindings
