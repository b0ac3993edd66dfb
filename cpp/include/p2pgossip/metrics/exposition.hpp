// Prometheus text exposition format 0.0.4: what an HTTP /metrics endpoint serves.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "p2pgossip/metrics/registry.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Appends # HELP / # TYPE and the samples of every family. Families of the same name from
// several snapshots (one per node of a runtime) are merged under one HELP/TYPE header; a name
// seen with two types, or the same name and labels twice, is an error and nothing is appended.
Status write_text(std::string& out, std::span<const FamilySnapshot> families);

// Escapes for the text format: label values escape backslash, double quote and newline;
// HELP text escapes backslash and newline. Invalid UTF-8 becomes U+FFFD.
// The exposition format's name of a metric type ("counter", "gauge", "histogram").
const char* type_name(MetricType t);
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// Shortest round-trip decimal; +Inf, -Inf and NaN spelled as the format wants.
std::string format_value(double v);

}  // namespace p2pgossip::metrics
