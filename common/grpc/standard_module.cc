// OpenServiceDatabase; see standard_module.h.
#include "common/grpc/standard_module.h"

#include "common/log/log.h"

namespace qudao {

absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const ModuleEnvironment& env, const std::string& service_name,
    const std::vector<storage::Migration>& migrations) {
  auto db = storage::OpenDatabase(env.database_url);
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

}  // namespace qudao
