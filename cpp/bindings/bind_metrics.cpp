// Metrics: registries with counters, gauges and histograms, their snapshots and the
// Prometheus text exposition.
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "metrics_bindings.hpp"
#include "p2pgossip/metrics/exposition.hpp"

namespace p2pgossip::bindings {

using namespace metrics;

namespace {

template <class T>
T* or_raise(Result<T*>&& r) {
  if (!r) throw py::value_error(r.error().what);
  return *r;
}

Labels labels_of(const py::dict& d) {
  Labels out;
  for (auto [k, v] : d) out.emplace_back(py::cast<std::string>(k), py::cast<std::string>(v));
  return out;
}

MetricType type_of(const std::string& s) {
  if (s == "counter") return MetricType::counter;
  if (s == "gauge") return MetricType::gauge;
  if (s == "histogram") return MetricType::histogram;
  throw py::value_error("metric type must be 'counter', 'gauge' or 'histogram', not '" + s + "'");
}

// The inverse of snapshot_to_py, for families built in Python.
std::vector<FamilySnapshot> snapshot_from_py(const py::list& families) {
  std::vector<FamilySnapshot> out;
  for (auto item : families) {
    auto fam = item.cast<py::dict>();
    FamilySnapshot f;
    f.name = fam["name"].cast<std::string>();
    f.help = fam["help"].cast<std::string>();
    f.type = type_of(fam["type"].cast<std::string>());
    f.label_names = fam["label_names"].cast<std::vector<std::string>>();
    for (auto si : fam["samples"].cast<py::list>()) {
      auto sd = si.cast<py::dict>();
      Sample s;
      auto labels = sd["labels"].cast<py::dict>();
      for (const auto& n : f.label_names) {
        if (!labels.contains(n)) throw py::value_error(f.name + ": sample lacks label '" + n + "'");
        s.label_values.push_back(labels[py::str(n)].cast<std::string>());
      }
      if (f.type == MetricType::histogram) {
        for (auto b : sd["buckets"].cast<py::list>()) {
          auto t = b.cast<py::tuple>();
          double le = t[0].cast<double>();
          if (!std::isinf(le)) s.histogram.bounds.push_back(le);
          s.histogram.cumulative.push_back(t[1].cast<std::uint64_t>());
        }
        if (s.histogram.cumulative.size() != s.histogram.bounds.size() + 1)
          throw py::value_error(f.name + ": buckets must end with (inf, count)");
        s.histogram.sum = sd["sum"].cast<double>();
        s.histogram.count = sd["count"].cast<std::uint64_t>();
      } else {
        s.value = sd["value"].cast<double>();
      }
      f.samples.push_back(std::move(s));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

py::list snapshot_to_py(std::span<const FamilySnapshot> families) {
  py::list out;
  for (const auto& f : families) {
    py::list samples;
    for (const auto& s : f.samples) {
      py::dict labels;
      for (std::size_t i = 0; i < f.label_names.size() && i < s.label_values.size(); ++i)
        labels[py::str(f.label_names[i])] = py::str(s.label_values[i]);
      py::dict sample;
      sample["labels"] = labels;
      if (f.type == MetricType::histogram) {
        py::list buckets;
        const auto& h = s.histogram;
        for (std::size_t i = 0; i < h.cumulative.size(); ++i) {
          double le = i < h.bounds.size() ? h.bounds[i] : std::numeric_limits<double>::infinity();
          buckets.append(py::make_tuple(le, h.cumulative[i]));
        }
        sample["buckets"] = buckets;
        sample["sum"] = h.sum;
        sample["count"] = h.count;
      } else {
        sample["value"] = s.value;
      }
      samples.append(sample);
    }
    py::dict fam;
    fam["name"] = f.name;
    fam["help"] = f.help;
    fam["type"] = type_name(f.type);
    fam["label_names"] = f.label_names;
    fam["samples"] = samples;
    out.append(fam);
  }
  return out;
}

std::string exposition_text(std::span<const FamilySnapshot> families) {
  std::string out;
  if (auto s = write_text(out, families); !s) throw py::value_error(s.error().what);
  return out;
}

void bind_metrics(py::module_& m) {
  py::class_<Counter, std::unique_ptr<Counter, py::nodelete>>(m, "Counter")
      .def("inc", &Counter::inc, py::arg("n") = 1)
      .def_property_readonly("value", &Counter::value);
  py::class_<Gauge, std::unique_ptr<Gauge, py::nodelete>>(m, "Gauge")
      .def("set", &Gauge::set)
      .def("add", &Gauge::add)
      .def_property_readonly("value", &Gauge::value);
  py::class_<Histogram, std::unique_ptr<Histogram, py::nodelete>>(m, "Histogram")
      .def("observe", &Histogram::observe)
      .def_property_readonly("bounds", [](const Histogram& h) {
        auto b = h.buckets().bounds();
        return std::vector<double>(b.begin(), b.end());
      });

  py::class_<Registry, std::shared_ptr<Registry>>(m, "Registry")
      .def(py::init([](const py::dict& const_labels, std::size_t max_children) {
             auto labels = labels_of(const_labels);
             for (const auto& [k, v] : labels)
               if (auto s = check_label_name(k); !s) throw py::value_error(s.error().what);
             return std::make_shared<Registry>(std::move(labels), max_children);
           }),
           py::arg("const_labels") = py::dict(), py::arg("max_children_per_family") = 1024)
      .def(
          "counter",
          [](Registry& r, const std::string& name, const std::string& help, const py::dict& l) {
            return or_raise(r.counter(name, help, labels_of(l)));
          },
          py::arg("name"), py::arg("help"), py::arg("labels") = py::dict(),
          py::return_value_policy::reference_internal)
      .def(
          "gauge",
          [](Registry& r, const std::string& name, const std::string& help, const py::dict& l) {
            return or_raise(r.gauge(name, help, labels_of(l)));
          },
          py::arg("name"), py::arg("help"), py::arg("labels") = py::dict(),
          py::return_value_policy::reference_internal)
      .def(
          "histogram",
          [](Registry& r, const std::string& name, const std::string& help,
             std::vector<double> bounds, const py::dict& l) {
            auto b = Buckets::explicit_bounds(std::move(bounds));
            if (!b) throw py::value_error(b.error().what);
            return or_raise(r.histogram(name, help, *b, labels_of(l)));
          },
          py::arg("name"), py::arg("help"), py::arg("bounds"), py::arg("labels") = py::dict(),
          py::return_value_policy::reference_internal)
      .def("snapshot",
           [](const Registry& r) {
             auto s = r.snapshot();
             return snapshot_to_py(s);
           })
      .def("exposition", [](const Registry& r) {
        auto s = r.snapshot();
        return exposition_text(s);
      });

  m.def(
      "exposition",
      [](const std::vector<std::shared_ptr<Registry>>& registries) {
        std::vector<FamilySnapshot> all;
        for (const auto& r : registries) {
          auto s = r->snapshot();
          all.insert(all.end(), std::make_move_iterator(s.begin()),
                     std::make_move_iterator(s.end()));
        }
        return exposition_text(all);
      },
      py::arg("registries"));
  m.def(
      "text", [](const py::list& families) { return exposition_text(snapshot_from_py(families)); },
      py::arg("families"), "The text exposition of families in Registry.snapshot()'s shape.");
  m.def(
      "exponential_buckets",
      [](double start, double factor, std::size_t count) {
        auto b = Buckets::exponential(start, factor, count);
        if (!b) throw py::value_error(b.error().what);
        auto v = b->bounds();
        return std::vector<double>(v.begin(), v.end());
      },
      py::arg("start"), py::arg("factor"), py::arg("count"));
  m.def("escape_label_value", [](const py::bytes& v) {
    auto b = view_of(v);
    return escape_label_value({reinterpret_cast<const char*>(b.data()), b.size()});
  });
  m.attr("CONTENT_TYPE") = std::string(kTextContentType);
}

}  // namespace p2pgossip::bindings
