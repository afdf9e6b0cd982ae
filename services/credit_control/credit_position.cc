// Credit rules; see credit_position.h.
#include "services/credit_control/credit_position.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::credit {
namespace {

absl::Status CurrencyMismatch(const std::string& dealer_id,
                              const std::string& account_currency,
                              const Money& amount) {
  return WithReason(absl::FailedPreconditionError(absl::StrCat(
                        "dealer ", dealer_id, "'s credit account is kept in ",
                        account_currency, "; an amount in ", amount.currency(),
                        " cannot be set or checked against it")),
                    kCurrencyMismatch);
}

}  // namespace

absl::StatusOr<CreditPosition> ComputeCreditPosition(
    const CreditAccount& account) {
  absl::StatusOr<Money> gross =
      account.open_receivables.Add(account.approved_uninvoiced);
  if (!gross.ok()) return gross.status();
  const Money unapplied = account.unapplied_credit.currency().empty()
                              ? Money::Zero(account.credit_limit.currency())
                              : account.unapplied_credit;
  absl::StatusOr<Money> exposure = gross->Subtract(unapplied);
  if (!exposure.ok()) return exposure.status();
  absl::StatusOr<Money> available = account.credit_limit.Subtract(*exposure);
  if (!available.ok()) return available.status();
  return CreditPosition{account.dealer_id,
                        account.credit_limit,
                        account.open_receivables,
                        account.approved_uninvoiced,
                        unapplied,
                        *exposure,
                        *available,
                        account.limit_revision,
                        account.limit_update_time};
}

absl::Status CheckAmountBound(absl::string_view field, const Money& amount) {
  if (amount.minor_units() > kMaxAmountMinor ||
      amount.minor_units() < -kMaxAmountMinor) {
    return InvalidField(field, absl::StrCat("is beyond what credit control "
                                            "records in one figure (",
                                            kMaxAmountMinor, " minor units)"));
  }
  return absl::OkStatus();
}

absl::Status CheckCreditLimit(const Money& limit) {
  if (limit.is_negative()) {
    return InvalidField(
        "credit_limit",
        absl::StrCat("must be zero or positive (got ", limit.ToString(), ")"));
  }
  return CheckAmountBound("credit_limit", limit);
}

absl::StatusOr<CreditAccount> ApplyCreditLimit(
    const std::optional<CreditAccount>& current, const std::string& dealer_id,
    const Money& new_limit, absl::Time now) {
  RETURN_IF_ERROR(CheckCreditLimit(new_limit));
  if (!current.has_value()) {
    const Money zero = Money::Zero(new_limit.currency());
    // A new account has no receivables and no approved orders.
    return CreditAccount{dealer_id, new_limit, zero, zero, zero, 1, now, 1};
  }
  if (current->credit_limit.currency() != new_limit.currency()) {
    return CurrencyMismatch(dealer_id, current->credit_limit.currency(),
                            new_limit);
  }
  CreditAccount updated = *current;
  updated.credit_limit = new_limit;
  updated.limit_revision = current->limit_revision + 1;
  // Never before the previous change, even if this writer read the clock
  // earlier and lost a race: the audit trail's times follow its revisions.
  updated.limit_update_time = std::max(now, current->limit_update_time);
  updated.version = current->version + 1;
  // A limit whose position cannot be represented (an overflow against the
  // exposure) would make the account unreadable; refuse it up front.
  if (absl::StatusOr<CreditPosition> p = ComputeCreditPosition(updated);
      !p.ok()) {
    return p.status();
  }
  return updated;
}

absl::Status CheckWithinCreditLimit(const CreditPosition& position,
                                    const Money& amount) {
  if (amount.currency() != position.credit_limit.currency()) {
    return CurrencyMismatch(position.dealer_id,
                            position.credit_limit.currency(), amount);
  }
  if (amount.is_negative()) {
    return InvalidField("amount", absl::StrCat("must not be negative (got ",
                                               amount.ToString(), ")"));
  }
  absl::StatusOr<int> fits = amount.Compare(position.available_credit);
  if (!fits.ok()) return fits.status();
  if (*fits <= 0) return absl::OkStatus();
  // The shortfall only explains the refusal; when it is too large to
  // represent, the refusal stands without it.
  absl::StatusOr<Money> shortfall = amount.Subtract(position.available_credit);
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "dealer ", position.dealer_id, " has ",
          position.available_credit.ToString(), " of credit available (limit ",
          position.credit_limit.ToString(), ", exposure ",
          position.exposure.ToString(), "); ", amount.ToString(),
          " more would exceed the limit",
          shortfall.ok() ? absl::StrCat(" by ", shortfall->ToString()) : "")),
      kCreditLimitExceeded);
}

absl::Status CheckLimitApprover(const auth::Principal& approver,
                                const std::string& dealer_id,
                                const std::string& dealer_owner) {
  if (approver.HasAny({auth::Role::kSalesRep, auth::Role::kSalesManager})) {
    return Refusal(absl::StatusCode::kPermissionDenied, kSegregationOfDuties,
                   "credit limits are approved by credit staff who hold no "
                   "sales role; ask a credit controller");
  }
  RETURN_IF_ERROR(auth::RequireSomeoneElse(
      approver, dealer_owner, "the credit limit of a dealer you own",
      "a credit controller who does not own the dealer"));
  if (dealer_owner.empty() && !approver.Has(auth::Role::kCreditManager)) {
    return Refusal(absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes,
                   absl::StrCat("dealer ", dealer_id,
                                " has no owner on record, so nobody can be "
                                "shown not to own it: its limit needs a "
                                "credit_manager"));
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
