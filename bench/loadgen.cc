// RunLoad and PrintTable; see loadgen.h.
#include "bench/loadgen.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace qudao::bench {
namespace {

absl::Duration ThreadCpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return absl::DurationFromTimespec(t);
}

absl::Duration ProcessCpu() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return absl::DurationFromTimeval(u.ru_utime) +
         absl::DurationFromTimeval(u.ru_stime);
}

}  // namespace

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
  absl::Duration caller_cpu;
  std::vector<std::thread> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&, w] {
      std::vector<absl::Duration> mine;
      int64_t ok = 0, errors = 0;
      std::string first_error;
      std::map<grpc::StatusCode, int64_t> by_code;
      absl::Duration cpu;
      for (int64_t seq = 0; !stop.load(std::memory_order_relaxed); ++seq) {
        const bool counted = measuring.load(std::memory_order_relaxed);
        const absl::Duration cpu_start = counted ? ThreadCpu() : cpu;
        const absl::Time start = absl::Now();
        grpc::Status s = call(w, seq);
        const absl::Duration took = absl::Now() - start;
        if (!counted) continue;
        cpu += ThreadCpu() - cpu_start;
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
      caller_cpu += cpu;
      result.ok += ok;
      result.errors += errors;
      for (const auto& [code, n] : by_code) result.errors_by_code[code] += n;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  absl::SleepFor(options.warmup);
  const absl::Time start = absl::Now();
  const absl::Duration cpu_start = ProcessCpu();
  measuring = true;
  if (options.max_requests > 0) {
    while (!stop) absl::SleepFor(absl::Milliseconds(5));
  } else {
    absl::SleepFor(options.duration);
    stop = true;
  }
  const absl::Time end = absl::Now();
  for (auto& t : workers) t.join();
  // After the calls counted have all finished (some end after `end`).
  const absl::Duration process_cpu = ProcessCpu() - cpu_start;
  const int64_t calls = std::max<int64_t>(1, result.ok + result.errors);
  result.caller_cpu = caller_cpu / calls;
  result.server_cpu =
      std::max(absl::ZeroDuration(), process_cpu - caller_cpu) / calls;
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
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("%-28s %5s %10s %8s %10s %10s %10s %10s %8s %8s %8s %10s\n",
              "scenario", "conc", "req/s", "errors", "p50 ms", "p99 ms",
              "p99.9 ms", "max ms", "p50/floor", "cli us", "srv us",
              absl::StrCat("srv/s@", cores, "c").c_str());
  const double floor =
      results.empty() ? 0 : absl::ToDoubleMilliseconds(results[0].p50);
  for (const LoadResult& r : results) {
    const double p50 = absl::ToDoubleMilliseconds(r.p50);
    const double server_us = absl::ToDoubleMicroseconds(r.server_cpu);
    std::printf(
        "%-28s %5d %10.0f %8lld %10.3f %10.3f %10.3f %10.3f %8.1fx %8.0f %8.0f "
        "%10.0f\n",
        r.scenario.c_str(), r.concurrency, r.throughput,
        static_cast<long long>(r.errors), p50,
        absl::ToDoubleMilliseconds(r.p99), absl::ToDoubleMilliseconds(r.p999),
        absl::ToDoubleMilliseconds(r.max), floor > 0 ? p50 / floor : 0,
        absl::ToDoubleMicroseconds(r.caller_cpu), server_us,
        server_us > 0 ? cores * 1e6 / server_us : 0);
    if (!r.first_error.empty()) {
      std::printf("    first error: %s\n", r.first_error.c_str());
    }
  }
  std::fflush(stdout);
}

}  // namespace qudao::bench
