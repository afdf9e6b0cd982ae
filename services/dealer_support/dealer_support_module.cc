// Wiring of the dealer support module.
#include "services/dealer_support/dealer_support_module.h"

#include "common/grpc/standard_module.h"
#include "services/dealer_support/dealer_support_service.h"
#include "services/dealer_support/service_ticket_store.h"

namespace qudao::support {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewDealerSupportModule(
    const ModuleEnvironment& env) {
  auto db = OpenServiceDatabase(env, "dealer_support",
                                ServiceTicketStore::Migrations());
  if (!db.ok()) return db.status();
  auto store = std::make_unique<ServiceTicketStore>(db->get());
  auto service = std::make_unique<DealerSupportService>(store.get(),
                                                        env.workers, env.clock);
  return std::make_unique<
      StandardModule<ServiceTicketStore, DealerSupportService>>(
      "dealer_support", pb::DealerSupportService::service_full_name(),
      *std::move(db), std::move(store), std::move(service));
}

}  // namespace qudao::support
