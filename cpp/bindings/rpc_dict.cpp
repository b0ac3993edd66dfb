// Conversion between the C++ Rpc and the wire dicts of p2pgossip.wire (snake_case keys as in
// rpc.proto, absent fields and empty repeated fields are absent keys). Shared by bind_wire.cpp
// (encode_rpc/decode_rpc) and bind_router.cpp (Rpc.to_dict/from_dict).
#include "rpc_dict.hpp"

#include <initializer_list>
#include <string>
#include <string_view>

namespace p2pgossip::bindings {

namespace {

// ---- dict -> Rpc, validating the shape; `path` names the place in errors ----

std::string type_of(py::handle h) { return py::str(py::type::handle_of(h).attr("__name__")); }

py::dict dict_at(py::handle h, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
  if (!PyDict_Check(h.ptr())) throw py::type_error(path + ": expected dict, got " + type_of(h));
  auto d = py::reinterpret_borrow<py::dict>(h);
  for (auto [k, v] : d) {
    if (!PyUnicode_Check(k.ptr())) throw py::type_error(path + ": keys must be str");
    const auto key = k.cast<std::string>();
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string names;
      for (auto a : allowed) {
        if (!names.empty()) names += ", ";
        names += a;
      }
      throw py::value_error(path + ": unknown key '" + key + "' (allowed: " + names + ")");
    }
  }
  return d;
}

// The value under `key`, or nullptr when absent.
PyObject* get(const py::dict& d, const char* key) { return PyDict_GetItemString(d.ptr(), key); }

std::string sub(const std::string& path, const char* key) { return path + "." + key; }

Bytes bytes_of(py::handle h, const std::string& path) {
  if (PyBytes_Check(h.ptr())) return to_bytes(view_of(py::reinterpret_borrow<py::bytes>(h)));
  if (PyByteArray_Check(h.ptr())) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(PyByteArray_AsString(h.ptr()));
    return Bytes(p, p + PyByteArray_Size(h.ptr()));
  }
  throw py::type_error(path + ": expected bytes, got " + type_of(h));
}

std::string str_of(py::handle h, const std::string& path) {
  if (!PyUnicode_Check(h.ptr())) throw py::type_error(path + ": expected str, got " + type_of(h));
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(h.ptr(), &n);
  if (!s) throw py::error_already_set();  // lone surrogates: UnicodeEncodeError
  return {s, static_cast<std::size_t>(n)};
}

py::list list_of(py::handle h, const std::string& path) {
  if (!PyList_Check(h.ptr())) throw py::type_error(path + ": expected list, got " + type_of(h));
  return py::reinterpret_borrow<py::list>(h);
}

template <class T>
void opt(std::optional<T>& dst, const py::dict& d, const char* key, const std::string& path,
         T (*conv)(py::handle, const std::string&)) {
  if (PyObject* v = get(d, key)) dst = conv(v, sub(path, key));
}

template <class T, class Conv>
std::vector<T> list_at(const py::dict& d, const char* key, const std::string& path, Conv conv) {
  std::vector<T> out;
  PyObject* v = get(d, key);
  if (!v) return out;
  const std::string p = sub(path, key);
  auto l = list_of(v, p);
  out.reserve(l.size());
  for (std::size_t i = 0; i < l.size(); ++i)
    out.push_back(conv(l[i], p + "[" + std::to_string(i) + "]"));
  return out;
}

MessageIds ids_at(const py::dict& d, const std::string& path) {
  MessageIds out;
  for (const Bytes& id : list_at<Bytes>(d, "message_ids", path, bytes_of)) out.push_back(id);
  return out;
}

SubOpts subopts_of(py::handle h, const std::string& path) {
  auto d = dict_at(h, path, {"subscribe", "topic_id"});
  SubOpts s;
  if (PyObject* v = get(d, "subscribe")) {
    if (!PyBool_Check(v)) {
      throw py::type_error(sub(path, "subscribe") + ": expected bool, got " + type_of(v));
    }
    s.subscribe = v == Py_True;
  }
  opt(s.topic_id, d, "topic_id", path, str_of);
  return s;
}

MessagePtr message_of(py::handle h, const std::string& path) {
  auto d = dict_at(h, path, {"from", "data", "seqno", "topic", "signature", "key"});
  Message m;
  opt(m.from, d, "from", path, bytes_of);
  opt(m.data, d, "data", path, bytes_of);
  opt(m.seqno, d, "seqno", path, bytes_of);
  PyObject* topic = get(d, "topic");
  if (!topic) throw py::value_error(path + ": missing key 'topic' (required by rpc.proto)");
  m.topic = str_of(topic, sub(path, "topic"));
  opt(m.signature, d, "signature", path, bytes_of);
  opt(m.key, d, "key", path, bytes_of);
  return std::make_shared<const Message>(std::move(m));
}

PeerInfo peer_info_of(py::handle h, const std::string& path) {
  auto d = dict_at(h, path, {"peer_id", "signed_peer_record"});
  PeerInfo p;
  opt(p.peer_id, d, "peer_id", path, bytes_of);
  opt(p.signed_peer_record, d, "signed_peer_record", path, bytes_of);
  return p;
}

// A non-negative int of at most `max`; `range` names the bound in the error.
std::uint64_t uint_of(py::handle h, const std::string& path, std::uint64_t max, const char* range) {
  if (!PyLong_Check(h.ptr()) || PyBool_Check(h.ptr())) {
    throw py::type_error(path + ": expected int, got " + type_of(h));
  }
  const unsigned long long v = PyLong_AsUnsignedLongLong(h.ptr());
  if (PyErr_Occurred() || v > max) {
    PyErr_Clear();
    throw py::value_error(path + ": must be in " + range);
  }
  return v;
}

std::uint64_t backoff_of(py::handle h, const std::string& path) {
  return uint_of(h, path, UINT64_MAX, "[0, 2**64)");
}

ControlMessage control_of(py::handle h, const std::string& path) {
  auto d = dict_at(h, path, {"ihave", "iwant", "graft", "prune", "idontwant"});
  ControlMessage c;
  c.ihave = list_at<ControlIHave>(d, "ihave", path, [](py::handle e, const std::string& p) {
    auto d = dict_at(e, p, {"topic_id", "message_ids"});
    ControlIHave x;
    opt(x.topic_id, d, "topic_id", p, str_of);
    x.message_ids = ids_at(d, p);
    return x;
  });
  c.iwant = list_at<ControlIWant>(d, "iwant", path, [](py::handle e, const std::string& p) {
    return ControlIWant{ids_at(dict_at(e, p, {"message_ids"}), p)};
  });
  c.graft = list_at<ControlGraft>(d, "graft", path, [](py::handle e, const std::string& p) {
    auto d = dict_at(e, p, {"topic_id"});
    ControlGraft x;
    opt(x.topic_id, d, "topic_id", p, str_of);
    return x;
  });
  c.prune = list_at<ControlPrune>(d, "prune", path, [](py::handle e, const std::string& p) {
    auto d = dict_at(e, p, {"topic_id", "peers", "backoff"});
    ControlPrune x;
    opt(x.topic_id, d, "topic_id", p, str_of);
    x.peers = list_at<PeerInfo>(d, "peers", p, peer_info_of);
    opt(x.backoff, d, "backoff", p, backoff_of);
    return x;
  });
  c.idontwant =
      list_at<ControlIDontWant>(d, "idontwant", path, [](py::handle e, const std::string& p) {
        return ControlIDontWant{ids_at(dict_at(e, p, {"message_ids"}), p)};
      });
  return c;
}

}  // namespace

Rpc rpc_from_dict(py::handle h) {
  const std::string path = "rpc";
  auto d = dict_at(h, path, {"subscriptions", "publish", "control", "publish_hops"});
  Rpc rpc;
  rpc.subscriptions = list_at<SubOpts>(d, "subscriptions", path, subopts_of);
  rpc.publish = list_at<MessagePtr>(d, "publish", path, message_of);
  opt(rpc.control, d, "control", path, control_of);
  rpc.publish_hops =
      list_at<std::uint32_t>(d, "publish_hops", path, [](py::handle e, const std::string& p) {
        return static_cast<std::uint32_t>(uint_of(e, p, UINT32_MAX, "[0, 2**32)"));
      });
  if (!rpc.publish_hops.empty() && rpc.publish_hops.size() != rpc.publish.size())
    throw py::value_error(path + ".publish_hops: one entry per publish entry");
  return rpc;
}

namespace {

// ---- Rpc -> dict ----

template <class T>
void put(py::dict& d, const char* key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_same_v<T, Bytes>) {
    d[key] = to_py(*v);
  } else {
    d[key] = *v;
  }
}

template <class T, class Conv>
void put_list(py::dict& d, const char* key, const std::vector<T>& v, Conv conv) {
  if (v.empty()) return;
  py::list l(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) l[i] = conv(v[i]);
  d[key] = std::move(l);
}

void put_ids(py::dict& d, const MessageIds& ids) {
  if (ids.empty()) return;
  py::list l;
  for (ByteView id : ids) l.append(to_py(id));
  d["message_ids"] = std::move(l);
}

py::dict to_dict(const Message& m) {
  py::dict d;
  put(d, "from", m.from);
  put(d, "data", m.data);
  put(d, "seqno", m.seqno);
  d["topic"] = m.topic;
  put(d, "signature", m.signature);
  put(d, "key", m.key);
  return d;
}

py::dict to_dict(const ControlMessage& c) {
  py::dict d;
  put_list(d, "ihave", c.ihave, [](const ControlIHave& x) {
    py::dict e;
    put(e, "topic_id", x.topic_id);
    put_ids(e, x.message_ids);
    return e;
  });
  put_list(d, "iwant", c.iwant, [](const ControlIWant& x) {
    py::dict e;
    put_ids(e, x.message_ids);
    return e;
  });
  put_list(d, "graft", c.graft, [](const ControlGraft& x) {
    py::dict e;
    put(e, "topic_id", x.topic_id);
    return e;
  });
  put_list(d, "prune", c.prune, [](const ControlPrune& x) {
    py::dict e;
    put(e, "topic_id", x.topic_id);
    put_list(e, "peers", x.peers, [](const PeerInfo& p) {
      py::dict pe;
      put(pe, "peer_id", p.peer_id);
      put(pe, "signed_peer_record", p.signed_peer_record);
      return pe;
    });
    put(e, "backoff", x.backoff);
    return e;
  });
  put_list(d, "idontwant", c.idontwant, [](const ControlIDontWant& x) {
    py::dict e;
    put_ids(e, x.message_ids);
    return e;
  });
  return d;
}

}  // namespace

py::dict rpc_to_dict(const Rpc& rpc) {
  py::dict d;
  put_list(d, "subscriptions", rpc.subscriptions, [](const SubOpts& s) {
    py::dict e;
    put(e, "subscribe", s.subscribe);
    put(e, "topic_id", s.topic_id);
    return e;
  });
  put_list(d, "publish", rpc.publish, [](const MessagePtr& m) { return to_dict(*m); });
  if (rpc.control) d["control"] = to_dict(*rpc.control);
  put_list(d, "publish_hops", rpc.publish_hops, [](std::uint32_t h) { return py::int_(h); });
  return d;
}

}  // namespace p2pgossip::bindings
