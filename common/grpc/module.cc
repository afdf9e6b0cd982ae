// Module; see module.h.
#include "common/grpc/module.h"

#include "absl/strings/str_cat.h"
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

Module::Module(std::string name, std::unique_ptr<storage::Database> db)
    : name_(std::move(name)), db_(std::move(db)) {}

Module::~Module() {
  while (!parts_.empty()) parts_.pop_back();
}

absl::Status Module::CheckHealth() {
  absl::Status s = db_->Ping();
  // A pool with no free connection is busy, not down: reporting NOT_SERVING
  // would move this replica's load onto the others and cascade.
  if (absl::IsResourceExhausted(s)) return absl::OkStatus();
  return s;
}

void Module::RunMaintenance() {
  auto purged = storage::PurgeIdempotencyRecords(
      *db_, absl::Now() - storage::kIdempotencyRetention);
  if (!purged.ok()) {
    log::Warning("idempotency purge failed",
                 {{"service", name_}, {"error", purged.status().ToString()}});
  } else if (*purged > 0) {
    log::Info("idempotency records purged",
              {{"service", name_}, {"count", *purged}});
  }
}

}  // namespace qudao
