// Where a quote learns a dealer's invoiced volume in a cumulative-volume
// rule's period. Credit control owns revenue; pricing asks it through
// this interface (gRPC-free, so the quote operations depend on it alone;
// credit_volume_source.h calls credit control's GetRevenueSummary).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/call/call_context.h"
#include "services/pricing/price_rule.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {

class VolumeSource {
 public:
  virtual ~VolumeSource() = default;
  // The dealer's invoiced volume (units and net amount in `currency`,
  // before VAT and freight, less returns and price corrections) over
  // `window` [from, until), of the products in the rule's product scope.
  // UNAVAILABLE when it cannot be asked.
  virtual absl::StatusOr<PriorVolume> VolumeFor(
      const CallContext& call, const std::string& dealer_id,
      const PriceRule& rule, const VolumeWindow& window,
      const std::string& currency) = 0;
};

}  // namespace qudao::pricing
