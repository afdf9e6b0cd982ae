// PostgreSQL backend. Statements go through PQexecParams with text-format
// parameters: never string-built SQL. SQLSTATEs map onto status codes;
// serialisation failures and deadlocks become retryable conflicts.
#include "common/storage/postgres_database.h"

#include <libpq-fe.h>

#include <atomic>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/storage/connection_pool.h"

namespace qudao::storage {
namespace {

// Type OIDs (pg_type.h) whose text form we return as integers.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// Statements a connection keeps prepared (parsed and planned once by the
// server, instead of on every execution). Enough for every statement the
// services run; SQL beyond it runs unprepared.
constexpr size_t kMaxPreparedPerConnection = 512;

class PgConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  // The database's connection epoch when this connection was last known
  // good; an older one is re-established before use.
  int64_t epoch = 0;
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  PGconn* get() const { return conn_; }

  // The server-side name under which `sql` is prepared on this connection,
  // or null. Prepared statements live in the server's backend: a connection
  // that was re-established (another backend) starts with none.
  const std::string* PreparedName(const std::string& sql) {
    const int backend = PQbackendPID(conn_);
    if (backend != prepared_backend_) {
      prepared_.clear();
      prepared_backend_ = backend;
    }
    auto it = prepared_.find(sql);
    return it == prepared_.end() ? nullptr : &it->second;
  }
  // A fresh name to prepare a statement under, or "" when this connection
  // keeps as many as it will.
  std::string NameToPrepare() {
    if (prepared_.size() >= kMaxPreparedPerConnection) return "";
    return absl::StrCat("qudao_", ++prepared_serial_);
  }
  // Call once the server confirmed the PREPARE.
  void MarkPrepared(const std::string& sql, std::string name) {
    prepared_.emplace(sql, std::move(name));
  }

  // Re-establishes a connection the server dropped (restart, failover).
  absl::Status EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(
          absl::StrCat("PostgreSQL unreachable: ", PQerrorMessage(conn_)));
    }
    return absl::OkStatus();
  }

 private:
  PGconn* conn_;
  absl::flat_hash_map<std::string, std::string> prepared_;
  int prepared_backend_ = 0;
  int64_t prepared_serial_ = 0;
};

using ResultPtr = std::unique_ptr<PGresult, void (*)(PGresult*)>;

// Strips libpq's trailing newline.
std::string CleanMessage(const char* message) {
  std::string m = message == nullptr ? "" : message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// The status of a failed statement. A lost connection (or a server shutting
// down: 57P01..57P03) is marked as lost before commit; Commit() unmarks it,
// since after a COMMIT was sent the outcome is unknown.
absl::Status StatusFromResult(PGconn* conn, const PGresult* res) {
  const char* state =
      res == nullptr ? nullptr : PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state == nullptr ? "" : state;
  if (res == nullptr || PQstatus(conn) != CONNECTION_OK ||
      absl::StartsWith(sqlstate, "57P0") || absl::StartsWith(sqlstate, "08")) {
    return ConnectionLostBeforeCommit(absl::StrCat(
        "PostgreSQL connection lost: ", CleanMessage(PQerrorMessage(conn))));
  }
  const std::string message = absl::StrCat(
      "postgres ", sqlstate, ": ", CleanMessage(PQresultErrorMessage(res)));
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return RetryableConflict(message);
  }
  if (sqlstate == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(sqlstate, "23") || sqlstate == "P0001" ||
      sqlstate == "25006") {
    // Integrity constraints, append-only guards (RAISE EXCEPTION) and writes
    // in a read-only transaction.
    return absl::FailedPreconditionError(message);
  }
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P")) {
    return absl::UnavailableError(message);
  }
  if (sqlstate == "53300" || absl::StartsWith(sqlstate, "53")) {
    return absl::ResourceExhaustedError(message);
  }
  if (sqlstate == "57014") return absl::DeadlineExceededError(message);
  return absl::InternalError(message);
}

// Text-format parameter values, alive as long as this object.
class ParamText {
 public:
  explicit ParamText(const Params& params)
      : text_(params.size()), values_(params.size(), nullptr) {
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (v.is_null()) continue;
      text_[i] = v.is_int() ? absl::StrCat(v.int_value()) : v.text_value();
      values_[i] = text_[i].c_str();
    }
  }
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }

 private:
  std::vector<std::string> text_;
  std::vector<const char*> values_;
};

bool Succeeded(const PGresult* res) {
  const ExecStatusType st =
      res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

// One statement, prepared on the connection the first time it runs there.
absl::StatusOr<ResultPtr> Run(PgConnection& connection, absl::string_view sql,
                              const Params& params) {
  PGconn* conn = connection.get();
  const ParamText values(params);
  const std::string statement(sql);
  const std::string* name = connection.PreparedName(statement);
  std::string prepared;
  if (name == nullptr) {
    std::string fresh = connection.NameToPrepare();
    if (!fresh.empty()) {
      ResultPtr prepare(PQprepare(conn, fresh.c_str(), statement.c_str(),
                                  values.size(), nullptr),
                        PQclear);
      if (!Succeeded(prepare.get())) {
        return StatusFromResult(conn, prepare.get());
      }
      connection.MarkPrepared(statement, fresh);
      prepared = std::move(fresh);
    }
  } else {
    prepared = *name;
  }
  ResultPtr res(
      prepared.empty()
          ? PQexecParams(conn, statement.c_str(), values.size(), nullptr,
                         values.values(), nullptr, nullptr, 0)
          : PQexecPrepared(conn, prepared.c_str(), values.size(),
                           values.values(), nullptr, nullptr, 0),
      PQclear);
  if (!Succeeded(res.get())) return StatusFromResult(conn, res.get());
  return res;
}

absl::Status Exec(PGconn* conn, absl::string_view sql) {
  const std::string statement(sql);
  ResultPtr res(PQexec(conn, statement.c_str()), PQclear);
  const ExecStatusType st =
      res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return StatusFromResult(conn, res.get());
  }
  return absl::OkStatus();
}

class PgSession : public Database::Session {
 public:
  explicit PgSession(ConnectionPool<PgConnection>::Lease lease)
      : lease_(std::move(lease)) {}
  ~PgSession() override {
    if (open_) Rollback();
  }

  Backend backend() const override { return Backend::kPostgres; }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                         const Params& params) override {
    if (!prefetched_.empty()) {
      auto it = prefetched_.find(PrefetchKey(sql, params));
      if (it != prefetched_.end()) {
        std::vector<Row> rows = std::move(it->second);
        prefetched_.erase(it);
        return rows;
      }
    }
    // The same read waiting to be sent ahead: the queue travels now, with
    // it once (not a second copy after it).
    if (IsQueuedPrefetch(sql, params)) {
      RETURN_IF_ERROR(SendQueued());
      auto it = prefetched_.find(PrefetchKey(sql, params));
      if (it != prefetched_.end()) {
        std::vector<Row> rows = std::move(it->second);
        prefetched_.erase(it);
        return rows;
      }
    }
    ASSIGN_OR_RETURN(ResultPtr res, Statement(sql, params));
    return ResultRows(lease_->get(), res.get());
  }

  // The rows of a finished statement, or its error.
  static absl::StatusOr<std::vector<Row>> ResultRows(PGconn* conn,
                                                     PGresult* r) {
    const ExecStatusType st =
        r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return StatusFromResult(conn, r);
    }
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    auto names = std::make_shared<std::vector<std::string>>();
    for (int c = 0; c < ncols; ++c) names->push_back(PQfname(r, c));
    const ColumnNames columns = std::move(names);
    std::vector<Row> rows;
    rows.reserve(nrows);
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c)) {
          values.emplace_back();
          continue;
        }
        const char* text = PQgetvalue(r, i, c);
        const Oid type = PQftype(r, c);
        if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
          values.emplace_back(
              static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
        } else if (type == kBoolOid) {
          values.emplace_back(static_cast<int64_t>(text[0] == 't'));
        } else {
          values.emplace_back(
              std::string(text, static_cast<size_t>(PQgetlength(r, i, c))));
        }
      }
      rows.emplace_back(columns, std::move(values));
    }
    return rows;
  }

  absl::StatusOr<int64_t> Execute(absl::string_view sql,
                                  const Params& params) override {
    ASSIGN_OR_RETURN(ResultPtr res, Statement(sql, params));
    const char* n = PQcmdTuples(res.get());
    return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
  }

  absl::StatusOr<std::vector<Row>> QueryAndCommit(
      absl::string_view sql, const Params& params) override {
    std::vector<PipelinedStatement> statements = TakeQueued();
    statements.push_back({std::string(sql), params});
    statements.push_back({"COMMIT", {}});
    ASSIGN_OR_RETURN(std::vector<ResultPtr> results,
                     PipelineAndCommit(statements));
    return ResultRows(lease_->get(), results[statements.size() - 2].get());
  }

  absl::Status Commit() override {
    if (deferred_.empty()) {
      open_ = false;
      if (!pending_begin_.empty()) {  // nothing ran: nothing to commit
        pending_begin_.clear();
        return absl::OkStatus();
      }
      return AfterCommitSent(Exec(lease_->get(), "COMMIT"));
    }
    std::vector<PipelinedStatement> statements = TakeQueued();
    statements.push_back({"COMMIT", {}});
    return PipelineAndCommit(statements).status();
  }

  // Once a COMMIT has been sent, a lost connection leaves the outcome
  // unknown: never retried blindly (idempotency keys make the caller's
  // retry safe).
  static absl::Status AfterCommitSent(absl::Status status) {
    if (!IsConnectionLostBeforeCommit(status)) return status;
    return absl::UnavailableError(absl::StrCat(
        status.message(), " (while committing; the outcome is unknown)"));
  }

  void Rollback() override {
    open_ = false;
    pending_begin_.clear();
    deferred_.clear();
    prefetched_.clear();
    if (PQtransactionStatus(lease_->get()) != PQTRANS_IDLE) {
      (void)Exec(lease_->get(), "ROLLBACK");
    }
  }

  void MarkOpen() { open_ = true; }
  // BEGIN is sent with the first statement, in the same round trip.
  void BeginLazily(std::string begin) { pending_begin_ = std::move(begin); }

  absl::Status Queue(std::string sql, Params params) override {
    deferred_.push_back({std::move(sql), std::move(params)});
    return absl::OkStatus();
  }

  absl::Status QueuePrefetch(std::string sql, Params params) override {
    deferred_.push_back({std::move(sql), std::move(params), true});
    return absl::OkStatus();
  }

 private:
  struct PipelinedStatement {
    std::string sql;
    Params params;
    // A read sent ahead: its rows are kept for the Query that asks.
    bool prefetch = false;
  };

  // What identifies a read sent ahead: its SQL and parameter values.
  static std::string PrefetchKey(absl::string_view sql, const Params& params) {
    std::string key(sql);
    for (const Value& v : params) {
      key.push_back('\x1f');
      if (v.is_null()) {
        key.push_back('n');
      } else if (v.is_int()) {
        absl::StrAppend(&key, "i", v.int_value());
      } else {
        absl::StrAppend(&key, "t", v.text_value());
      }
    }
    return key;
  }

  // Keeps the rows of the reads sent ahead in `statements`.
  absl::Status KeepPrefetched(const std::vector<PipelinedStatement>& statements,
                              const std::vector<ResultPtr>& results) {
    for (size_t i = 0; i < statements.size() && i < results.size(); ++i) {
      if (!statements[i].prefetch) continue;
      ASSIGN_OR_RETURN(std::vector<Row> rows,
                       ResultRows(lease_->get(), results[i].get()));
      prefetched_[PrefetchKey(statements[i].sql, statements[i].params)] =
          std::move(rows);
    }
    return absl::OkStatus();
  }

  // What waits to travel with the next statement: a pending BEGIN, then
  // the queued writes.
  std::vector<PipelinedStatement> TakeQueued() {
    std::vector<PipelinedStatement> out;
    if (!pending_begin_.empty()) out.push_back({pending_begin_, {}});
    pending_begin_.clear();
    for (PipelinedStatement& d : deferred_) out.push_back(std::move(d));
    deferred_.clear();
    return out;
  }

  bool IsQueuedPrefetch(absl::string_view sql, const Params& params) const {
    std::string key;
    for (const PipelinedStatement& d : deferred_) {
      if (!d.prefetch || d.sql != sql) continue;
      if (key.empty()) key = PrefetchKey(sql, params);
      if (PrefetchKey(d.sql, d.params) == key) return true;
    }
    return false;
  }

  // What is queued, in one round trip.
  absl::Status SendQueued() {
    std::vector<PipelinedStatement> statements = TakeQueued();
    if (statements.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<ResultPtr> results,
                     Pipeline(*lease_, statements));
    return KeepPrefetched(statements, results);
  }

  // One statement, preceded in the same round trip by what is queued.
  absl::StatusOr<ResultPtr> Statement(absl::string_view sql,
                                      const Params& params) {
    std::vector<PipelinedStatement> statements = TakeQueued();
    if (statements.empty()) {
      auto res = Run(*lease_, sql, params);
      if (!res.ok()) return res.status();
      return std::move(*res);
    }
    statements.push_back({std::string(sql), params});
    ASSIGN_OR_RETURN(std::vector<ResultPtr> results,
                     Pipeline(*lease_, statements));
    RETURN_IF_ERROR(KeepPrefetched(statements, results));
    return std::move(results.back());
  }

  // `statements`, ending with COMMIT, in one round trip. Skipped statements
  // leave the transaction aborted: it is rolled back (a failed COMMIT has
  // rolled back already).
  absl::StatusOr<std::vector<ResultPtr>> PipelineAndCommit(
      const std::vector<PipelinedStatement>& statements) {
    bool sent = false;
    absl::StatusOr<std::vector<ResultPtr>> results =
        Pipeline(*lease_, statements, &sent);
    if (!results.ok()) {
      Rollback();
      return sent ? AfterCommitSent(results.status()) : results.status();
    }
    open_ = false;
    committed_ = true;
    return results;
  }

  // Sends `statements` in one round trip (libpq pipeline mode) and returns
  // each one's result, or the first error (the server skips the rest).
  // A statement not yet prepared on the connection is prepared in the same
  // round trip. `sent` (if given) tells whether the statements reached the
  // wire.
  static absl::StatusOr<std::vector<ResultPtr>> Pipeline(
      PgConnection& connection,
      const std::vector<PipelinedStatement>& statements,
      bool* sent_out = nullptr) {
    PGconn* conn = connection.get();
    if (PQenterPipelineMode(conn) != 1) {
      return ConnectionLostBeforeCommit(absl::StrCat(
          "PostgreSQL connection lost: ", CleanMessage(PQerrorMessage(conn))));
    }
    // Per statement: the name it runs under ("" unprepared) and whether a
    // PREPARE for it goes first.
    std::vector<std::string> names(statements.size());
    std::vector<bool> preparing(statements.size(), false);
    bool sent = true;
    for (size_t i = 0; i < statements.size() && sent; ++i) {
      const PipelinedStatement& st = statements[i];
      const ParamText values(st.params);
      if (const std::string* name = connection.PreparedName(st.sql)) {
        names[i] = *name;
      } else if (!st.params.empty() || !IsTransactionControl(st.sql)) {
        // Two statements of one pipeline may be the same new one: it is
        // prepared once.
        for (size_t j = 0; j < i && names[i].empty(); ++j) {
          if (preparing[j] && statements[j].sql == st.sql) names[i] = names[j];
        }
        if (names[i].empty()) {
          names[i] = connection.NameToPrepare();
          preparing[i] = !names[i].empty();
          sent = !preparing[i] ||
                 PQsendPrepare(conn, names[i].c_str(), st.sql.c_str(),
                               values.size(), nullptr) == 1;
        }
      }
      sent =
          sent &&
          (names[i].empty()
               ? PQsendQueryParams(conn, st.sql.c_str(), values.size(), nullptr,
                                   values.values(), nullptr, nullptr, 0)
               : PQsendQueryPrepared(conn, names[i].c_str(), values.size(),
                                     values.values(), nullptr, nullptr, 0)) ==
              1;
    }
    sent = sent && PQpipelineSync(conn) == 1;
    if (sent_out != nullptr) *sent_out = sent;
    absl::Status first_error;
    std::vector<ResultPtr> results;
    // The next result on the wire; each command's results end with a null.
    auto next = [conn]() {
      ResultPtr r(PQgetResult(conn), PQclear);
      while (PGresult* extra = PQgetResult(conn)) PQclear(extra);
      return r;
    };
    auto note_error = [&](const PGresult* r) {
      if (Succeeded(r) || !first_error.ok()) return;
      first_error = r != nullptr && PQresultStatus(r) == PGRES_PIPELINE_ABORTED
                        ? absl::AbortedError("pipeline aborted")
                        : StatusFromResult(conn, r);
    };
    if (!sent) {
      first_error = ConnectionLostBeforeCommit(absl::StrCat(
          "PostgreSQL connection lost: ", CleanMessage(PQerrorMessage(conn))));
    } else {
      for (size_t i = 0; i < statements.size(); ++i) {
        if (preparing[i]) {
          ResultPtr prepared = next();
          if (Succeeded(prepared.get())) {
            connection.MarkPrepared(statements[i].sql, names[i]);
          }
          note_error(prepared.get());
        }
        ResultPtr r = next();
        note_error(r.get());
        results.push_back(std::move(r));
      }
    }
    DrainPipeline(conn);
    if (!first_error.ok()) return first_error;
    return results;
  }

  // BEGIN, COMMIT and the like: nothing to plan, not worth preparing.
  static bool IsTransactionControl(absl::string_view sql) {
    return absl::StartsWith(sql, "BEGIN") || sql == "COMMIT" ||
           sql == "ROLLBACK";
  }

  // Reads what is left of a pipeline up to its sync point and leaves
  // pipeline mode.
  static void DrainPipeline(PGconn* conn) {
    for (int guard = 0; PQpipelineStatus(conn) != PQ_PIPELINE_OFF; ++guard) {
      if (guard > 1000) {
        // Never seen; a connection in an unknown state is reset rather
        // than reused.
        PQreset(conn);
        break;
      }
      PGresult* r = PQgetResult(conn);
      if (r == nullptr) {
        if (PQexitPipelineMode(conn) == 1) break;
        if (PQstatus(conn) != CONNECTION_OK) break;
        continue;
      }
      PQclear(r);
    }
  }

  std::string pending_begin_;
  std::vector<PipelinedStatement> deferred_;
  absl::flat_hash_map<std::string, std::vector<Row>> prefetched_;
  ConnectionPool<PgConnection>::Lease lease_;
  bool open_ = false;
};

class PostgresDatabase : public Database {
 public:
  PostgresDatabase(std::string description, const DatabaseOptions& options,
                   std::vector<std::unique_ptr<PgConnection>> conns)
      : Database(options),
        description_(std::move(description)),
        pool_(std::move(conns)) {}

  Backend backend() const override { return Backend::kPostgres; }

  absl::Status ExecuteScript(absl::string_view sql) override {
    auto lease = pool_.Acquire(options().acquire_timeout);
    if (!lease.ok()) return lease.status();
    PGconn* conn = (*lease)->get();
    RETURN_IF_ERROR((*lease)->EnsureConnected());
    // PQexec runs a multi-statement string as one implicit transaction.
    return Exec(conn, absl::StrCat("BEGIN;\n", sql, "\n;COMMIT;"));
  }

  absl::Status Ping() override {
    return RunInTransaction(TransactionMode::kReadOnly, [](Transaction& tx) {
      return tx.Query("SELECT 1").status();
    });
  }

  std::string Describe() const override { return description_; }

 protected:
  void OnConnectionLost() override { ++epoch_; }

  absl::StatusOr<std::unique_ptr<Session>> Begin(
      TransactionMode mode) override {
    auto lease = pool_.Acquire(options().acquire_timeout);
    if (!lease.ok()) return lease.status();
    // After a lost connection every connection older than that is
    // re-established before use: they all died with the same server.
    const int64_t epoch = epoch_.load();
    if ((*lease)->epoch < epoch) {
      PQreset((*lease)->get());
      (*lease)->epoch = epoch;
    }
    RETURN_IF_ERROR((*lease)->EnsureConnected());
    PGconn* conn = (*lease)->get();
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) (void)Exec(conn, "ROLLBACK");
    if (mode == TransactionMode::kHotRow) {
      // A hot-row transaction is a round trip or two: its BEGIN travels
      // with its first statement.
      auto session = std::make_unique<PgSession>(std::move(*lease));
      session->BeginLazily("BEGIN ISOLATION LEVEL READ COMMITTED");
      session->MarkOpen();
      return session;
    }
    const char* begin = mode == TransactionMode::kReadOnly
                            ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                            : "BEGIN ISOLATION LEVEL SERIALIZABLE";
    absl::Status s = Exec(conn, begin);
    if (!s.ok()) return s;  // a lost connection is retried by the caller
    auto session = std::make_unique<PgSession>(std::move(*lease));
    session->MarkOpen();
    return session;
  }

 private:
  const std::string description_;
  ConnectionPool<PgConnection> pool_;
  std::atomic<int64_t> epoch_{0};
};

// The URI without its password (user:password@ or ?password=), for logs.
std::string Redact(absl::string_view uri) {
  std::string out(uri);
  const size_t scheme = out.find("://");
  const size_t at = out.find('@');
  if (scheme != std::string::npos && at != std::string::npos) {
    const size_t colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) {
      out = absl::StrCat(out.substr(0, colon), ":***", out.substr(at));
    }
  }
  for (size_t p = out.find("password="); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    const size_t end = out.find('&', p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9,
                "***");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(
    absl::string_view uri, const DatabaseOptions& options) {
  std::string conninfo(uri);
  if (!absl::StrContains(conninfo, "connect_timeout=")) {
    absl::StrAppend(&conninfo, absl::StrContains(conninfo, "?") ? "&" : "?",
                    "connect_timeout=5");
  }
  std::vector<std::unique_ptr<PgConnection>> conns;
  for (int i = 0; i < std::max(1, options.pool_size); ++i) {
    auto conn = std::make_unique<PgConnection>(PQconnectdb(conninfo.c_str()));
    if (PQstatus(conn->get()) != CONNECTION_OK) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to PostgreSQL at ", Redact(uri), ": ",
                       CleanMessage(PQerrorMessage(conn->get()))));
    }
    // Quiet NOTICEs (e.g. "relation already exists, skipping").
    PQsetNoticeProcessor(
        conn->get(), [](void*, const char*) {}, nullptr);
    conns.push_back(std::move(conn));
  }
  return std::make_unique<PostgresDatabase>(Redact(uri), options,
                                            std::move(conns));
}

}  // namespace qudao::storage
