// Dealer support as a hostable module.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/grpc/service_module.h"

namespace qudao::support {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewDealerSupportModule(
    const ModuleEnvironment& env);

}  // namespace qudao::support
