// Python bindings of the pubsub Message: building, signing (Message.create), verification
// (single and batched with the GIL released), encoding and message ids.
#include <pybind11/native_enum.h>
#include <pybind11/stl.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto_bindings.hpp"
#include "host_bindings.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/crypto/xxh3.hpp"
#include "p2pgossip/host/message_id.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/message.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::crypto;
using MessageRef = std::shared_ptr<Message>;

namespace {

// Topics are proto `string`s, but a peer may send any bytes: surrogateescape keeps every
// topic representable in Python and round-trips it exactly.
py::str topic_to_py(const std::string& t) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(t.data(), static_cast<Py_ssize_t>(t.size()), "surrogateescape"));
}

std::string topic_from_py(const py::handle& h) {
  if (!py::isinstance<py::str>(h)) throw py::type_error("topic must be a str");
  auto b = py::reinterpret_steal<py::object>(
      PyUnicode_AsEncodedString(h.ptr(), "utf-8", "surrogateescape"));
  if (!b) throw py::error_already_set();
  return std::string(as_chars(view_of(b.cast<py::bytes>())));
}

std::optional<Bytes> optional_bytes_from_py(const py::handle& h, const char* field) {
  if (h.is_none()) return std::nullopt;
  if (!py::isinstance<py::bytes>(h))
    throw py::type_error(std::string(field) + " must be bytes or None");
  return to_bytes(view_of(py::reinterpret_borrow<py::bytes>(h)));
}

py::object optional_bytes_to_py(const std::optional<Bytes>& b) {
  if (!b) return py::none();
  return to_py(*b);
}

// Sets one field by its Python name; the one place that maps names to fields.
void set_field(Message& m, const std::string& name, const py::handle& value) {
  if (name == "topic")
    m.topic = topic_from_py(value);
  else if (name == "data")
    m.data = optional_bytes_from_py(value, "data");
  else if (name == "from_")
    m.from = optional_bytes_from_py(value, "from_");
  else if (name == "seqno")
    m.seqno = optional_bytes_from_py(value, "seqno");
  else if (name == "signature")
    m.signature = optional_bytes_from_py(value, "signature");
  else if (name == "key")
    m.key = optional_bytes_from_py(value, "key");
  else
    throw py::type_error("Message has no field '" + name + "'");
}

Bytes seqno_from_py(const py::handle& h) {
  if (py::isinstance<py::bytes>(h)) return to_bytes(view_of(py::reinterpret_borrow<py::bytes>(h)));
  if (py::isinstance<py::int_>(h)) {
    const py::int_ v = py::reinterpret_borrow<py::int_>(h);
    if (v < py::int_(0) || v > py::int_(UINT64_MAX))
      throw py::value_error("seqno must fit in an unsigned 64-bit integer");
    return host::seqno_bytes(v.cast<std::uint64_t>());
  }
  throw py::type_error("seqno must be an int, bytes or None");
}

// Argument conversion for the per-message calls, where pybind11's generic casts of an
// enum.Enum member and of None cost more than a microsecond: members are compared by
// identity (the enum's members are singletons, also across pickling).
SignaturePolicy policy_of(const py::handle& h) {
  static const py::handle strict_sign = py::cast(SignaturePolicy::kStrictSign).release();
  static const py::handle strict_no_sign = py::cast(SignaturePolicy::kStrictNoSign).release();
  if (h.is(strict_sign)) return SignaturePolicy::kStrictSign;
  if (h.is(strict_no_sign)) return SignaturePolicy::kStrictNoSign;
  throw py::type_error("policy must be a SignaturePolicy");
}

VerifyCache* cache_of(const py::handle& h) {
  if (h.is_none()) return nullptr;
  if (!py::isinstance<VerifyCache>(h)) throw py::type_error("cache must be a VerifyCache or None");
  return h.cast<VerifyCache*>();
}

MessageRef create(const py::object& identity, const py::object& topic, const py::bytes& data,
                  const py::object& seqno, const py::handle& policy_arg) {
  const SignaturePolicy policy = policy_of(policy_arg);
  auto m = std::make_shared<Message>();
  m->topic = topic_from_py(topic);
  m->data = to_bytes(view_of(data));
  if (policy == SignaturePolicy::kStrictNoSign) {
    if (!seqno.is_none()) throw py::value_error("StrictNoSign messages carry no seqno");
    return m;
  }
  if (identity.is_none()) throw py::value_error("StrictSign needs an identity to sign with");
  auto id = identity.cast<IdentityPtr>();
  m->seqno = seqno.is_none() ? host::seqno_bytes(id->next_seqno()) : seqno_from_py(seqno);
  py::gil_scoped_release release;
  host::sign_message(*id, *m);
  return m;
}

py::bytes message_id(const MessageRef& self, const py::object& fn) {
  if (py::isinstance<py::str>(fn)) {
    if (fn.cast<host::MessageIdFn>() == host::MessageIdFn::kXxh3)
      return to_py(host::message_id_xxh3(*self).view());
    // Unlike a node's id function, a malformed `from` is an error here, not the empty id.
    auto id = host::message_id_from_seqno(*self);
    if (!id) throw py::value_error(id.error().what);
    return to_py(id->view());
  }
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("fn must be 'xxh3', 'from-seqno' or a callable (Message) -> bytes");
  py::object id = fn(self);
  if (!py::isinstance<py::bytes>(id)) throw py::type_error("message id function must return bytes");
  return id;
}

std::string short_bytes(const std::optional<Bytes>& b) {
  if (b->size() <= 32) return py::repr(to_py(*b)).cast<std::string>();
  return "<" + std::to_string(b->size()) + " bytes>";
}

std::string message_repr(const Message& m) {
  std::string s = "Message(topic=" + py::repr(topic_to_py(m.topic)).cast<std::string>();
  if (m.data) s += ", data=" + short_bytes(m.data);
  if (m.from) {
    auto pid = PeerId::from_bytes(*m.from);
    s += ", from_=" + (pid ? "PeerId('" + pid->to_string() + "')" : short_bytes(m.from));
  }
  if (m.seqno) s += ", seqno=" + short_bytes(m.seqno);
  if (m.signature) s += ", signature=" + short_bytes(m.signature);
  if (m.key) s += ", key=" + short_bytes(m.key);
  return s + ")";
}

}  // namespace

std::vector<MessageRef> messages_of(const py::iterable& items) {
  std::vector<MessageRef> out;
  for (const auto& h : items) {
    if (!py::isinstance<Message>(h))
      throw py::type_error("messages[" + std::to_string(out.size()) + "] is not a Message");
    out.push_back(h.cast<MessageRef>());
  }
  return out;
}

void bind_message(py::module_& m) {
  py::native_enum<SignaturePolicy>(m, "SignaturePolicy", "enum.Enum",
                                   "Signature policies of the libp2p pubsub spec.")
      .value("StrictSign", SignaturePolicy::kStrictSign,
             "sign published messages; require and verify signatures on received ones")
      .value("StrictNoSign", SignaturePolicy::kStrictNoSign,
             "no from/seqno/signature/key on published messages; reject received ones with any")
      .finalize();

  py::class_<host::Publisher>(
      m, "Publisher",
      "How a node publishes: its signature policy, message id function and the size rule "
      "(the encoded Message within max_message_size), as the simulator and the runtime apply "
      "them.")
      .def(py::init<SignaturePolicy, host::MessageIdFn, std::size_t>(), py::arg("signature_policy"),
           py::arg("message_id"), py::arg("max_message_size"))
      .def_property_readonly("message_id", &host::Publisher::id_fn)
      .def("max_data_size", &host::Publisher::max_data_size, py::arg("topic"),
           "The most data a message on `topic` may carry; None when none fits.")
      .def(
          "check_size",
          [](const host::Publisher& p, const std::string& topic, std::size_t data_size) {
            if (auto ok = p.check_size(topic, data_size); !ok)
              throw py::value_error(ok.error().what);
          },
          py::arg("topic"), py::arg("data_size"),
          "Raises ValueError, saying by how much, when `data_size` bytes do not fit.");

  py::class_<Message, MessageRef>(
      m, "Message",
      "A pubsub message (rpc.proto Message). Immutable; `from_` is the `from` field (peer id "
      "bytes), named with an underscore because `from` is a Python keyword.")
      .def(py::init([](const py::object& topic, const py::object& data, const py::kwargs& kw) {
             auto msg = std::make_shared<Message>();
             msg->topic = topic_from_py(topic);
             msg->data = optional_bytes_from_py(data, "data");
             for (const auto& [k, v] : kw) set_field(*msg, k.cast<std::string>(), v);
             return msg;
           }),
           py::arg("topic"), py::arg("data") = py::none(),
           "Message(topic, data=None, *, from_=None, seqno=None, signature=None, key=None): "
           "an arbitrary, unsigned-unless-you-say-so message (use Message.create to sign).")
      .def_static("create", &create, py::arg("identity"), py::arg("topic"), py::arg("data"),
                  py::arg("seqno") = py::none(), py::arg("policy") = SignaturePolicy::kStrictSign,
                  "Build a message per the signature policy. StrictSign sets from_ to the "
                  "identity's peer id, seqno (default: the identity's 8-byte big-endian counter) "
                  "and the signature; StrictNoSign sets only topic and data.")
      .def_property_readonly("topic", [](const MessageRef& s) { return topic_to_py(s->topic); })
      .def_property_readonly("data",
                             [](const MessageRef& s) { return optional_bytes_to_py(s->data); })
      .def_property_readonly("from_",
                             [](const MessageRef& s) { return optional_bytes_to_py(s->from); })
      .def_property_readonly("seqno",
                             [](const MessageRef& s) { return optional_bytes_to_py(s->seqno); })
      .def_property_readonly("signature",
                             [](const MessageRef& s) { return optional_bytes_to_py(s->signature); })
      .def_property_readonly("key",
                             [](const MessageRef& s) { return optional_bytes_to_py(s->key); })
      .def(
          "verify",
          [](const Message& self, const py::handle& policy, const py::handle& cache) {
            const SignaturePolicy p = policy_of(policy);
            VerifyCache* c = cache_of(cache);
            py::gil_scoped_release release;
            return host::validate_message(self, p, c);
          },
          py::arg("policy") = SignaturePolicy::kStrictSign, py::arg("cache") = py::none(),
          "True when the message follows the policy and (StrictSign) its signature verifies.")
      .def("encode",
           [](const MessageRef& self) {
             Bytes out;
             wire::encode_message(*self, out);
             return to_py(out);
           })
      .def_static(
          "decode",
          [](const py::bytes& data, const py::object& limits) {
            const ByteView in = view_of(data);
            const wire::DecodeLimits l =
                limits.is_none() ? wire::DecodeLimits{} : limits.cast<wire::DecodeLimits>();
            return std::make_shared<Message>(value_or_raise(wire::decode_message(in, l)));
          },
          py::arg("data"), py::arg("limits") = py::none(),
          "Decode an encoded Message (bounded by DecodeLimits); raises DecodeError naming "
          "the field and rule that failed.")
      .def(
          "signed_bytes", [](const MessageRef& self) { return to_py(host::signed_bytes(*self)); },
          "The bytes the signature covers: b'libp2p-pubsub:' + the encoding without signature "
          "and key.")
      .def("id", &message_id, py::arg("fn") = "xxh3",
           "The message id: 'xxh3' (XXH3-128 over the encoded data and topic, 16 bytes), "
           "'from-seqno' (from_ + seqno, libp2p's default) or a callable (Message) -> bytes.")
      .def(
          "replace",
          [](const MessageRef& self, const py::kwargs& kw) {
            auto copy = std::make_shared<Message>(*self);
            for (const auto& [k, v] : kw) set_field(*copy, k.cast<std::string>(), v);
            return copy;
          },
          "A copy with the given fields changed (the signature is not recomputed).")
      .def("__eq__",
           [](const MessageRef& a, const py::object& b) -> py::object {
             if (!py::isinstance<Message>(b))
               return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(*a == *b.cast<MessageRef>());
           })
      .def("__hash__",
           [](const MessageRef& self) {
             Bytes out;
             wire::encode_message(*self, out);
             return static_cast<py::ssize_t>(xxh3_64(out));
           })
      .def("__repr__", [](const MessageRef& self) { return message_repr(*self); });

  m.def(
      "verify_batch",
      [](const py::iterable& items, const py::handle& policy_arg, const py::handle& cache_arg) {
        const SignaturePolicy policy = policy_of(policy_arg);
        VerifyCache* cache = cache_of(cache_arg);
        auto ms = messages_of(items);
        std::vector<bool> ok(ms.size());
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < ms.size(); ++i)
            ok[i] = host::validate_message(*ms[i], policy, cache);
        }
        return ok;
      },
      py::arg("messages"), py::arg("policy") = SignaturePolicy::kStrictSign,
      py::arg("cache") = py::none(),
      "Message.verify for each message in one call with the GIL released; a list of bools.");
}

}  // namespace p2pgossip::bindings
