#include "p2pgossip/crypto/identity.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "p2pgossip/crypto/keys.hpp"

namespace p2pgossip::crypto {

namespace {

// Key files are a few dozen bytes; anything large is not a key file.
constexpr std::size_t kMaxKeyFileSize = 4096;

std::uint64_t wall_clock_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Ed25519PublicKey derive_keys(ByteView seed, SecretBytes& secret_key) {
  Ed25519PublicKey pk{};
  crypto_sign_seed_keypair(pk.data(), secret_key.data(), seed.data());
  return pk;
}

Status write_all(int fd, ByteView b) {
  std::size_t done = 0;
  while (done < b.size()) {
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::strerror(errno)};
    }
    done += static_cast<std::size_t>(n);
  }
  return Ok{};
}

}  // namespace

Identity::Identity(Private, ByteView seed)
    : secret_key_(crypto_sign_SECRETKEYBYTES),
      public_key_(derive_keys(seed, secret_key_)),
      peer_id_(PeerId::from_public_key(public_key_)),
      seqno_counter_(wall_clock_ns()) {}

IdentityPtr Identity::generate() {
  init_libsodium();
  SecretBytes seed(kEd25519SeedSize);
  randombytes_buf(seed.data(), seed.size());
  return std::make_shared<Identity>(Private{}, seed.view());
}

Result<IdentityPtr> Identity::from_seed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize)
    return Error{"Ed25519 seed is " + std::to_string(seed.size()) + " bytes, expected 32"};
  return std::make_shared<Identity>(Private{}, seed);
}

Result<IdentityPtr> Identity::from_private_key(ByteView encoded) {
  auto pair = decode_ed25519_private_key(encoded);
  if (!pair) return pair.error();
  return std::make_shared<Identity>(Private{}, pair->seed.view());
}

Result<IdentityPtr> Identity::load(const std::filesystem::path& path) {
  auto buf = read_key_file(path);
  if (!buf) return buf.error();
  auto id = from_private_key(buf->view());
  if (!id) return Error{"key file " + path.string() + ": " + id.error().what};
  return id;
}

Result<SecretBytes> Identity::read_key_file(const std::filesystem::path& path, int* os_error) {
  auto fail = [&](const char* what) -> Error {
    const int e = errno;
    if (os_error) *os_error = e;
    return Error{std::string(what) + " " + path.string() + ": " + std::strerror(e)};
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open key file");
  SecretBytes buf(kMaxKeyFileSize + 1);
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error err = fail("cannot read key file");
      ::close(fd);
      return err;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > kMaxKeyFileSize)
    return Error{"key file " + path.string() + ": larger than " + std::to_string(kMaxKeyFileSize) +
                 " bytes, not a libp2p PrivateKey"};
  buf.buffer().resize(got);  // shrinking keeps the allocation, which the destructor wipes
  return buf;
}

Status Identity::save(const std::filesystem::path& path) const {
  const SecretBytes encoded = encode_ed25519_private_key(
      Ed25519KeyPair{SecretBytes(secret_key_.view().first(kEd25519SeedSize)), public_key_});
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create " + tmp.string() + ": " + std::strerror(errno)};
  Status st = write_all(fd, encoded.view());
  if (st && ::fchmod(fd, 0600) != 0) st = Error{std::strerror(errno)};  // despite the umask
  if (st && ::fsync(fd) != 0) st = Error{std::strerror(errno)};
  if (::close(fd) != 0 && st) st = Error{std::strerror(errno)};
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) st = Error{std::strerror(errno)};
  if (!st) {
    ::unlink(tmp.c_str());
    return Error{"cannot write key file " + path.string() + ": " + st.error().what};
  }
  return Ok{};
}

Ed25519Signature Identity::sign(ByteView data) const {
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, data.data(), data.size(), secret_key_.data());
  return sig;
}

}  // namespace p2pgossip::crypto
