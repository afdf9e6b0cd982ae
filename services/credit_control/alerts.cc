// Alerts and risk records; see alerts.h.
#include "services/credit_control/alerts.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::credit {

std::string AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kWatchRatio:
      return "WATCH_RATIO";
    case AlertKind::kLimitBreachAttempted:
      return "LIMIT_BREACH_ATTEMPTED";
    case AlertKind::kSlowPayment:
      return "SLOW_PAYMENT";
    case AlertKind::kBrokenPromise:
      return "BROKEN_PROMISE";
    case AlertKind::kMissedInstalment:
      return "MISSED_INSTALMENT";
    case AlertKind::kGuaranteeExpiry:
      return "GUARANTEE_EXPIRY";
  }
  return "UNKNOWN";
}

std::optional<std::string> WatchDetail(const CreditPosition& p,
                                       const CreditPolicy& policy) {
  const int64_t limit = p.credit_limit.minor_units();
  const int64_t exposure = p.exposure.minor_units();
  if (limit <= 0) return std::nullopt;
  // exposure / limit ≥ ratio%, compared without division.
  const __int128 lhs = static_cast<__int128>(exposure) * 100;
  const __int128 rhs =
      static_cast<__int128>(limit) * policy.watch_ratio_percent;
  if (lhs < rhs) return std::nullopt;
  return absl::StrCat("payer ", p.dealer_id, ": exposure ",
                      p.exposure.ToString(), " is at least ",
                      policy.watch_ratio_percent, "% of the limit ",
                      p.credit_limit.ToString());
}

std::optional<std::string> SlowPaymentDetail(const std::vector<int64_t>& days,
                                             const CreditPolicy& policy) {
  if (days.size() < 6) return std::nullopt;
  int64_t sum = 0;
  for (size_t i = 0; i < 6; ++i) sum += days[i];
  // Average > slow days ⇔ sum > 6 × slow days (no rounding).
  if (sum <= int64_t{6} * policy.slow_payment_days) return std::nullopt;
  return absl::StrCat("the last 6 invoices were paid on average ", sum / 6,
                      " days beyond terms (policy: slow above ",
                      policy.slow_payment_days, ")");
}

absl::Status CheckGuarantee(const Guarantee& g, absl::CivilDay today) {
  if (g.kind < GuaranteeKind::kBankGuarantee ||
      g.kind > GuaranteeKind::kCreditInsurance) {
    return InvalidField("guarantee.kind",
                        "must be BANK_GUARANTEE, MORTGAGE, PLEDGE, "
                        "PERSONAL_GUARANTEE or CREDIT_INSURANCE");
  }
  if (absl::Status s = RequireText("guarantee.provider", g.provider, 200);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = OptionalText("guarantee.reference", g.reference, 100);
      !s.ok()) {
    return s;
  }
  if (g.value.is_zero() || g.value.is_negative()) {
    return InvalidField("guarantee.value", "must be positive");
  }
  if (absl::Status s = CheckAmountBound("guarantee.value", g.value); !s.ok()) {
    return s;
  }
  if (g.expiry < today) {
    return InvalidField("guarantee.expiry",
                        "is in the past; an expired guarantee secures nothing");
  }
  return absl::OkStatus();
}

absl::Status CheckInspection(const Inspection& i, absl::CivilDay today) {
  if (absl::Status s = RequireText("inspection.inspector", i.inspector, 100);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          OptionalMultilineText("inspection.findings", i.findings, 4000);
      !s.ok()) {
    return s;
  }
  if (i.findings.empty()) {
    return InvalidField("inspection.findings", "say what was found");
  }
  if (i.inspection_day > today) {
    return InvalidField("inspection.inspection_date", "is in the future");
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
