// Pricing as a hostable module: one binary (qudao-pricing) hosts it alone,
// `qudao dev` hosts it beside the other services.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/grpc/service_module.h"

namespace qudao::pricing {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewPricingModule(
    const ModuleEnvironment& env);

}  // namespace qudao::pricing
