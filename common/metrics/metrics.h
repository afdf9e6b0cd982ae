// A small Prometheus registry: counters and histograms with labels, and
// gauges computed at scrape time. Rendered in the text exposition format
// (version 0.0.4) on each service's admin port. Debian ships no Prometheus
// C++ client, and the subset needed here is small.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qudao::metrics {

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

// One series of a counter family, bound once: incrementing it is a single
// relaxed atomic add (for hot paths such as cache hits).
class Counter {
 public:
  explicit Counter(std::atomic<int64_t>* value) : value_(value) {}
  void Increment(int64_t by = 1) {
    value_->fetch_add(by, std::memory_order_relaxed);
  }
  int64_t Value() const { return value_->load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t>* value_;
};

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help,
                std::vector<std::string> label_names);
  void Increment(const LabelValues& labels, int64_t by = 1);
  int64_t Value(const LabelValues& labels) const;
  // The series of `labels`, valid as long as the family.
  Counter Bind(const LabelValues& labels);
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable absl::Mutex mu_;
  // std::map nodes never move, so bound series stay valid.
  std::map<LabelValues, std::atomic<int64_t>> values_ ABSL_GUARDED_BY(mu_);
};

class HistogramFamily {
 public:
  // `bounds` are bucket upper bounds in seconds, ascending.
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void Observe(const LabelValues& labels, absl::Duration value);
  void Render(std::string* out) const;

 private:
  struct Series {
    std::vector<int64_t> buckets;  // non-cumulative counts per bound, +Inf last
    int64_t count = 0;
    int64_t sum_nanos = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<LabelValues, Series> series_ ABSL_GUARDED_BY(mu_);
};

class Registry {
 public:
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names);
  HistogramFamily& Histogram(
      const std::string& name, const std::string& help,
      std::vector<std::string> label_names,
      std::vector<double> bounds = DefaultLatencyBounds());
  // A gauge whose value is read at scrape time (pool sizes, health); one
  // series per distinct label set.
  void Gauge(
      const std::string& name, const std::string& help,
      std::function<double()> read,
      const std::vector<std::pair<std::string, std::string>>& labels = {});

  std::string Render() const;

  static std::vector<double> DefaultLatencyBounds();

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_
      ABSL_GUARDED_BY(mu_);
  struct GaugeEntry {
    std::string help;
    // Rendered label set ("" or "{k=\"v\"}") -> reader.
    std::map<std::string, std::function<double()>> series;
  };
  std::map<std::string, GaugeEntry> gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace qudao::metrics
