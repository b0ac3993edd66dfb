// Python bindings of the Kademlia DHT core as the submodule p2pgossip._core.kad: the message
// codec, the keyspace, the routing table, the lookup state machine, the stores and the
// request handler. Times are seconds (float); keys are 32-byte SHA-256 digests (`kad.key`).
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>

#include "bindings.hpp"
#include "p2pgossip/kad/key.hpp"
#include "p2pgossip/kad/lookup.hpp"
#include "p2pgossip/kad/message.hpp"
#include "p2pgossip/kad/routing_table.hpp"
#include "p2pgossip/kad/server.hpp"
#include "p2pgossip/kad/store.hpp"

namespace p2pgossip::bindings {

namespace {

Instant at(double s) {
  if (!std::isfinite(s)) throw py::value_error("time must be finite");
  return Instant(static_cast<Instant::rep>(std::llround(s * 1e9)));
}

double secs(Instant t) { return std::chrono::duration<double>(t).count(); }

Duration span_of(double s, const char* what) {
  if (!std::isfinite(s) || s < 0)
    throw py::value_error(std::string(what) + " must be finite and >= 0 s");
  return Duration(static_cast<Duration::rep>(std::llround(s * 1e9)));
}

kad::Key key_arg(const py::bytes& b, const char* what = "key") {
  auto k = kad::Key::from_digest(view_of(b));
  if (!k) throw py::value_error(std::string(what) + " must be a 32-byte kad key (kad.key(...))");
  return *k;
}

py::bytes key_py(const kad::Key& k) { return to_py(k.bytes); }

std::vector<Bytes> bytes_list(const py::handle& seq) {
  std::vector<Bytes> out;
  for (auto a : seq) out.push_back(to_bytes(view_of(a.cast<py::bytes>())));
  return out;
}

py::list py_list(const std::vector<Bytes>& v) {
  py::list out;
  for (const auto& b : v) out.append(to_py(b));
  return out;
}

// --- message ---------------------------------------------------------------------------

void check_keys(const py::dict& d, std::initializer_list<const char*> keys, const char* what) {
  for (auto item : d) {
    auto key = item.first.cast<std::string>();
    if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; }))
      throw py::type_error(std::string("unknown ") + what + " field '" + key + "'");
  }
}

Bytes item_bytes(const py::dict& d, const char* key) {
  if (!d.contains(key) || d[key].is_none()) return {};
  return to_bytes(view_of(d[key].cast<py::bytes>()));
}

kad::Peer peer_from_dict(const py::dict& d) {
  check_keys(d, {"id", "addrs", "connection"}, "Peer");
  kad::Peer p;
  p.id = item_bytes(d, "id");
  if (d.contains("addrs")) p.addrs = bytes_list(d["addrs"]);
  if (d.contains("connection")) {
    auto name = d["connection"].cast<std::string>();
    auto c = kad::connection_type_named(name);
    if (!c) throw py::value_error("unknown ConnectionType '" + name + "'");
    p.connection = *c;
  }
  return p;
}

py::dict peer_to_dict(const kad::Peer& p) {
  py::dict d;
  d["id"] = to_py(p.id);
  d["addrs"] = py_list(p.addrs);
  d["connection"] = std::string(kad::name_of(p.connection));
  return d;
}

kad::Message message_from_dict(const py::dict& d) {
  check_keys(d, {"type", "key", "record", "closer_peers", "provider_peers"}, "Message");
  kad::Message m;
  if (d.contains("type")) {
    auto name = d["type"].cast<std::string>();
    auto t = kad::message_type_named(name);
    if (!t) throw py::value_error("unknown MessageType '" + name + "'");
    m.type = *t;
  }
  m.key = item_bytes(d, "key");
  if (d.contains("record") && !d["record"].is_none()) {
    auto r = d["record"].cast<py::dict>();
    check_keys(r, {"key", "value", "time_received"}, "Record");
    kad::Record rec;
    rec.key = item_bytes(r, "key");
    rec.value = item_bytes(r, "value");
    if (r.contains("time_received")) rec.time_received = r["time_received"].cast<std::string>();
    m.record = std::move(rec);
  }
  if (d.contains("closer_peers"))
    for (auto p : d["closer_peers"]) m.closer_peers.push_back(peer_from_dict(p.cast<py::dict>()));
  if (d.contains("provider_peers"))
    for (auto p : d["provider_peers"])
      m.provider_peers.push_back(peer_from_dict(p.cast<py::dict>()));
  return m;
}

py::dict message_to_dict(const kad::Message& m) {
  py::dict d;
  d["type"] = std::string(kad::name_of(m.type));
  d["key"] = to_py(m.key);
  if (m.record) {
    py::dict r;
    r["key"] = to_py(m.record->key);
    r["value"] = to_py(m.record->value);
    r["time_received"] = py::bytes(m.record->time_received).attr("decode")("utf-8", "replace");
    d["record"] = r;
  } else {
    d["record"] = py::none();
  }
  py::list closer, providers;
  for (const auto& p : m.closer_peers) closer.append(peer_to_dict(p));
  for (const auto& p : m.provider_peers) providers.append(peer_to_dict(p));
  d["closer_peers"] = closer;
  d["provider_peers"] = providers;
  return d;
}

kad::Limits limits_from(const py::kwargs& kw) {
  kad::Limits l;
  std::pair<const char*, std::size_t*> fields[] = {
      {"max_message_bytes", &l.max_message_bytes},
      {"max_key_bytes", &l.max_key_bytes},
      {"max_value_bytes", &l.max_value_bytes},
      {"max_peers", &l.max_peers},
      {"max_addrs_per_peer", &l.max_addrs_per_peer},
      {"max_peer_id_bytes", &l.max_peer_id_bytes},
      {"max_addr_bytes", &l.max_addr_bytes},
      {"max_time_received_bytes", &l.max_time_received_bytes},
  };
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    auto f = std::find_if(std::begin(fields), std::end(fields),
                          [&](const auto& x) { return key == x.first; });
    if (f == std::end(fields)) throw py::type_error("unknown kad limit '" + key + "'");
    *f->second = item.second.cast<std::size_t>();
  }
  return l;
}

void bind_kad_message(py::module_& m) {
  m.def(
      "encode",
      [](const py::dict& d, bool delimited) {
        auto msg = message_from_dict(d);
        return to_py(delimited ? kad::encode_delimited(msg) : kad::encode(msg));
      },
      py::arg("message"), py::kw_only(), py::arg("delimited") = false);
  m.def(
      "decode",
      [](const py::bytes& data, const py::kwargs& limits) {
        return message_to_dict(value_or_raise(kad::decode(view_of(data), limits_from(limits))));
      },
      py::arg("data"));
}

// --- keyspace --------------------------------------------------------------------------

void bind_keyspace(py::module_& m) {
  m.def(
      "key", [](const py::bytes& preimage) { return key_py(kad::Key::of(view_of(preimage))); },
      py::arg("preimage"), "SHA-256 of a peer id or record key: its place in the keyspace.");
  m.def(
      "distance",
      [](const py::bytes& a, const py::bytes& b) {
        auto d = kad::distance(key_arg(a, "a"), key_arg(b, "b"));
        return py::int_(py::type::of(py::int_(0)).attr("from_bytes")(to_py(d.bytes), "big"));
      },
      py::arg("a"), py::arg("b"), "XOR distance of two keys as an int.");
  m.def(
      "common_prefix_length",
      [](const py::bytes& a, const py::bytes& b) {
        return kad::common_prefix_length(key_arg(a, "a"), key_arg(b, "b"));
      },
      py::arg("a"), py::arg("b"));
  m.def(
      "random_key_with_prefix",
      [](const py::bytes& local, std::size_t cpl, std::uint64_t seed) {
        if (cpl >= kad::kKeyBits) throw py::value_error("cpl must be < 256");
        Random rng(seed);
        return key_py(kad::random_key_with_prefix(key_arg(local, "local"), cpl, rng));
      },
      py::arg("local"), py::arg("cpl"), py::arg("seed"));
  m.def(
      "random_peer_id_with_prefix",
      [](const py::bytes& local, std::size_t cpl, std::uint64_t seed, bool at_least,
         std::size_t max_attempts) -> std::optional<py::bytes> {
        Random rng(seed);
        auto id = kad::random_peer_id_with_prefix(key_arg(local, "local"), cpl, at_least, rng,
                                                  max_attempts);
        if (!id) return std::nullopt;
        return to_py(*id);
      },
      py::arg("local"), py::arg("cpl"), py::arg("seed"), py::kw_only(), py::arg("at_least") = false,
      py::arg("max_attempts") = 1 << 16);
}

// --- routing table ---------------------------------------------------------------------

const char* update_name(kad::UpdateResult r) {
  switch (r) {
    case kad::UpdateResult::kInserted:
      return "inserted";
    case kad::UpdateResult::kUpdated:
      return "updated";
    case kad::UpdateResult::kPending:
      return "pending";
    case kad::UpdateResult::kRejected:
      return "rejected";
  }
  return "rejected";
}

py::dict entry_dict(const kad::Entry& e) {
  py::dict d;
  d["peer_id"] = to_py(e.peer_id);
  d["key"] = key_py(e.key);
  d["addrs"] = py_list(e.addrs);
  d["connected"] = e.connected;
  d["last_seen"] = secs(e.last_seen);
  return d;
}

kad::RoutingTableConfig table_config(std::size_t k, std::size_t replacement_cache_size,
                                     std::size_t max_addrs_per_peer, double refresh_interval) {
  kad::RoutingTableConfig c;
  c.k = k;
  c.replacement_cache_size = replacement_cache_size;
  c.max_addrs_per_peer = max_addrs_per_peer;
  c.refresh_interval = span_of(refresh_interval, "refresh_interval");
  return c;
}

void bind_routing_table(py::module_& m) {
  using kad::RoutingTable;
  py::class_<RoutingTable>(m, "RoutingTable",
                           "k-buckets over SHA-256 keys (sans-I/O: `now` in seconds).")
      .def(py::init([](const py::bytes& local, double now, std::size_t k,
                       std::size_t replacement_cache_size, std::size_t max_addrs_per_peer,
                       double refresh_interval) {
             if (k == 0) throw py::value_error("k must be >= 1");
             return RoutingTable(
                 view_of(local),
                 table_config(k, replacement_cache_size, max_addrs_per_peer, refresh_interval),
                 at(now));
           }),
           py::arg("local_peer_id"), py::kw_only(), py::arg("now") = 0.0, py::arg("k") = kad::kK,
           py::arg("replacement_cache_size") = kad::kK, py::arg("max_addrs_per_peer") = 16,
           py::arg("refresh_interval") = 600.0)
      .def_property_readonly("local_key",
                             [](const RoutingTable& t) { return key_py(t.local_key()); })
      .def_property_readonly("k", [](const RoutingTable& t) { return t.config().k; })
      .def(
          "update",
          [](RoutingTable& t, const py::bytes& peer, const std::vector<py::bytes>& addrs,
             bool connected, double now) {
            std::vector<Bytes> a;
            for (const auto& x : addrs) a.push_back(to_bytes(view_of(x)));
            return update_name(t.update(view_of(peer), a, connected, at(now)));
          },
          py::arg("peer_id"), py::arg("addrs") = std::vector<py::bytes>{},
          py::arg("connected") = true, py::arg("now") = 0.0,
          "'inserted', 'updated', 'pending' (waiting in the replacement cache) or 'rejected'.")
      .def(
          "set_connected",
          [](RoutingTable& t, const py::bytes& peer, bool connected, double now) {
            return t.set_connected(view_of(peer), connected, at(now));
          },
          py::arg("peer_id"), py::arg("connected"), py::arg("now") = 0.0)
      .def(
          "remove", [](RoutingTable& t, const py::bytes& peer) { return t.remove(view_of(peer)); },
          py::arg("peer_id"), "The peer is dead: the newest replacement candidate takes its place.")
      .def(
          "entry",
          [](const RoutingTable& t, const py::bytes& peer) -> std::optional<py::dict> {
            const kad::Entry* e = t.find(view_of(peer));
            if (!e) return std::nullopt;
            return entry_dict(*e);
          },
          py::arg("peer_id"))
      .def("__contains__",
           [](const RoutingTable& t, const py::bytes& peer) { return t.contains(view_of(peer)); })
      .def("__len__", &RoutingTable::size)
      .def(
          "closest",
          [](const RoutingTable& t, const py::bytes& target, std::size_t n) {
            py::list out;
            for (const auto* e : t.closest(key_arg(target, "target"), n))
              out.append(to_py(e->peer_id));
            return out;
          },
          py::arg("target"), py::arg("n") = kad::kK, "Peer ids, closest to the key first.")
      .def_property_readonly("bucket_count", &RoutingTable::bucket_count)
      .def(
          "buckets",
          [](const RoutingTable& t) {
            py::list out;
            for (std::size_t i = 0; i < t.bucket_count(); ++i) {
              py::list ids;
              for (const auto& e : t.bucket(i).entries) ids.append(to_py(e.peer_id));
              out.append(ids);
            }
            return out;
          },
          "Peer ids per bucket, least recently seen first.")
      .def(
          "replacements",
          [](const RoutingTable& t) {
            py::list out;
            for (std::size_t i = 0; i < t.bucket_count(); ++i) {
              py::list ids;
              for (const auto& e : t.bucket(i).replacements) ids.append(to_py(e.peer_id));
              out.append(ids);
            }
            return out;
          },
          "Replacement candidates per bucket, oldest first.")
      .def(
          "bucket_index",
          [](const RoutingTable& t, const py::bytes& key) { return t.bucket_index(key_arg(key)); },
          py::arg("key"))
      .def("next_refresh_deadline",
           [](const RoutingTable& t) { return secs(t.next_refresh_deadline()); })
      .def(
          "buckets_due", [](const RoutingTable& t, double now) { return t.buckets_due(at(now)); },
          py::arg("now"))
      .def(
          "mark_refreshed",
          [](RoutingTable& t, std::size_t bucket, double now) {
            t.mark_refreshed(bucket, at(now));
          },
          py::arg("bucket"), py::arg("now"))
      .def(
          "note_lookup",
          [](RoutingTable& t, const py::bytes& target, double now) {
            t.note_lookup(key_arg(target, "target"), at(now));
          },
          py::arg("target"), py::arg("now"))
      .def(
          "refresh_target",
          [](const RoutingTable& t, std::size_t bucket, std::uint64_t seed) {
            Random rng(seed);
            return key_py(t.refresh_target(bucket, rng));
          },
          py::arg("bucket"), py::arg("seed"));
}

// --- lookup ----------------------------------------------------------------------------

// A peer given as its id (bytes) or as (id, addrs).
kad::LookupPeer lookup_peer(const py::handle& h) {
  if (py::isinstance<py::bytes>(h)) return {to_bytes(view_of(h.cast<py::bytes>())), {}};
  auto t = h.cast<py::tuple>();
  if (t.size() != 2) throw py::type_error("a peer is bytes or (id, addrs)");
  return {to_bytes(view_of(t[0].cast<py::bytes>())), bytes_list(t[1])};
}

std::vector<kad::LookupPeer> lookup_peers(const py::iterable& seq) {
  std::vector<kad::LookupPeer> out;
  for (auto h : seq) out.push_back(lookup_peer(h));
  return out;
}

const char* state_name(kad::PeerState s) {
  switch (s) {
    case kad::PeerState::kNotContacted:
      return "not_contacted";
    case kad::PeerState::kWaiting:
      return "waiting";
    case kad::PeerState::kSucceeded:
      return "succeeded";
    case kad::PeerState::kFailed:
      return "failed";
  }
  return "failed";
}

void bind_lookup(py::module_& m) {
  using kad::Lookup;
  py::class_<Lookup>(m, "Lookup", "One iterative lookup (alpha parallel queries, k closest).")
      .def(py::init([](const py::bytes& target, const py::iterable& seeds, std::size_t k,
                       std::size_t alpha, double query_timeout, std::size_t max_peers,
                       const py::bytes& local_peer_id) {
             if (k == 0 || alpha == 0) throw py::value_error("k and alpha must be >= 1");
             kad::LookupConfig c;
             c.k = k;
             c.alpha = alpha;
             c.query_timeout = span_of(query_timeout, "query_timeout");
             c.max_peers = max_peers;
             c.max_peers_per_response = std::max(k, c.max_peers_per_response);
             auto s = lookup_peers(seeds);
             return Lookup(key_arg(target, "target"), s, c, view_of(local_peer_id));
           }),
           py::arg("target"), py::arg("seeds"), py::kw_only(), py::arg("k") = kad::kK,
           py::arg("alpha") = kad::kAlpha, py::arg("query_timeout") = 10.0,
           py::arg("max_peers") = 1000, py::arg("local_peer_id") = py::bytes())
      .def_property_readonly("target", [](const Lookup& l) { return key_py(l.target()); })
      .def(
          "poll_query",
          [](Lookup& l, double now) -> std::optional<py::bytes> {
            auto p = l.poll_query(at(now));
            if (!p) return std::nullopt;
            return to_py(p->id);
          },
          py::arg("now"), "The next peer to ask (its id), or None.")
      .def(
          "on_response",
          [](Lookup& l, const py::bytes& peer, const py::iterable& closer) {
            auto c = lookup_peers(closer);
            return l.on_response(view_of(peer), c);
          },
          py::arg("peer_id"), py::arg("closer_peers"))
      .def(
          "on_failure",
          [](Lookup& l, const py::bytes& peer) { return l.on_failure(view_of(peer)); },
          py::arg("peer_id"))
      .def(
          "handle_timeout", [](Lookup& l, double now) { l.handle_timeout(at(now)); },
          py::arg("now"))
      .def("next_deadline",
           [](const Lookup& l) -> std::optional<double> {
             auto d = l.next_deadline();
             if (!d) return std::nullopt;
             return secs(*d);
           })
      .def_property_readonly("finished", &Lookup::finished)
      .def_property_readonly("in_flight", &Lookup::in_flight)
      .def_property_readonly("hops", &Lookup::hops)
      .def_property_readonly("max_hops", &Lookup::max_hops)
      .def("closest",
           [](const Lookup& l) {
             py::list out;
             for (const auto* e : l.closest()) out.append(to_py(e->id));
             return out;
           })
      .def("peers",
           [](const Lookup& l) {
             py::list out;
             for (const auto& e : l.peers())
               out.append(py::make_tuple(to_py(e.id), state_name(e.state), e.hops));
             return out;
           })
      .def_property_readonly("stats", [](const Lookup& l) {
        const auto& s = l.stats();
        py::dict d;
        d["queries"] = s.queries;
        d["responses"] = s.responses;
        d["failures"] = s.failures;
        d["timeouts"] = s.timeouts;
        d["peers_learned"] = s.peers_learned;
        d["peers_dropped"] = s.peers_dropped;
        return d;
      });
}

// --- server and stores -----------------------------------------------------------------

kad::Mode mode_named(const std::string& s) {
  if (s == "server") return kad::Mode::kServer;
  if (s == "client") return kad::Mode::kClient;
  throw py::value_error("mode must be 'server' or 'client'");
}

py::object opt_secs(const std::optional<Instant>& t) {
  return t ? py::object(py::float_(secs(*t))) : py::object(py::none());
}

void bind_server(py::module_& m) {
  using kad::Server;
  py::class_<Server>(m, "Server",
                     "Answers /ipfs/kad/1.0.0 requests from its routing table and stores.")
      .def(
          py::init([](const py::bytes& local, const std::string& mode, double now, std::size_t k,
                      double refresh_interval, std::size_t max_records, std::size_t max_value_bytes,
                      double record_ttl, std::size_t max_provider_keys,
                      std::size_t max_providers_per_key, double provider_ttl) {
            if (k == 0) throw py::value_error("k must be >= 1");
            kad::ServerConfig c;
            c.mode = mode_named(mode);
            c.closer_peers = k;
            c.table = table_config(k, k, 16, refresh_interval);
            c.records.max_records = max_records;
            c.records.max_value_bytes = max_value_bytes;
            c.records.record_ttl = span_of(record_ttl, "record_ttl");
            c.providers.max_keys = max_provider_keys;
            c.providers.max_providers_per_key = max_providers_per_key;
            c.providers.provider_ttl = span_of(provider_ttl, "provider_ttl");
            return std::make_unique<Server>(view_of(local), c, at(now));
          }),
          py::arg("local_peer_id"), py::kw_only(), py::arg("mode") = "server", py::arg("now") = 0.0,
          py::arg("k") = kad::kK, py::arg("refresh_interval") = 600.0,
          py::arg("max_records") = 1024, py::arg("max_value_bytes") = 65 * 1024,
          py::arg("record_ttl") = 36 * 3600.0, py::arg("max_provider_keys") = 1024,
          py::arg("max_providers_per_key") = kad::kK, py::arg("provider_ttl") = 48 * 3600.0)
      .def_property(
          "mode",
          [](const Server& s) { return s.mode() == kad::Mode::kServer ? "server" : "client"; },
          [](Server& s, const std::string& v) { s.set_mode(mode_named(v)); })
      .def_property_readonly(
          "table", [](Server& s) -> kad::RoutingTable& { return s.table(); },
          py::return_value_policy::reference_internal)
      .def(
          "handle",
          [](Server& s, const py::bytes& sender, const py::bytes& request,
             double now) -> std::optional<py::bytes> {
            auto msg = value_or_raise(kad::decode(view_of(request)));
            auto r = s.handle(view_of(sender), msg, at(now));
            if (!r) throw py::value_error(r.error().what);
            if (!*r) return std::nullopt;
            return to_py(kad::encode(**r));
          },
          py::arg("sender"), py::arg("request"), py::arg("now"),
          "Encoded request in, encoded response out (None: no response is sent). DecodeError "
          "for bytes that do not decode, ValueError for a refused request.")
      .def(
          "put_record",
          [](Server& s, const py::bytes& key, const py::bytes& value, double now) {
            if (auto st = s.records().put(view_of(key), view_of(value), at(now)); !st)
              throw py::value_error(st.error().what);
          },
          py::arg("key"), py::arg("value"), py::arg("now"))
      .def(
          "get_record",
          [](Server& s, const py::bytes& key, double now) -> std::optional<py::bytes> {
            const auto* r = s.records().get(view_of(key), at(now));
            if (!r) return std::nullopt;
            return to_py(r->value);
          },
          py::arg("key"), py::arg("now"))
      .def(
          "add_provider",
          [](Server& s, const py::bytes& key, const py::bytes& peer,
             const std::vector<py::bytes>& addrs, double now) {
            std::vector<Bytes> a;
            for (const auto& x : addrs) a.push_back(to_bytes(view_of(x)));
            if (auto st = s.providers().add(view_of(key), view_of(peer), a, at(now)); !st)
              throw py::value_error(st.error().what);
          },
          py::arg("key"), py::arg("peer_id"), py::arg("addrs") = std::vector<py::bytes>{},
          py::arg("now") = 0.0)
      .def(
          "providers",
          [](Server& s, const py::bytes& key, double now) {
            py::list out;
            for (const auto* p : s.providers().get(view_of(key), at(now)))
              out.append(py::make_tuple(to_py(p->peer_id), py_list(p->addrs)));
            return out;
          },
          py::arg("key"), py::arg("now"))
      .def(
          "expire",
          [](Server& s, double now) {
            return py::make_tuple(s.records().expire(at(now)), s.providers().expire(at(now)));
          },
          py::arg("now"), "Drops expired records and providers: (records, providers) dropped.")
      .def("next_expiry",
           [](const Server& s) {
             auto a = s.records().next_expiry(), b = s.providers().next_expiry();
             if (a && b) return opt_secs(std::min(*a, *b));
             return opt_secs(a ? a : b);
           })
      .def_property_readonly("record_count", [](Server& s) { return s.records().size(); })
      .def_property_readonly("provider_count", [](Server& s) { return s.providers().size(); })
      .def(
          "set_validator",
          [](Server& s, std::optional<py::function> fn) {
            if (!fn) {
              s.records().set_validator({});
              return;
            }
            s.records().set_validator([fn = *fn](ByteView key, ByteView value) -> Status {
              py::object r = fn(to_py(key), to_py(value));
              if (r.is_none() || py::bool_(r)) return Ok{};
              return Error{"rejected by the validator"};
            });
          },
          py::arg("validator"),
          "validator(key, value) -> bool: False rejects a PUT_VALUE (None: accept all).")
      .def(
          "set_selector",
          [](Server& s, std::optional<py::function> fn) {
            if (!fn) {
              s.records().set_selector({});
              return;
            }
            s.records().set_selector(
                [fn = *fn](ByteView key, ByteView existing, ByteView incoming) {
                  return py::bool_(fn(to_py(key), to_py(existing), to_py(incoming))).cast<bool>();
                });
          },
          py::arg("selector"),
          "selector(key, existing, incoming) -> bool: True lets `incoming` replace `existing`.")
      .def_property_readonly("counters", [](Server& s) {
        const auto& c = s.counters();
        const auto& r = s.records().counters();
        const auto& p = s.providers().counters();
        py::dict d;
        py::dict by_type;
        for (std::size_t i = 0; i < 6; ++i)
          by_type[py::str(std::string(kad::name_of(static_cast<kad::MessageType>(i))))] =
              c.requests[i];
        d["requests"] = by_type;
        d["refused_client_mode"] = c.refused_client_mode;
        d["refused_invalid"] = c.refused_invalid;
        d["put_rejected"] = c.put_rejected;
        d["providers_not_sender"] = c.providers_not_sender;
        d["providers_rejected"] = c.providers_rejected;
        d["records_stored"] = r.stored;
        d["records_replaced"] = r.replaced;
        d["records_rejected_invalid"] = r.rejected_invalid;
        d["records_rejected_size"] = r.rejected_size;
        d["records_rejected_full"] = r.rejected_full;
        d["records_rejected_not_better"] = r.rejected_not_better;
        d["records_expired"] = r.expired;
        d["providers_added"] = p.added;
        d["providers_refreshed"] = p.refreshed;
        d["providers_rejected_size"] = p.rejected_size;
        d["providers_rejected_full"] = p.rejected_full;
        d["providers_expired"] = p.expired;
        return d;
      });
}

}  // namespace

void bind_kad(py::module_& kad) {
  kad.attr("PROTOCOL_ID") = std::string(kad::kProtocolId);
  kad.attr("K") = kad::kK;
  kad.attr("ALPHA") = kad::kAlpha;
  bind_kad_message(kad);
  bind_keyspace(kad);
  bind_routing_table(kad);
  bind_lookup(kad);
  bind_server(kad);
}

}  // namespace p2pgossip::bindings
