#include "p2pgossip/metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace p2pgossip::metrics {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  std::uint8_t c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string escape(std::string_view v, bool quote) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size();) {
    std::size_t n = utf8_length(v, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    char c = v[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out.append(v.substr(i, n));
    }
    i += n;
  }
  return out;
}

void write_labels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const char* le = nullptr) {
  if (names.empty() && le == nullptr) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (le != nullptr) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

void write_sample(std::string& out, const std::string& name, const std::vector<std::string>& names,
                  const Sample& s, MetricType type) {
  if (type != MetricType::histogram) {
    out += name;
    write_labels(out, names, s.label_values);
    out += ' ';
    out += format_value(s.value);
    out += '\n';
    return;
  }
  const auto& h = s.histogram;
  for (std::size_t i = 0; i < h.cumulative.size(); ++i) {
    std::string le = i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf";
    out += name;
    out += "_bucket";
    write_labels(out, names, s.label_values, le.c_str());
    out += ' ';
    out += format_value(static_cast<double>(h.cumulative[i]));
    out += '\n';
  }
  out += name;
  out += "_sum";
  write_labels(out, names, s.label_values);
  out += ' ';
  out += format_value(h.sum);
  out += '\n';
  out += name;
  out += "_count";
  write_labels(out, names, s.label_values);
  out += ' ';
  out += format_value(static_cast<double>(h.count));
  out += '\n';
}

}  // namespace

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

std::string escape_label_value(std::string_view v) { return escape(v, true); }
std::string escape_help(std::string_view v) { return escape(v, false); }

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, r.ptr};
}

Status write_text(std::string& out, std::span<const FamilySnapshot> families) {
  // Group by name in first-seen order: the format wants one family's samples together.
  std::map<std::string, std::size_t> group_of;
  std::vector<std::vector<const FamilySnapshot*>> groups;
  for (const auto& f : families) {
    if (auto s = check_metric_name(f.name); !s) return s.error();
    for (const auto& l : f.label_names)
      if (auto s = check_label_name(l); !s) return s.error();
    auto [it, inserted] = group_of.try_emplace(f.name, groups.size());
    if (inserted) groups.emplace_back();
    auto& g = groups[it->second];
    if (!g.empty() && g.front()->type != f.type) return Error{f.name + ": exposed with two types"};
    g.push_back(&f);
  }
  std::string text;
  for (const auto& g : groups) {
    const FamilySnapshot& head = *g.front();
    std::set<std::pair<std::vector<std::string>, std::vector<std::string>>> seen;
    text += "# HELP " + head.name + ' ' + escape_help(head.help) + '\n';
    text += "# TYPE " + head.name + ' ' + type_name(head.type) + '\n';
    for (const FamilySnapshot* f : g) {
      for (const auto& s : f->samples) {
        if (s.label_values.size() != f->label_names.size())
          return Error{f->name + ": sample has " + std::to_string(s.label_values.size()) +
                       " label values for " + std::to_string(f->label_names.size()) + " names"};
        if (!seen.emplace(f->label_names, s.label_values).second)
          return Error{f->name + ": the same labels exposed twice"};
        write_sample(text, f->name, f->label_names, s, f->type);
      }
    }
  }
  out += text;
  return Ok{};
}

}  // namespace p2pgossip::metrics
