// Python's names for host types, parsed here once for every binding that takes them.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "p2pgossip/host/publisher.hpp"

namespace pybind11::detail {

// A message id function by name: "xxh3" or "from-seqno".
template <>
struct type_caster<p2pgossip::host::MessageIdFn> {
  PYBIND11_TYPE_CASTER(p2pgossip::host::MessageIdFn, const_name("str"));

  bool load(handle src, bool) {
    if (!isinstance<str>(src)) return false;
    auto fn = p2pgossip::host::message_id_fn_of(src.cast<std::string>());
    if (!fn) throw value_error(fn.error().what);
    value = *fn;
    return true;
  }

  static handle cast(p2pgossip::host::MessageIdFn fn, return_value_policy, handle) {
    return str(fn == p2pgossip::host::MessageIdFn::kXxh3 ? "xxh3" : "from-seqno").release();
  }
};

}  // namespace pybind11::detail
