// Credit limits and exposure: the rules of credit control (DOMAIN.md §3) in
// plain C++, with no gRPC or SQL. Every amount is exact Money in the
// account's currency; an overflow is an error, never a wrapped or rounded
// number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/money/money.h"

namespace qudao::credit {

// Stable reasons for callers to branch on (sent as qudao-error-reason).
inline constexpr char kCurrencyMismatch[] = "CURRENCY_MISMATCH";
inline constexpr char kCreditLimitExceeded[] = "CREDIT_LIMIT_EXCEEDED";
inline constexpr char kSegregationOfDuties[] = "SEGREGATION_OF_DUTIES";

// A dealer's credit account as stored. All amounts share the account's
// currency, fixed by the first limit.
struct CreditAccount {
  std::string dealer_id;
  Money credit_limit;
  // Invoiced and not yet paid.
  Money open_receivables;
  // Orders approved but not yet invoiced.
  Money approved_uninvoiced;
  // Money received (payments, credit notes) not yet applied to an invoice:
  // it lowers exposure and is applied to the next invoices.
  Money unapplied_credit;
  // Number of limit changes so far; the history row of the latest one has
  // this revision.
  int64_t limit_revision = 0;
  absl::Time limit_update_time;
  // Incremented on every write, for conditional updates.
  int64_t version = 0;
};

// A dealer's credit position at one moment: the account plus what follows
// from it.
struct CreditPosition {
  std::string dealer_id;
  Money credit_limit;
  Money open_receivables;
  Money approved_uninvoiced;
  Money unapplied_credit;
  // open_receivables + approved_uninvoiced - unapplied_credit.
  Money exposure;
  // credit_limit - exposure; negative when the dealer is over the limit
  // (a limit lowered below current exposure does not undo past orders).
  Money available_credit;
  int64_t limit_revision = 0;
  absl::Time limit_update_time;
};

absl::StatusOr<CreditPosition> ComputeCreditPosition(
    const CreditAccount& account);

// The largest amount credit control takes in one figure (a limit, an
// order, an invoice, a payment, a credit note, a guarantee): 10^15 minor
// units (CNY 10 trillion). Sums of such amounts stay far inside int64 in
// the database, where SQLite would otherwise turn an overflow into a float.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000'000;
// INVALID_ARGUMENT naming `field` above that.
absl::Status CheckAmountBound(absl::string_view field, const Money& amount);

// A credit limit is zero (no credit: cash in advance only) or positive.
absl::Status CheckCreditLimit(const Money& limit);

// The account after approving `new_limit` for `dealer_id` at `now`.
// `current` is nullopt when the dealer has no account yet: the first limit
// opens one and fixes its currency. A later limit in another currency is
// FAILED_PRECONDITION (CURRENCY_MISMATCH): exposure in one currency cannot
// be measured against a limit in another without an exchange-rate policy,
// which qudao does not have. Re-approving the same amount is still a change
// (e.g. an annual review that confirms the limit) and gets a revision.
absl::StatusOr<CreditAccount> ApplyCreditLimit(
    const std::optional<CreditAccount>& current, const std::string& dealer_id,
    const Money& new_limit, absl::Time now);

// Who may approve a dealer's credit limit (the roles table already allows
// only credit_controller and credit_manager):
//   - not someone who also holds a sales role: sales does not grant credit
//     (PERMISSION_DENIED, SEGREGATION_OF_DUTIES);
//   - not the dealer's owner (four eyes: PERMISSION_DENIED, FOUR_EYES);
//   - for a dealer with no owner on record, only a credit_manager (nobody
//     can be shown not to own it).
absl::Status CheckLimitApprover(const auth::Principal& approver,
                                const std::string& dealer_id,
                                const std::string& dealer_owner);

// Whether `amount` more exposure (e.g. an order awaiting approval) fits in
// the dealer's available credit: OK if exposure + amount stays within the
// limit, otherwise FAILED_PRECONDITION with reason CREDIT_LIMIT_EXCEEDED and
// the shortfall in the message. A dealer already over the limit fits
// nothing, not even zero: exposure + amount would still exceed it. `amount`
// must be in the account's currency (else CURRENCY_MISMATCH) and not
// negative. This is the limit check only: holding orders of dealers with
// seriously overdue debt or a suspended account (DOMAIN.md §3) are separate
// checks the order flow must also make.
absl::Status CheckWithinCreditLimit(const CreditPosition& position,
                                    const Money& amount);

}  // namespace qudao::credit
