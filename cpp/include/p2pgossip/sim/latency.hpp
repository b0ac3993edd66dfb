// One-way link latency models. A sample is a pure function of random words, so the
// link layer decides where the randomness comes from (per link, per packet).
// A per-link model (the GossipSub v1.1 evaluation's "5-25 ms per link, 10% jitter") draws
// its base once per unordered pair of endpoints by hashing (nothing stored, the same from
// either side and on any thread) and scales each packet by a uniform factor in
// [1 - jitter, 1 + jitter].
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
  bool per_link = false;  // the kind above draws a link's base; packets add jitter
  double jitter = 0;      // per_link: each packet is base * U[1 - jitter, 1 + jitter]

  static Latency constant(double ns) { return {Kind::kConstant, ns, 0}; }
  static Latency uniform(double lo_ns, double hi_ns) { return {Kind::kUniform, lo_ns, hi_ns}; }
  static Latency normal(double mean_ns, double std_ns) { return {Kind::kNormal, mean_ns, std_ns}; }
  static Latency lognormal(double median_ns, double sigma) {
    return {Kind::kLogNormal, median_ns, sigma};
  }

  static Latency per_link_of(Latency base, double jitter) {
    base.per_link = true;
    base.jitter = jitter;
    return base;
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
    const auto base = static_cast<std::int64_t>(std::max(ns, 0.0));
    // sample_link scales the truncated base by at least exactly (1 - jitter)
    return per_link ? static_cast<std::int64_t>(static_cast<double>(base) * (1 - jitter)) : base;
  }

  // A per-link draw: `link` keys the pair's base, `r` the packet's jitter.
  std::int64_t sample_link(std::uint64_t link, std::uint64_t r) const {
    const double base = static_cast<double>(sample(mix64(link), mix64(link + 1)));
    return static_cast<std::int64_t>(base * (1 + jitter * (2 * to_unit(r) - 1)));
  }

  // The per-packet draw (a per-link model's base when given the link's words).
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
