// The migrations runner; see migrations.h.
#include "common/storage/migrations.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "common/status/macros.h"

namespace qudao::storage {
namespace {

constexpr char kPlatformTables[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  service    TEXT   NOT NULL,
  version    BIGINT NOT NULL,
  name       TEXT   NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (service, version)
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope      TEXT   NOT NULL,
  request_id TEXT   NOT NULL,
  request    TEXT   NOT NULL,
  response   TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, request_id)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at
  ON idempotency_keys (created_at);
CREATE TABLE IF NOT EXISTS job_leases (
  job         TEXT   NOT NULL,
  period      TEXT   NOT NULL,
  holder      TEXT   NOT NULL,
  expires_at  BIGINT NOT NULL,
  finished_at BIGINT,
  attempts    BIGINT NOT NULL,
  PRIMARY KEY (job, period)
);
CREATE TABLE IF NOT EXISTS outbox_cursors (
  name  TEXT   NOT NULL PRIMARY KEY,
  txid  BIGINT NOT NULL,
  seq   BIGINT NOT NULL
);
)sql";

// The outbox: events appended in the transaction of the change they
// describe. On PostgreSQL each row records the id of the transaction that
// wrote it, so a follower can wait for transactions still in flight (see
// outbox.cc); SQLite commits one writer at a time, so seq order is commit
// order there and txid stays 0.
constexpr char kSqliteOutbox[] = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  txid       BIGINT NOT NULL DEFAULT 0,
  topic      TEXT   NOT NULL,
  event_key  TEXT   NOT NULL,
  payload    TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_created_at ON outbox (created_at);
CREATE TABLE IF NOT EXISTS audit_events (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_at       BIGINT NOT NULL,
  principal         TEXT   NOT NULL,
  roles             TEXT   NOT NULL,
  partner_dealer_id TEXT   NOT NULL,
  method            TEXT   NOT NULL,
  resource          TEXT   NOT NULL,
  correlation_id    TEXT   NOT NULL,
  request_id        TEXT   NOT NULL,
  outcome           TEXT   NOT NULL,
  reason            TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_principal ON audit_events (principal, seq);
CREATE INDEX IF NOT EXISTS audit_by_resource ON audit_events (resource, seq);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_events (occurred_at);
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON
  audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON
  audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
)sql";
constexpr char kPostgresOutbox[] = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  seq        BIGSERIAL PRIMARY KEY,
  txid       xid8   NOT NULL DEFAULT pg_current_xact_id(),
  topic      TEXT   NOT NULL,
  event_key  TEXT   NOT NULL,
  payload    TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_txid ON outbox (txid, seq);
CREATE INDEX IF NOT EXISTS outbox_by_created_at ON outbox (created_at);
CREATE TABLE IF NOT EXISTS audit_events (
  seq               BIGSERIAL PRIMARY KEY,
  occurred_at       BIGINT NOT NULL,
  principal         TEXT   NOT NULL,
  roles             TEXT   NOT NULL,
  partner_dealer_id TEXT   NOT NULL,
  method            TEXT   NOT NULL,
  resource          TEXT   NOT NULL,
  correlation_id    TEXT   NOT NULL,
  request_id        TEXT   NOT NULL,
  outcome           TEXT   NOT NULL,
  reason            TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_principal ON audit_events (principal, seq);
CREATE INDEX IF NOT EXISTS audit_by_resource ON audit_events (resource, seq);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_events (occurred_at);
CREATE OR REPLACE FUNCTION qudao_changed_or_retry(changed BIGINT, why TEXT)
  RETURNS BIGINT AS $$
  BEGIN
    IF changed = 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = why;
    END IF;
    RETURN changed;
  END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
  BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE
  ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE
  ON audit_events FOR EACH STATEMENT
  EXECUTE FUNCTION audit_events_append_only();
)sql";

// A stable 63-bit key for pg_advisory_xact_lock.
int64_t AdvisoryKey(absl::string_view service) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : service) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<int64_t>(h >> 1);
}

}  // namespace

absl::Status ApplyMigrations(Database& db, absl::string_view service,
                             absl::Span<const Migration> migrations) {
  if (db.backend() == Backend::kPostgres) {
    // Concurrent CREATE TABLE IF NOT EXISTS can still race in PostgreSQL's
    // catalogue; take the service's lock first.
    absl::Status s = db.ExecuteScript(absl::StrCat(
        "SELECT pg_advisory_xact_lock(", AdvisoryKey("qudao.platform"), ");",
        kPlatformTables, kPostgresOutbox));
    if (!s.ok()) return s;
  } else {
    RETURN_IF_ERROR(
        db.ExecuteScript(absl::StrCat(kPlatformTables, kSqliteOutbox)));
  }

  std::vector<Migration> ordered(migrations.begin(), migrations.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration& a, const Migration& b) {
              return a.version < b.version;
            });
  std::set<int> known;
  for (const Migration& m : ordered) {
    if (!known.insert(m.version).second) {
      return absl::InternalError(absl::StrCat(service, ": migration version ",
                                              m.version, " is defined twice"));
    }
  }

  for (const Migration& m : ordered) {
    absl::Status s = db.RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          if (tx.backend() == Backend::kPostgres) {
            // Serialise migrators (several replicas starting at once). This
            // must be the transaction's first statement: a SERIALIZABLE
            // snapshot is taken at the first query, and a lock taken by a
            // query would come after it, letting a second migrator read a
            // schema_migrations from before the first one committed. LOCK
            // TABLE takes no snapshot.
            auto locked = tx.Execute(
                "LOCK TABLE schema_migrations IN SHARE ROW EXCLUSIVE MODE");
            if (!locked.ok()) return locked.status();
          }
          auto applied = tx.Query(
              "SELECT name FROM schema_migrations WHERE service = $1 AND "
              "version = $2",
              {service, m.version});
          if (!applied.ok()) return applied.status();
          if (!applied->empty()) {
            if ((*applied)[0].Text(0) != m.name) {
              return absl::FailedPreconditionError(absl::StrCat(
                  service, ": migration ", m.version, " was applied as '",
                  (*applied)[0].Text(0), "' but this binary calls it '", m.name,
                  "'; the migration history was edited"));
            }
            return absl::OkStatus();
          }
          const std::string& sql =
              tx.backend() == Backend::kSqlite ? m.sqlite_sql : m.postgres_sql;
          // Run each statement through the transaction; migrations are
          // plain DDL separated by ';' at line ends.
          absl::string_view rest(sql);
          while (!rest.empty()) {
            size_t end = rest.find(";\n");
            absl::string_view stmt =
                end == absl::string_view::npos ? rest : rest.substr(0, end + 1);
            rest = end == absl::string_view::npos ? absl::string_view()
                                                  : rest.substr(end + 2);
            bool blank = true;
            for (char c : stmt) {
              if (c != ' ' && c != '\n' && c != '\t' && c != ';') blank = false;
            }
            if (blank) continue;
            auto done = tx.Execute(stmt);
            if (!done.ok()) {
              return absl::Status(
                  done.status().code(),
                  absl::StrCat(service, " migration ", m.version, " (", m.name,
                               "): ", done.status().message()));
            }
          }
          return tx
              .Execute(
                  "INSERT INTO schema_migrations (service, version, name, "
                  "applied_at) VALUES ($1, $2, $3, $4)",
                  {service, m.version, m.name, ToStoredTime(absl::Now())})
              .status();
        });
    if (!s.ok()) return s;
  }

  // A database migrated by a newer binary must not be served by this one.
  return db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto newest = tx.Query(
            "SELECT MAX(version) FROM schema_migrations WHERE service = $1",
            {service});
        if (!newest.ok()) return newest.status();
        const int64_t have = ordered.empty() ? 0 : ordered.back().version;
        if (!newest->empty() && !(*newest)[0].IsNull(0) &&
            (*newest)[0].Int(0) > have) {
          return absl::FailedPreconditionError(absl::StrCat(
              service, ": database is at schema version ", (*newest)[0].Int(0),
              " but this binary knows only up to ", have,
              "; run a newer binary"));
        }
        return absl::OkStatus();
      });
}

std::string AppendOnlyGuard(Backend backend, absl::string_view table) {
  if (backend == Backend::kSqlite) {
    return absl::Substitute(
        "CREATE TRIGGER $0_no_update BEFORE UPDATE ON $0 BEGIN "
        "SELECT RAISE(ABORT, '$0 is append-only: entries cannot be changed'); "
        "END;\n"
        "CREATE TRIGGER $0_no_delete BEFORE DELETE ON $0 BEGIN "
        "SELECT RAISE(ABORT, '$0 is append-only: entries cannot be deleted'); "
        "END;\n",
        table);
  }
  return absl::Substitute(
      "CREATE OR REPLACE FUNCTION $0_append_only() RETURNS trigger AS $$$$ "
      "BEGIN RAISE EXCEPTION '$0 is append-only: entries cannot be changed "
      "or deleted'; END $$$$ LANGUAGE plpgsql;\n"
      "CREATE TRIGGER $0_append_only BEFORE UPDATE OR DELETE ON $0 "
      "FOR EACH ROW EXECUTE FUNCTION $0_append_only();\n",
      table);
}

std::string TruncateGuard(Backend backend, absl::string_view table) {
  if (backend == Backend::kSqlite) return "";
  return absl::Substitute(
      "CREATE TRIGGER $0_no_truncate BEFORE TRUNCATE ON $0 FOR EACH "
      "STATEMENT EXECUTE FUNCTION $0_append_only();\n",
      table);
}

}  // namespace qudao::storage
