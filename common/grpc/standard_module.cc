// OpenServiceDatabase; see standard_module.h.
#include "common/grpc/standard_module.h"

#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/storage/idempotency.h"

namespace qudao {

absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const ModuleEnvironment& env, const std::string& service_name,
    const std::vector<storage::Migration>& migrations) {
  auto db = storage::OpenDatabase(env.database_url, env.database_options);
  if (!db.ok()) return db.status();
  if (absl::Status s = storage::ApplyMigrations(**db, service_name, migrations);
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("migrating ", service_name,
                                               " schema: ", s.message()));
  }
  log::Info("database ready",
            {{"service", service_name}, {"database", (*db)->Describe()}});
  return db;
}

void PurgeExpiredRecords(storage::Database& db, const std::string& service) {
  auto purged = storage::PurgeIdempotencyRecords(
      db, absl::Now() - storage::kIdempotencyRetention);
  if (!purged.ok()) {
    log::Warning("idempotency purge failed",
                 {{"service", service}, {"error", purged.status().ToString()}});
  } else if (*purged > 0) {
    log::Info("idempotency records purged",
              {{"service", service}, {"count", *purged}});
  }
}

}  // namespace qudao
