#include "p2pgossip/crypto/base58.hpp"

#include <array>

namespace p2pgossip::crypto {

namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<std::int8_t, 256> make_index() {
  std::array<std::int8_t, 256> idx{};
  for (auto& v : idx) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    idx[static_cast<std::uint8_t>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return idx;
}
constexpr auto kIndex = make_index();

}  // namespace

// Schoolbook base conversion; leading zero bytes map to leading '1's.
std::string base58_encode(ByteView data) {
  std::size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  std::vector<std::uint8_t> digits;  // base-58 digits, least significant first
  digits.reserve(data.size() * 138 / 100 + 1);
  for (std::size_t i = zeros; i < data.size(); ++i) {
    unsigned carry = data[i];
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry) {
      digits.push_back(static_cast<std::uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<Bytes> base58_decode(std::string_view text) {
  if (text.empty()) return Error{"base58: empty string"};
  if (text.size() > kMaxBase58Chars)
    return Error{"base58: " + std::to_string(text.size()) + " characters exceeds the limit of " +
                 std::to_string(kMaxBase58Chars)};
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  Bytes bytes;  // base-256 digits, least significant first
  for (std::size_t i = ones; i < text.size(); ++i) {
    const int v = kIndex[static_cast<std::uint8_t>(text[i])];
    if (v < 0) return Error{"base58: invalid character at position " + std::to_string(i)};
    unsigned carry = static_cast<unsigned>(v);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * 58;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

}  // namespace p2pgossip::crypto
