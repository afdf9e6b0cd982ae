// Wiring of the customer records module: its database, the dealer cache,
// operations and the gRPC adapter.
#include "services/customer_records/customer_records_module.h"

#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/customer_records/customer_records_service.h"
#include "services/customer_records/dealer_operations.h"
#include "services/customer_records/dealer_store.h"

namespace qudao::customer {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCustomerRecordsModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db, OpenServiceDatabase(env, "customer_records",
                                                DealerStore::Migrations()));
  auto module =
      std::make_unique<Module>("customer_records", std::move(db), env);
  auto* cache = module->Own(std::make_unique<DealerCache>(
      env.cache != nullptr ? env.cache
                           : std::shared_ptr<Cache>(NewInProcessCache(10000)),
      env.metrics));
  auto* dealers = module->Own(
      std::make_unique<DealerOperations>(module->database(), cache, env.clock));
  // Every replica drops its cached copy of a dealer when the dealer changes,
  // whichever replica changed it. (A new dealer has no cached copy.)
  events::EventBus* bus = module->PublishChangeFeed(env, kFeedSource);
  bus->Subscribe(kFeedSource, [cache](const events::ChangeEvent& event) {
    if (event.topic() == kDealerUpdated) cache->Invalidate(event.key());
  });
  module->Serve(std::make_unique<CustomerRecordsService>(
                    dealers, module->database(),
                    module->ServingFor(CustomerRecordsPermissions())),
                pb::CustomerRecordsService::service_full_name());
  return module;
}

}  // namespace qudao::customer
