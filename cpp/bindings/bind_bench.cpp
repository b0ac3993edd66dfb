// p2pgossip._core._bench: every timing loop the benchmarks run in C++ (GIL released), each
// beside the raw baseline it is compared with: crypto (libsodium), messages, wire, Noise,
// the router.
#include <pybind11/stl.h>
#include <sodium.h>
#include <xxhash.h>

#include <array>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "bindings.hpp"
#include "crypto_bindings.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/host/message_id.hpp"
#include "p2pgossip/host/message_signing.hpp"
#include "p2pgossip/net/noise.hpp"
#include "p2pgossip/router/router.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::bindings {

namespace {

using namespace p2pgossip::crypto;
using namespace p2pgossip::router;
namespace noise = p2pgossip::net::noise;
using MessageRef = std::shared_ptr<Message>;

// Seconds for n iterations of f, measured with a monotonic clock, GIL released.
template <class F>
double time_loop(std::size_t n, F&& f) {
  py::gil_scoped_release release;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class F>
double time_each(const std::vector<MessageRef>& ms, F&& f) {
  py::gil_scoped_release release;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& m : ms) f(*m);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void bind_crypto_bench(py::module_& bench) {
  // Raw libsodium over one fixed key and a `size`-byte message: the baseline the project's
  // paths are compared to, measured in the same process and run.
  bench.def(
      "raw_sign",
      [](std::size_t n, std::size_t size) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        Bytes msg(size, 0x5a);
        unsigned char sig[crypto_sign_BYTES];
        const double s = time_loop(n, [&](std::size_t i) {
          msg[0] = static_cast<std::uint8_t>(i);  // distinct messages, as in the project's paths
          crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), sk);
        });
        sodium_memzero(sk, sizeof sk);
        return s;
      },
      py::arg("n"), py::arg("size") = 256, "Seconds for n crypto_sign_detached calls.");
  bench.def(
      "raw_verify",
      [](std::size_t n, std::size_t size) {
        // n distinct messages and signatures, as the project's paths verify: the time of
        // a variable-time verification depends on the signature.
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        std::vector<Bytes> msgs(n, Bytes(size, 0x5a));
        std::vector<Ed25519Signature> sigs(n);
        for (std::size_t i = 0; i < n; ++i) {
          for (std::size_t b = 0; b < std::min<std::size_t>(size, 8); ++b)
            msgs[i][b] = static_cast<std::uint8_t>(i >> (8 * b));
          crypto_sign_detached(sigs[i].data(), nullptr, msgs[i].data(), size, sk);
        }
        sodium_memzero(sk, sizeof sk);
        std::size_t ok = 0;
        const double s = time_loop(n, [&](std::size_t i) {
          ok += crypto_sign_verify_detached(sigs[i].data(), msgs[i].data(), size, pk) == 0;
        });
        if (ok != n) throw std::runtime_error("raw_verify: a valid signature failed to verify");
        return s;
      },
      py::arg("n"), py::arg("size") = 256,
      "Seconds for n crypto_sign_verify_detached calls on n distinct signed messages.");
}

void bind_message_bench(py::module_& bench) {
  // The project's C++ paths in a loop, for the benchmark's "batch" rows.
  bench.def(
      "sign",
      [](const IdentityPtr& id, const py::iterable& items) {
        auto ms = messages_of(items);
        std::vector<Message> copies;
        copies.reserve(ms.size());
        for (const auto& m : ms) copies.push_back(*m);
        py::gil_scoped_release release;
        const auto t0 = std::chrono::steady_clock::now();
        for (auto& m : copies) host::sign_message(*id, m);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      py::arg("identity"), py::arg("messages"), "Seconds to sign_message each message.");
  bench.def(
      "verify",
      [](const py::iterable& items) {
        auto ms = messages_of(items);
        std::size_t ok = 0;
        const double s = time_each(ms, [&](const Message& m) { ok += host::verify_message(m); });
        if (ok != ms.size()) throw std::runtime_error("_bench.verify: a message failed to verify");
        return s;
      },
      py::arg("messages"), "Seconds to verify_message each message (no cache).");
  bench.def(
      "id",
      [](const py::iterable& items) {
        auto ms = messages_of(items);
        std::uint64_t sink = 0;
        const double s =
            time_each(ms, [&](const Message& m) { sink += host::message_id_xxh3(m).view()[0]; });
        (void)sink;
        return s;
      },
      py::arg("messages"), "Seconds to compute message_id_xxh3 of each message.");
  bench.def(
      "decode",
      [](const std::vector<py::bytes>& items) {
        std::vector<Bytes> encoded;
        for (const auto& b : items) encoded.push_back(to_bytes(view_of(b)));
        py::gil_scoped_release release;
        std::size_t ok = 0;
        const wire::DecodeLimits limits;
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& e : encoded) ok += wire::decode_message(e, limits).ok();
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (ok != encoded.size()) throw std::runtime_error("_bench.decode: a message failed");
        return s;
      },
      py::arg("encoded"), "Seconds to decode_message each encoded message.");
  bench.def(
      "encode",
      [](const py::iterable& items) {
        auto ms = messages_of(items);
        Bytes out;
        return time_each(ms, [&](const Message& m) {
          out.clear();
          wire::encode_message(m, out);
        });
      },
      py::arg("messages"), "Seconds to encode_message each message into a reused buffer.");
}

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

// Seconds for `n` messages of `kind`: "unique" (each new), "duplicate" (each already seen,
// timed on its second arrival from another peer) or "baseline" (one XXH3-128 of the data and
// one std::unordered_set insert per message: the floor for any seen-cache router). The router
// runs GossipSub defaults with StrictNoSign and no rate limits, 8 peers, D=6 mesh, so a unique
// message is delivered and forwarded to 5 mesh peers; actions are drained and dropped.
double bench_router(const std::string& kind, std::size_t n) {
  if (kind != "unique" && kind != "duplicate" && kind != "baseline")
    throw py::value_error("kind must be unique, duplicate or baseline");
  std::mt19937_64 rng(1);
  std::vector<MessagePtr> messages;
  messages.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Message m;
    m.topic = "blocks";
    Bytes data(256);
    for (auto& x : data) x = static_cast<std::uint8_t>(rng());
    m.data = std::move(data);
    messages.push_back(std::make_shared<const Message>(std::move(m)));
  }
  auto rpcs = [&] {
    std::vector<Rpc> r(n);
    for (std::size_t i = 0; i < n; ++i) r[i].publish.push_back(messages[i]);
    return r;
  };
  std::size_t sink = 0;
  using Clock = std::chrono::steady_clock;
  py::gil_scoped_release release;

  if (kind == "baseline") {
    struct Hash {
      std::size_t operator()(const XXH128_hash_t& h) const { return h.low64; }
    };
    struct Eq {
      bool operator()(const XXH128_hash_t& a, const XXH128_hash_t& b) const {
        return XXH128_isEqual(a, b);
      }
    };
    std::unordered_set<XXH128_hash_t, Hash, Eq> seen;
    const auto t0 = Clock::now();
    for (const MessagePtr& m : messages)
      sink += seen.insert(XXH3_128bits(m->data->data(), m->data->size())).second;
    const std::chrono::duration<double> dt = Clock::now() - t0;
    asm volatile("" : : "r"(sink));
    return dt.count();
  }

  GossipConfig cfg;
  cfg.signature_policy = SignaturePolicy::kStrictNoSign;
  cfg.rate_limit_messages_per_s = 0;
  cfg.rate_limit_bytes_per_s = 0;
  Services svc;
  svc.message_id = [](const Message& msg) { return host::message_id_xxh3(msg); };
  Router router(cfg, std::move(svc), 1);
  std::vector<Action> actions;
  const Instant now{};
  router.subscribe("blocks", now);
  for (PeerIndex p = 0; p < 8; ++p) {
    const Bytes id{static_cast<std::uint8_t>(p)};
    router.peer_connected(p, id, true, Protocol::kMeshsub12, now);
    Rpc sub;
    sub.subscriptions.push_back(SubOpts{true, "blocks"});
    router.rpc_received(p, std::move(sub), now);
  }
  const Instant t = *router.next_deadline();
  router.tick(t);  // the heartbeat builds the mesh
  router.drain_actions(actions);
  actions.clear();
  auto feed = [&](std::vector<Rpc> batch, PeerIndex from) {
    for (Rpc& r : batch) {
      router.rpc_received(from, std::move(r), t);
      router.drain_actions(actions);
      sink += actions.size();
      actions.clear();
    }
  };
  std::vector<Rpc> first = rpcs();
  if (kind == "duplicate") {
    feed(std::move(first), 0);
    first = rpcs();
  }
  const auto t0 = Clock::now();
  feed(std::move(first), 1);
  const std::chrono::duration<double> dt = Clock::now() - t0;
  asm volatile("" : : "r"(sink));
  return dt.count();
}

void bind_net_bench(py::module_& bench) {
  // Benchmark loops (benchmarks/noise.py times them): `iterations` seal+open round trips of
  // `size`-byte messages through two CipherStates sharing a key, and the raw libsodium
  // seal of the same size for the baseline. Both return a checksum so nothing is elided.
  bench.def("noise_seal_open", [](std::size_t size, std::size_t iterations) {
    py::gil_scoped_release release;
    noise::Key key{};
    randombytes_buf(key.data(), key.size());
    noise::CipherState sender, receiver;
    sender.initialize_key(key);
    receiver.initialize_key(key);
    Bytes plaintext(size, 0x5a), sealed, opened;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < iterations; ++i) {
      sealed.clear();
      opened.clear();
      if (!sender.encrypt_with_ad({}, plaintext, sealed) ||
          !receiver.decrypt_with_ad({}, sealed, opened))
        throw std::runtime_error("noise benchmark: seal/open failed");
      sum += opened[size / 2];
    }
    return sum;
  });
  bench.def("raw_chacha_seal", [](std::size_t size, std::size_t iterations) {
    py::gil_scoped_release release;
    std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_KEYBYTES> key{};
    std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
    randombytes_buf(key.data(), key.size());
    Bytes plaintext(size, 0x5a), sealed(size + crypto_aead_chacha20poly1305_ietf_ABYTES);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < iterations; ++i) {
      nonce[4] = static_cast<std::uint8_t>(i);
      crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), nullptr, plaintext.data(), size,
                                                nullptr, 0, nullptr, nonce.data(), key.data());
      sum += sealed[size / 2];
    }
    return sum;
  });
}

}  // namespace

void bind_bench(py::module_& bench) {
  bind_crypto_bench(bench);
  bind_message_bench(bench);
  bench.def("wire_sample", [] {
    Bytes out;
    wire::encode_rpc(bench_rpc(), out);
    return to_py(out);
  });
  bench.def("wire", &bench_wire, py::arg("kind"), py::arg("n"));
  bench.def("router", &bench_router, py::arg("kind"), py::arg("n"));
  bind_net_bench(bench);
  bind_floor_bench(bench);
}

}  // namespace p2pgossip::bindings
