// Wiring of the credit control module: its database, the credit operations
// and the gRPC adapter.
#include "services/credit_control/credit_control_module.h"

#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/credit_operations.h"
#include "services/customer_records/client/customer_records_client.h"

namespace qudao::credit {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCreditControlModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db,
                   OpenServiceDatabase(env, "credit_control",
                                       CreditAccountStore::Migrations()));
  auto module = std::make_unique<Module>("credit_control", std::move(db), env);
  auto target_of = env.target_of;
  auto* dealers = module->Own(std::make_unique<customer::CustomerRecordsClient>(
      [target_of] {
        return target_of ? target_of("customer_records") : std::string();
      },
      ClientOptionsFor(env), env.metrics, env.clock));
  auto* credit = module->Own(std::make_unique<CreditOperations>(
      module->database(), dealers, env.clock));
  module->Serve(std::make_unique<CreditControlService>(
                    credit, module->ServingFor(CreditControlPermissions())),
                pb::CreditControlService::service_full_name());
  return module;
}

}  // namespace qudao::credit
