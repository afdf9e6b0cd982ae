// Wiring of the credit control module.
#include "services/credit_control/credit_control_module.h"

#include "common/grpc/standard_module.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/credit_store.h"

namespace qudao::credit {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCreditControlModule(
    const ModuleEnvironment& env) {
  auto db =
      OpenServiceDatabase(env, "credit_control", CreditStore::Migrations());
  if (!db.ok()) return db.status();
  auto store = std::make_unique<CreditStore>(db->get());
  auto service = std::make_unique<CreditControlService>(store.get(),
                                                        env.workers, env.clock);
  return std::make_unique<StandardModule<CreditStore, CreditControlService>>(
      "credit_control", pb::CreditControlService::service_full_name(),
      *std::move(db), std::move(store), std::move(service));
}

}  // namespace qudao::credit
