// The raw cost floor of a copy on real nodes (benchmarks/net.py, issue 10): what sealing and
// opening its bytes with ChaCha20-Poly1305 and moving them through loopback TCP cost with
// nothing of ours around them. Each loop returns a checksum so nothing is elided.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "bindings.hpp"
#include "p2pgossip/bytes.hpp"

namespace p2pgossip::bindings {

namespace {

// libsodium's seal, then open, of `size` bytes: Noise's per-copy crypto (one seal at the
// sender, one open at the receiver) without its framing.
std::uint64_t raw_chacha_seal_open(std::size_t size, std::size_t iterations) {
  py::gil_scoped_release release;
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_KEYBYTES> key{};
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  randombytes_buf(key.data(), key.size());
  Bytes plaintext(size, 0x5a), opened(size),
      sealed(size + crypto_aead_chacha20poly1305_ietf_ABYTES);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < iterations; ++i) {
    nonce[4] = static_cast<std::uint8_t>(i);
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), nullptr, plaintext.data(), size,
                                              nullptr, 0, nullptr, nonce.data(), key.data());
    if (crypto_aead_chacha20poly1305_ietf_decrypt(opened.data(), nullptr, nullptr, sealed.data(),
                                                  sealed.size(), nullptr, 0, nonce.data(),
                                                  key.data()) != 0)
      throw std::runtime_error("floor benchmark: open failed");
    sum += opened[size / 2];
  }
  return sum;
}

// A socket that closes itself.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {
    if (fd < 0) fail("socket");
  }
  ~Fd() { ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[noreturn]] static void fail(const char* what) {
    throw std::runtime_error(std::string("floor benchmark: ") + what + ": " + std::strerror(errno));
  }
};

// `iterations` frames of `size` bytes, each one write on a TCP connection over 127.0.0.1 and
// the reads that take it at the other end (blocking, Nagle off, as the runtime's sockets):
// the kernel's part of a copy, the receiver's loopback softirq included, without epoll.
std::uint64_t loopback_write_read(std::size_t size, std::size_t iterations) {
  // One thread writes and then reads: a frame must fit the socket buffers, or the write waits
  // for a read that never comes.
  if (size == 0 || size > (16 << 10))
    throw std::invalid_argument("floor benchmark: frames of 1 byte to 16 KiB");
  py::gil_scoped_release release;
  Fd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Fd::fail("bind");
  if (::listen(listener.fd, 1) != 0) Fd::fail("listen");
  if (::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    Fd::fail("getsockname");
  Fd writer(::socket(AF_INET, SOCK_STREAM, 0));
  if (::connect(writer.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    Fd::fail("connect");
  Fd reader(::accept(listener.fd, nullptr, nullptr));
  const int on = 1;
  ::setsockopt(writer.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::setsockopt(reader.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  Bytes frame(size, 0x5a), buf(size);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < iterations; ++i) {
    for (std::size_t sent = 0; sent < size;) {
      const ssize_t n = ::send(writer.fd, frame.data() + sent, size - sent, 0);
      if (n <= 0) Fd::fail("send");
      sent += static_cast<std::size_t>(n);
    }
    for (std::size_t got = 0; got < size;) {
      const ssize_t n = ::recv(reader.fd, buf.data() + got, size - got, 0);
      if (n <= 0) Fd::fail("recv");
      got += static_cast<std::size_t>(n);
    }
    sum += buf[size / 2];
  }
  return sum;
}

}  // namespace

void bind_floor_bench(py::module_& bench) {
  bench.def("raw_chacha_seal_open", &raw_chacha_seal_open, py::arg("size"), py::arg("iterations"));
  bench.def("loopback_write_read", &loopback_write_read, py::arg("size"), py::arg("iterations"));
}

}  // namespace p2pgossip::bindings
