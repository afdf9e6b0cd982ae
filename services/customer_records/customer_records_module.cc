// Wiring of the customer records module.
#include "services/customer_records/customer_records_module.h"

#include "common/grpc/standard_module.h"
#include "services/customer_records/customer_records_service.h"
#include "services/customer_records/dealer_store.h"

namespace qudao::customer {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCustomerRecordsModule(
    const ModuleEnvironment& env) {
  auto db =
      OpenServiceDatabase(env, "customer_records", DealerStore::Migrations());
  if (!db.ok()) return db.status();
  auto store = std::make_unique<DealerStore>(db->get());
  auto cache = std::make_unique<DealerCache>(
      env.cache != nullptr ? env.cache
                           : std::shared_ptr<Cache>(NewInProcessCache(10000)),
      env.metrics);
  auto service = std::make_unique<CustomerRecordsService>(
      store.get(), std::move(cache), env.workers, env.clock);
  return std::make_unique<StandardModule<DealerStore, CustomerRecordsService>>(
      "customer_records", pb::CustomerRecordsService::service_full_name(),
      *std::move(db), std::move(store), std::move(service));
}

}  // namespace qudao::customer
