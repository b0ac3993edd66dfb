// One-way link latency models. A sample is a pure function of two random words, so the
// link layer decides where the randomness comes from (per link, per packet).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "p2pgossip/sim/rng.hpp"

namespace p2pgossip::sim {

struct Latency {
  enum class Kind : std::uint8_t { kConstant, kUniform, kNormal, kLogNormal };
  Kind kind = Kind::kConstant;
  // constant: a. uniform: [a, b]. normal: mean a, std b (truncated at 0).
  // log-normal: median a, sigma b (of the underlying normal). All times in ns.
  double a = 0;
  double b = 0;

  static Latency constant(double ns) { return {Kind::kConstant, ns, 0}; }
  static Latency uniform(double lo_ns, double hi_ns) { return {Kind::kUniform, lo_ns, hi_ns}; }
  static Latency normal(double mean_ns, double std_ns) { return {Kind::kNormal, mean_ns, std_ns}; }
  static Latency lognormal(double median_ns, double sigma) {
    return {Kind::kLogNormal, median_ns, sigma};
  }

  // No sample is below this (a parallel run's lookahead): to_normal's two words give
  // |z| <= sqrt(-2 ln 2^-53) < 8.58.
  std::int64_t minimum() const {
    constexpr double kMaxZ = 8.58;
    double ns = a;
    switch (kind) {
      case Kind::kConstant:
        break;
      case Kind::kUniform:
        ns = std::min(a, b);
        break;
      case Kind::kNormal:
        ns = a - std::abs(b) * kMaxZ;
        break;
      case Kind::kLogNormal:
        ns = a * std::exp(-std::abs(b) * kMaxZ);
        break;
    }
    return static_cast<std::int64_t>(std::max(ns, 0.0));
  }

  std::int64_t sample(std::uint64_t r1, std::uint64_t r2) const {
    double ns = a;
    switch (kind) {
      case Kind::kConstant:
        break;
      case Kind::kUniform:
        ns = a + (b - a) * to_unit(r1);
        break;
      case Kind::kNormal:
        ns = a + b * to_normal(r1, r2);
        break;
      case Kind::kLogNormal:
        ns = a * std::exp(b * to_normal(r1, r2));
        break;
    }
    return static_cast<std::int64_t>(std::max(ns, 0.0));
  }
};

}  // namespace p2pgossip::sim
