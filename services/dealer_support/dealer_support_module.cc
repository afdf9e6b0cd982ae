// Wiring of the dealer support module: its database, the service-ticket
// operations and the gRPC adapter.
#include "services/dealer_support/dealer_support_module.h"

#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/dealer_support/dealer_support_service.h"
#include "services/dealer_support/service_ticket_operations.h"
#include "services/dealer_support/service_ticket_store.h"

namespace qudao::support {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewDealerSupportModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db,
                   OpenServiceDatabase(env, "dealer_support",
                                       ServiceTicketStore::Migrations()));
  auto module = std::make_unique<Module>("dealer_support", std::move(db), env);
  ASSIGN_OR_RETURN(auto* dealers, customer::DealerDirectoryFor(*module, env));
  auto* tickets = module->Own(std::make_unique<ServiceTicketOperations>(
      module->database(), dealers, env.clock));
  module->Serve(std::make_unique<DealerSupportService>(
                    tickets, module->ServingFor(DealerSupportPermissions())),
                pb::DealerSupportService::service_full_name());
  return module;
}

}  // namespace qudao::support
