// Keyword-constructed config classes, bound one way: each field is named once, and
// __init__(**kw), __repr__, __eq__, copy() and `fields` cover all of them. Durations are
// seconds in Python; counts are checked ints.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "p2pgossip/time.hpp"

namespace p2pgossip::bindings {

namespace py = pybind11;

inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// `what` names the value in the error.
inline Duration from_seconds(double s, const char* what = "duration") {
  if (!std::isfinite(s) || s < 0)
    throw py::value_error(std::string(what) + " must be finite and >= 0 s");
  return Duration(static_cast<std::int64_t>(std::llround(s * 1e9)));
}

template <class C>
class Fields {
 public:
  // `noun` is what the class calls its fields in errors ("unknown limit 'x'").
  Fields(py::handle scope, const char* name, const char* doc, const char* noun = "field")
      : cls_(scope, name, doc), noun_(noun) {}

  template <class T>
  Fields& value(const char* name, T C::*field) {
    cls_.def_readwrite(name, field);
    names_.push_back(name);
    return *this;
  }
  // A size or count: an int in [0, 2**64), said so by name when it is not.
  Fields& count(const char* name, std::size_t C::*field) {
    const std::string prefix = std::string(py::str(cls_.attr("__name__"))) + ": " + name;
    return property(
        name, [field](const C& c) { return c.*field; },
        [field, prefix](C& c, const py::object& v) {
          if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr()))
            throw py::type_error(prefix + " must be an int");
          const std::size_t n = PyLong_AsSize_t(v.ptr());
          if (PyErr_Occurred()) {
            PyErr_Clear();
            throw py::value_error(prefix + " must be in [0, 2**64)");
          }
          c.*field = n;
        });
  }
  Fields& duration(const char* name, Duration C::*field) {
    return property(
        name, [field](const C& c) { return to_seconds(c.*field); },
        [field, name](C& c, double s) { c.*field = from_seconds(s, name); });
  }
  template <class G, class S>
  Fields& property(const char* name, G get, S set) {
    cls_.def_property(name, get, set);
    names_.push_back(name);
    return *this;
  }
  template <class T>
  Fields& nested(const char* name, T C::*field) {
    cls_.def_property(
        name, [field](C& c) -> T& { return c.*field; }, [field](C& c, const T& v) { c.*field = v; },
        py::return_value_policy::reference_internal);
    names_.push_back(name);
    return *this;
  }

  py::class_<C>& finish() {
    auto names = names_;
    const std::string noun = noun_;
    cls_.def(py::init([names, noun](const py::kwargs& kw) {
      C c;
      py::object self = py::cast(&c, py::return_value_policy::reference);
      for (auto [k, v] : kw) {
        const auto key = py::cast<std::string>(k);
        if (std::find(names.begin(), names.end(), key) == names.end())
          throw py::type_error("unknown " + noun + " '" + key + "'");
        py::setattr(self, k, v);
      }
      return c;
    }));
    cls_.def_property_readonly_static(
        "fields", [names](const py::object&) { return names; },
        "Names of every field, in declaration order.");
    cls_.def("__repr__", [names](const py::object& self) {
      std::string r = py::str(self.attr("__class__").attr("__name__"));
      r += "(";
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) r += ", ";
        r += names[i] + "=" + std::string(py::repr(self.attr(names[i].c_str())));
      }
      return r + ")";
    });
    cls_.def("__eq__", [names](const py::object& a, const py::object& b) {
      if (!py::isinstance(b, py::type::handle_of(a))) return false;
      for (const auto& n : names)
        if (!a.attr(n.c_str()).equal(b.attr(n.c_str()))) return false;
      return true;
    });
    cls_.attr("__hash__") = py::none();
    cls_.def("copy", [](const C& c) { return C(c); });
    return cls_;
  }

 private:
  py::class_<C> cls_;
  std::string noun_;
  std::vector<std::string> names_;
};

}  // namespace p2pgossip::bindings
