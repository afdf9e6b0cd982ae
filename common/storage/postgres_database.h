// PostgreSQL 15 backend of the storage interface (libpq), for production.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace qudao::storage {

// Connects a pool to a libpq URI. Write transactions run SERIALIZABLE.
absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(
    absl::string_view uri, const DatabaseOptions& options);

}  // namespace qudao::storage
