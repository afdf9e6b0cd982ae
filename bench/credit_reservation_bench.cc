// ReserveCredit as real processes (the credit reservation issue's "Speed"):
// a private PostgreSQL 15, customer records as a process, two credit-control
// replicas on one database, and this process as the order flow (the
// "pricing" service account) with --clients concurrent gRPC callers split
// across both replicas. Every reservation is a new order of CNY 10.00 on
// 30 days, with its own request id. Scenarios:
//
//   ReserveCredit, 2 replicas, N dealers  spread over --dealers payers (each
//                                         a distributor paying for itself,
//                                         with a limit nothing exhausts)
//   ReserveCredit, 2 replicas, 1 hot      every order on one payer
//   pgbench, same UPDATE                  PostgreSQL's own driver running the
//                                         service's conditional UPDATE on a
//                                         copy of credit_accounts on the same
//                                         server: N rows, then one
//   ReserveCredit, SQLite                 one credit-control process on a
//                                         SQLite file, --sqlite_clients
//                                         callers on --sqlite_dealers payers
//
// Prints throughput, p50/p99, every non-OK status (by code), reservations
// answered HELD (none expected), each replica's share, where the CPU went
// (PostgreSQL, credit control, customer records, this load generator, over
// the measured window; from /proc), what PostgreSQL counted per call in the
// credit database, and the ratios to pgbench beside the goals.
// Nothing is asserted. Everything shares this machine's cores; compare rows
// of one run.
//
//   build/bench/credit_reservation_bench [--duration_s=5] [--clients=64]
//       [--dealers=1000]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/loadgen.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"

ABSL_FLAG(int, duration_s, 5, "measured seconds per scenario");
ABSL_FLAG(int, warmup_s, 1, "warm-up seconds per ReserveCredit scenario");
ABSL_FLAG(int, clients, 64, "concurrent callers (PostgreSQL scenarios)");
ABSL_FLAG(int, dealers, 1000, "payer dealers of the spread scenario");
ABSL_FLAG(int, sqlite_clients, 32, "concurrent callers (SQLite scenario)");
ABSL_FLAG(int, sqlite_dealers, 4, "payer dealers of the SQLite scenario");
ABSL_FLAG(int, setup_threads, 16, "concurrent calls creating dealers/limits");
ABSL_FLAG(int, pg_statements, 0,
          "if > 0, load pg_stat_statements and print the credit database's "
          "N costliest statements (execution and planning) per hot-dealer "
          "reservation");

namespace qudao::bench {
namespace {

namespace cpb = ::qudao::customer::v1;
namespace pb = ::qudao::credit::v1;

constexpr int64_t kAmountMinor = 1000;  // CNY 10.00
// CNY 10 billion: no run comes near it, so nothing is held over the limit.
constexpr int64_t kLimitMinor = int64_t{1000000000000};
constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

// The service's conditional UPDATE (CreditAccountStore::ReserveOnAccount),
// with pgbench's variables for its parameters.
constexpr char kPgbenchUpdate[] =
    "UPDATE credit_accounts SET approved_uninvoiced_minor = "
    "approved_uninvoiced_minor + :amount, version = version + 1 "
    "WHERE dealer_id = :id AND currency = 'CNY' AND "
    "credit_limit_minor - open_receivables_minor - "
    "approved_uninvoiced_minor >= :amount;\n";

// credit_accounts as the service creates it.
constexpr char kCreditAccountsTable[] =
    "CREATE TABLE credit_accounts ("
    "dealer_id TEXT NOT NULL PRIMARY KEY, currency TEXT NOT NULL, "
    "credit_limit_minor BIGINT NOT NULL CHECK (credit_limit_minor >= 0), "
    "open_receivables_minor BIGINT NOT NULL DEFAULT 0, "
    "approved_uninvoiced_minor BIGINT NOT NULL DEFAULT 0, "
    "limit_revision BIGINT NOT NULL, limit_update_time BIGINT NOT NULL, "
    "version BIGINT NOT NULL);";

// gRPC's and Abseil's codes share their numbers and names.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// ---- processes -------------------------------------------------------------

struct Service {
  std::string name;
  std::unique_ptr<testing::ChildProcess> process;
  std::string target;
};

// Starts a service binary on free ports, trusting the test issuer, and
// waits for the port it logs.
absl::StatusOr<Service> StartService(const std::string& binary,
                                     const std::string& name,
                                     const std::string& dir,
                                     const std::string& database,
                                     const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {binary, "--listen=127.0.0.1:0",
                                   "--admin_listen=127.0.0.1:0",
                                   absl::StrCat("--database=", database)};
  for (const std::string& flag : testing::TestIdentity::Get().ServiceFlags()) {
    argv.push_back(flag);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  Service s;
  s.name = name;
  auto child =
      testing::ChildProcess::Start(argv, absl::StrCat(dir, "/", name, ".log"));
  if (!child.ok()) return child.status();
  s.process = std::move(*child);
  absl::StatusOr<int> port =
      testing::WaitForLoggedPort(*s.process, "grpc_port", absl::Seconds(60));
  if (!port.ok()) return port.status();
  s.target = absl::StrCat("127.0.0.1:", *port);
  return s;
}

// SIGTERM, as Kubernetes stops a pod; reports an unclean exit.
void StopService(Service& s) {
  if (s.process == nullptr) return;
  (void)s.process->Signal(SIGTERM);
  absl::StatusOr<int> status = s.process->Wait(absl::Seconds(30));
  if (!status.ok() || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    std::fprintf(stderr, "%s did not exit cleanly\n", s.name.c_str());
  }
}

// Runs fn(0..n-1) on `threads` threads; the first error, if any.
absl::Status ParallelFor(int n, int threads,
                         const std::function<absl::Status(int)>& fn) {
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status first;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        absl::Status s = fn(i);
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (first.ok()) first = s;
          return;
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return first;
}

absl::Status FromGrpc(const std::string& what, const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", CodeName(s.error_code()),
                                          ": ", s.error_message()));
}

// ---- where the CPU goes ----------------------------------------------------

// A /proc file's text, or "" once the process is gone (read with read(2):
// a stream would throw when the process exits while it is being read).
std::string ReadProcFile(const std::string& path) {
  std::string out;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

// CPU seconds of a process from /proc (with those of its reaped children
// when `reaped`); 0 if it is gone.
double ProcCpu(pid_t pid, bool reaped) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  // After "(comm) ": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
  std::vector<std::string> f =
      absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  if (f.size() < 15) return 0;
  int64_t ticks = 0, v = 0;
  for (int i : {11, 12, 13, 14}) {
    if (i >= 13 && !reaped) break;
    if (absl::SimpleAtoi(f[i], &v)) ticks += v;
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The parent of `pid`, or 0.
pid_t ParentOf(pid_t pid) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> f =
      absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  int p = 0;
  return f.size() > 1 && absl::SimpleAtoi(f[1], &p) ? p : 0;
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    int pid = 0;
    if (absl::SimpleAtoi(entry.path().filename().string(), &pid) &&
        ParentOf(pid) == parent) {
      out.push_back(pid);
    }
  }
  return out;
}

// PostgreSQL's CPU: the postmaster (a child of this process), its live
// backends, and the backends it has reaped.
struct PostgresCpu {
  pid_t postmaster = 0;
  double Seconds() const {
    if (postmaster == 0) return 0;
    double total = ProcCpu(postmaster, /*reaped=*/true);
    for (pid_t backend : ChildrenOf(postmaster))
      total += ProcCpu(backend, false);
    return total;
  }
};

// CPU seconds the whole machine has been busy (every core; /proc/stat).
double MachineBusyCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
          softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >>
        softirq >> steal) ||
      cpu != "cpu") {
    return 0;
  }
  return static_cast<double>(user + nice + system + irq + softirq + steal) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpu() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return absl::ToDoubleSeconds(absl::DurationFromTimeval(u.ru_utime) +
                               absl::DurationFromTimeval(u.ru_stime));
}

double ReapedChildrenCpu() {
  rusage u;
  getrusage(RUSAGE_CHILDREN, &u);
  return absl::ToDoubleSeconds(absl::DurationFromTimeval(u.ru_utime) +
                               absl::DurationFromTimeval(u.ru_stime));
}

// CPU seconds by party at one moment.
struct CpuSnapshot {
  absl::Time at;
  double postgres = 0, credit = 0, customers = 0, self = 0, reaped = 0;
  double machine = 0;
};

struct CpuParties {
  PostgresCpu postgres;
  pid_t customers = 0;
  std::vector<pid_t> credit;  // the credit-control processes under load

  CpuSnapshot Take() const {
    CpuSnapshot s;
    s.at = absl::Now();
    s.postgres = postgres.Seconds();
    for (pid_t p : credit) s.credit += ProcCpu(p, false);
    s.customers = customers == 0 ? 0 : ProcCpu(customers, false);
    s.self = SelfCpu();
    s.reaped = ReapedChildrenCpu();
    s.machine = MachineBusyCpu();
    return s;
  }
};

// Cores used between two snapshots, as a printable line.
std::string CpuLine(const CpuSnapshot& a, const CpuSnapshot& b, bool pgbench,
                    double calls) {
  const double secs = absl::ToDoubleSeconds(b.at - a.at);
  if (secs <= 0) return "";
  auto cores = [&](double x, double y) { return (y - x) / secs; };
  std::string line = absl::StrFormat("CPU (cores): postgres %.2f",
                                     cores(a.postgres, b.postgres));
  if (pgbench) {
    absl::StrAppendFormat(&line, ", pgbench %.2f", cores(a.reaped, b.reaped));
  } else {
    absl::StrAppendFormat(
        &line,
        ", credit-control %.2f, customer records %.2f, load generator %.2f",
        cores(a.credit, b.credit), cores(a.customers, b.customers),
        cores(a.self, b.self));
  }
  // Whatever else ran meanwhile (e.g. a build): it took cores from the run.
  const double ours = (b.postgres - a.postgres) + (b.credit - a.credit) +
                      (b.customers - a.customers) + (b.self - a.self) +
                      (pgbench ? b.reaped - a.reaped : 0);
  absl::StrAppendFormat(&line, ", anything else %.2f",
                        std::max(0.0, (b.machine - a.machine - ours) / secs));
  if (calls > 0) {
    absl::StrAppendFormat(&line, "; postgres CPU per call %.3f ms",
                          (b.postgres - a.postgres) * 1000 / calls);
    if (!pgbench) {
      absl::StrAppendFormat(&line, ", credit-control %.3f ms",
                            (b.credit - a.credit) * 1000 / calls);
    }
  }
  return line;
}

// ---- setup -----------------------------------------------------------------

// Setup calls answered ABORTED or UNAVAILABLE, retried with the same request
// id (reported in the header: a caller of the service would see them).
std::atomic<int> setup_retries{0};
std::string setup_first_retry;
absl::Mutex setup_mu;

// `call` (idempotent: same request id) until it is not ABORTED/UNAVAILABLE,
// up to 10 times.
grpc::Status Retrying(const std::function<grpc::Status()>& call) {
  grpc::Status s;
  for (int attempt = 1; attempt <= 10; ++attempt) {
    s = call();
    if (s.error_code() != grpc::StatusCode::ABORTED &&
        s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return s;
    }
    if (setup_retries++ == 0) {
      absl::MutexLock lock(&setup_mu);
      setup_first_retry = absl::StrReplaceAll(
          absl::StrCat(CodeName(s.error_code()), ": ", s.error_message()),
          {{"\n", " "}});
    }
    absl::SleepFor(absl::Milliseconds(50 * attempt));
  }
  return s;
}

// `n` distributors (each its own payer), owned by a sales rep.
absl::StatusOr<std::vector<std::string>> CreateDealers(
    const std::string& customers, int n, int threads) {
  auto stub = cpb::CustomerRecordsService::NewStub(testing::ChannelWithToken(
      customers, testing::TestIdentity::Get().StaffToken()));
  std::vector<std::string> ids(n);
  absl::Status s = ParallelFor(n, threads, [&](int i) -> absl::Status {
    cpb::CreateDealerRequest req;
    cpb::Dealer* d = req.mutable_dealer();
    d->set_legal_name(absl::StrCat("Bench Trading ", i));
    d->mutable_region()->set_province(i % 2 ? "Zhejiang" : "Jiangsu");
    d->mutable_region()->set_city(i % 2 ? "Hangzhou" : "Suzhou");
    d->set_channel_level(cpb::CHANNEL_LEVEL_DISTRIBUTOR);
    d->set_owner("rep.bench");
    req.set_request_id(absl::StrCat("bench-dealer-", i));
    cpb::Dealer out;
    grpc::Status g = Retrying([&] {
      auto ctx = OutgoingContext(absl::Seconds(30));
      return stub->CreateDealer(ctx.get(), req, &out);
    });
    if (!g.ok()) return FromGrpc(absl::StrCat("CreateDealer ", i), g);
    ids[i] = out.dealer_id();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return ids;
}

// A limit of kLimitMinor for each dealer, approved by a credit manager who
// owns none of them, through `targets` in turn.
absl::Status SetLimits(const std::vector<std::string>& targets,
                       const std::vector<std::string>& dealers, int threads,
                       const std::string& tag) {
  const std::string boss =
      testing::TestIdentity::Get().Token("credit.boss", {"credit_manager"});
  std::vector<std::unique_ptr<pb::CreditControlService::Stub>> stubs;
  for (const std::string& t : targets) {
    stubs.push_back(
        pb::CreditControlService::NewStub(testing::ChannelWithToken(t, boss)));
  }
  return ParallelFor(
      static_cast<int>(dealers.size()), threads, [&](int i) -> absl::Status {
        pb::SetCreditLimitRequest req;
        req.set_dealer_id(dealers[i]);
        req.mutable_credit_limit()->set_currency_code("CNY");
        req.mutable_credit_limit()->set_minor_units(kLimitMinor);
        req.set_reason("benchmark limit");
        req.set_request_id(absl::StrCat("bench-limit-", tag, "-", i));
        pb::CreditPosition out;
        return FromGrpc(absl::StrCat("SetCreditLimit ", dealers[i]),
                        Retrying([&] {
                          auto ctx = OutgoingContext(absl::Seconds(30));
                          return stubs[i % stubs.size()]->SetCreditLimit(
                              ctx.get(), req, &out);
                        }));
      });
}

// What PostgreSQL counted for a database (pg_stat_database).
struct DbCounters {
  double transactions = 0, inserted = 0, updated = 0, read = 0;
};

// PostgreSQL's work per call between two readings, as a printable line.
std::string DbLine(const std::optional<DbCounters>& a,
                   const std::optional<DbCounters>& b, int64_t calls) {
  if (!a.has_value() || !b.has_value() || calls == 0) {
    return "credit database counters unavailable";
  }
  const double n = static_cast<double>(calls);
  return absl::StrFormat(
      "credit database per call (pg_stat_database, warm-up and background "
      "jobs included): %.2f transactions, %.2f rows inserted, %.2f updated, "
      "%.1f read",
      (b->transactions - a->transactions) / n, (b->inserted - a->inserted) / n,
      (b->updated - a->updated) / n, (b->read - a->read) / n);
}

// The credit database's costliest statements since `ResetStatements`, per
// reservation: where PostgreSQL's time per call goes (pg_stat_statements
// with planning tracked; --pg_statements).
std::string PsqlQuery(const testing::PostgresServer& pg, const std::string& db,
                      const std::string& sql) {
  std::string out;
  absl::StatusOr<int> rc = testing::RunCommand(
      {absl::StrCat(kPgBin, "/psql"), "-X", "-At", "-F", "|", "-h", "127.0.0.1",
       "-p", absl::StrCat(pg.port()), "-U", "postgres", "-d", db, "-c", sql},
      &out);
  if (!rc.ok() || *rc != 0) return absl::StrCat("psql failed: ", out);
  return out;
}

void ResetStatements(const testing::PostgresServer& pg) {
  PsqlQuery(pg, "credit",
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT "
            "pg_stat_statements_reset()");
}

std::string TopStatements(const testing::PostgresServer& pg, int n,
                          int64_t calls) {
  if (calls == 0) return "";
  const std::string rows = PsqlQuery(
      pg, "credit",
      absl::StrCat(
          "SELECT s.calls, round((s.total_exec_time + s.total_plan_time)::"
          "numeric * 1000 / ",
          calls,
          ", 1), round((s.total_plan_time * 1000 / greatest(s.calls, "
          "1))::numeric, 1), "
          "round((s.total_exec_time * 1000 / greatest(s.calls, 1))::numeric, "
          "1), "
          "left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) FROM "
          "pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE "
          "d.datname = 'credit' ORDER BY s.total_exec_time + "
          "s.total_plan_time DESC LIMIT ",
          n));
  std::string text = absl::StrCat(
      "  credit database statements (pg_stat_statements, ", calls,
      " reservations): calls | us per reservation | plan us | exec us | "
      "statement\n");
  for (absl::string_view line : absl::StrSplit(rows, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&text, "    ", line, "\n");
  }
  return text;
}

// Backends publish their counts when idle: within a second, or within ten
// when PostgreSQL was too busy to take them at once. So a reading waits until
// `settled`, ten seconds after the load it should include.
constexpr absl::Duration kStatsSettle = absl::Seconds(11);

std::optional<DbCounters> ReadDbCounters(const testing::PostgresServer& pg,
                                         const std::string& db,
                                         absl::Time settled) {
  absl::SleepFor(settled - absl::Now());
  std::string out;
  absl::StatusOr<int> rc = testing::RunCommand(
      {absl::StrCat(kPgBin, "/psql"), "-X", "-At", "-F", " ", "-h", "127.0.0.1",
       "-p", absl::StrCat(pg.port()), "-U", "postgres", "-d", db, "-c",
       absl::StrCat("SELECT xact_commit + xact_rollback, tup_inserted, "
                    "tup_updated, tup_returned + tup_fetched FROM "
                    "pg_stat_database WHERE datname = '",
                    db, "'")},
      &out);
  std::vector<std::string> f =
      absl::StrSplit(absl::StripAsciiWhitespace(out), ' ');
  DbCounters c;
  if (!rc.ok() || *rc != 0 || f.size() != 4 ||
      !absl::SimpleAtod(f[0], &c.transactions) ||
      !absl::SimpleAtod(f[1], &c.inserted) ||
      !absl::SimpleAtod(f[2], &c.updated) || !absl::SimpleAtod(f[3], &c.read)) {
    return std::nullopt;
  }
  return c;
}

// ---- ReserveCredit load ----------------------------------------------------

struct Row {
  std::string scenario;
  LoadResult load;
  int64_t held = 0;      // OK answers that were not APPROVED (whole run)
  int64_t approved = 0;  // APPROVED answers (whole run, warm-up included)
  // Each replica's measured calls and their mean latency.
  std::vector<int64_t> replica_calls;
  std::vector<double> replica_mean_ms;
  bool pgbench = false;
  std::string cpu;       // where the CPU went, measured window
  std::string database;  // PostgreSQL's work per call
  int64_t calls = 0;     // every call made, warm-up included
  absl::Time finished;
};

using PickDealer = std::function<const std::string&(int worker, int64_t seq)>;

Row Reserve(const std::string& scenario, const std::string& tag,
            const std::vector<std::string>& targets, int clients,
            const PickDealer& pick, const CpuParties& parties) {
  const std::string pricing =
      testing::TestIdentity::Get().ServiceToken("pricing");
  std::vector<std::unique_ptr<pb::CreditControlService::Stub>> stubs;
  for (const std::string& t : targets) {
    stubs.push_back(pb::CreditControlService::NewStub(
        testing::ChannelWithToken(t, pricing)));
  }
  LoadOptions options;
  options.concurrency = clients;
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  options.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_s));
  std::atomic<int64_t> held{0}, approved{0}, all_calls{0};
  std::vector<std::atomic<int64_t>> calls(stubs.size());
  std::vector<std::atomic<int64_t>> micros(stubs.size());
  for (size_t i = 0; i < stubs.size(); ++i) calls[i] = micros[i] = 0;
  // The measured window, as RunLoad keeps it (to the scheduler's precision):
  // used only for each replica's share.
  const absl::Time begin = absl::Now() + options.warmup;
  const absl::Time end = begin + options.duration;
  // CPU over the same window.
  CpuSnapshot cpu_begin, cpu_end;
  std::thread cpu_watch([&] {
    absl::SleepFor(begin - absl::Now());
    cpu_begin = parties.Take();
    absl::SleepFor(end - absl::Now());
    cpu_end = parties.Take();
  });
  Row row;
  row.scenario = scenario;
  row.load = RunLoad(scenario, options, [&](int w, int64_t seq) {
    const size_t replica = static_cast<size_t>(w) % stubs.size();
    pb::ReserveCreditRequest req;
    req.set_order_id(absl::StrCat("ord-", tag, "-", w, "-", seq));
    req.set_dealer_id(pick(w, seq));
    req.mutable_amount()->set_currency_code("CNY");
    req.mutable_amount()->set_minor_units(kAmountMinor);
    req.set_payment_term_days(30);
    req.set_request_id(absl::StrCat("rsv-", tag, "-", w, "-", seq));
    pb::CreditReservation out;
    auto ctx = OutgoingContext(absl::Seconds(30));
    const absl::Time start = absl::Now();
    grpc::Status s = stubs[replica]->ReserveCredit(ctx.get(), req, &out);
    ++all_calls;
    if (s.ok()) {
      if (out.status() == pb::RESERVATION_STATUS_APPROVED) {
        ++approved;
      } else {
        ++held;
      }
      if (start >= begin && start < end) {
        ++calls[replica];
        micros[replica] += absl::ToInt64Microseconds(absl::Now() - start);
      }
    }
    return s;
  });
  cpu_watch.join();
  row.cpu = CpuLine(cpu_begin, cpu_end, /*pgbench=*/false,
                    static_cast<double>(row.load.ok + row.load.errors));
  row.calls = all_calls;
  row.finished = absl::Now();
  row.held = held;
  row.approved = approved;
  for (size_t i = 0; i < stubs.size(); ++i) {
    row.replica_calls.push_back(calls[i]);
    row.replica_mean_ms.push_back(
        calls[i] == 0 ? 0 : micros[i] / 1000.0 / static_cast<double>(calls[i]));
  }
  return row;
}

// ---- pgbench ---------------------------------------------------------------

absl::Status Psql(const testing::PostgresServer& pg, const std::string& db,
                  const std::string& sql) {
  std::string out;
  absl::StatusOr<int> rc = testing::RunCommand(
      {absl::StrCat(kPgBin, "/psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
       "127.0.0.1", "-p", absl::StrCat(pg.port()), "-U", "postgres", "-d", db,
       "-c", sql},
      &out);
  if (!rc.ok()) return rc.status();
  if (*rc != 0) return absl::InternalError("psql: " + out);
  return absl::OkStatus();
}

// pgbench running the service's UPDATE on `rows` rows of a copy of
// credit_accounts (in database `db`, rows "1".."rows"); percentiles from its
// per-transaction log.
absl::StatusOr<Row> RunPgbench(const testing::PostgresServer& pg,
                               const std::string& db, const std::string& dir,
                               int rows, int clients, int duration_s,
                               const CpuParties& parties) {
  const std::string name = rows == 1 ? "hot" : "spread";
  const std::string script = absl::StrCat(dir, "/pgbench_", name, ".sql");
  {
    std::ofstream out(script);
    out << (rows == 1 ? "\\set id 1\n"
                      : absl::StrCat("\\set id random(1, ", rows, ")\n"))
        << "\\set amount " << kAmountMinor << "\n"
        << kPgbenchUpdate;
  }
  const std::string prefix = absl::StrCat(dir, "/pgbench_", name, "_log");
  const CpuSnapshot cpu_begin = parties.Take();
  std::string output;
  absl::StatusOr<int> code =
      testing::RunCommand({absl::StrCat(kPgBin, "/pgbench"),
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
                           db},
                          &output);
  if (!code.ok()) return code.status();
  if (*code != 0) return absl::InternalError("pgbench failed: " + output);
  const CpuSnapshot cpu_end = parties.Take();
  Row row;
  row.pgbench = true;
  row.scenario =
      absl::StrCat("pgbench, same UPDATE, ",
                   rows == 1 ? "1 hot row" : absl::StrCat(rows, " rows"));
  row.load.concurrency = clients;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "tps = ")) {
      (void)absl::SimpleAtod(line.substr(6, line.find(' ', 6) - 6),
                             &row.load.throughput);
    }
    // "number of failed transactions: 0 (0.000%)"
    constexpr absl::string_view kFailed = "number of failed transactions: ";
    if (absl::StartsWith(line, kFailed)) {
      line.remove_prefix(kFailed.size());
      (void)absl::SimpleAtoi(line.substr(0, line.find(' ')), &row.load.errors);
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
  row.cpu = CpuLine(cpu_begin, cpu_end, /*pgbench=*/true,
                    static_cast<double>(latencies.size()));
  if (!latencies.empty()) {
    row.load.p50 = absl::Microseconds(latencies[(latencies.size() - 1) / 2]);
    row.load.p99 =
        absl::Microseconds(latencies[(latencies.size() - 1) * 99 / 100]);
  }
  return row;
}

// ---- printing --------------------------------------------------------------

void PrintRows(const std::vector<Row>& rows) {
  std::printf("%-44s %7s %9s %8s %8s %7s %6s\n", "scenario", "clients", "per s",
              "p50 ms", "p99 ms", "errors", "held");
  for (const Row& r : rows) {
    std::printf("%-44s %7d %9.0f %8.2f %8.2f %7lld %6s\n", r.scenario.c_str(),
                r.load.concurrency, r.load.throughput,
                absl::ToDoubleMilliseconds(r.load.p50),
                absl::ToDoubleMilliseconds(r.load.p99),
                static_cast<long long>(r.load.errors),
                r.pgbench ? "-" : absl::StrCat(r.held).c_str());
    if (!r.load.errors_by_code.empty()) {
      std::vector<std::string> parts;
      for (const auto& [code, n] : r.load.errors_by_code) {
        parts.push_back(absl::StrCat(CodeName(code), " ", n));
      }
      std::printf("    errors by code: %s; first: %s\n",
                  absl::StrJoin(parts, ", ").c_str(),
                  r.load.first_error.c_str());
    }
    if (r.replica_calls.size() > 1) {
      std::vector<std::string> parts;
      for (size_t i = 0; i < r.replica_calls.size(); ++i) {
        parts.push_back(absl::StrFormat(
            "replica %c %lld calls, mean %.2f ms", static_cast<char>('A' + i),
            static_cast<long long>(r.replica_calls[i]), r.replica_mean_ms[i]));
      }
      std::printf("    %s\n", absl::StrJoin(parts, "; ").c_str());
    }
    if (!r.cpu.empty()) std::printf("    %s\n", r.cpu.c_str());
    if (!r.database.empty()) std::printf("    %s\n", r.database.c_str());
  }
}

std::string Verdict(bool met) { return met ? "met" : "NOT MET"; }

int Run() {
  const int clients = absl::GetFlag(FLAGS_clients);
  const int n_dealers = std::max(1, absl::GetFlag(FLAGS_dealers));
  const int duration_s = absl::GetFlag(FLAGS_duration_s);
  const int threads = std::max(1, absl::GetFlag(FLAGS_setup_threads));
  const int sqlite_clients = absl::GetFlag(FLAGS_sqlite_clients);
  const int sqlite_dealers =
      std::clamp(absl::GetFlag(FLAGS_sqlite_dealers), 1, n_dealers);

  const absl::Time setup_start = absl::Now();
  auto dir = testing::TempDir::Create("qudao-reserve-bench");
  const int pg_statements = absl::GetFlag(FLAGS_pg_statements);
  auto pg = pg_statements > 0
                ? testing::PostgresServer::Start(
                      {"shared_preload_libraries=pg_stat_statements",
                       "pg_stat_statements.track_planning=on"})
                : testing::PostgresServer::Start();
  if (!dir.ok() || !pg.ok()) {
    std::fprintf(stderr, "cannot start PostgreSQL: %s\n",
                 pg.status().ToString().c_str());
    return 1;
  }
  for (const char* db : {"customers", "credit", "pgbench_credit"}) {
    if (absl::Status s = (*pg)->CreateDatabase(db); !s.ok()) {
      std::fprintf(stderr, "createdb %s: %s\n", db, s.ToString().c_str());
      return 1;
    }
  }
  const std::string path = dir->path();
  const std::string token_file = absl::StrCat(path, "/credit_control-token");
  std::ofstream(token_file)
      << testing::TestIdentity::Get().ServiceToken("credit_control") << "\n";

  std::vector<Service> services;
  auto start = [&](const std::string& binary, const std::string& name,
                   const std::string& database,
                   const std::vector<std::string>& extra) -> Service* {
    absl::StatusOr<Service> s =
        StartService(binary, name, path, database, extra);
    if (!s.ok()) {
      std::fprintf(stderr, "cannot start %s: %s\n", name.c_str(),
                   s.status().ToString().c_str());
      return nullptr;
    }
    services.push_back(*std::move(s));
    return &services.back();
  };
  auto stop_all = [&] {
    for (Service& s : services) StopService(s);
  };
  services.reserve(8);  // pointers into it stay valid
  Service* customers = start(QUDAO_CUSTOMER_RECORDS_BIN, "customer_records",
                             (*pg)->Uri("customers"), {});
  if (customers == nullptr) return 1;
  const std::vector<std::string> credit_flags = {
      absl::StrCat("--customer_records_target=", customers->target),
      absl::StrCat("--service_token_file=", token_file)};
  std::vector<std::string> replicas;
  for (const char* name : {"credit_control_a", "credit_control_b"}) {
    Service* r = start(QUDAO_CREDIT_CONTROL_BIN, name, (*pg)->Uri("credit"),
                       credit_flags);
    if (r == nullptr) {
      stop_all();
      return 1;
    }
    replicas.push_back(r->target);
  }
  const absl::Duration processes_took = absl::Now() - setup_start;

  // The spread payers, then the hot one.
  const absl::Time seed_start = absl::Now();
  auto dealers = CreateDealers(customers->target, n_dealers + 1, threads);
  if (!dealers.ok()) {
    std::fprintf(stderr, "%s\n", dealers.status().ToString().c_str());
    stop_all();
    return 1;
  }
  const absl::Duration dealers_took = absl::Now() - seed_start;
  const absl::Time limits_start = absl::Now();
  if (absl::Status s = SetLimits(replicas, *dealers, threads, "pg"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    stop_all();
    return 1;
  }
  const absl::Duration limits_took = absl::Now() - limits_start;
  const std::vector<std::string> spread(dealers->begin(),
                                        dealers->begin() + n_dealers);
  const std::string hot = dealers->back();

  // pgbench's copy of credit_accounts: the same limit on rows "1".."N".
  if (absl::Status s = Psql(
          **pg, "pgbench_credit",
          absl::StrCat(kCreditAccountsTable,
                       "INSERT INTO credit_accounts SELECT g::text, 'CNY', ",
                       kLimitMinor, ", 0, 0, 1, 0, 1 FROM generate_series(1, ",
                       n_dealers, ") g;"));
      !s.ok() ||
      !(s = Psql(**pg, "pgbench_credit", "VACUUM ANALYZE credit_accounts"))
           .ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    stop_all();
    return 1;
  }

  std::printf(
      "qudao credit_reservation_bench: ReserveCredit through real processes\n"
      "  machine: %u cores, shared by this load generator, every service "
      "process, PostgreSQL and pgbench\n"
      "  PostgreSQL 15 on loopback (test settings: fsync=off, "
      "synchronous_commit=off, full_page_writes=off); customer records and "
      "2 credit-control replicas on it (service defaults: 16 worker threads, "
      "8 database connections each; in-process cache, no Redis)\n"
      "  order flow: the \"pricing\" service account, each order new, "
      "CNY 10.00 on 30 days, its own request id; callers split evenly "
      "over the replicas; %s warm-up, then %s measured\n"
      "  payers: distributors paying for themselves, limit CNY %lld each "
      "(nothing is held)\n"
      "  pgbench: the service's conditional UPDATE on a copy of "
      "credit_accounts on the same server, -M extended, -j 2, %d s\n"
      "  setup: processes %s, %d dealers %s, their limits %s (%d calls at a "
      "time)\n",
      std::thread::hardware_concurrency(),
      absl::FormatDuration(absl::Seconds(absl::GetFlag(FLAGS_warmup_s)))
          .c_str(),
      absl::FormatDuration(absl::Seconds(duration_s)).c_str(),
      static_cast<long long>(kLimitMinor / 100), duration_s,
      absl::FormatDuration(absl::Trunc(processes_took, absl::Milliseconds(1)))
          .c_str(),
      n_dealers + 1,
      absl::FormatDuration(absl::Trunc(dealers_took, absl::Milliseconds(1)))
          .c_str(),
      absl::FormatDuration(absl::Trunc(limits_took, absl::Milliseconds(1)))
          .c_str(),
      threads);
#ifdef NDEBUG
  std::printf("  build: NDEBUG");
#else
  std::printf("  build: assertions on (not an optimised build)");
#endif
  // Settings the services take from the environment change what is measured.
  std::vector<std::string> overrides;
  for (char** e = environ; *e != nullptr; ++e) {
    if (absl::StartsWith(*e, "QUDAO_")) overrides.push_back(*e);
  }
  std::printf("; environment: %s\n\n",
              overrides.empty() ? "no QUDAO_* overrides"
                                : absl::StrJoin(overrides, " ").c_str());
  std::fflush(stdout);

  CpuParties parties;
  for (pid_t child : ChildrenOf(getpid())) {
    if (ReadProcFile(absl::StrCat("/proc/", child, "/comm")) == "postgres\n") {
      parties.postgres.postmaster = child;
    }
  }
  parties.customers = customers->process->pid();
  for (Service& s : services) {
    if (absl::StartsWith(s.name, "credit_control")) {
      parties.credit.push_back(s.process->pid());
    }
  }

  // The credit database's counters around each PostgreSQL scenario (read
  // once they have settled; pgbench runs on another database meanwhile).
  const std::optional<DbCounters> counters0 =
      ReadDbCounters(**pg, "credit", absl::Now() + kStatsSettle);

  std::vector<Row> rows;
  // (a) spread over the payers.
  const size_t spread_row = rows.size();
  rows.push_back(Reserve(
      absl::StrCat("ReserveCredit, 2 replicas, ", n_dealers, " dealers"),
      "spread", replicas, clients,
      [&](int w, int64_t seq) -> const std::string& {
        return spread[(static_cast<size_t>(w) * 7919 +
                       static_cast<size_t>(seq) * 104729) %
                      spread.size()];
      },
      parties));
  const double ours_spread_tps = rows[spread_row].load.throughput;
  double pg_spread_tps = 0;
  if (auto b = RunPgbench(**pg, "pgbench_credit", path, n_dealers, clients,
                          duration_s, parties);
      b.ok()) {
    pg_spread_tps = b->load.throughput;
    rows.push_back(*b);
  } else {
    std::fprintf(stderr, "pgbench: %s\n", b.status().ToString().c_str());
  }
  const std::optional<DbCounters> counters1 =
      ReadDbCounters(**pg, "credit", rows[spread_row].finished + kStatsSettle);
  rows[spread_row].database =
      DbLine(counters0, counters1, rows[spread_row].calls);
  // (b) one hot payer.
  if (pg_statements > 0) ResetStatements(**pg);
  const size_t hot_row = rows.size();
  rows.push_back(Reserve(
      "ReserveCredit, 2 replicas, 1 hot dealer", "hot", replicas, clients,
      [&](int, int64_t) -> const std::string& { return hot; }, parties));
  const int64_t hot_approved = rows[hot_row].approved;
  const std::string hot_statements =
      pg_statements > 0
          ? TopStatements(**pg, pg_statements, rows[hot_row].calls)
          : "";
  const double ours_hot_tps = rows[hot_row].load.throughput;
  double pg_hot_tps = 0;
  if (auto b = RunPgbench(**pg, "pgbench_credit", path, 1, clients, duration_s,
                          parties);
      b.ok()) {
    pg_hot_tps = b->load.throughput;
    rows.push_back(*b);
  } else {
    std::fprintf(stderr, "pgbench: %s\n", b.status().ToString().c_str());
  }
  rows[hot_row].database = DbLine(
      counters1,
      ReadDbCounters(**pg, "credit", rows[hot_row].finished + kStatsSettle),
      rows[hot_row].calls);

  // The hot payer's account agrees with the answers (warm-up included).
  std::string hot_check;
  {
    auto stub = pb::CreditControlService::NewStub(testing::ChannelWithToken(
        replicas[1], testing::TestIdentity::Get().ServiceToken("pricing")));
    pb::GetCreditPositionRequest req;
    req.set_dealer_id(hot);
    pb::CreditPosition position;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->GetCreditPosition(ctx.get(), req, &position);
    if (s.ok()) {
      const int64_t on_account =
          position.approved_uninvoiced().minor_units() / kAmountMinor;
      hot_check = absl::StrCat(
          "hot dealer's account: ", on_account, " reservations of CNY 10.00; ",
          hot_approved, " APPROVED answers",
          on_account == hot_approved ? " (agree)" : " (DISAGREE)");
    } else {
      hot_check =
          absl::StrCat("GetCreditPosition failed: ", CodeName(s.error_code()),
                       " ", s.error_message());
    }
  }

  // SQLite: one credit-control process on a file, a few payers.
  Row* sqlite_row = nullptr;
  Service* lite =
      start(QUDAO_CREDIT_CONTROL_BIN, "credit_control_sqlite",
            absl::StrCat("sqlite://", path, "/credit.db"), credit_flags);
  if (lite != nullptr) {
    CpuParties lite_parties = parties;
    lite_parties.credit = {lite->process->pid()};
    const std::vector<std::string> few(dealers->begin(),
                                       dealers->begin() + sqlite_dealers);
    if (absl::Status s = SetLimits({lite->target}, few, threads, "sqlite");
        !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
    } else {
      rows.push_back(Reserve(
          absl::StrCat("ReserveCredit, SQLite, 1 process, ", sqlite_dealers,
                       " dealers"),
          "sqlite", {lite->target}, sqlite_clients,
          [&](int w, int64_t seq) -> const std::string& {
            return few[(static_cast<size_t>(w) + static_cast<size_t>(seq)) %
                       few.size()];
          },
          lite_parties));
      sqlite_row = &rows.back();
    }
  }

  PrintRows(rows);
  std::printf("\n%s\n", hot_check.c_str());
  if (!hot_statements.empty()) std::printf("%s\n", hot_statements.c_str());
  std::printf(
      "setup calls (CreateDealer, SetCreditLimit) answered ABORTED or "
      "UNAVAILABLE and retried with the same request id: %d%s%s\n",
      setup_retries.load(), setup_retries > 0 ? "; first: " : "",
      setup_first_retry.c_str());
  std::printf("\ngoals (the issue's \"Speed\"):\n");
  auto ratio = [](double ours, double theirs) {
    return theirs > 0 ? ours / theirs : 0.0;
  };
  const double r_spread = ratio(ours_spread_tps, pg_spread_tps);
  const double r_hot = ratio(ours_hot_tps, pg_hot_tps);
  std::printf("  %-44s %6.2fx pgbench   goal >= 0.5x          %s\n",
              absl::StrCat(n_dealers, " dealers: ours/pgbench").c_str(),
              r_spread, Verdict(r_spread >= 0.5).c_str());
  std::printf("  %-44s %6.2fx pgbench   goal >= 0.5x          %s\n",
              "1 hot dealer: ours/pgbench", r_hot,
              Verdict(r_hot >= 0.5).c_str());
  std::printf("  %-44s %6.0f /s         goal >= 1,000/s       %s\n",
              "1 hot dealer: reservations", ours_hot_tps,
              Verdict(ours_hot_tps >= 1000).c_str());
  if (sqlite_row != nullptr) {
    int64_t transient = 0;
    for (const auto& [code, n] : sqlite_row->load.errors_by_code) {
      if (code == grpc::StatusCode::ABORTED ||
          code == grpc::StatusCode::UNAVAILABLE ||
          code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
          code == grpc::StatusCode::DEADLINE_EXCEEDED) {
        transient += n;
      }
    }
    std::printf("  %-44s %6lld failed    goal 0 reach a caller %s\n",
                "SQLite: calls failed (any non-OK status)",
                static_cast<long long>(sqlite_row->load.errors),
                Verdict(sqlite_row->load.errors == 0).c_str());
    std::printf("  %-44s %6lld\n",
                "  of which ABORTED/UNAVAILABLE/RESOURCE_EXH./DEADLINE",
                static_cast<long long>(transient));
  } else {
    std::printf("  SQLite scenario did not run (see errors above)\n");
  }
  std::fflush(stdout);
  stop_all();
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
