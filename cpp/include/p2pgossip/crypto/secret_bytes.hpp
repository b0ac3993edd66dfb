// A byte buffer for secrets: wiped with sodium_memzero when destroyed, never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  explicit SecretBytes(ByteView b) : bytes_(b.begin(), b.end()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(const SecretBytes& o);
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  ~SecretBytes();

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  ByteView view() const { return bytes_; }
  // Appends without reallocating: the capacity is reserved up front by the caller, so no
  // unwiped copy of the secret is left behind in freed memory.
  void reserve(std::size_t n) { bytes_.reserve(n); }
  Bytes& buffer() { return bytes_; }

 private:
  void wipe();
  Bytes bytes_;
};

}  // namespace p2pgossip::crypto
