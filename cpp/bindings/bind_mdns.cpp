// Python bindings of the mDNS packet codec as the submodule p2pgossip._core.mdns. Names are
// str (bytes that are not UTF-8 kept as surrogate escapes, so they round-trip); TXT strings
// and record data are bytes.
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.hpp"
#include "fields.hpp"
#include "mdns_bindings.hpp"
#include "p2pgossip/net/mdns.hpp"
#include "p2pgossip/net/mdns_discovery.hpp"

namespace p2pgossip::bindings {

namespace {

namespace mdns = net::mdns;

py::str name_py(const std::string& s) {
  return py::bytes(s).attr("decode")("utf-8", "surrogateescape");
}

std::string name_cpp(const py::handle& o) {
  return o.attr("encode")("utf-8", "surrogateescape").cast<std::string>();
}

void check_keys(const py::dict& d, std::initializer_list<const char*> keys, const char* what) {
  for (auto item : d) {
    auto key = item.first.cast<std::string>();
    if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; }))
      throw py::type_error(std::string("unknown ") + what + " field '" + key + "'");
  }
}

template <class T>
void get(const py::dict& d, const char* key, T& out) {
  if (d.contains(key)) out = d[key].cast<T>();
}

mdns::Question question_from(const py::dict& d) {
  check_keys(d, {"name", "type", "qclass", "unicast_response"}, "question");
  mdns::Question q;
  if (d.contains("name")) q.name = name_cpp(d["name"]);
  get(d, "type", q.type);
  get(d, "qclass", q.qclass);
  get(d, "unicast_response", q.unicast_response);
  return q;
}

mdns::Record record_from(const py::dict& d) {
  check_keys(d,
             {"name", "type", "rclass", "cache_flush", "ttl", "target", "txt", "priority", "weight",
              "port", "data"},
             "record");
  mdns::Record r;
  if (d.contains("name")) r.name = name_cpp(d["name"]);
  if (d.contains("target")) r.target = name_cpp(d["target"]);
  get(d, "type", r.type);
  get(d, "rclass", r.rclass);
  get(d, "cache_flush", r.cache_flush);
  get(d, "ttl", r.ttl);
  get(d, "priority", r.priority);
  get(d, "weight", r.weight);
  get(d, "port", r.port);
  if (d.contains("txt"))
    for (auto s : d["txt"]) r.txt.push_back(s.cast<py::bytes>().cast<std::string>());
  if (d.contains("data")) r.data = to_bytes(view_of(d["data"].cast<py::bytes>()));
  return r;
}

py::dict question_py(const mdns::Question& q) {
  py::dict d;
  d["name"] = name_py(q.name);
  d["type"] = q.type;
  d["qclass"] = q.qclass;
  d["unicast_response"] = q.unicast_response;
  return d;
}

py::dict record_py(const mdns::Record& r) {
  py::dict d;
  d["name"] = name_py(r.name);
  d["type"] = r.type;
  d["rclass"] = r.rclass;
  d["cache_flush"] = r.cache_flush;
  d["ttl"] = r.ttl;
  d["target"] = name_py(r.target);
  py::list txt;
  for (const auto& s : r.txt) txt.append(py::bytes(s));
  d["txt"] = txt;
  d["priority"] = r.priority;
  d["weight"] = r.weight;
  d["port"] = r.port;
  d["data"] = to_py(r.data);
  return d;
}

mdns::Message message_from(const py::dict& d) {
  check_keys(d, {"id", "flags", "questions", "answers", "authorities", "additionals"}, "message");
  mdns::Message m;
  get(d, "id", m.id);
  get(d, "flags", m.flags);
  if (d.contains("questions"))
    for (auto q : d["questions"]) m.questions.push_back(question_from(q.cast<py::dict>()));
  std::pair<const char*, std::vector<mdns::Record>*> lists[] = {
      {"answers", &m.answers}, {"authorities", &m.authorities}, {"additionals", &m.additionals}};
  for (auto& [key, list] : lists)
    if (d.contains(key))
      for (auto r : d[key]) list->push_back(record_from(r.cast<py::dict>()));
  return m;
}

py::dict message_py(const mdns::Message& m) {
  py::dict d;
  d["id"] = m.id;
  d["flags"] = m.flags;
  py::list qs;
  for (const auto& q : m.questions) qs.append(question_py(q));
  d["questions"] = qs;
  std::pair<const char*, const std::vector<mdns::Record>*> lists[] = {
      {"answers", &m.answers}, {"authorities", &m.authorities}, {"additionals", &m.additionals}};
  for (auto& [key, list] : lists) {
    py::list out;
    for (const auto& r : *list) out.append(record_py(r));
    d[key] = out;
  }
  return d;
}

mdns::Limits limits_from(const py::kwargs& kw) {
  mdns::Limits l;
  std::pair<const char*, std::size_t*> fields[] = {
      {"max_message_bytes", &l.max_message_bytes},
      {"max_questions", &l.max_questions},
      {"max_records", &l.max_records},
      {"max_pointer_jumps", &l.max_pointer_jumps},
  };
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    auto f = std::find_if(std::begin(fields), std::end(fields),
                          [&](const auto& x) { return key == x.first; });
    if (f == std::end(fields)) throw py::type_error("unknown mdns limit '" + key + "'");
    *f->second = item.second.cast<std::size_t>();
  }
  return l;
}

py::bytes encoded(const mdns::Message& m) {
  auto r = mdns::encode(m);
  if (!r) throw py::value_error(r.error().what);
  return to_py(*r);
}

// The discovery state machine; times are seconds of the caller's clock.
void bind_discovery(py::module_& md) {
  using net::MdnsDiscovery;
  auto at = [](double s) { return Instant(from_seconds(s, "now")); };
  py::class_<MdnsDiscovery>(md, "Discovery")
      .def(py::init([at](const crypto::PeerId& local, const std::string& peer_name, double now,
                         double query_interval, double answer_interval) {
             net::MdnsConfig c;
             c.query_interval = from_seconds(query_interval, "query_interval");
             c.answer_interval = from_seconds(answer_interval, "answer_interval");
             return MdnsDiscovery(local, peer_name, c, at(now));
           }),
           py::arg("local"), py::arg("peer_name"), py::kw_only(), py::arg("now"),
           py::arg("query_interval") = 60.0, py::arg("answer_interval") = 1.0)
      .def("set_addrs", &MdnsDiscovery::set_addrs, py::arg("addrs"))
      .def(
          "handle_packet",
          [at](MdnsDiscovery& d, const py::bytes& packet, double now) {
            d.handle_packet(view_of(packet), at(now));
          },
          py::arg("packet"), py::arg("now"))
      .def(
          "handle_timeout", [at](MdnsDiscovery& d, double now) { d.handle_timeout(at(now)); },
          py::arg("now"))
      .def_property_readonly("next_deadline",
                             [](const MdnsDiscovery& d) -> std::optional<double> {
                               auto t = d.next_deadline();
                               if (!t) return std::nullopt;
                               return to_seconds(*t);
                             })
      .def("poll_transmit",
           [](MdnsDiscovery& d) {
             py::list out;
             while (auto b = d.poll_transmit()) out.append(to_py(*b));
             return out;
           })
      .def("poll_discovered",
           [](MdnsDiscovery& d) {
             py::list out;
             for (auto& p : d.poll_discovered()) out.append(py::make_tuple(p.peer, p.addrs));
             return out;
           })
      .def_property_readonly("counters",
                             [](const MdnsDiscovery& d) { return mdns_counters(d.counters()); });
}

}  // namespace

py::dict mdns_counters(const net::MdnsCounters& c) {
  py::dict out;
  out["queries_sent"] = c.queries_sent;
  out["queries_answered"] = c.queries_answered;
  out["queries_not_answered"] = c.queries_not_answered;
  out["meta_queries_answered"] = c.meta_queries_answered;
  out["responses_received"] = c.responses_received;
  out["peers_discovered"] = c.peers_discovered;
  out["packets_invalid"] = c.packets_invalid;
  out["addrs_refused"] = c.addrs_refused;
  out["discoveries_dropped"] = c.discoveries_dropped;
  return out;
}

void bind_mdns(py::module_& md) {
  md.attr("SERVICE_NAME") = std::string(mdns::kServiceName);
  md.attr("META_QUERY_NAME") = std::string(mdns::kMetaQueryName);
  md.attr("PORT") = mdns::kPort;
  md.attr("IPV4_GROUP") = std::string(mdns::kIpv4Group);
  md.attr("IPV6_GROUP") = std::string(mdns::kIpv6Group);
  md.def(
      "encode", [](const py::dict& d) { return encoded(message_from(d)); }, py::arg("message"),
      "ValueError for a name, TXT string or A/AAAA data the DNS format cannot hold.");
  md.def(
      "decode",
      [](const py::bytes& data, const py::kwargs& limits) {
        return message_py(value_or_raise(mdns::decode(view_of(data), limits_from(limits))));
      },
      py::arg("data"));
  md.def("peer_query", [] { return encoded(mdns::peer_query()); });
  // Predicates on packets: False also for bytes that do not decode.
  auto test = [](auto pred) {
    return [pred](const py::bytes& data) {
      auto msg = mdns::decode(view_of(data));
      return msg.ok() && pred(*msg);
    };
  };
  md.def("is_peer_query", test(mdns::is_peer_query), py::arg("data"),
         "False also for bytes that do not decode.");
  md.def("is_meta_query", test(mdns::is_meta_query), py::arg("data"),
         "False also for bytes that do not decode.");
  md.def(
      "is_query_for",
      [](const py::bytes& data, const std::string& peer_name) {
        auto msg = mdns::decode(view_of(data));
        return msg.ok() && mdns::is_query_for(*msg, peer_name);
      },
      py::arg("data"), py::arg("peer_name"), "False also for bytes that do not decode.");
  md.def(
      "meta_response", [](std::uint32_t ttl) { return encoded(mdns::meta_response(ttl)); },
      py::arg("ttl") = 120);
  md.def(
      "peer_response",
      [](const std::string& peer_name, const std::vector<std::string>& addrs, std::uint32_t ttl) {
        return encoded(mdns::peer_response(peer_name, addrs, ttl));
      },
      py::arg("peer_name"), py::arg("addrs"), py::arg("ttl") = 120);
  md.def(
      "discovered_peers",
      [](const py::bytes& data) {
        auto msg = value_or_raise(mdns::decode(view_of(data)));
        py::list out;
        for (const auto& p : mdns::discovered_peers(msg))
          out.append(py::make_tuple(name_py(p.peer_name), p.addrs, p.ttl));
        return out;
      },
      py::arg("data"), "(peer_name, dnsaddr multiaddr strings, ttl) per announced peer.");
  md.def(
      "random_peer_name",
      [](std::uint64_t seed) {
        Random rng(seed);
        return mdns::random_peer_name(rng);
      },
      py::arg("seed"));
  bind_discovery(md);
}

}  // namespace p2pgossip::bindings
