#include "p2pgossip/metrics/registry.hpp"

#include <algorithm>

namespace p2pgossip::metrics {
namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

Status check_metric_name(const std::string& name) {
  if (name.empty() || !(name_start(name[0]) || name[0] == ':'))
    return Error{"metric name '" + name + "': must match [a-zA-Z_:][a-zA-Z0-9_:]*"};
  for (char c : name)
    if (!(name_char(c) || c == ':'))
      return Error{"metric name '" + name + "': must match [a-zA-Z_:][a-zA-Z0-9_:]*"};
  return Ok{};
}

Status check_label_name(const std::string& name) {
  if (name.empty() || !name_start(name[0]))
    return Error{"label name '" + name + "': must match [a-zA-Z_][a-zA-Z0-9_]*"};
  for (char c : name)
    if (!name_char(c)) return Error{"label name '" + name + "': must match [a-zA-Z_][a-zA-Z0-9_]*"};
  if (name.starts_with("__")) return Error{"label name '" + name + "': __ prefix is reserved"};
  return Ok{};
}

Registry::Registry(Labels const_labels, std::size_t max_children_per_family)
    : const_labels_(std::move(const_labels)), max_children_(max_children_per_family) {}

Result<Registry::Child*> Registry::child(const std::string& name, const std::string& help,
                                         MetricType type, const Labels& labels) {
  if (auto s = check_metric_name(name); !s) return s.error();
  std::vector<std::string> names, values;
  for (const auto& [k, v] : const_labels_) names.push_back(k), values.push_back(v);
  for (const auto& [k, v] : labels) names.push_back(k), values.push_back(v);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (auto s = check_label_name(names[i]); !s) return s.error();
    if (type == MetricType::histogram && names[i] == "le")
      return Error{"histogram " + name + ": label 'le' is reserved for buckets"};
    for (std::size_t j = 0; j < i; ++j)
      if (names[j] == names[i]) return Error{name + ": label '" + names[i] + "' given twice"};
  }

  auto [it, inserted] = families_.try_emplace(name);
  Family& f = it->second;
  if (inserted) {
    f.help = help;
    f.type = type;
    f.label_names = names;
    order_.push_back(name);
  } else if (f.type != type) {
    return Error{name + ": registered before with another type"};
  } else if (f.label_names != names) {
    return Error{name + ": registered before with other label names"};
  }
  if (auto found = f.index.find(values); found != f.index.end()) return &f.children[found->second];
  if (f.children.size() >= max_children_)
    return Error{name + ": more than " + std::to_string(max_children_) + " label sets"};
  f.index.emplace(values, f.children.size());
  f.children.push_back(Child{std::move(values), nullptr, nullptr, nullptr});
  return &f.children.back();
}

Result<Counter*> Registry::counter(const std::string& name, const std::string& help,
                                   const Labels& labels) {
  std::lock_guard lock(mu_);
  auto c = child(name, help, MetricType::counter, labels);
  if (!c) return c.error();
  if (!(*c)->counter) (*c)->counter = std::make_unique<Counter>();
  return (*c)->counter.get();
}

Result<Gauge*> Registry::gauge(const std::string& name, const std::string& help,
                               const Labels& labels) {
  std::lock_guard lock(mu_);
  auto c = child(name, help, MetricType::gauge, labels);
  if (!c) return c.error();
  if (!(*c)->gauge) (*c)->gauge = std::make_unique<Gauge>();
  return (*c)->gauge.get();
}

Result<Histogram*> Registry::histogram(const std::string& name, const std::string& help,
                                       const Buckets& buckets, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto c = child(name, help, MetricType::histogram, labels);
  if (!c) return c.error();
  if (!(*c)->histogram) (*c)->histogram = std::make_unique<Histogram>(buckets);
  auto have = (*c)->histogram->buckets().bounds();
  auto want = buckets.bounds();
  if (!std::equal(have.begin(), have.end(), want.begin(), want.end()))
    return Error{name + ": registered before with other buckets"};
  return (*c)->histogram.get();
}

std::vector<FamilySnapshot> Registry::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<FamilySnapshot> out;
  out.reserve(order_.size());
  for (const auto& name : order_) {
    const Family& f = families_.at(name);
    FamilySnapshot s{name, f.help, f.type, f.label_names, {}};
    s.samples.reserve(f.children.size());
    for (const auto& c : f.children) {
      Sample sample{c.label_values, 0, {}};
      if (c.counter) sample.value = static_cast<double>(c.counter->value());
      if (c.gauge) sample.value = c.gauge->value();
      if (c.histogram) sample.histogram = c.histogram->snapshot();
      s.samples.push_back(std::move(sample));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace p2pgossip::metrics
