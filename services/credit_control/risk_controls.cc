// Risk controls; see risk_controls.h.
#include "services/credit_control/risk_controls.h"

#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::credit {

std::string RestrictionKindName(RestrictionKind kind) {
  return kind == RestrictionKind::kTradeSuspension ? "TRADE_SUSPENSION"
                                                   : "SHIPMENT_HOLD";
}

bool InForce(const Restriction& r, absl::CivilDay day) {
  if (r.lift_time.has_value()) return false;
  return !r.until.has_value() || day <= *r.until;
}

absl::Status CheckNewRestriction(const Restriction& r, absl::CivilDay today) {
  if (absl::Status s = RequireText("reason", r.reason, 500); !s.ok()) return s;
  if (r.until.has_value() && *r.until < today) {
    return InvalidField("until", "must be today or later");
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
