// Shared declarations of the pybind11 module p2pgossip._core: one bind_* per layer.
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "p2pgossip/bytes.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::bindings {

namespace py = pybind11;

// Raised to Python as p2pgossip.DecodeError (a ValueError) with the decoder's reason.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline ByteView view_of(const py::bytes& b) {
  char* data = nullptr;
  Py_ssize_t len = 0;
  PyBytes_AsStringAndSize(b.ptr(), &data, &len);
  return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)};
}

inline py::bytes to_py(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Exactly N bytes (a key, a ping payload), else ValueError naming `what`.
template <std::size_t N>
std::array<std::uint8_t, N> fixed(const py::bytes& b, const char* what) {
  ByteView v = view_of(b);
  if (v.size() != N)
    throw py::value_error(std::string(what) + " must be " + std::to_string(N) + " bytes");
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), v.data(), N);
  return out;
}

template <class T>
T value_or_raise(Result<T>&& r) {
  if (!r) throw DecodeError(r.error().what);
  return std::move(r).value();
}

// Each binds into its layer's submodule of _core (p2pgossip._core.<layer>).
void bind_crypto(py::module_& m);
void bind_wire(py::module_& m);
void bind_rpc(py::module_& m);
void bind_message(py::module_& m);
void bind_router(py::module_& m);
void bind_sim(py::module_& m);
void bind_dht(py::module_& m);
void bind_net(py::module_& m);
void bind_host(py::module_& m);
void bind_dht_sender(py::module_& m);
void bind_metrics(py::module_& m);
void bind_runtime(py::module_& m);
void bind_deliveries(py::module_& m);  // after bind_runtime: adds to Runtime
void bind_requests(py::module_& m);    // after bind_runtime: adds to Runtime
void bind_outbox(py::module_& m);
void bind_bench(py::module_& m);
void bind_floor_bench(py::module_& m);  // into bind_bench's module
void bind_kad(py::module_& m);
void bind_mdns(py::module_& m);

}  // namespace p2pgossip::bindings
