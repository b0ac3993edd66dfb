// The simulator's bindings: the C++ Simulation with times in ns, results as numpy columns
// (python/p2pgossip/simulation.py builds the user-facing API and the DataFrames on top).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "host_bindings.hpp"
#include "p2pgossip/host/drop.hpp"
#include "p2pgossip/host/request_response.hpp"
#include "p2pgossip/router/config.hpp"
#include "p2pgossip/sim/cpu_cost.hpp"
#include "p2pgossip/sim/edge.hpp"
#include "p2pgossip/sim/event_queue.hpp"
#include "p2pgossip/sim/latency.hpp"
#include "p2pgossip/sim/link.hpp"
#include "p2pgossip/sim/mesh_push_baseline.hpp"
#include "p2pgossip/sim/simulation.hpp"
#include "peer_manager_fields.hpp"
#include "score_breakdown.hpp"

namespace p2pgossip::bindings {
namespace {

using sim::Latency;

template <class T>
py::array_t<T> column(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

// Edges from an (E, 2) integer array (or anything numpy turns into one).
std::vector<sim::Edge> edges_of(
    const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& a) {
  if (a.size() == 0) return {};
  if (a.ndim() != 2 || a.shape(1) != 2) throw py::value_error("edges: expected shape (E, 2)");
  std::vector<sim::Edge> edges;
  edges.reserve(static_cast<std::size_t>(a.shape(0)));
  auto r = a.unchecked<2>();
  for (py::ssize_t i = 0; i < r.shape(0); ++i) {
    if (r(i, 0) < 0 || r(i, 1) < 0 || r(i, 0) > UINT32_MAX || r(i, 1) > UINT32_MAX)
      throw py::value_error("edges: node index out of range");
    edges.emplace_back(static_cast<std::uint32_t>(r(i, 0)), static_cast<std::uint32_t>(r(i, 1)));
  }
  return edges;
}

std::int64_t ns_of_ms(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1e6)); }

std::string kind_name(Latency::Kind k) {
  switch (k) {
    case Latency::Kind::kConstant:
      return "constant";
    case Latency::Kind::kUniform:
      return "uniform";
    case Latency::Kind::kNormal:
      return "normal";
    case Latency::Kind::kLogNormal:
      return "lognormal";
  }
  return "?";
}

std::string latency_repr(const Latency& l) {
  if (l.per_link) {
    Latency base = l;
    base.per_link = false;
    return "Latency.per_link(" + latency_repr(base) + ", jitter=" + std::to_string(l.jitter) + ")";
  }
  auto ms = [](double ns) { return std::to_string(ns / 1e6); };
  switch (l.kind) {
    case Latency::Kind::kConstant:
      return "Latency.constant(" + ms(l.a) + ")";
    case Latency::Kind::kUniform:
      return "Latency.uniform(" + ms(l.a) + ", " + ms(l.b) + ")";
    case Latency::Kind::kNormal:
      return "Latency.normal(mean_ms=" + ms(l.a) + ", std_ms=" + ms(l.b) + ")";
    case Latency::Kind::kLogNormal:
      return "Latency.lognormal(median_ms=" + ms(l.a) + ", sigma=" + std::to_string(l.b) + ")";
  }
  return "Latency(?)";
}

Latency checked(Latency l) {
  if (!(l.a >= 0) || !(l.b >= 0) || !std::isfinite(l.a) || !std::isfinite(l.b))
    throw py::value_error("Latency: parameters must be finite and >= 0");
  if (l.kind == Latency::Kind::kUniform && l.b < l.a)
    throw py::value_error("Latency.uniform: high_ms must be >= low_ms");
  return l;
}

sim::LinkParams link_params(const Latency& latency, double bandwidth, double loss,
                            std::uint64_t queue_limit) {
  if (!(loss >= 0 && loss <= 1)) throw py::value_error("loss must be in [0, 1]");
  if (!(bandwidth >= 0)) throw py::value_error("bandwidth must be >= 0 bytes/s (0: unlimited)");
  return sim::LinkParams{latency, bandwidth, loss, queue_limit};
}

py::bytes id_bytes(const MessageId& id) { return to_py(id.view()); }

// One field per line; clang-format cannot lay X-macro lists out stably.
// clang-format off
#define P2PGOSSIP_NODE_STATS(X) \
  X(rpcs_out)                   \
  X(bytes_out)                  \
  X(rpcs_in)                    \
  X(bytes_in)                   \
  X(dropped_loss)               \
  X(dropped_queue_full)         \
  X(dropped_link_down)          \
  X(dropped_wire_decode)        \
  X(publish_failed)             \
  X(disconnects)                \
  X(px_ignored)                 \
  X(idontwant_cancelled)        \
  X(echo_cancelled)             \
  X(idontwant_shed)             \
  X(crashes)
// clang-format on

py::dict metrics_columns(const sim::Simulation& s) {
  const std::uint32_t n = s.size();
  py::dict out;
#define COLUMN(field, source)                                       \
  {                                                                 \
    py::array_t<std::uint64_t> col(n);                              \
    auto w = col.mutable_unchecked<1>();                            \
    for (std::uint32_t v = 0; v < n; ++v) w(v) = s.source(v).field; \
    out[#field] = col;                                              \
  }
#define STAT(field) COLUMN(field, stats)
#define COUNTER(field) COLUMN(field, counters)
  P2PGOSSIP_NODE_STATS(STAT)
  P2PGOSSIP_ROUTER_COUNTERS(COUNTER)
#undef COUNTER
#undef STAT
#undef COLUMN
  py::array_t<double> busy(n);
  py::array_t<bool> alive(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    busy.mutable_at(v) = static_cast<double>(s.stats(v).cpu_busy_ns) * 1e-9;
    alive.mutable_at(v) = s.alive(v);
  }
  out["cpu_busy_s"] = busy;
  py::array_t<std::uint64_t> peer_dials(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    const net::PeerManagerCounters* pm = s.peer_manager(v);
    peer_dials.mutable_at(v) = pm ? pm->candidate_dials : 0;
  }
  out["peer_dials"] = peer_dials;
  out["alive"] = alive;
  for (const auto& topic : s.topics()) {
    py::array_t<std::uint32_t> col(n);
    for (std::uint32_t v = 0; v < n; ++v)
      col.mutable_at(v) = static_cast<std::uint32_t>(s.mesh(v, topic).size());
    out[py::str("mesh_size:" + topic)] = col;
  }
  return out;
}

// The hosts' drops by reason, a column each (zeros while crashed).
py::dict drops_columns(const sim::Simulation& s) {
  const std::uint32_t n = s.size();
  py::dict out;
  for (std::size_t i = 0; i < host::kDropCount; ++i) {
    py::array_t<std::uint64_t> col(n);
    for (std::uint32_t v = 0; v < n; ++v) {
      const auto* d = s.drops(v);
      col.mutable_at(v) = d ? (*d)[i] : 0;
    }
    out[py::str(std::string(host::drop_name(static_cast<host::Drop>(i))))] = col;
  }
  return out;
}

// A Python callable called from the simulation's loop, which runs without the GIL: held,
// called and let go under it. What it raises is reported as unraisable, never thrown
// through an event half done (the Python side catches the application's errors first).
std::shared_ptr<py::object> held(py::object fn) {
  return {new py::object(std::move(fn)), [](py::object* o) {
            py::gil_scoped_acquire gil;
            delete o;
          }};
}

// The requests, column-wise: error is None for an answered one (and one under way).
py::dict requests_columns(const sim::Simulation& s) {
  py::list protocol, response, error;
  std::vector<std::uint32_t> node, peer;
  std::vector<std::int64_t> sent, ended;
  std::vector<std::uint64_t> size;
  for (const auto& r : s.requests()) {
    node.push_back(r.node);
    peer.push_back(r.peer);
    protocol.append(py::str(r.protocol));
    sent.push_back(r.sent_at);
    ended.push_back(r.ended_at);
    size.push_back(r.request_bytes);
    response.append(r.response ? py::object(to_py(*r.response)) : py::none());
    error.append(r.error ? py::object(py::str(std::string(host::request_error_name(*r.error))))
                         : py::none());
  }
  py::dict out;
  out["node"] = column(node);
  out["peer"] = column(peer);
  out["protocol"] = protocol;
  out["sent_at_ns"] = column(sent);
  out["ended_at_ns"] = column(ended);
  out["request_bytes"] = column(size);
  out["response"] = response;
  out["error"] = error;
  return out;
}

}  // namespace

void bind_sim(py::module_& m) {
  py::class_<Latency>(m, "Latency", "One-way link latency model (times in milliseconds).")
      .def_static(
          "constant", [](double ms) { return checked(Latency::constant(ms * 1e6)); }, py::arg("ms"))
      .def_static(
          "uniform",
          [](double low_ms, double high_ms) {
            return checked(Latency::uniform(low_ms * 1e6, high_ms * 1e6));
          },
          py::arg("low_ms"), py::arg("high_ms"))
      .def_static(
          "normal",
          [](double mean_ms, double std_ms) {
            return checked(Latency::normal(mean_ms * 1e6, std_ms * 1e6));
          },
          py::arg("mean_ms"), py::arg("std_ms"), "Normal, truncated at 0.")
      .def_static(
          "lognormal",
          [](double median_ms, double sigma) {
            return checked(Latency::lognormal(median_ms * 1e6, sigma));
          },
          py::arg("median_ms"), py::arg("sigma"), "Log-normal: median_ms * exp(sigma * N(0, 1)).")
      .def_static(
          "per_link",
          [](const Latency& base, double jitter) {
            if (base.per_link) throw py::value_error("Latency.per_link: base is already per link");
            if (!(jitter >= 0 && jitter < 1))
              throw py::value_error("Latency.per_link: jitter must be in [0, 1)");
            return Latency::per_link_of(base, jitter);
          },
          py::arg("base"), py::arg("jitter"),
          "Each link's latency drawn once from `base` (by hashing the simulation's seed and the "
          "unordered pair of endpoints, so both directions share it), each packet scaled by "
          "U[1 - jitter, 1 + jitter].")
      .def_property_readonly("kind",
                             [](const Latency& l) {
                               return l.per_link ? "per_link(" + kind_name(l.kind) + ")"
                                                 : kind_name(l.kind);
                             })
      .def_property_readonly("jitter", [](const Latency& l) { return l.jitter; })
      .def_property_readonly(
          "minimum_ns", &Latency::minimum,
          "No draw is below this: a parallel simulation's lookahead (0: one thread).")
      .def(
          "samples_ms",
          [](const Latency& l, std::size_t count, std::uint64_t seed) {
            py::array_t<double> out(static_cast<py::ssize_t>(count));
            for (std::size_t i = 0; i < count; ++i)
              out.mutable_at(i) = static_cast<double>(l.sample(sim::draw(seed, 0, 2 * i),
                                                               sim::draw(seed, 0, 2 * i + 1))) /
                                  1e6;
            return out;
          },
          py::arg("count"), py::arg("seed") = 0,
          "Draws from the model (to check or plot it); a per-link model's are its bases, one a "
          "link.")
      .def(
          "link_samples_ms",
          [](const Latency& l, std::uint32_t u, std::uint32_t v, std::size_t count,
             std::uint64_t seed) {
            if (!l.per_link) throw py::value_error("link_samples_ms: needs Latency.per_link");
            const std::uint64_t link = sim::pair_key(seed, u, v);
            py::array_t<double> out(static_cast<py::ssize_t>(count));
            for (std::size_t i = 0; i < count; ++i)
              out.mutable_at(i) =
                  static_cast<double>(l.sample_link(link, sim::draw(seed, u, i))) / 1e6;
            return out;
          },
          py::arg("u"), py::arg("v"), py::arg("count"), py::arg("seed") = 0,
          "`count` packets' draws on the link u -> v of a simulation seeded `seed`.")
      .def("__repr__", &latency_repr);

  py::class_<sim::CpuCost>(m, "CpuCost",
                           "Virtual CPU time a node is charged (microseconds); a busy node "
                           "makes its input wait.")
      .def(py::init([](double verify_us, double sign_us, double per_message_us) {
             if (verify_us < 0 || sign_us < 0 || per_message_us < 0)
               throw py::value_error("CpuCost: costs must be >= 0");
             return sim::CpuCost{ns_of_ms(verify_us / 1e3), ns_of_ms(sign_us / 1e3),
                                 ns_of_ms(per_message_us / 1e3)};
           }),
           py::kw_only(), py::arg("verify_us") = 87.0, py::arg("sign_us") = 32.0,
           py::arg("per_message_us") = 5.0)
      .def_property_readonly(
          "verify_us", [](const sim::CpuCost& c) { return static_cast<double>(c.verify_ns) / 1e3; })
      .def_property_readonly(
          "sign_us", [](const sim::CpuCost& c) { return static_cast<double>(c.sign_ns) / 1e3; })
      .def_property_readonly(
          "per_message_us",
          [](const sim::CpuCost& c) { return static_cast<double>(c.per_message_ns) / 1e3; })
      .def("__repr__", [](const sim::CpuCost& c) {
        return "CpuCost(verify_us=" + std::to_string(c.verify_ns / 1e3) +
               ", sign_us=" + std::to_string(c.sign_ns / 1e3) +
               ", per_message_us=" + std::to_string(c.per_message_ns / 1e3) + ")";
      });

  py::class_<sim::Simulation>(m, "SimulationCore",
                              "The C++ simulator; use p2pgossip.Simulation (times here in ns).")
      .def(py::init(
               [](std::uint32_t nodes,
                  const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& edges,
                  const router::GossipConfig& gossip, const Latency& latency, double bandwidth,
                  double loss, std::uint64_t queue_limit, std::optional<sim::CpuCost> cost,
                  bool verify_cache, bool wire_fidelity, bool record_mesh,
                  host::MessageIdFn message_id, std::size_t target_outbound, bool full_stack,
                  std::uint64_t seed, std::uint32_t threads, const std::string& partition,
                  const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>&
                      dialled) {
                 if (partition != "contiguous" && partition != "round_robin")
                   throw py::value_error("partition: 'contiguous' or 'round_robin', not '" +
                                         partition + "'");
                 sim::SimConfig c;
                 c.gossip = gossip;
                 c.link = link_params(latency, bandwidth, loss, queue_limit);
                 c.cost = cost;
                 c.verify_cache = verify_cache;
                 c.wire_fidelity = wire_fidelity;
                 c.record_mesh = record_mesh;
                 c.message_id = message_id;
                 c.peer_exchange = target_outbound > 0;
                 c.peers.target_outbound = target_outbound;
                 c.full_stack = full_stack;
                 c.seed = seed;
                 c.threads = threads;
                 c.partitioning = partition == "round_robin" ? sim::Partitioning::kRoundRobin
                                                             : sim::Partitioning::kContiguous;
                 c.dialled = edges_of(dialled);
                 auto e = edges_of(edges);
                 py::gil_scoped_release release;
                 return std::make_unique<sim::Simulation>(nodes, e, std::move(c));
               }),
           py::arg("nodes"), py::arg("edges"), py::arg("gossip"), py::arg("latency"),
           py::arg("bandwidth"), py::arg("loss"), py::arg("queue_limit_bytes"), py::arg("cost"),
           py::arg("verify_cache"), py::arg("wire_fidelity"), py::arg("record_mesh"),
           py::arg("message_id"), py::arg("target_outbound"), py::arg("full_stack"),
           py::arg("seed"), py::arg("threads") = 1, py::arg("partition") = "contiguous",
           py::arg("dialled") = py::array_t<std::int64_t>(std::vector<py::ssize_t>{0, 2}))
      .def_property_readonly("threads", &sim::Simulation::threads)
      .def_property_readonly("lookahead_ns", &sim::Simulation::lookahead_ns)
      .def_property_readonly("size", &sim::Simulation::size)
      .def_property_readonly("now_ns", &sim::Simulation::now)
      .def_property_readonly("events_processed", &sim::Simulation::events_processed)
      .def_property_readonly("pending_events", &sim::Simulation::pending_events)
      .def_property_readonly("verifications", &sim::Simulation::verifications)
      .def_property_readonly("verify_cache_hits", &sim::Simulation::verify_cache_hits)
      .def("subscribe", &sim::Simulation::subscribe, py::arg("node"), py::arg("topic"),
           py::arg("at_ns"))
      .def("unsubscribe", &sim::Simulation::unsubscribe, py::arg("node"), py::arg("topic"),
           py::arg("at_ns"))
      .def(
          "publish",
          [](sim::Simulation& s, std::uint32_t node, const std::string& topic,
             const py::bytes& data, std::int64_t at) {
            return id_bytes(value_or_raise(s.publish(node, topic, to_bytes(view_of(data)), at)));
          },
          py::arg("node"), py::arg("topic"), py::arg("data"), py::arg("at_ns"))
      .def(
          "inject",
          [](sim::Simulation& s, std::uint32_t to, std::uint32_t via, std::uint32_t author,
             const std::string& topic, const py::bytes& data, bool forge, std::int64_t at) {
            return id_bytes(value_or_raise(
                s.inject(to, via, author, topic, to_bytes(view_of(data)), forge, at)));
          },
          py::arg("to"), py::arg("via"), py::arg("author"), py::arg("topic"), py::arg("data"),
          py::arg("forge_signature"), py::arg("at_ns"))
      .def("partition", &sim::Simulation::partition, py::arg("groups"), py::arg("at_ns"))
      .def("heal", &sim::Simulation::heal, py::arg("at_ns"))
      .def("crash", &sim::Simulation::crash, py::arg("node"), py::arg("at_ns"))
      .def("restart", &sim::Simulation::restart, py::arg("node"), py::arg("at_ns"))
      .def("set_role", &sim::Simulation::set_role, py::arg("node"), py::arg("role"),
           py::arg("at_ns"))
      .def("set_ip", &sim::Simulation::set_ip, py::arg("node"), py::arg("ip"), py::arg("at_ns"))
      .def(
          "set_link",
          [](sim::Simulation& s, std::uint32_t u, std::uint32_t v, const Latency& latency,
             double bandwidth, double loss, std::uint64_t queue_limit, std::int64_t at) {
            value_or_raise(
                s.set_link(u, v, link_params(latency, bandwidth, loss, queue_limit), at));
          },
          py::arg("u"), py::arg("v"), py::arg("latency"), py::arg("bandwidth"), py::arg("loss"),
          py::arg("queue_limit_bytes"), py::arg("at_ns"))
      .def("run_until", &sim::Simulation::run_until, py::arg("until_ns"),
           py::call_guard<py::gil_scoped_release>())
      .def("deliveries_columns",
           [](const sim::Simulation& s) {
             const auto& log = s.deliveries();
             py::dict out;
             out["message"] = column(log.message);
             out["node"] = column(log.node);
             out["time_ns"] = column(log.time);
             out["hops"] = column(log.hops);
             out["from_peer"] = column(log.from);
             return out;
           })
      .def("mesh_changes_columns",
           [](const sim::Simulation& s) {
             const auto& log = s.mesh_changes();
             py::dict out;
             out["time_ns"] = column(log.time);
             out["node"] = column(log.node);
             out["peer"] = column(log.peer);
             out["topic"] = column(log.topic);
             out["joined"] = column(log.joined);
             out["topics"] = log.topics;
             return out;
           })
      .def("messages_columns",
           [](const sim::Simulation& s) {
             const auto& msgs = s.messages();
             py::list ids, topics;
             std::vector<std::int64_t> at, publisher;
             for (const auto& mi : msgs) {
               ids.append(id_bytes(mi.id));
               topics.append(py::str(mi.topic));
               at.push_back(mi.published_at);
               publisher.push_back(mi.publisher);
             }
             py::dict out;
             out["id"] = ids;
             out["topic"] = topics;
             out["published_at_ns"] = column(at);
             out["publisher"] = column(publisher);
             return out;
           })
      .def("requests_columns", &requests_columns)
      .def_property_readonly(
          "requests_made", [](const sim::Simulation& s) { return s.requests().size(); },
          "Requests made so far: the next one's id.")
      .def(
          "request_outcome",
          [](const sim::Simulation& s, std::size_t id) {
            const auto& r = s.requests().at(id);
            return py::make_tuple(
                r.ended_at, r.response ? py::object(to_py(*r.response)) : py::none(),
                r.error ? py::object(py::str(std::string(host::request_error_name(*r.error))))
                        : py::none());
          },
          py::arg("id"), "(ended_at_ns, response or None, error name or None) of one request.")
      .def("serve", &sim::Simulation::serve, py::arg("node"), py::arg("protocol"), py::arg("on"),
           py::arg("at_ns"))
      .def(
          "request",
          [](sim::Simulation& s, std::uint32_t node, std::uint32_t peer,
             const std::string& protocol, const py::bytes& data, std::int64_t timeout_ns,
             std::size_t max_response, std::int64_t at_ns) {
            return s.request(node, peer, protocol, to_bytes(view_of(data)), Duration{timeout_ns},
                             max_response, at_ns);
          },
          py::arg("node"), py::arg("peer"), py::arg("protocol"), py::arg("data"),
          py::arg("timeout_ns"), py::arg("max_response"), py::arg("at_ns"))
      .def(
          "set_request_handler",
          [](sim::Simulation& s, py::object fn) {
            if (fn.is_none()) return s.set_request_handler(nullptr);
            s.set_request_handler(
                [fn = held(std::move(fn))](std::uint32_t node, std::uint32_t peer,
                                           const std::string& protocol,
                                           ByteView request) -> std::optional<Bytes> {
                  py::gil_scoped_acquire gil;
                  try {
                    py::object r = (*fn)(node, peer, protocol, to_py(request));
                    if (r.is_none()) return std::nullopt;
                    return to_bytes(view_of(r.cast<py::bytes>()));
                  } catch (py::error_already_set& e) {
                    e.discard_as_unraisable("simulation request handler");
                  } catch (const py::cast_error&) {
                    PyErr_SetString(PyExc_TypeError, "a request handler must return bytes or None");
                    PyErr_WriteUnraisable(fn->ptr());
                  }
                  return std::nullopt;
                });
          },
          py::arg("handler"),
          "handler(node, peer, protocol, request) -> bytes | None (None refuses), called "
          "during run().")
      .def(
          "set_request_ended",
          [](sim::Simulation& s, py::object fn) {
            if (fn.is_none()) return s.set_request_ended(nullptr);
            s.set_request_ended([fn = held(std::move(fn))](std::size_t id) {
              py::gil_scoped_acquire gil;
              try {
                (*fn)(id);
              } catch (py::error_already_set& e) {
                e.discard_as_unraisable("simulation request hook");
              }
            });
          },
          py::arg("hook"), "hook(request id), called as each request ends, during run().")
      .def("metrics_columns", &metrics_columns)
      .def("drops_columns", &drops_columns)
      .def(
          "ban",
          [](sim::Simulation& s, std::uint32_t node, const py::handle& target,
             std::optional<std::int64_t> until_ns, const std::string& note,
             std::int64_t at_ns) { s.ban(node, ban_target(target), until_ns, note, at_ns); },
          py::arg("node"), py::arg("target"), py::arg("until_ns"), py::arg("note"),
          py::arg("at_ns"))
      .def(
          "unban",
          [](sim::Simulation& s, std::uint32_t node, const py::handle& target, std::int64_t at_ns) {
            s.unban(node, ban_target(target), at_ns);
          },
          py::arg("node"), py::arg("target"), py::arg("at_ns"))
      .def(
          "bans",
          [](const sim::Simulation& s, std::uint32_t node) { return ban_entries(s.bans(node)); },
          py::arg("node"))
      .def("mesh", &sim::Simulation::mesh, py::arg("node"), py::arg("topic"))
      .def(
          "score_breakdown",
          [](const sim::Simulation& s, std::uint32_t node,
             std::uint32_t peer) { return score_breakdown_py(s.score_breakdown(node, peer)); },
          py::arg("node"), py::arg("peer"))
      .def("topics", &sim::Simulation::topics)
      .def("alive", &sim::Simulation::alive, py::arg("node"))
      .def("message_state_bytes", &sim::Simulation::message_state_bytes, py::arg("node"))
      .def("pending_event_bytes", &sim::Simulation::pending_event_bytes)
      .def("packet_table_bytes", &sim::Simulation::packet_table_bytes)
      .def(
          "peer_id", [](const sim::Simulation& s, std::uint32_t v) { return to_py(s.peer_id(v)); },
          py::arg("node"))
      .def("trace_digest", [](const sim::Simulation& s) {
        const auto d = s.trace_digest();
        return to_py(ByteView(d.data(), d.size()));
      });

  m.def(
      "mesh_push_baseline",
      [](std::uint32_t n,
         const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& edges, int D,
         const std::vector<std::uint32_t>& publishers, double median_latency_s, double sigma,
         std::uint64_t seed) {
        auto e = edges_of(edges);
        for (auto p : publishers)
          if (p >= n) throw py::value_error("publisher out of range");
        sim::MeshPushResult r;
        {
          py::gil_scoped_release release;
          r = sim::mesh_push_baseline(n, e, D, publishers, median_latency_s, sigma, seed);
        }
        py::dict out;
        out["events"] = r.events;
        out["deliveries"] = r.deliveries;
        out["duplicates"] = r.duplicates;
        out["latency_p50_s"] = r.latency_p50_s;
        out["latency_p99_s"] = r.latency_p99_s;
        return out;
      },
      py::arg("n"), py::arg("edges"), py::arg("D"), py::arg("publishers"),
      py::arg("median_latency_s"), py::arg("sigma"), py::arg("seed"),
      "Benchmark baseline: a bare mesh-push loop (binary heap, hash sets, no control traffic).");

  m.def(
      "_event_queue_order",
      [](const std::vector<std::pair<std::int64_t, std::size_t>>& steps) {
        sim::EventQueue q;
        std::vector<std::pair<std::int64_t, std::uint64_t>> popped;
        auto pop = [&] {
          const sim::Event e = q.pop();
          popped.emplace_back(e.time, e.seq());
        };
        std::uint64_t pushes = 0;
        for (auto [time, pops] : steps) {
          q.push(time, sim::EventKind::kTick, 0, 0, sim::event_key(0, pushes++));
          for (std::size_t i = 0; i < pops && !q.empty(); ++i) pop();
        }
        while (!q.empty()) pop();
        return popped;
      },
      py::arg("steps"),
      "Test hook: the simulator's event queue fed (time_ns, pops) steps (push an event at "
      "time_ns, then pop up to `pops`), emptied at the end; the (time_ns, seq) popped, in order.");
}

}  // namespace p2pgossip::bindings
