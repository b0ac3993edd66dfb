// p2pgossip._core.wire: rpc.proto as plain dicts (snake_case keys, absent fields are absent
// keys, empty repeated fields are absent keys) and DecodeLimits.
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>

#include "bindings.hpp"
#include "fields.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"
#include "rpc_dict.hpp"

namespace p2pgossip::bindings {

namespace {

using wire::DecodeLimits;

// ---- DecodeLimits ----

void bind_limits(py::module_& m) {
  using L = DecodeLimits;
  Fields<L>(m, "DecodeLimits",
            "Hard bounds for decode_rpc; keyword arguments override the defaults (close to "
            "go-libp2p-pubsub's).",
            "limit")
      .count("max_rpc_size", &L::max_rpc_size)
      .count("max_data_size", &L::max_data_size)
      .count("max_topic_length", &L::max_topic_length)
      .count("max_peer_id_size", &L::max_peer_id_size)
      .count("max_seqno_size", &L::max_seqno_size)
      .count("max_signature_size", &L::max_signature_size)
      .count("max_key_size", &L::max_key_size)
      .count("max_subscriptions", &L::max_subscriptions)
      .count("max_publish", &L::max_publish)
      .count("max_control_entries", &L::max_control_entries)
      .count("max_ihave_length", &L::max_ihave_length)
      .count("max_message_id_size", &L::max_message_id_size)
      .count("max_prune_peers", &L::max_prune_peers)
      .count("max_signed_peer_record_size", &L::max_signed_peer_record_size)
      .finish();
}

}  // namespace

void bind_wire(py::module_& m) {
  bind_limits(m);

  m.def(
      "encode_rpc",
      [](py::handle rpc) {
        Bytes out;
        wire::encode_rpc(rpc_from_dict(rpc), out);
        return to_py(out);
      },
      py::arg("rpc"), "Encodes an RPC given as a dict (see p2pgossip.wire).");

  m.def(
      "encoded_rpc_size", [](py::handle rpc) { return wire::encoded_rpc_size(rpc_from_dict(rpc)); },
      py::arg("rpc"), "len(encode_rpc(rpc)), computed without encoding.");

  m.def(
      "decode_rpc",
      [](const py::bytes& data, const py::object& limits_or_none, const py::object& skip) {
        const ByteView in = view_of(data);
        const DecodeLimits limits =
            limits_or_none.is_none() ? DecodeLimits{} : limits_or_none.cast<DecodeLimits>();
        if (!skip.is_none()) {
          auto ask = [&](const wire::MessageFields& f) -> wire::KnownMessage {
            py::dict d;
            auto put = [&](const char* key, const std::optional<ByteView>& v) {
              if (v) d[key] = to_py(*v);
            };
            put("from", f.from);
            put("data", f.data);
            put("seqno", f.seqno);
            d["topic"] = py::str(f.topic.data(), f.topic.size());
            put("signature", f.signature);
            put("key", f.key);
            return wire::KnownMessage{.skip = skip(d).cast<bool>()};
          };
          return rpc_to_dict(value_or_raise(wire::decode_rpc(in, limits, ask)));
        }
        Result<Rpc> r = [&] {
          py::gil_scoped_release release;
          return wire::decode_rpc(in, limits);
        }();
        return rpc_to_dict(value_or_raise(std::move(r)));
      },
      py::arg("data"), py::arg("limits") = py::none(), py::arg("skip") = py::none(),
      "Decodes an RPC into a dict; raises DecodeError naming the field and the rule. skip(fields) "
      "-> bool, when given, sees each publish entry's fields (a message dict without unknown "
      "fields) once they are checked; an entry it says yes to is left out of 'publish' (and its "
      "hop count out of 'publish_hops'), as the host leaves out copies of messages it has.");
}

}  // namespace p2pgossip::bindings
