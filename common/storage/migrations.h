// Versioned, per-service schema migrations, embedded in the binary and
// applied at start-up. Each migration has SQL for both backends; the runner
// records what it applied in schema_migrations and refuses to start when the
// database has a migration the binary does not know (a downgrade) or one
// recorded under a different name (an edited history).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/storage/database.h"

namespace qudao::storage {

// One schema change. Statements are separated by ';' at the end of a line.
struct Migration {
  int version;
  std::string name;
  std::string sqlite_sql;
  std::string postgres_sql;
};

// Applies the migrations of `service` not yet applied, in version order,
// each in its own transaction. Also creates the platform's own tables
// (schema_migrations, idempotency_keys). Safe to run from several replicas
// at once: PostgreSQL serialises them with a table lock, SQLite with its
// write lock.
absl::Status ApplyMigrations(Database& db, absl::string_view service,
                             absl::Span<const Migration> migrations);

// DDL that makes `table` append-only: UPDATE and DELETE fail with
// FAILED_PRECONDITION. For ledgers, whose balances are derived from entries.
std::string AppendOnlyGuard(Backend backend, absl::string_view table);
// TRUNCATE fires no row trigger: on PostgreSQL a statement trigger calling
// the function AppendOnlyGuard made refuses it too (so AppendOnlyGuard must
// come first, in this or an earlier migration). SQLite has no TRUNCATE:
// nothing.
std::string TruncateGuard(Backend backend, absl::string_view table);

}  // namespace qudao::storage
