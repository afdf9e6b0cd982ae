// SQLite backend. Each pooled connection is used by one transaction at a
// time; writers take the database write lock at BEGIN IMMEDIATE so two
// read-check-write transactions can never interleave.
#include "common/storage/sqlite_database.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/storage/connection_pool.h"

namespace qudao::storage {
namespace {

// Statements a connection keeps compiled, by their SQL as the caller wrote
// it. Enough for every statement the services run; SQL beyond it is
// compiled for each call.
constexpr size_t kMaxCachedStatements = 512;

class SqliteConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  sqlite3* get() const { return db_; }

  // The compiled statement for `sql`, or null.
  sqlite3_stmt* Cached(absl::string_view sql) const {
    auto it = statements_.find(sql);
    return it == statements_.end() ? nullptr : it->second;
  }
  // Keeps `stmt` for `sql`; false (the caller still owns it) when full.
  bool Keep(absl::string_view sql, sqlite3_stmt* stmt) {
    if (statements_.size() >= kMaxCachedStatements) return false;
    statements_.emplace(std::string(sql), stmt);
    return true;
  }

  // Begins a read-only or a writing transaction. query_only is set only
  // when it changes: setting a flag pragma expires every compiled
  // statement of the connection (SQLite codes OP_Expire after it), so
  // setting it on every BEGIN made each transaction recompile the
  // statements it ran.
  absl::Status Begin(bool read_only);

 private:
  sqlite3* db_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
  // The connection's query_only setting, when known.
  std::optional<bool> query_only_;
};

absl::Status StatusFromSqlite(sqlite3* db, int rc, absl::string_view what) {
  const int primary = rc & 0xff;
  const std::string message =
      absl::StrCat("sqlite ", what, ": ",
                   db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return RetryableConflict(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE ||
          rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::UnavailableError(message);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status Exec(sqlite3* db, absl::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc != SQLITE_OK) return StatusFromSqlite(db, rc, "exec");
  return absl::OkStatus();
}

// Runs one statement without parameters or rows (BEGIN, COMMIT,
// ROLLBACK) compiled once per connection: sqlite3_exec compiles it each
// time (about 5% of a short read transaction).
absl::Status Exec(SqliteConnection& connection, const char* sql) {
  sqlite3* db = connection.get();
  sqlite3_stmt* stmt = connection.Cached(sql);
  if (stmt == nullptr) {
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return StatusFromSqlite(db, rc, "prepare");
    if (!connection.Keep(sql, stmt)) {
      rc = sqlite3_step(stmt);
      sqlite3_finalize(stmt);
      if (rc != SQLITE_DONE) return StatusFromSqlite(db, rc, "exec");
      return absl::OkStatus();
    }
  }
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) return StatusFromSqlite(db, rc, "exec");
  return absl::OkStatus();
}

absl::Status SqliteConnection::Begin(bool read_only) {
  const char* begin = read_only ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE";
  absl::Status s;
  if (query_only_.has_value() && *query_only_ == read_only) {
    s = Exec(*this, begin);
  } else {
    s = Exec(db_, absl::StrCat("PRAGMA query_only=", read_only ? 1 : 0, "; ",
                               begin));
  }
  if (s.ok()) {
    query_only_ = read_only;
  } else {
    query_only_.reset();
  }
  return s;
}

// SQLite allows one writer at a time. Writers in this process queue here
// instead of polling the file lock through SQLite's busy handler (whose
// sleeps of up to 100 ms made the write tail latency); the busy timeout
// still covers writers in other processes.
class WriterSlot {
 public:
  bool Acquire(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&free_), timeout)) return false;
    free_ = false;
    return true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    free_ = true;
  }

 private:
  absl::Mutex mu_;
  bool free_ ABSL_GUARDED_BY(mu_) = true;
};

class SqliteSession;

class SqliteDatabase : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options,
                 std::vector<std::unique_ptr<SqliteConnection>> conns)
      : Database(options), path_(std::move(path)), pool_(std::move(conns)) {
    struct stat st {};
    if (path_ != ":memory:" && stat(path_.c_str(), &st) == 0) {
      device_ = st.st_dev;
      inode_ = st.st_ino;
      tracked_ = true;
    }
  }

  // The file this database opened is still the one at its path. Deleted
  // (a data directory removed under a running service) or replaced, writes
  // would go to an unlinked file and vanish at restart: refuse them.
  absl::Status CheckFileIsOurs() const {
    if (!tracked_) return absl::OkStatus();
    struct stat st {};
    if (stat(path_.c_str(), &st) != 0 || st.st_dev != device_ ||
        st.st_ino != inode_) {
      return absl::UnavailableError(absl::StrCat(
          "the database file ", path_,
          " was removed or replaced while the service ran; restore it or "
          "restart the service"));
    }
    return absl::OkStatus();
  }

  Backend backend() const override { return Backend::kSqlite; }

  absl::Status ExecuteScript(absl::string_view sql) override {
    if (!writer_.Acquire(options().acquire_timeout)) {
      return absl::ResourceExhaustedError("database busy: no write slot");
    }
    absl::Status s;
    {
      auto lease = pool_.Acquire(options().acquire_timeout);
      if (!lease.ok()) {
        s = lease.status();
      } else {
        SqliteConnection& connection = **lease;
        s = connection.Begin(/*read_only=*/false);
        if (s.ok()) s = Exec(connection.get(), sql);
        if (s.ok()) s = Exec(connection, "COMMIT");
        if (!s.ok()) (void)Exec(connection, "ROLLBACK");
      }
    }
    writer_.Release();
    return s;
  }

  absl::Status Ping() override {
    if (absl::Status s = CheckFileIsOurs(); !s.ok()) return s;
    return RunInTransaction(TransactionMode::kReadOnly, [](Transaction& tx) {
      return tx.Query("SELECT 1").status();
    });
  }

  std::string Describe() const override {
    return absl::StrCat("sqlite:", path_);
  }

 protected:
  absl::StatusOr<std::unique_ptr<Session>> Begin(TransactionMode mode) override;

 private:
  const std::string path_;
  ConnectionPool<SqliteConnection> pool_;
  WriterSlot writer_;
  bool tracked_ = false;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

class SqliteSession : public Database::Session {
  // Database::Session is protected; SqliteDatabase grants access by
  // constructing sessions itself.
 public:
  // `writer`, if set, is held for the life of a write transaction and
  // released when it ends.
  SqliteSession(ConnectionPool<SqliteConnection>::Lease lease,
                WriterSlot* writer)
      : lease_(std::move(lease)), writer_(writer) {}
  ~SqliteSession() override {
    if (open_) Rollback();
    ReleaseWriter();
  }

  Backend backend() const override { return Backend::kSqlite; }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const Params& params) override {
    std::vector<Row> rows;
    absl::Status s = Run(sql, params, &rows);
    if (!s.ok()) return s;
    return rows;
  }

  absl::StatusOr<int64_t> Execute(absl::string_view sql,
                                  const Params& params) override {
    absl::Status s = Run(sql, params, nullptr);
    if (!s.ok()) return s;
    return static_cast<int64_t>(sqlite3_changes(lease_->get()));
  }

  absl::Status Commit() override {
    open_ = false;
    absl::Status s = Exec(*lease_, "COMMIT");
    ReleaseWriter();
    return s;
  }

  void Rollback() override {
    open_ = false;
    if (!sqlite3_get_autocommit(lease_->get())) {
      (void)Exec(*lease_, "ROLLBACK");
    }
    ReleaseWriter();
  }

  void MarkOpen() { open_ = true; }

 private:
  absl::Status Run(absl::string_view sql, const Params& params,
                   std::vector<Row>* rows) {
    sqlite3* db = lease_->get();
    int rc = SQLITE_OK;
    // A statement compiled once per connection and kept (SQLite recompiles
    // it itself after a schema change); one not kept is finalised here.
    sqlite3_stmt* stmt = lease_->Cached(sql);
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(
        nullptr, sqlite3_finalize);
    if (stmt == nullptr) {
      const std::string text = RewritePlaceholdersForSqlite(sql);
      const char* tail = nullptr;
      rc = sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
      if (rc != SQLITE_OK) return StatusFromSqlite(db, rc, "prepare");
      owned.reset(stmt);
      // PostgreSQL rejects several statements or unused parameters in one
      // call; refuse them here too so code that passes on SQLite cannot
      // fail in production.
      for (const char* t = tail; t != nullptr && *t != '\0'; ++t) {
        if (*t != ' ' && *t != '\n' && *t != '\t' && *t != ';') {
          return absl::InternalError(
              absl::StrCat("one statement per call, got more: ", sql));
        }
      }
      if (lease_->Keep(sql, stmt)) owned.release();
    }
    // Whatever happens below, the statement is left reset and unbound (a
    // reset statement holds no read lock).
    struct ResetAfterUse {
      sqlite3_stmt* stmt;
      ~ResetAfterUse() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } reset_after_use{stmt};
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return absl::InternalError(absl::StrCat("statement needs ", expected,
                                              " parameters, got ",
                                              params.size(), ": ", sql));
    }
    for (int i = 0; i < expected; ++i) {
      const Value& v = params[i];
      if (v.is_null()) {
        rc = sqlite3_bind_null(stmt, i + 1);
      } else if (v.is_int()) {
        rc = sqlite3_bind_int64(stmt, i + 1, v.int_value());
      } else {
        rc = sqlite3_bind_text(stmt, i + 1, v.text_value().data(),
                               static_cast<int>(v.text_value().size()),
                               SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return StatusFromSqlite(db, rc, "bind");
    }
    const int columns = sqlite3_column_count(stmt);
    ColumnNames names;
    if (rows != nullptr) {
      auto list = std::make_shared<std::vector<std::string>>();
      for (int c = 0; c < columns; ++c) {
        list->push_back(sqlite3_column_name(stmt, c));
      }
      names = std::move(list);
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (rows == nullptr) continue;
      std::vector<Value> values;
      values.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            values.emplace_back();
            break;
          case SQLITE_INTEGER:
            values.emplace_back(
                static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          default: {
            const auto* data =
                reinterpret_cast<const char*>(sqlite3_column_blob(stmt, c));
            const int size = sqlite3_column_bytes(stmt, c);
            values.emplace_back(std::string(data == nullptr ? "" : data,
                                            static_cast<size_t>(size)));
          }
        }
      }
      rows->emplace_back(names, std::move(values));
    }
    if (rc != SQLITE_DONE) return StatusFromSqlite(db, rc, "step");
    return absl::OkStatus();
  }

  void ReleaseWriter() {
    if (writer_ != nullptr) {
      writer_->Release();
      writer_ = nullptr;
    }
  }

  ConnectionPool<SqliteConnection>::Lease lease_;
  WriterSlot* writer_;
  bool open_ = false;
};

absl::StatusOr<std::unique_ptr<Database::Session>> SqliteDatabase::Begin(
    TransactionMode mode) {
  // Writers queue for the write lock before taking a connection, so queued
  // writers never hold connections that readers (and health checks) need.
  WriterSlot* writer = nullptr;
  if (mode != TransactionMode::kReadOnly) {
    if (absl::Status s = CheckFileIsOurs(); !s.ok()) return s;
    if (!writer_.Acquire(options().acquire_timeout)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the database is busy with other writes; no write slot within ",
          absl::FormatDuration(options().acquire_timeout), ", retry later"));
    }
    writer = &writer_;
  }
  auto lease = pool_.Acquire(options().acquire_timeout);
  if (!lease.ok()) {
    if (writer != nullptr) writer->Release();
    return lease.status();
  }
  // Read-only transactions run on a deferred snapshot; WAL lets them proceed
  // alongside the one writer. query_only makes an accidental write fail.
  const bool read_only = mode == TransactionMode::kReadOnly;
  absl::Status s = (*lease)->Begin(read_only);
  auto session = std::make_unique<SqliteSession>(std::move(*lease), writer);
  if (!s.ok()) return s;  // the session releases the writer lock
  session->MarkOpen();
  return session;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> OpenConnection(
    const std::string& path, const DatabaseOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  auto conn = std::make_unique<SqliteConnection>(raw);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open SQLite database '", path,
        "': ", raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(
      raw,
      static_cast<int>(absl::ToInt64Milliseconds(options.sqlite_busy_timeout)));
  const char* pragmas =
      path == ":memory:" ? "PRAGMA foreign_keys=ON;"
                         : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                           "PRAGMA foreign_keys=ON;";
  RETURN_IF_ERROR(Exec(raw, pragmas));
  return conn;
}

}  // namespace

std::string RewritePlaceholdersForSqlite(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' &&
               sql[i + 1] <= '9') {
      // ?NNN keeps the number, so $1 may appear twice or out of order, as
      // in PostgreSQL.
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(
    absl::string_view path, const DatabaseOptions& options) {
  const std::string file(path);
  if (file != ":memory:") {
    // Create the data directory on first start, as a server would.
    const std::filesystem::path parent =
        std::filesystem::path(file).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot create directory ", parent.string(), ": ", ec.message()));
    }
  }
  const int size = file == ":memory:" ? 1 : std::max(1, options.pool_size);
  std::vector<std::unique_ptr<SqliteConnection>> conns;
  for (int i = 0; i < size; ++i) {
    auto conn = OpenConnection(file, options);
    if (!conn.ok()) return conn.status();
    conns.push_back(std::move(*conn));
  }
  return std::make_unique<SqliteDatabase>(file, options, std::move(conns));
}

}  // namespace qudao::storage
