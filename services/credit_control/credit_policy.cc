// Credit policy; see credit_policy.h.
#include "services/credit_control/credit_policy.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace qudao::credit {

CreditPolicy DefaultPolicy(absl::string_view abc_class) {
  CreditPolicy p;
  p.abc_class = std::string(abc_class);
  p.overdue_hold_days = abc_class == "A" ? 30 : abc_class == "B" ? 15 : 0;
  p.watch_ratio_percent = 90;
  p.slow_payment_days = 15;
  return p;
}

std::string PolicyClassOf(absl::string_view dealer_abc_class) {
  if (dealer_abc_class == "A" || dealer_abc_class == "B") {
    return std::string(dealer_abc_class);
  }
  return "C";
}

absl::Status CheckPolicy(const CreditPolicy& p) {
  if (p.abc_class != "A" && p.abc_class != "B" && p.abc_class != "C") {
    return InvalidField("policy.abc_class", "must be A, B or C");
  }
  for (auto [field, days] :
       {std::pair{"policy.overdue_hold_days", p.overdue_hold_days},
        std::pair{"policy.slow_payment_days", p.slow_payment_days}}) {
    if (days < 0 || days > 365) {
      return InvalidField(
          field, absl::StrCat("must be 0 to 365 days (got ", days, ")"));
    }
  }
  if (p.watch_ratio_percent < 1 || p.watch_ratio_percent > 100) {
    return InvalidField("policy.watch_ratio_percent",
                        absl::StrCat("must be 1 to 100 percent (got ",
                                     p.watch_ratio_percent, ")"));
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
