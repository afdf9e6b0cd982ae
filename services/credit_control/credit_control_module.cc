// Wiring of the credit control module: its database, the credit operations
// and the gRPC adapter.
#include "services/credit_control/credit_control_module.h"

#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/credit_operations.h"
#include "services/customer_records/client/cached_dealer_directory.h"

namespace qudao::credit {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCreditControlModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db,
                   OpenServiceDatabase(env, "credit_control",
                                       CreditAccountStore::Migrations()));
  auto module = std::make_unique<Module>("credit_control", std::move(db), env);
  ASSIGN_OR_RETURN(auto* dealers, customer::DealerDirectoryFor(*module, env));
  auto* credit = module->Own(std::make_unique<CreditOperations>(
      module->database(), dealers, env.clock));
  module->Serve(std::make_unique<CreditControlService>(
                    credit, module->ServingFor(CreditControlPermissions())),
                pb::CreditControlService::service_full_name());
  return module;
}

}  // namespace qudao::credit
