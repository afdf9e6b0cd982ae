// Reservation rules; see credit_reservation.h.
#include "services/credit_control/credit_reservation.h"

#include "absl/strings/str_cat.h"
#include "common/auth/principal.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::credit {

Money Reservation::remaining() const {
  if (invoiced.currency().empty()) return amount;
  if (invoiced.minor_units() >= amount.minor_units()) {
    return Money::Zero(amount.currency());
  }
  return amount.Subtract(invoiced).value();
}

bool Rejects(ReservationIssue issue) {
  return issue == ReservationIssue::kSuspended ||
         issue == ReservationIssue::kDealerSuspended ||
         issue == ReservationIssue::kDealerTerminated;
}

std::string IssueName(ReservationIssue issue) {
  switch (issue) {
    case ReservationIssue::kOverLimit:
      return "OVER_LIMIT";
    case ReservationIssue::kOverdue:
      return "OVERDUE";
    case ReservationIssue::kNoLimit:
      return "NO_LIMIT";
    case ReservationIssue::kShipmentHold:
      return "SHIPMENT_HOLD";
    case ReservationIssue::kSuspended:
      return "SUSPENDED";
    case ReservationIssue::kDealerSuspended:
      return "DEALER_SUSPENDED";
    case ReservationIssue::kDealerTerminated:
      return "DEALER_TERMINATED";
  }
  return "UNKNOWN";
}

ReservationStatus StatusFor(const std::vector<ReservationReason>& reasons) {
  if (reasons.empty()) return ReservationStatus::kApproved;
  for (const ReservationReason& r : reasons) {
    if (Rejects(r.issue)) return ReservationStatus::kRejected;
  }
  return ReservationStatus::kHeld;
}

std::vector<ReservationReason> StandingReasons(
    const DealerStandingFact& ordering, const DealerStandingFact& payer) {
  std::vector<ReservationReason> out;
  auto check = [&out](const DealerStandingFact& d, const char* role) {
    if (d.status == 3) {
      out.push_back({ReservationIssue::kDealerSuspended,
                     absl::StrCat(role, " ", d.dealer_id,
                                  " is suspended in customer records"),
                     std::nullopt});
    } else if (d.status == 4) {
      out.push_back({ReservationIssue::kDealerTerminated,
                     absl::StrCat(role, " ", d.dealer_id,
                                  " is terminated in customer records"),
                     std::nullopt});
    }
  };
  check(ordering, "dealer");
  if (payer.dealer_id != ordering.dealer_id) check(payer, "payer");
  return out;
}

std::optional<ReservationReason> LimitReason(
    const std::optional<CreditAccount>& account,
    const std::string& payer_dealer_id) {
  if (!account.has_value() || account->credit_limit.is_zero()) {
    return ReservationReason{
        ReservationIssue::kNoLimit,
        absl::StrCat("payer ", payer_dealer_id,
                     " has no credit limit: only cash in advance"),
        std::nullopt};
  }
  return std::nullopt;
}

absl::StatusOr<ReservationReason> OverLimitReason(const CreditAccount& account,
                                                  const Money& amount) {
  ASSIGN_OR_RETURN(const CreditPosition position,
                   ComputeCreditPosition(account));
  ASSIGN_OR_RETURN(const Money needed, position.exposure.Add(amount));
  ASSIGN_OR_RETURN(const Money shortfall,
                   needed.Subtract(position.credit_limit));
  return ReservationReason{
      ReservationIssue::kOverLimit,
      absl::StrCat("payer ", account.dealer_id, ": exposure ",
                   position.exposure.ToString(), " + ", amount.ToString(),
                   " exceeds the limit ", position.credit_limit.ToString(),
                   " by ", shortfall.ToString()),
      shortfall};
}

absl::Status CheckMayDecide(const std::string& decider, const Reservation& r) {
  if (r.status != ReservationStatus::kHeld) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonNotHeld,
                   absl::StrCat("credit reservation ", r.reservation_id,
                                " is not held; only held reservations are "
                                "released or rejected"));
  }
  if (decider == r.requested_by) {
    return Refusal(absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes,
                   absl::StrCat("credit reservation ", r.reservation_id,
                                " was requested by ", decider,
                                "; another controller decides on it"));
  }
  return absl::OkStatus();
}

bool Overridable(ReservationIssue issue) {
  return issue == ReservationIssue::kNoLimit ||
         issue == ReservationIssue::kOverdue;
}

absl::Status CheckReservationAmount(const Money& amount) {
  if (amount.is_zero() || amount.is_negative()) {
    return InvalidField("amount", absl::StrCat("must be positive (got ",
                                               amount.ToString(), ")"));
  }
  return CheckAmountBound("amount", amount);
}

}  // namespace qudao::credit
