// p2pgossip.wire: rpc.proto as plain dicts (snake_case keys, absent fields are absent keys,
// empty repeated fields are absent keys), DecodeLimits, and the codec's benchmark loops.
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

// ---- benchmark loops: one RPC carrying one signed 256-byte message ----

Rpc bench_rpc() {
  std::mt19937_64 rng(1);
  auto random_bytes = [&](std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
  };
  Message m;
  m.from = random_bytes(38);  // Ed25519 peer id
  m.data = random_bytes(256);
  m.seqno = random_bytes(8);
  m.topic = "blocks";
  m.signature = random_bytes(64);  // Ed25519 signature
  m.key = random_bytes(36);        // protobuf PublicKey of an Ed25519 key
  Rpc rpc;
  rpc.publish.push_back(std::make_shared<const Message>(std::move(m)));
  return rpc;
}

// Seconds for n iterations of `kind` over the bench RPC, GIL released.
double bench_wire(const std::string& kind, std::size_t n) {
  const Rpc rpc = bench_rpc();
  Bytes encoded;
  wire::encode_rpc(rpc, encoded);
  Bytes out(encoded.size());
  std::size_t sink = 0;
  py::gil_scoped_release release;
  const auto t0 = std::chrono::steady_clock::now();
  if (kind == "encode") {
    for (std::size_t i = 0; i < n; ++i) {
      out.clear();
      wire::encode_rpc(rpc, out);
      sink += out[i % out.size()];
    }
  } else if (kind == "size") {
    for (std::size_t i = 0; i < n; ++i) {
      sink += wire::encoded_rpc_size(rpc);
      asm volatile("" : : "r"(&rpc) : "memory");
    }
  } else if (kind == "decode") {
    for (std::size_t i = 0; i < n; ++i) {
      auto r = wire::decode_rpc(encoded);
      sink += r ? r->publish.size() : 0;
    }
  } else if (kind == "memcpy") {
    for (std::size_t i = 0; i < n; ++i) {
      std::memcpy(out.data(), encoded.data(), encoded.size());
      asm volatile("" : : "r"(out.data()) : "memory");
      sink += out[i % out.size()];
    }
  } else {
    py::gil_scoped_acquire acquire;
    throw py::value_error("kind must be encode, size, decode or memcpy");
  }
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  asm volatile("" : : "r"(sink));
  return dt.count();
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
      [](const py::bytes& data, const py::object& limits_or_none) {
        const ByteView in = view_of(data);
        const DecodeLimits limits =
            limits_or_none.is_none() ? DecodeLimits{} : limits_or_none.cast<DecodeLimits>();
        Result<Rpc> r = [&] {
          py::gil_scoped_release release;
          return wire::decode_rpc(in, limits);
        }();
        return rpc_to_dict(value_or_raise(std::move(r)));
      },
      py::arg("data"), py::arg("limits") = py::none(),
      "Decodes an RPC into a dict; raises DecodeError naming the field and the rule.");

  m.def("_bench_wire_sample", [] {
    Bytes out;
    wire::encode_rpc(bench_rpc(), out);
    return to_py(out);
  });
  m.def("_bench_wire", &bench_wire, py::arg("kind"), py::arg("n"));
}

}  // namespace p2pgossip::bindings
