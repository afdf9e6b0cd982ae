// Test harness implementation: POSIX processes and sockets.
#include "common/testing/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status/macros.h"

namespace qudao::testing {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Resolves the uid/gid to drop to, or -1 when no switch is needed.
absl::Status LookupUser(const std::string& user, uid_t* uid, gid_t* gid) {
  struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "OS user '", user, "' does not exist (install postgresql-15)"));
  }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
  return absl::OkStatus();
}

void ChownTree(const std::string& path, uid_t uid, gid_t gid) {
  if (chown(path.c_str(), uid, gid) != 0) return;
  std::error_code ec;
  for (auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    (void)chown(entry.path().c_str(), uid, gid);
  }
}

std::string FindPostgresBinDir() {
  if (const char* env = std::getenv("QUDAO_PG_BINDIR")) return env;
  for (int v = 17; v >= 13; --v) {
    std::string dir = absl::StrCat("/usr/lib/postgresql/", v, "/bin");
    if (access((dir + "/postgres").c_str(), X_OK) == 0) return dir;
  }
  return "";
}

}  // namespace

absl::StatusOr<TempDir> TempDir::Create(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr && *base ? base : "/tmp",
                                     "/", prefix, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return Errno("mkdtemp");
  return TempDir(pattern);
}

TempDir::~TempDir() {
  // QUDAO_KEEP_TEST_DIRS=1 keeps logs and data of a failing test to read.
  if (path_.empty() || std::getenv("QUDAO_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return Errno("bind");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

absl::Status WaitForPort(int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok =
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (ok) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("nothing listening on 127.0.0.1:", port, " after ",
                   absl::FormatDuration(timeout)));
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path,
    const Options& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  uid_t uid = 0;
  gid_t gid = 0;
  const bool switch_user = !options.run_as_user.empty() && geteuid() == 0;
  if (switch_user) {
    RETURN_IF_ERROR(LookupUser(options.run_as_user, &uid, &gid));
  }
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Errno(absl::StrCat("open ", log_path));
  if (switch_user) (void)fchown(log_fd, uid, gid);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return Errno("fork");
  }
  if (pid == 0) {
    // Child: its own process group so a test's cleanup reaches grandchildren.
    setpgid(0, 0);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    for (const auto& e : options.env) putenv(const_cast<char*>(e.c_str()));
    if (switch_user) {
      if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        _exit(126);
      }
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log_path));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

bool ChildProcess::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    wait_status_ = status;
    return false;
  }
  return true;
}

absl::Status ChildProcess::Signal(int signo) {
  if (reaped_) return absl::FailedPreconditionError("process already exited");
  if (kill(pid_, signo) != 0) return Errno("kill");
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (Running()) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("pid ", pid_, " still running after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return wait_status_;
}

std::string ChildProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv,
                               std::string* output,
                               const std::string& run_as_user) {
  auto dir = TempDir::Create("qudao-cmd");
  if (!dir.ok()) return dir.status();
  if (geteuid() == 0 && !run_as_user.empty()) {
    uid_t uid;
    gid_t gid;
    RETURN_IF_ERROR(LookupUser(run_as_user, &uid, &gid));
    ChownTree(dir->path(), uid, gid);
  }
  const std::string log = dir->path() + "/out.log";
  ChildProcess::Options options;
  options.run_as_user = run_as_user;
  auto child = ChildProcess::Start(argv, log, options);
  if (!child.ok()) return child.status();
  auto status = (*child)->Wait(absl::Minutes(2));
  if (!status.ok()) return status.status();
  if (output != nullptr) *output = (*child)->Log();
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
}

// ---------------------------------------------------------------------------
// PostgreSQL

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  return Start({});
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(
    std::vector<std::string> settings) {
  const std::string bin = FindPostgresBinDir();
  if (bin.empty()) {
    return absl::FailedPreconditionError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
        "(install postgresql-15 or set QUDAO_PG_BINDIR)");
  }
  auto dir = TempDir::Create("qudao-pg");
  if (!dir.ok()) return dir.status();
  auto port = PickFreePort();
  if (!port.ok()) return port.status();
  const std::string user = geteuid() == 0 ? "postgres" : "";
  if (!user.empty()) {
    uid_t uid;
    gid_t gid;
    RETURN_IF_ERROR(LookupUser(user, &uid, &gid));
    ChownTree(dir->path(), uid, gid);
    // The temp dir's parents must be traversable by that user.
    chmod(dir->path().c_str(), 0700);
  }
  const std::string data = dir->path() + "/data";
  std::string out;
  auto rc =
      RunCommand({bin + "/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync"},
                 &out, user);
  if (!rc.ok()) return rc.status();
  if (*rc != 0) {
    return absl::InternalError(absl::StrCat("initdb failed: ", out));
  }
  std::unique_ptr<PostgresServer> server(
      new PostgresServer(std::move(*dir), *port));
  server->bin_dir_ = bin;
  server->user_ = user;
  server->settings_ = std::move(settings);
  RETURN_IF_ERROR(server->Launch());
  RETURN_IF_ERROR(server->CreateDatabase("qudao"));
  return server;
}

absl::Status PostgresServer::Launch() {
  ChildProcess::Options options;
  options.run_as_user = user_;
  const std::string data = dir_.path() + "/data";
  // fsync off: a test cluster trades durability for speed; the code under
  // test is the same either way.
  std::vector<std::string> argv = {bin_dir_ + "/postgres",
                                   "-D",
                                   data,
                                   "-p",
                                   absl::StrCat(port_),
                                   "-h",
                                   "127.0.0.1",
                                   "-k",
                                   dir_.path(),
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "synchronous_commit=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "max_connections=200",
                                   "-c",
                                   "shared_buffers=32MB"};
  for (const std::string& setting : settings_) {
    argv.push_back("-c");
    argv.push_back(setting);
  }
  auto proc = ChildProcess::Start(argv, dir_.path() + "/postgres.log", options);
  if (!proc.ok()) return proc.status();
  process_ = std::move(*proc);
  // Ready once pg_isready says so (the port opens before recovery ends).
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (true) {
    auto ready = RunCommand({bin_dir_ + "/pg_isready", "-h", "127.0.0.1", "-p",
                             absl::StrCat(port_), "-U", "postgres"},
                            nullptr);
    if (ready.ok() && *ready == 0) return absl::OkStatus();
    if (!process_->Running() || absl::Now() > deadline) {
      return absl::InternalError(
          absl::StrCat("postgres did not start: ", process_->Log()));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

absl::Status PostgresServer::Restart() {
  if (process_ != nullptr && process_->Running()) {
    // Fast shutdown, as `pg_ctl restart -m fast` does: sessions are
    // terminated ("terminating connection due to administrator command").
    RETURN_IF_ERROR(process_->Signal(SIGINT));
    auto exited = process_->Wait(absl::Seconds(30));
    if (!exited.ok()) return exited.status();
  }
  return Launch();
}

absl::Status PostgresServer::CreateDatabase(const std::string& name) {
  std::string out;
  // Test databases use a natural-language collation (ICU en-US), as a
  // production database typically does, so SQL that silently depends on
  // bytewise ordering (keyset pagination over text keys) fails here first.
  auto rc = RunCommand(
      {bin_dir_ + "/createdb", "-h", "127.0.0.1", "-p", absl::StrCat(port_),
       "-U", "postgres", "--template=template0", "--locale-provider=icu",
       "--icu-locale=en-US", "--locale=C.UTF-8", name},
      &out, user_);
  if (!rc.ok()) return rc.status();
  if (*rc != 0) {
    return absl::InternalError(absl::StrCat("createdb ", name, ": ", out));
  }
  return absl::OkStatus();
}

std::string PostgresServer::Uri(const std::string& db) const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", db);
}

void PostgresServer::Kill() { process_.reset(); }

PostgresServer::~PostgresServer() {
  if (process_ != nullptr && process_->Running()) {
    // Fast shutdown: SIGINT rolls back sessions and exits cleanly.
    (void)process_->Signal(SIGINT);
    if (!process_->Wait(absl::Seconds(20)).ok()) process_.reset();
  }
}

// ---------------------------------------------------------------------------
// Redis

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  auto dir = TempDir::Create("qudao-redis");
  if (!dir.ok()) return dir.status();
  auto port = PickFreePort();
  if (!port.ok()) return port.status();
  std::unique_ptr<RedisServer> server(new RedisServer(std::move(*dir), *port));
  if (absl::Status s = server->Launch(); !s.ok()) return s;
  return server;
}

absl::Status RedisServer::Launch() {
  const char* candidates[] = {"/usr/bin/redis-server",
                              "/usr/local/bin/redis-server"};
  std::string binary;
  for (const char* c : candidates) {
    if (access(c, X_OK) == 0) binary = c;
  }
  if (binary.empty()) {
    return absl::FailedPreconditionError(
        "redis-server not found (install redis-server)");
  }
  auto proc = ChildProcess::Start(
      {binary, "--port", absl::StrCat(port_), "--bind", "127.0.0.1", "--save",
       "", "--appendonly", "no", "--dir", dir_.path(), "--daemonize", "no"},
      dir_.path() + "/redis.log");
  if (!proc.ok()) return proc.status();
  process_ = std::move(*proc);
  if (absl::Status s = WaitForPort(port_, absl::Seconds(20)); !s.ok()) {
    return absl::InternalError(
        absl::StrCat(s.message(), ": ", process_->Log()));
  }
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  process_.reset();
  return Launch();
}

std::string RedisServer::Url() const {
  return absl::StrCat("redis://127.0.0.1:", port_);
}

void RedisServer::Kill() { process_.reset(); }

RedisServer::~RedisServer() {
  if (process_ != nullptr && process_->Running()) {
    (void)process_->Signal(SIGTERM);
    if (!process_->Wait(absl::Seconds(10)).ok()) process_.reset();
  }
}

namespace {

// One `Server` per test binary, started on first use and stopped (its
// destructor run) when the binary exits.
template <typename Server>
absl::StatusOr<Server*> SharedServer() {
  static Server* instance = nullptr;
  static absl::StatusOr<Server*>* server = [] {
    auto started = Server::Start();
    if (!started.ok()) return new absl::StatusOr<Server*>(started.status());
    instance = started->release();
    std::atexit([] { delete instance; });
    return new absl::StatusOr<Server*>(instance);
  }();
  return *server;
}

}  // namespace

absl::StatusOr<PostgresServer*> SharedPostgres() {
  return SharedServer<PostgresServer>();
}

absl::StatusOr<RedisServer*> SharedRedis() {
  return SharedServer<RedisServer>();
}

absl::StatusOr<std::string> FreshDatabaseUrl(TestBackend backend,
                                             const std::string& dir) {
  static std::atomic<int> counter{0};
  const int n = counter++;
  if (backend == TestBackend::kSqlite) {
    return absl::StrCat("sqlite://", dir, "/db", n, ".sqlite");
  }
  auto pg = SharedPostgres();
  if (!pg.ok()) return pg.status();
  const std::string name = absl::StrCat("test_", getpid(), "_", n);
  RETURN_IF_ERROR((*pg)->CreateDatabase(name));
  return (*pg)->Uri(name);
}

absl::StatusOr<int> WaitForLoggedPort(ChildProcess& process,
                                      const std::string& key,
                                      absl::Duration timeout) {
  const std::string needle = absl::StrCat("\"", key, "\":");
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const std::string log = process.Log();
    const size_t at = log.find(needle);
    if (at != std::string::npos) {
      int port = 0;
      for (size_t i = at + needle.size(); i < log.size() && isdigit(log[i]);
           ++i) {
        port = port * 10 + (log[i] - '0');
      }
      if (port > 0) return port;
    }
    if (!process.Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("process exited before logging ", key, ": ", log));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("no ", key, " logged within ",
                                                  absl::FormatDuration(timeout),
                                                  ": ", process.Log()));
}

}  // namespace qudao::testing
