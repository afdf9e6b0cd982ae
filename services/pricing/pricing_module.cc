// Wiring of the pricing module: its database, the catalogue operations and
// the gRPC adapter.
#include "services/pricing/pricing_module.h"

#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/pricing/pricing_service.h"
#include "services/pricing/product_operations.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewPricingModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(
      auto db, OpenServiceDatabase(env, "pricing", ProductStore::Migrations()));
  auto module = std::make_unique<Module>("pricing", std::move(db), env);
  auto* products = module->Own(
      std::make_unique<ProductOperations>(module->database(), env.clock));
  module->Serve(std::make_unique<PricingService>(
                    products, module->ServingFor(PricingPermissions())),
                pb::PricingService::service_full_name());
  return module;
}

}  // namespace qudao::pricing
