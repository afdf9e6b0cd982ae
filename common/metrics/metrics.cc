// Prometheus text rendering; see metrics.h.
#include "common/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace qudao::metrics {
namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Labels(const std::vector<std::string>& names,
                   const LabelValues& values, const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"",
                    EscapeLabel(values[i]), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

std::string FormatDouble(double v) { return absl::StrFormat("%.9g", v); }

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void CounterFamily::Increment(const LabelValues& labels, int64_t by) {
  absl::MutexLock lock(&mu_);
  values_[labels].fetch_add(by, std::memory_order_relaxed);
}

Counter CounterFamily::Bind(const LabelValues& labels) {
  absl::MutexLock lock(&mu_);
  return Counter(&values_[labels]);
}

int64_t CounterFamily::Value(const LabelValues& labels) const {
  absl::MutexLock lock(&mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second.load();
}

void CounterFamily::Render(std::string* out) const {
  absl::StrAppend(out, "# HELP ", name_, " ", help_, "\n# TYPE ", name_,
                  " counter\n");
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, value] : values_) {
    absl::StrAppend(out, name_, Labels(label_names_, labels), " ", value.load(),
                    "\n");
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::Observe(const LabelValues& labels, absl::Duration value) {
  const double seconds = absl::ToDoubleSeconds(value);
  size_t bucket = 0;
  while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
  absl::MutexLock lock(&mu_);
  Series& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
  ++s.buckets[bucket];
  ++s.count;
  s.sum_nanos += absl::ToInt64Nanoseconds(value);
}

void HistogramFamily::Render(std::string* out) const {
  absl::StrAppend(out, "# HELP ", name_, " ", help_, "\n# TYPE ", name_,
                  " histogram\n");
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, s] : series_) {
    int64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      absl::StrAppend(
          out, name_, "_bucket",
          Labels(label_names_, labels,
                 absl::StrCat("le=\"", FormatDouble(bounds_[i]), "\"")),
          " ", cumulative, "\n");
    }
    absl::StrAppend(out, name_, "_bucket",
                    Labels(label_names_, labels, "le=\"+Inf\""), " ", s.count,
                    "\n");
    absl::StrAppend(out, name_, "_sum", Labels(label_names_, labels), " ",
                    FormatDouble(static_cast<double>(s.sum_nanos) / 1e9), "\n");
    absl::StrAppend(out, name_, "_count", Labels(label_names_, labels), " ",
                    s.count, "\n");
  }
}

CounterFamily& Registry::Counter(const std::string& name,
                                 const std::string& help,
                                 std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  auto& slot = counters_[name];
  if (slot == nullptr) {
    slot = std::make_unique<CounterFamily>(name, help, std::move(label_names));
  }
  return *slot;
}

HistogramFamily& Registry::Histogram(const std::string& name,
                                     const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  auto& slot = histograms_[name];
  if (slot == nullptr) {
    slot = std::make_unique<HistogramFamily>(name, help, std::move(label_names),
                                             std::move(bounds));
  }
  return *slot;
}

void Registry::Gauge(
    const std::string& name, const std::string& help,
    std::function<double()> read,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  std::vector<std::string> names, values;
  for (const auto& [k, v] : labels) {
    names.push_back(k);
    values.push_back(v);
  }
  absl::MutexLock lock(&mu_);
  GaugeEntry& entry = gauges_[name];
  entry.help = help;
  entry.series[Labels(names, values)] = std::move(read);
}

std::string Registry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, family] : counters_) family->Render(&out);
  for (const auto& [name, family] : histograms_) family->Render(&out);
  for (const auto& [name, gauge] : gauges_) {
    absl::StrAppend(&out, "# HELP ", name, " ", gauge.help, "\n# TYPE ", name,
                    " gauge\n");
    for (const auto& [labels, read] : gauge.series) {
      absl::StrAppend(&out, name, labels, " ", FormatDouble(read()), "\n");
    }
  }
  return out;
}

std::vector<double> Registry::DefaultLatencyBounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace qudao::metrics
