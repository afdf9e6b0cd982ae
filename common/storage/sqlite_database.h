// SQLite backend of the storage interface: the embedded default.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace qudao::storage {

// Opens (creating if needed) a SQLite database file in WAL mode with
// synchronous=FULL and foreign keys on. ":memory:" gives a private
// single-connection database, for tests.
absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(
    absl::string_view path, const DatabaseOptions& options);

// Rewrites PostgreSQL-style $N placeholders to SQLite's ?N, leaving string
// literals and quoted identifiers alone.
std::string RewritePlaceholdersForSqlite(absl::string_view sql);

}  // namespace qudao::storage
