// Test harness: temp dirs, free loopback ports, child processes, and real
// PostgreSQL and Redis servers started on free ports in temp dirs and
// stopped when the owning object dies. Every test gets its own, so suites
// run in parallel safely.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qudao::testing {

// A directory removed (recursively) on destruction, unless the environment
// has QUDAO_KEEP_TEST_DIRS set (to read a failed test's logs).
class TempDir {
 public:
  static absl::StatusOr<TempDir> Create(const std::string& prefix = "qudao");
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago. The kernel's ephemeral
// allocator makes collisions between parallel tests unlikely; servers that
// can bind port 0 themselves should do that instead.
absl::StatusOr<int> PickFreePort();

// A child process with its output captured to a file. Killed (SIGKILL) on
// destruction if still running.
class ChildProcess {
 public:
  struct Options {
    // Run as this user when the test runs as root (PostgreSQL refuses root).
    std::string run_as_user;
    std::vector<std::string> env;  // extra NAME=value entries
  };
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      const Options& options);
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& log_path) {
    return Start(argv, log_path, Options());
  }
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool Running();
  absl::Status Signal(int signo);
  // Waits for exit; returns the raw wait status, or DEADLINE_EXCEEDED.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  std::string Log() const;

 private:
  ChildProcess(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

// Runs a command to completion; returns its exit code and fills `output`.
absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv,
                               std::string* output,
                               const std::string& run_as_user = "");

// A throw-away PostgreSQL 15 cluster: initdb in a temp dir, postgres on a
// free loopback port, trust auth, one database `qudao`. Runs as the
// `postgres` OS user when the test runs as root.
class PostgresServer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  // The same with extra server settings ("name=value", passed as -c), e.g.
  // a benchmark's "shared_preload_libraries=pg_stat_statements".
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(
      std::vector<std::string> settings);
  ~PostgresServer();
  // A libpq URI for database `db` (created by CreateDatabase, or "qudao").
  std::string Uri(const std::string& db = "qudao") const;
  // Creates an empty database, so each test can have its own.
  absl::Status CreateDatabase(const std::string& name);
  int port() const { return port_; }
  // Stops the server abruptly (SIGKILL), to test outage handling.
  void Kill();
  // Stops the server as `pg_ctl restart -m fast` does (every session is
  // terminated) and starts it again on the same port and data; returns
  // once it accepts connections.
  absl::Status Restart();

 private:
  absl::Status Launch();
  PostgresServer(TempDir dir, int port) : dir_(std::move(dir)), port_(port) {}
  TempDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
  std::string bin_dir_;
  std::string user_;
  std::vector<std::string> settings_;
};

// A throw-away redis-server on a free loopback port, no persistence.
class RedisServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();
  int port() const { return port_; }
  std::string Url() const;
  // SIGKILL: everything it held is gone.
  void Kill();
  // Starts it again, empty, on the same port (after Kill).
  absl::Status Restart();

 private:
  RedisServer(TempDir dir, int port) : dir_(std::move(dir)), port_(port) {}
  absl::Status Launch();
  TempDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

// Waits until a TCP connect to 127.0.0.1:port succeeds.
absl::Status WaitForPort(int port, absl::Duration timeout);

// One PostgreSQL (or Redis) server per test binary, started on first use
// and stopped at exit; the start-up error if it cannot start.
absl::StatusOr<PostgresServer*> SharedPostgres();
absl::StatusOr<RedisServer*> SharedRedis();

// A URL of a brand-new database: SQLite in `dir`, or on SharedPostgres().
enum class TestBackend { kSqlite, kPostgres };
absl::StatusOr<std::string> FreshDatabaseUrl(TestBackend backend,
                                             const std::string& dir);

// Waits until a child's JSON log has a line with `"key":<number>` and
// returns the number, e.g. the port a server bound when started on port 0.
absl::StatusOr<int> WaitForLoggedPort(ChildProcess& process,
                                      const std::string& key,
                                      absl::Duration timeout);

}  // namespace qudao::testing
