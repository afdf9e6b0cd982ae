// Hot-row writes: 64 clients adding to a reserved amount under a limit, on
// one row and spread over 1,000 rows, in three ways against the same
// PostgreSQL server in the same run:
//   hot-row      our kHotRow mode: READ COMMITTED, one conditional UPDATE
//                (also with the idempotency claim and record, as a real
//                reservation does)
//   serializable read, check and write in a SERIALIZABLE transaction with
//                retry on conflict (what multi-row rules use)
//   pgbench      PostgreSQL's own driver running the same UPDATE
// Prints throughput, p50/p99 and retries per update for each.
//
//   build/bench/hot_row_bench [--clients=64] [--duration_s=5]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/loadgen.h"
#include "common/status/macros.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/testing/harness.h"

ABSL_FLAG(int, clients, 64, "concurrent clients");
ABSL_FLAG(int, duration_s, 5, "seconds per scenario");
ABSL_FLAG(int, rows, 1000, "rows of the spread scenarios");

namespace qudao::bench {
namespace {

using storage::Transaction;
using storage::TransactionMode;

constexpr char kUpdate[] =
    "UPDATE accounts SET reserved = reserved + $1 WHERE id = $2 AND "
    "limit_minor - reserved >= $1";

struct Row {
  std::string scenario;
  LoadResult load;
  double retries_per_update = 0;
};

void Print(const std::vector<Row>& rows) {
  std::printf("%-40s %10s %10s %10s %10s %9s\n", "scenario", "updates/s",
              "p50 ms", "p99 ms", "errors", "retries/u");
  for (const Row& r : rows) {
    std::printf("%-40s %10.0f %10.2f %10.2f %10lld %9.3f\n", r.scenario.c_str(),
                r.load.throughput, absl::ToDoubleMilliseconds(r.load.p50),
                absl::ToDoubleMilliseconds(r.load.p99),
                static_cast<long long>(r.load.errors), r.retries_per_update);
  }
}

// Runs pgbench with the same statement; parses its per-transaction log
// for the percentiles.
absl::StatusOr<Row> RunPgbench(const testing::PostgresServer& pg,
                               const std::string& dir, const std::string& name,
                               int rows, int clients, int duration_s) {
  const std::string script = absl::StrCat(dir, "/", name, ".sql");
  {
    std::ofstream out(script);
    out << (rows == 1 ? "\\set id 1\n"
                      : absl::StrCat("\\set id random(1, ", rows, ")\n"))
        << "UPDATE accounts SET reserved = reserved + 1 WHERE id = :id AND "
           "limit_minor - reserved >= 1;\n";
  }
  const std::string prefix = absl::StrCat(dir, "/", name, "_log");
  std::string output;
  auto code = testing::RunCommand({"/usr/lib/postgresql/15/bin/pgbench",
                                   "-n",
                                   "-M",
                                   "extended",
                                   "-c",
                                   absl::StrCat(clients),
                                   "-j",
                                   "2",
                                   "-T",
                                   absl::StrCat(duration_s),
                                   "-f",
                                   script,
                                   "-l",
                                   absl::StrCat("--log-prefix=", prefix),
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   absl::StrCat(pg.port()),
                                   "-U",
                                   "postgres",
                                   "qudao"},
                                  &output);
  if (!code.ok()) return code.status();
  if (*code != 0) return absl::InternalError("pgbench failed: " + output);
  Row row;
  row.scenario = absl::StrCat("pgbench, same UPDATE, ",
                              rows == 1 ? "1 hot row" : "1000 rows");
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "tps = ")) {
      (void)absl::SimpleAtod(line.substr(6, line.find(' ', 6) - 6),
                             &row.load.throughput);
    }
  }
  // Log lines: client_id transaction_no latency_us script_no epoch us.
  std::vector<int64_t> latencies;
  std::string listing;
  (void)testing::RunCommand(
      {"/bin/sh", "-c", absl::StrCat("cat ", prefix, ".* 2>/dev/null")},
      &listing);
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    int64_t us = 0;
    if (f.size() >= 3 && absl::SimpleAtoi(f[2], &us)) latencies.push_back(us);
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    row.load.p50 = absl::Microseconds(latencies[latencies.size() / 2]);
    row.load.p99 = absl::Microseconds(latencies[latencies.size() * 99 / 100]);
  }
  return row;
}

int Run() {
  const int clients = absl::GetFlag(FLAGS_clients);
  const int spread = absl::GetFlag(FLAGS_rows);
  LoadOptions load;
  load.concurrency = clients;
  load.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  // No warm-up: the retry count covers every attempt the run made.
  load.warmup = absl::ZeroDuration();

  auto dir = testing::TempDir::Create("qudao-hotrow");
  auto pg = testing::PostgresServer::Start();
  if (!dir.ok() || !pg.ok()) {
    std::fprintf(stderr, "cannot start PostgreSQL: %s\n",
                 pg.status().ToString().c_str());
    return 1;
  }
  storage::DatabaseOptions options;
  options.pool_size = clients;
  options.max_attempts = 1000;
  auto db = storage::OpenDatabase((*pg)->Uri(), options);
  if (!db.ok() || !storage::ApplyMigrations(**db, "bench", {}).ok() ||
      !(*db)
           ->ExecuteScript(absl::StrCat(
               "CREATE TABLE accounts (id BIGINT PRIMARY KEY, limit_minor "
               "BIGINT NOT NULL, reserved BIGINT NOT NULL);"
               "INSERT INTO accounts SELECT g, 1000000000000000, 0 FROM "
               "generate_series(1, ",
               spread, ") g;"))
           .ok()) {
    std::fprintf(stderr, "cannot prepare the database\n");
    return 1;
  }
  std::printf(
      "qudao hot_row_bench: PostgreSQL 15 on loopback (test settings: "
      "fsync=off, synchronous_commit=off), %d clients, %s per scenario, "
      "2 cores shared by clients and server\n\n",
      clients, absl::FormatDuration(load.duration).c_str());

  std::vector<Row> rows;
  for (int n : {1, spread}) {
    const std::string where = n == 1 ? "1 hot row" : "1000 rows";
    auto pick = [n](int worker, int64_t seq) -> int64_t {
      if (n == 1) return 1;
      return 1 + static_cast<int64_t>((worker * 7919 + seq * 104729) % n);
    };
    {
      Row row;
      row.scenario = absl::StrCat("hot-row (statement + COMMIT), ", where);
      row.load = RunLoad(row.scenario, load, [&](int w, int64_t seq) {
        auto r = storage::RunHotRowWrite(
            **db, storage::IdempotentRequest{}, absl::Now(),
            [&](Transaction&) -> absl::StatusOr<storage::FinalStatement> {
              return storage::FinalStatement{
                  kUpdate, {int64_t{1}, pick(w, seq)}, "ok", "over"};
            });
        return r.ok() ? grpc::Status::OK
                      : grpc::Status(grpc::StatusCode::INTERNAL,
                                     std::string(r.status().message()));
      });
      rows.push_back(row);
    }
    {
      Row row;
      row.scenario = absl::StrCat("hot-row + idempotency record, ", where);
      row.load = RunLoad(row.scenario, load, [&](int w, int64_t seq) {
        auto r = storage::RunHotRowWrite(
            **db,
            storage::IdempotentRequest::FromCaller(
                "bench", "b", absl::StrCat(where, "-", w, "-", seq), "1"),
            absl::Now(),
            [&](Transaction&) -> absl::StatusOr<storage::FinalStatement> {
              return storage::FinalStatement{
                  kUpdate, {int64_t{1}, pick(w, seq)}, "ok", "over"};
            });
        return r.ok() ? grpc::Status::OK
                      : grpc::Status(grpc::StatusCode::INTERNAL,
                                     std::string(r.status().message()));
      });
      rows.push_back(row);
    }
    {
      Row row;
      row.scenario = absl::StrCat("serializable read-check-write, ", where);
      std::atomic<int64_t> attempts{0};
      row.load = RunLoad(row.scenario, load, [&](int w, int64_t seq) {
        const int64_t id = pick(w, seq);
        absl::Status s = (*db)->RunInTransaction(
            TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
              ++attempts;
              ASSIGN_OR_RETURN(auto found,
                               tx.Query("SELECT limit_minor, reserved FROM "
                                        "accounts WHERE id = $1",
                                        {id}));
              if (found[0].Int("limit_minor") - found[0].Int("reserved") < 1) {
                return absl::OkStatus();
              }
              return tx
                  .Execute("UPDATE accounts SET reserved = $2 WHERE id = $1",
                           {id, found[0].Int("reserved") + 1})
                  .status();
            });
        return s.ok() ? grpc::Status::OK
                      : grpc::Status(grpc::StatusCode::ABORTED,
                                     std::string(s.message()));
      });
      const int64_t done = row.load.ok + row.load.errors;
      row.retries_per_update =
          done == 0 ? 0 : static_cast<double>(attempts.load() - done) / done;
      rows.push_back(row);
    }
    auto bench = RunPgbench(**pg, (*dir).path(), n == 1 ? "hot" : "spread", n,
                            clients, absl::GetFlag(FLAGS_duration_s));
    if (bench.ok()) {
      rows.push_back(*bench);
    } else {
      std::fprintf(stderr, "pgbench: %s\n", bench.status().ToString().c_str());
    }
  }
  Print(rows);
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
