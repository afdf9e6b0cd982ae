// Commit-to-subscriber latency of the change feed: writers commit changes
// with their outbox events at a steady rate while the relay publishes them
// on the event bus; a subscriber notes when each arrives. Prints p50/p99
// from the moment the commit returned to the moment the subscriber had the
// event, on SQLite and PostgreSQL, through Redis pub/sub and in-process.
//
//   build/bench/outbox_bench [--rate=500] [--duration_s=5]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_database.h"
#include "common/events/change_feed.h"
#include "common/status/macros.h"
#include "common/storage/migrations.h"
#include "common/storage/outbox.h"
#include "common/testing/harness.h"

ABSL_FLAG(int, rate, 500, "events committed per second (steady)");
ABSL_FLAG(int, writers, 4, "writer threads");
ABSL_FLAG(int, duration_s, 5, "seconds of load per scenario");

namespace qudao::bench {
namespace {

struct Result {
  std::string scenario;
  int64_t sent = 0;
  int64_t delivered = 0;
  absl::Duration p50, p99, max;
};

absl::StatusOr<Result> Measure(const std::string& scenario,
                               const std::string& backend,
                               events::EventBus* bus) {
  ASSIGN_OR_RETURN(auto database, BenchDatabase::Create(backend));
  ASSIGN_OR_RETURN(auto db, storage::OpenDatabase(database->url()));
  RETURN_IF_ERROR(storage::ApplyMigrations(*db, "bench", {}));
  const std::string source = absl::StrCat("bench-", backend, "-", rand());

  absl::Mutex mu;
  std::map<std::string, absl::Time> committed, arrived;
  bus->Subscribe(source, [&](const events::ChangeEvent& e) {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu);
    arrived.emplace(e.key(), now);
  });
  events::OutboxRelay relay(db.get(), bus, &Clock::Real(), {source});
  relay.Start();

  const int writers = absl::GetFlag(FLAGS_writers);
  const absl::Duration interval =
      absl::Seconds(1) * writers / absl::GetFlag(FLAGS_rate);
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  std::atomic<int64_t> sent{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      absl::Time next = absl::Now();
      for (int64_t i = 0; absl::Now() < end; ++i) {
        absl::SleepFor(next - absl::Now());
        next += interval;
        const std::string key = absl::StrCat(w, "-", i);
        absl::Status s = db->RunInTransaction(
            storage::TransactionMode::kReadWrite,
            [&](storage::Transaction& tx) {
              return storage::AppendEvent(tx, {"thing.changed", key, "x"},
                                          absl::Now());
            });
        if (!s.ok()) continue;
        const absl::Time now = absl::Now();
        absl::MutexLock lock(&mu);
        committed.emplace(key, now);
        ++sent;
      }
    });
  }
  for (auto& t : threads) t.join();
  absl::SleepFor(absl::Seconds(1));  // let the tail arrive
  relay.Stop();

  Result r;
  r.scenario = scenario;
  r.sent = sent.load();
  std::vector<absl::Duration> latencies;
  absl::MutexLock lock(&mu);
  for (const auto& [key, at] : committed) {
    auto it = arrived.find(key);
    if (it == arrived.end()) continue;
    latencies.push_back(std::max(absl::ZeroDuration(), it->second - at));
  }
  r.delivered = static_cast<int64_t>(latencies.size());
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    r.p50 = latencies[latencies.size() / 2];
    r.p99 = latencies[latencies.size() * 99 / 100];
    r.max = latencies.back();
  }
  return r;
}

int Run() {
  auto redis = testing::RedisServer::Start();
  if (!redis.ok()) {
    std::fprintf(stderr, "%s\n", redis.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "qudao outbox_bench: %d events/s from %d writers for %ds; latency from "
      "commit returned to subscriber called\n\n",
      absl::GetFlag(FLAGS_rate), absl::GetFlag(FLAGS_writers),
      absl::GetFlag(FLAGS_duration_s));
  std::printf("%-32s %8s %10s %9s %9s %9s\n", "scenario", "sent", "delivered",
              "p50 ms", "p99 ms", "max ms");
  for (const char* backend : {"sqlite", "postgres"}) {
    for (bool use_redis : {true, false}) {
      std::shared_ptr<events::EventBus> bus;
      if (use_redis) {
        auto b = events::NewRedisEventBus((*redis)->Url());
        if (!b.ok()) return 1;
        bus = std::move(*b);
        absl::SleepFor(absl::Milliseconds(200));  // let it subscribe
      } else {
        bus = events::NewInProcessEventBus();
      }
      const std::string name =
          absl::StrCat(backend, use_redis ? " + Redis pub/sub" : " in-process");
      auto r = Measure(name, backend, bus.get());
      bus->Stop();
      if (!r.ok()) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(),
                     r.status().ToString().c_str());
        continue;
      }
      std::printf("%-32s %8lld %10lld %9.2f %9.2f %9.2f\n", name.c_str(),
                  static_cast<long long>(r->sent),
                  static_cast<long long>(r->delivered),
                  absl::ToDoubleMilliseconds(r->p50),
                  absl::ToDoubleMilliseconds(r->p99),
                  absl::ToDoubleMilliseconds(r->max));
    }
  }
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
