// Bad input is a value, not a crash: fallible operations return Result<T>.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace p2pgossip {

// `what` names the field and the rule that failed, e.g. "RPC.publish[2].data: 70000 bytes
// exceeds max_message_size 65536". It is shown to users and used as a metric reason.
struct Error {
  std::string what;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations with nothing to return but a possible error.
struct Ok {};
using Status = Result<Ok>;

}  // namespace p2pgossip
