// Wiring of the pricing module.
#include "services/pricing/pricing_module.h"

#include "common/grpc/standard_module.h"
#include "services/pricing/pricing_service.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewPricingModule(
    const ModuleEnvironment& env) {
  auto db = OpenServiceDatabase(env, "pricing", ProductStore::Migrations());
  if (!db.ok()) return db.status();
  auto store = std::make_unique<ProductStore>(db->get());
  auto service =
      std::make_unique<PricingService>(store.get(), env.workers, env.clock);
  return std::make_unique<StandardModule<ProductStore, PricingService>>(
      "pricing", pb::PricingService::service_full_name(), *std::move(db),
      std::move(store), std::move(service));
}

}  // namespace qudao::pricing
