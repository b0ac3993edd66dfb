// A named set of metrics, one per node or runtime (no global registry). Registration and
// snapshots take a mutex; the metrics themselves are updated without it.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "p2pgossip/metrics/counter.hpp"
#include "p2pgossip/metrics/histogram.hpp"
#include "p2pgossip/result.hpp"

namespace p2pgossip::metrics {

enum class MetricType { counter, gauge, histogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

// One labelled child of a family, as read at snapshot time.
struct Sample {
  std::vector<std::string> label_values;  // in the order of FamilySnapshot::label_names
  double value = 0;                       // counter and gauge
  HistogramSnapshot histogram;            // histogram
};

struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::counter;
  std::vector<std::string> label_names;
  std::vector<Sample> samples;
};

// Names as the exposition format requires; errors name the rule.
Status check_metric_name(const std::string& name);
Status check_label_name(const std::string& name);

class Registry {
 public:
  // Labels added to every sample, e.g. {{"node", "<peer id>"}} for a node's registry.
  // Children per family are bounded, so labels taken from the network (topics) cannot grow
  // a registry without limit; registering past the bound is an error.
  explicit Registry(Labels const_labels = {}, std::size_t max_children_per_family = 1024);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The same name and label values return the same metric; a name used with another type or
  // other label names is an error. Pointers stay valid for the registry's lifetime.
  Result<Counter*> counter(const std::string& name, const std::string& help,
                           const Labels& labels = {});
  Result<Gauge*> gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Result<Histogram*> histogram(const std::string& name, const std::string& help,
                               const Buckets& buckets, const Labels& labels = {});

  std::vector<FamilySnapshot> snapshot() const;
  const Labels& const_labels() const { return const_labels_; }

 private:
  struct Child {
    std::vector<std::string> label_values;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string help;
    MetricType type;
    std::vector<std::string> label_names;
    std::vector<Child> children;
    std::map<std::vector<std::string>, std::size_t> index;
  };
  // Called with mu_ held.
  Result<Child*> child(const std::string& name, const std::string& help, MetricType type,
                       const Labels& labels);

  Labels const_labels_;
  std::size_t max_children_;
  mutable std::mutex mu_;
  std::vector<std::string> order_;  // families in registration order
  std::map<std::string, Family> families_;
};

}  // namespace p2pgossip::metrics
