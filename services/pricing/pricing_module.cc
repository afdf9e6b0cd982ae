// Wiring of the pricing module: its database, the catalogue operations and
// the gRPC adapter.
#include "services/pricing/pricing_module.h"

#include "common/grpc/module.h"
#include "services/pricing/pricing_service.h"
#include "services/pricing/product_operations.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewPricingModule(
    const ModuleEnvironment& env) {
  auto db = OpenServiceDatabase(env, "pricing", ProductStore::Migrations());
  if (!db.ok()) return db.status();
  auto module = std::make_unique<Module>("pricing", *std::move(db));
  auto* products = module->Own(
      std::make_unique<ProductOperations>(module->database(), env.clock));
  module->Serve(std::make_unique<PricingService>(products, env.workers),
                pb::PricingService::service_full_name());
  return module;
}

}  // namespace qudao::pricing
