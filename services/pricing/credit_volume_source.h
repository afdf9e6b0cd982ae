// The VolumeSource over credit control's GetRevenueSummary (through its
// typed client, services/credit_control/client), called as pricing's own
// service account (the caller's credentials are not forwarded: partners
// never read revenue) with the caller's deadline and correlation id.
#pragma once

#include <string>

#include "services/credit_control/client/credit_control_client.h"
#include "services/pricing/volume_source.h"

namespace qudao::pricing {

class CreditVolumeSource : public VolumeSource {
 public:
  // `credit` made with pricing's own token (ClientOptionsFor).
  explicit CreditVolumeSource(credit::CreditControlClient* credit)
      : credit_(credit) {}

  // Revenue rows of the dealer over the window: all rows for a rule on all
  // products; the rows of the group or SKU for a group or SKU scope. Net
  // revenue in another currency than `currency` is not counted.
  absl::StatusOr<PriorVolume> VolumeFor(const CallContext& call,
                                        const std::string& dealer_id,
                                        const PriceRule& rule,
                                        const VolumeWindow& window,
                                        const std::string& currency) override;

 private:
  credit::CreditControlClient* credit_;
};

}  // namespace qudao::pricing
