// Python bindings of crypto/: Identity, PeerId, VerifyCache, the small crypto helpers
// (p2pgossip.crypto re-exports them) and the raw-libsodium loops the benchmark compares to.
#include <pybind11/operators.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>
#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "crypto_bindings.hpp"
#include "p2pgossip/crypto/ed25519.hpp"
#include "p2pgossip/crypto/identity.hpp"
#include "p2pgossip/crypto/peer_id.hpp"
#include "p2pgossip/crypto/verify_cache.hpp"
#include "p2pgossip/crypto/xxh3.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::crypto;

namespace {

template <class T>
T key_or_raise(Result<T>&& r) {
  if (!r) throw InvalidKeyError(r.error().what);
  return std::move(r).value();
}

py::object optional_bytes(const std::optional<Ed25519PublicKey>& pk) {
  if (!pk) return py::none();
  return to_py(*pk);
}

void bind_identity(py::module_& m) {
  py::class_<Identity, IdentityPtr>(m, "Identity",
                                    "An Ed25519 key pair and its libp2p peer id. The secret key "
                                    "stays in wiped native memory and is never printed.")
      .def_static("generate", &Identity::generate)
      .def_static(
          "from_seed",
          [](const py::bytes& seed) { return key_or_raise(Identity::from_seed(view_of(seed))); },
          py::arg("seed"))
      .def_static(
          "from_private_key",
          [](const py::bytes& b) { return key_or_raise(Identity::from_private_key(view_of(b))); },
          py::arg("encoded"), "Decode a serialized libp2p PrivateKey protobuf.")
      .def_static(
          "load",
          [](const std::filesystem::path& path) {
            int os_error = 0;
            auto buf = Identity::read_key_file(path, &os_error);
            if (!buf) {
              if (os_error) {
                errno = os_error;
                PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
                throw py::error_already_set();
              }
              throw InvalidKeyError(buf.error().what);
            }
            auto id = Identity::from_private_key(buf->view());
            if (!id) throw InvalidKeyError("key file " + path.string() + ": " + id.error().what);
            return std::move(id).value();
          },
          py::arg("path"))
      .def(
          "save",
          [](const Identity& self, const std::filesystem::path& path) {
            if (auto st = self.save(path); !st) {
              PyErr_SetString(PyExc_OSError, st.error().what.c_str());
              throw py::error_already_set();
            }
          },
          py::arg("path"), "Write a libp2p PrivateKey file, mode 0600, atomically.")
      .def_property_readonly("public_key",
                             [](const Identity& self) { return to_py(self.public_key()); })
      .def_property_readonly("peer_id", [](const Identity& self) { return self.peer_id(); })
      .def(
          "sign",
          [](const Identity& self, const py::bytes& data) {
            const ByteView v = view_of(data);
            Ed25519Signature sig;
            {
              py::gil_scoped_release release;
              sig = self.sign(v);
            }
            return to_py(sig);
          },
          py::arg("data"))
      .def("__repr__", [](const Identity& self) {
        return "Identity(peer_id=" + self.peer_id().to_string() + ")";
      });
}

void bind_peer_id(py::module_& m) {
  py::class_<PeerId>(m, "PeerId", "A libp2p peer id (a multihash of the public key).")
      .def_static(
          "parse", [](std::string_view s) { return value_or_raise(PeerId::parse(s)); },
          py::arg("text"))
      .def_static(
          "from_bytes",
          [](const py::bytes& b) { return value_or_raise(PeerId::from_bytes(view_of(b))); },
          py::arg("data"))
      .def_static(
          "from_public_key",
          [](const py::bytes& b) {
            const ByteView v = view_of(b);
            if (v.size() != kEd25519PublicKeySize)
              throw InvalidKeyError("Ed25519 public key is " + std::to_string(v.size()) +
                                    " bytes, expected 32");
            Ed25519PublicKey pk{};
            std::copy(v.begin(), v.end(), pk.begin());
            return PeerId::from_public_key(pk);
          },
          py::arg("public_key"))
      .def("to_bytes", [](const PeerId& self) { return to_py(self.bytes()); })
      .def_property_readonly("public_key",
                             [](const PeerId& self) { return optional_bytes(self.public_key()); })
      .def("__str__", &PeerId::to_string)
      .def("__repr__", [](const PeerId& self) { return "PeerId('" + self.to_string() + "')"; })
      .def("__hash__",
           [](const PeerId& self) { return static_cast<py::ssize_t>(xxh3_64(self.bytes())); })
      .def(py::self == py::self)
      .def(py::self != py::self)
      .def(py::self < py::self)
      .def(py::self <= py::self)
      .def(py::self > py::self)
      .def(py::self >= py::self)
      .def(py::pickle([](const PeerId& self) { return py::make_tuple(to_py(self.bytes())); },
                      [](const py::tuple& t) {
                        return value_or_raise(PeerId::from_bytes(view_of(t[0].cast<py::bytes>())));
                      }));
}

void bind_verify_cache(py::module_& m) {
  py::class_<VerifyCache, std::shared_ptr<VerifyCache>>(
      m, "VerifyCache",
      "Signatures already verified in this process, keyed by BLAKE2b-256 of (signed bytes, "
      "signature, public key); bounded, least recently used evicted first; thread-safe.")
      .def(py::init<std::size_t, bool>(), py::arg("capacity") = VerifyCache::kDefaultCapacity,
           py::arg("enabled") = true)
      .def_property_readonly("capacity", &VerifyCache::capacity)
      .def_property("enabled", &VerifyCache::enabled, &VerifyCache::set_enabled)
      .def_property_readonly("hits", &VerifyCache::hits)
      .def_property_readonly("misses", &VerifyCache::misses)
      .def_property_readonly("evictions", &VerifyCache::evictions)
      .def("__len__", &VerifyCache::size)
      .def("clear", &VerifyCache::clear)
      .def("__repr__", [](const VerifyCache& c) {
        return "VerifyCache(size=" + std::to_string(c.size()) +
               ", capacity=" + std::to_string(c.capacity()) + ", hits=" + std::to_string(c.hits()) +
               ", misses=" + std::to_string(c.misses()) + ")";
      });
}

void bind_helpers(py::module_& m) {
  m.def(
      "ed25519_verify",
      [](const py::bytes& pk, const py::bytes& msg, const py::bytes& sig) {
        const ByteView p = view_of(pk), d = view_of(msg), s = view_of(sig);
        py::gil_scoped_release release;
        return ed25519_verify(p, d, s);
      },
      py::arg("public_key"), py::arg("message"), py::arg("signature"));
  m.def(
      "ed25519_sign",
      [](const py::bytes& seed, const py::bytes& msg) {
        const ByteView s = view_of(seed), d = view_of(msg);
        if (s.size() != kEd25519SeedSize)
          throw InvalidKeyError("Ed25519 seed is " + std::to_string(s.size()) +
                                " bytes, expected 32");
        Ed25519Signature sig;
        {
          py::gil_scoped_release release;
          sig = ed25519_sign_with_seed(s, d);
        }
        return to_py(sig);
      },
      py::arg("seed"), py::arg("message"));
  m.def(
      "xxh3_64",
      [](const py::bytes& data, std::uint64_t seed) { return xxh3_64(view_of(data), seed); },
      py::arg("data"), py::arg("seed") = 0);
  m.def(
      "xxh3_128",
      [](const py::bytes& data, std::uint64_t seed) {
        const Xxh3Hash128 h = xxh3_128(view_of(data), seed);
        return py::int_(h.high).attr("__lshift__")(64).attr("__or__")(py::int_(h.low));
      },
      py::arg("data"), py::arg("seed") = 0);
}

}  // namespace

void bind_crypto(py::module_& m) {
  init_libsodium();
  py::register_exception<InvalidKeyError>(m, "InvalidKeyError", PyExc_ValueError);
  bind_peer_id(m);
  bind_identity(m);
  bind_verify_cache(m);
  bind_helpers(m);
}

}  // namespace p2pgossip::bindings
