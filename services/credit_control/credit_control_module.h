// Credit control as a hostable module: one binary (qudao-credit-control)
// hosts it alone, `qudao dev` hosts it beside the other services.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/grpc/service_module.h"

namespace qudao::credit {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCreditControlModule(
    const ModuleEnvironment& env);

}  // namespace qudao::credit
