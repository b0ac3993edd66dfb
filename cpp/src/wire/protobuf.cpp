#include "p2pgossip/wire/protobuf.hpp"

#include <string>
#include <string_view>

namespace p2pgossip::wire {

namespace {

// Writes v as a varint at `at` (room for kMaxVarintBytes); returns the bytes written.
std::size_t write_varint(std::uint8_t* at, std::uint64_t v) {
  std::size_t n = 0;
  for (; v >= 0x80; v >>= 7) at[n++] = static_cast<std::uint8_t>(v | 0x80);
  at[n++] = static_cast<std::uint8_t>(v);
  return n;
}

}  // namespace

// Varints are laid out on the stack and appended in one insert: a push_back per byte checks
// the capacity per byte, and every encoded message and RPC is made of these.
void put_varint(Bytes& out, std::uint64_t v) {
  std::uint8_t buf[kMaxVarintBytes];
  out.insert(out.end(), buf, buf + write_varint(buf, v));
}

void put_tag(Bytes& out, std::uint32_t field, WireType type) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint8_t>(type));
}

void put_varint_field(Bytes& out, std::uint32_t field, std::uint64_t v) {
  put_tag(out, field, WireType::kVarint);
  put_varint(out, v);
}

void put_len_field(Bytes& out, std::uint32_t field, ByteView value) {
  std::uint8_t head[2 * kMaxVarintBytes];
  std::size_t n = write_varint(
      head, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint8_t>(WireType::kLen));
  n += write_varint(head + n, value.size());
  out.insert(out.end(), head, head + n);
  out.insert(out.end(), value.begin(), value.end());
}

Result<std::uint64_t> Reader::varint() {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (pos_ >= buf_.size()) return Error{"truncated varint"};
    const std::uint8_t b = buf_[pos_++];
    if (i == kMaxVarintBytes - 1 && b > 1) return Error{"overlong varint"};
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return v;
  }
  return Error{"overlong varint"};
}

Result<Field> Reader::next() {
  auto key = varint();
  if (!key) return key.error();
  Field f;
  const std::uint64_t number = *key >> 3;
  if (number == 0 || number > 0x1fffffff) return Error{"invalid field number"};
  f.number = static_cast<std::uint32_t>(number);
  const auto wt = static_cast<std::uint8_t>(*key & 7);
  // Error text is built only when needed: next() runs once per field on the hot path.
  auto fail = [&](std::string_view why, const std::string& detail = {}) {
    std::string s = "field ";
    s += std::to_string(f.number);
    s += ": ";
    s += why;
    s += detail;
    return Error{std::move(s)};
  };
  switch (wt) {
    case 0: {
      f.type = WireType::kVarint;
      auto v = varint();
      if (!v) return fail(v.error().what);
      f.varint = *v;
      return f;
    }
    case 1:
    case 5: {
      f.type = wt == 1 ? WireType::kI64 : WireType::kI32;
      const std::size_t n = wt == 1 ? 8 : 4;
      if (buf_.size() - pos_ < n) return fail("truncated fixed-width value");
      f.bytes = buf_.subspan(pos_, n);
      pos_ += n;
      return f;
    }
    case 2: {
      f.type = WireType::kLen;
      auto len = varint();
      if (!len) return fail("length ", len.error().what);
      if (*len > buf_.size() - pos_) return fail("length past the end of input");
      f.bytes = buf_.subspan(pos_, static_cast<std::size_t>(*len));
      pos_ += static_cast<std::size_t>(*len);
      return f;
    }
    case 3: {
      f.type = WireType::kStartGroup;
      if (auto s = skip_group(f.number); !s) return fail(s.error().what);
      return f;
    }
    case 4:
      return fail("unmatched end-group");
    default:
      return fail("invalid wire type ", std::to_string(wt));
  }
}

// Skips to the end-group matching `number`, iteratively with a bounded depth.
Status Reader::skip_group(std::uint32_t number) {
  std::uint32_t open[kMaxGroupDepth];
  int depth = 0;
  open[depth++] = number;
  while (depth > 0) {
    auto key = varint();
    if (!key) return key.error();
    const std::uint64_t n = *key >> 3;
    if (n == 0 || n > 0x1fffffff) return Error{"invalid field number in group"};
    switch (*key & 7) {
      case 0:
        if (auto v = varint(); !v) return v.error();
        break;
      case 1:
      case 5: {
        const std::size_t w = (*key & 7) == 1 ? 8 : 4;
        if (buf_.size() - pos_ < w) return Error{"truncated fixed-width value in group"};
        pos_ += w;
        break;
      }
      case 2: {
        auto len = varint();
        if (!len) return len.error();
        if (*len > buf_.size() - pos_) return Error{"length past the end of input in group"};
        pos_ += static_cast<std::size_t>(*len);
        break;
      }
      case 3:
        if (depth == kMaxGroupDepth) return Error{"groups nested too deeply"};
        open[depth++] = static_cast<std::uint32_t>(n);
        break;
      case 4:
        if (open[depth - 1] != n) return Error{"mismatched end-group"};
        --depth;
        break;
      default:
        return Error{"invalid wire type in group"};
    }
  }
  return Ok{};
}

}  // namespace p2pgossip::wire
