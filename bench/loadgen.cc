// RunLoad and PrintTable; see loadgen.h.
#include "bench/loadgen.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace qudao::bench {

LoadResult RunLoad(const std::string& scenario, const LoadOptions& options,
                   const Call& call) {
  LoadResult result;
  result.scenario = scenario;
  result.concurrency = options.concurrency;
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> measured{0};
  absl::Mutex mu;
  std::vector<absl::Duration> all;
  std::vector<std::thread> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&, w] {
      std::vector<absl::Duration> mine;
      int64_t ok = 0, errors = 0;
      std::string first_error;
      std::map<grpc::StatusCode, int64_t> by_code;
      for (int64_t seq = 0; !stop.load(std::memory_order_relaxed); ++seq) {
        const bool counted = measuring.load(std::memory_order_relaxed);
        const absl::Time start = absl::Now();
        grpc::Status s = call(w, seq);
        const absl::Duration took = absl::Now() - start;
        if (!counted) continue;
        if (s.ok()) {
          ++ok;
          mine.push_back(took);
        } else {
          ++errors;
          ++by_code[s.error_code()];
          if (first_error.empty()) first_error = s.error_message();
        }
        if (options.max_requests > 0 &&
            measured.fetch_add(1) + 1 >= options.max_requests) {
          stop = true;
        }
      }
      absl::MutexLock lock(&mu);
      all.insert(all.end(), mine.begin(), mine.end());
      result.ok += ok;
      result.errors += errors;
      for (const auto& [code, n] : by_code) result.errors_by_code[code] += n;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  absl::SleepFor(options.warmup);
  const absl::Time start = absl::Now();
  measuring = true;
  if (options.max_requests > 0) {
    while (!stop) absl::SleepFor(absl::Milliseconds(5));
  } else {
    absl::SleepFor(options.duration);
    stop = true;
  }
  const absl::Time end = absl::Now();
  for (auto& t : workers) t.join();
  result.elapsed = end - start;
  result.throughput =
      static_cast<double>(result.ok) / absl::ToDoubleSeconds(result.elapsed);
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return absl::ZeroDuration();
    size_t i = static_cast<size_t>(p * static_cast<double>(all.size() - 1));
    return all[i];
  };
  result.p50 = pct(0.50);
  result.p99 = pct(0.99);
  result.p999 = pct(0.999);
  result.max = all.empty() ? absl::ZeroDuration() : all.back();
  return result;
}

void PrintTable(const std::vector<LoadResult>& results) {
  std::printf("%-28s %5s %10s %8s %10s %10s %10s %10s %8s\n", "scenario",
              "conc", "req/s", "errors", "p50 ms", "p99 ms", "p99.9 ms",
              "max ms", "p50/floor");
  const double floor =
      results.empty() ? 0 : absl::ToDoubleMilliseconds(results[0].p50);
  for (const LoadResult& r : results) {
    const double p50 = absl::ToDoubleMilliseconds(r.p50);
    std::printf("%-28s %5d %10.0f %8lld %10.3f %10.3f %10.3f %10.3f %8.1fx\n",
                r.scenario.c_str(), r.concurrency, r.throughput,
                static_cast<long long>(r.errors), p50,
                absl::ToDoubleMilliseconds(r.p99),
                absl::ToDoubleMilliseconds(r.p999),
                absl::ToDoubleMilliseconds(r.max), floor > 0 ? p50 / floor : 0);
    if (!r.first_error.empty()) {
      std::printf("    first error: %s\n", r.first_error.c_str());
    }
  }
  std::fflush(stdout);
}

}  // namespace qudao::bench
