// Customer records as a hostable module.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/grpc/service_module.h"

namespace qudao::customer {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCustomerRecordsModule(
    const ModuleEnvironment& env);

}  // namespace qudao::customer
