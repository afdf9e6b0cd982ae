// The storage interface every service's store is written against.
//
// One small surface over SQLite (embedded default) and PostgreSQL
// (production): parameterised statements inside transactions, nothing else.
// SQL uses PostgreSQL-style placeholders ($1, $2, ...) on both backends.
// Write transactions are serialisable: SQLite takes the write lock up front
// (BEGIN IMMEDIATE); PostgreSQL runs SERIALIZABLE and RunInTransaction retries
// serialisation conflicts, so read-check-write code (credit reservations,
// budget draws) never overshoots under concurrency, across replicas too.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qudao::storage {

enum class Backend { kSqlite, kPostgres };

absl::string_view BackendName(Backend backend);

// A statement parameter or a column value: NULL, an integer or text. Money
// is stored as integer minor units, times as integer microseconds since the
// Unix epoch; there is deliberately no floating-point type.
class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(int64_t v) : v_(v) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(bool v) : v_(static_cast<int64_t>(v ? 1 : 0)) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(absl::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  template <typename T>
  Value(const std::optional<T>& v) {
    if (v.has_value()) *this = Value(*v);
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_text() const { return std::holds_alternative<std::string>(v_); }
  int64_t int_value() const { return std::get<int64_t>(v_); }
  const std::string& text_value() const { return std::get<std::string>(v_); }

 private:
  std::variant<std::monostate, int64_t, std::string> v_;
};

// Microseconds since the Unix epoch: how times are stored.
int64_t ToStoredTime(absl::Time t);
absl::Time FromStoredTime(int64_t micros);

// The column names of a result, shared by its rows.
using ColumnNames = std::shared_ptr<const std::vector<std::string>>;

// One result row, read by column name (what stores do, through a
// TableMapping) or by position. Accessors abort on a column or type the
// schema cannot produce: that is a bug in the store's SQL, not bad input.
class Row {
 public:
  Row(ColumnNames columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return values_.at(i).is_null(); }
  int64_t Int(size_t i) const;
  std::string Text(size_t i) const;
  const Value& at(size_t i) const { return values_.at(i); }

  // The same by column name (as the SELECT list names it).
  size_t Index(absl::string_view column) const;
  bool IsNull(absl::string_view column) const { return IsNull(Index(column)); }
  int64_t Int(absl::string_view column) const { return Int(Index(column)); }
  std::string Text(absl::string_view column) const {
    return Text(Index(column));
  }
  // Overloads for literals, which would otherwise be ambiguous (0 is also
  // a null pointer).
  bool IsNull(int i) const { return IsNull(static_cast<size_t>(i)); }
  int64_t Int(int i) const { return Int(static_cast<size_t>(i)); }
  std::string Text(int i) const { return Text(static_cast<size_t>(i)); }
  bool IsNull(const char* c) const { return IsNull(absl::string_view(c)); }
  int64_t Int(const char* c) const { return Int(absl::string_view(c)); }
  std::string Text(const char* c) const { return Text(absl::string_view(c)); }

 private:
  ColumnNames columns_;
  std::vector<Value> values_;
};

using Params = std::vector<Value>;

class Database;

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs a statement and returns its rows (none for INSERT/UPDATE/DELETE
  // without RETURNING).
  virtual absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                                 const Params& params = {}) = 0;
  // Runs a statement and returns the number of rows it changed. A
  // conditional update (`... WHERE id = $1 AND version = $2`) that changed
  // nothing returns 0: the caller turns that into ABORTED or NOT_FOUND.
  virtual absl::StatusOr<int64_t> Execute(absl::string_view sql,
                                          const Params& params = {}) = 0;
  virtual Backend backend() const = 0;

  // Runs a statement and commits the transaction, in one round trip where
  // the backend allows (PostgreSQL: the statement and COMMIT pipelined), so
  // locks the statement takes are held only while the server executes it
  // and commits, never across a network round trip. Must be the body's
  // last statement; the commit outcome is the call's.
  virtual absl::StatusOr<std::vector<Row>> QueryAndCommit(
      absl::string_view sql, const Params& params = {});

  // Queues a write whose answer the body does not need (an outbox event,
  // an audit row, a recorded response): PostgreSQL sends queued writes in
  // the round trip of the next statement or of the COMMIT; SQLite runs it
  // at once. A queued write's error fails that statement or the commit,
  // and with it the transaction, so queue only writes the body does not
  // branch on.
  absl::Status ExecuteLater(absl::string_view sql, const Params& params = {});
  // Queues a conditional write that must change at least one row (`UPDATE
  // … WHERE id = $1 AND limit - reserved >= $2`): when it changes none, the
  // transaction fails with a retryable conflict saying `why`, and
  // RunInTransaction runs the body again on what other writers left. With
  // the writes queued after it, it travels with the COMMIT, so a busy row
  // it locks is held for one server-side commit, not a network round trip.
  absl::Status RequireLater(absl::string_view sql, const Params& params,
                            absl::string_view why);

  // Sends a read ahead: PostgreSQL runs it in the round trip of the next
  // statement, and the first Query of the same SQL and parameters in this
  // transaction answers with its rows instead of asking again; SQLite does
  // nothing (that Query runs then). So reads a body is sure to need travel
  // together. The caller vouches that no write of the transaction before
  // that Query changes what it returns.
  absl::Status Prefetch(absl::string_view sql, const Params& params = {});

  // Runs `hook` after this transaction commits (never if it rolls back or
  // is retried): wake-ups and cache invalidations that must not happen for
  // a write that did not land.
  void OnCommit(std::function<void()> hook) {
    commit_hooks_.push_back(std::move(hook));
  }
  // The database this transaction belongs to.
  Database* database() const { return database_; }
  // Unique per attempt: a retried transaction's next attempt has another.
  uint64_t attempt_id() const { return attempt_id_; }

 private:
  friend class Database;
  std::vector<std::function<void()>> commit_hooks_;
  Database* database_ = nullptr;
  uint64_t attempt_id_ = 0;

 protected:
  // Takes a queued write (ExecuteLater, RequireLater). Backends that can
  // send it later override this; the default runs it now.
  virtual absl::Status Queue(std::string sql, Params params);
  // Takes a read sent ahead (Prefetch); the default ignores it.
  virtual absl::Status QueuePrefetch(std::string sql, Params params);

  // Set by a QueryAndCommit that committed: the driver must not commit (or
  // roll back) again.
  bool committed_ = false;
};

enum class TransactionMode {
  // A consistent snapshot; writes are an error.
  kReadOnly,
  // Serialisable; conflicts are retried by RunInTransaction. Right for
  // read-check-write rules over several rows.
  kReadWrite,
  // For writes whose invariant is enforced by one conditional statement on
  // a busy row (`UPDATE … SET reserved = reserved + $1 WHERE id = $2 AND
  // limit - reserved >= $1`): READ COMMITTED on PostgreSQL, where a waiting
  // writer re-checks the condition on the row's newest version instead of
  // failing with a serialisation conflict, so concurrent writers queue on
  // the row lock rather than retry. Keep the conditional statement the last
  // one that touches a contended row, so its lock is held for one commit.
  // SQLite serialises writers anyway: it is kReadWrite there.
  kHotRow,
};

struct DatabaseOptions {
  // Connections kept open. SQLite in-memory databases always use one.
  int pool_size = 8;
  // How long a caller waits for a free connection before RESOURCE_EXHAUSTED.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Attempts for a transaction that hits serialisation conflicts.
  int max_attempts = 20;
  // How long SQLite waits on a lock held by another process.
  absl::Duration sqlite_busy_timeout = absl::Seconds(5);
};

class Database {
 public:
  explicit Database(const DatabaseOptions& options) : options_(options) {}
  virtual ~Database() = default;
  const DatabaseOptions& options() const { return options_; }

  virtual Backend backend() const = 0;

  // Runs `body` in a transaction: commits when it returns OK, rolls back
  // otherwise. A serialisation conflict (on any statement or on commit)
  // re-runs `body` from the start with a fresh transaction, up to
  // max_attempts; so `body` must have no effects outside the transaction.
  // Errors are mapped to status codes: unique violation ALREADY_EXISTS,
  // other constraint or append-only violation FAILED_PRECONDITION, conflict
  // after the last attempt ABORTED, backend unreachable UNAVAILABLE.
  absl::Status RunInTransaction(
      TransactionMode mode,
      const std::function<absl::Status(Transaction&)>& body);

  // Runs a multi-statement DDL script in one transaction (migrations only).
  virtual absl::Status ExecuteScript(absl::string_view sql) = 0;

  // Cheap liveness check used by the health service.
  virtual absl::Status Ping() = 0;

  // A short description for logs, without credentials.
  virtual std::string Describe() const = 0;

  // Wakes whoever waits in WaitForOutbox: called after a transaction that
  // appended outbox events commits (see outbox.h).
  void SignalOutbox();
  // Waits until SignalOutbox is called or `timeout` passes; true if
  // signalled since the last wait.
  bool WaitForOutbox(absl::Duration timeout);

  // A transaction as a backend implements it; RunInTransaction drives it
  // (begin, body, commit or rollback) and is the only way callers get one.
  class Session : public Transaction {
   public:
    virtual absl::Status Commit() = 0;
    virtual void Rollback() = 0;
  };

 protected:
  virtual absl::StatusOr<std::unique_ptr<Session>> Begin(
      TransactionMode mode) = 0;
  // Told that a connection was found lost: the backend may refresh the
  // others before they fail too.
  virtual void OnConnectionLost() {}

 private:
  const DatabaseOptions options_;
  absl::Mutex outbox_mu_;
  bool outbox_signalled_ ABSL_GUARDED_BY(outbox_mu_) = false;
};

// Opens a database from a URL and checks it can be reached:
//   sqlite:///absolute/path.db   sqlite://relative/path.db   sqlite::memory:
//   postgresql://user:pass@host:port/db?...   (any libpq connection URI)
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(
    absl::string_view url, const DatabaseOptions& options = {});

// Marks a status as a connection lost before the transaction's COMMIT was
// sent: the transaction had no effect, so RunInTransaction runs it once
// more on a fresh connection (after a database restart every pooled
// connection is dead, and callers should not see that).
absl::Status ConnectionLostBeforeCommit(absl::string_view message);
bool IsConnectionLostBeforeCommit(const absl::Status& status);

// Marks a status as a transient conflict that RunInTransaction retries.
absl::Status RetryableConflict(absl::string_view message);
bool IsRetryableConflict(const absl::Status& status);

}  // namespace qudao::storage
