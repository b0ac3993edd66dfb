// Helpers shared by the rpc.proto decoders: typed access to one field with its bound, and
// errors phrased as a path suffix (".data: ..." or ": field 9: ...") that each enclosing
// decoder prefixes with its own path, so the final text reads
// "RPC.publish[2].data: 70000 bytes exceed max_data_size 65536".
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgossip/wire/protobuf.hpp"
#include "p2pgossip/wire/rpc_codec.hpp"

namespace p2pgossip::wire::detail {

// Error text is built only on the error path, by appending (std::string's operator+ on
// temporaries trips GCC 12's -Wrestrict false positive).
inline std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) s += p;
  return s;
}

// Prefixes an error's path.
inline Error at(std::string_view path, Error e) {
  e.what.insert(0, path);
  return e;
}

inline std::string indexed(std::string_view name, std::size_t i) {
  return cat({".", name, "[", std::to_string(i), "]"});
}

bool valid_utf8(ByteView b);

Error wrong_type(const Field& f, std::string_view name, WireType expected);

// Calls on(field) for every field of `in`; Reader errors become ": <reason>".
template <class OnField>
Status for_each_field(ByteView in, OnField&& on) {
  Reader r(in);
  while (!r.done()) {
    auto f = r.next();
    if (!f) return at(": ", f.error());
    if (auto s = on(*f); !s) return s;
  }
  return Ok{};
}

// A length-delimited field of at most `max` bytes (`limit` names the DecodeLimits member).
inline Result<ByteView> bytes_field(const Field& f, std::string_view name, std::size_t max,
                                    std::string_view limit) {
  if (f.type != WireType::kLen) return wrong_type(f, name, WireType::kLen);
  if (f.bytes.size() > max) {
    return Error{cat({".", name, ": ", std::to_string(f.bytes.size()), " bytes exceed ", limit, " ",
                      std::to_string(max)})};
  }
  return f.bytes;
}

// A `string` field: bounded like bytes_field, and valid UTF-8.
inline Result<ByteView> string_field(const Field& f, std::string_view name, std::size_t max,
                                     std::string_view limit) {
  auto b = bytes_field(f, name, max, limit);
  if (b && !valid_utf8(*b)) return Error{cat({".", name, ": invalid UTF-8"})};
  return b;
}

// An embedded message; its own decoder bounds what is inside.
inline Result<ByteView> embedded_field(const Field& f, std::string_view name) {
  if (f.type != WireType::kLen) return wrong_type(f, name, WireType::kLen);
  return f.bytes;
}

inline Result<std::uint64_t> varint_field(const Field& f, std::string_view name) {
  if (f.type != WireType::kVarint) return wrong_type(f, name, WireType::kVarint);
  return f.varint;
}

// Room for one more entry in a repeated field holding `have` entries.
inline Status room_for_one(std::size_t have, std::size_t max, std::string_view name,
                           std::string_view limit) {
  if (have < max) return Ok{};
  return Error{cat({".", name, ": ", std::to_string(have + 1), " entries exceed ", limit, " ",
                    std::to_string(max)})};
}

// Singular fields: the last occurrence wins. assign() reuses the capacity of an earlier
// occurrence, so repeating a field costs time linear in the input, never extra memory.
inline void set(std::optional<Bytes>& dst, ByteView v) {
  if (!dst) dst.emplace();
  dst->assign(v.begin(), v.end());
}
inline void set(std::optional<std::string>& dst, ByteView v) {
  if (!dst) dst.emplace();
  dst->assign(as_chars(v));
}

// The Message fields, errors as path suffixes (decode_message adds "Message"); `unknown`,
// when given, receives every field rpc.proto does not define, raw, in order.
Status decode_message_fields(MessageFields& f, std::vector<ByteView>* unknown, ByteView in,
                             const DecodeLimits& limits);
// A Message holding copies of `f`'s fields and the `unknown` ones, in order.
void build_message(Message& m, const MessageFields& f, std::span<const ByteView> unknown);
Status decode_message_into(Message& m, ByteView in, const DecodeLimits& limits);

}  // namespace p2pgossip::wire::detail
