#include "wire/field_decode.hpp"

namespace p2pgossip::wire::detail {

namespace {
const char* type_name(WireType t) {
  switch (t) {
    case WireType::kVarint:
      return "varint";
    case WireType::kI64:
      return "i64";
    case WireType::kLen:
      return "length-delimited";
    case WireType::kStartGroup:
      return "group";
    case WireType::kEndGroup:
      return "end-group";
    case WireType::kI32:
      return "i32";
  }
  return "unknown";
}
}  // namespace

Error wrong_type(const Field& f, std::string_view name, WireType expected) {
  return Error{
      cat({".", name, ": wire type ", type_name(f.type), ", expected ", type_name(expected)})};
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(ByteView b) {
  std::size_t i = 0;
  const std::size_t n = b.size();
  while (i < n) {
    const std::uint8_t c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n - i < len) return false;
    if (b[i + 1] < lo || b[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((b[i + k] & 0xc0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace p2pgossip::wire::detail
