// Payment terms (DOMAIN.md §2, §3): when an invoice falls due and what
// paying early earns. "2/10 net 30" is due 30 days after the invoice date,
// 2% off when paid within 10 days; "net 0" is cash in advance (paid before
// shipment: no credit is needed). Plain Abseil: rules libraries use it.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/money/money.h"

namespace qudao {

struct PaymentTerm {
  // Days from the invoice date to the due date; 0 is cash in advance.
  int net_days = 0;
  // The cash discount, in basis points of the invoice total (200 = 2%),
  // for a payment that settles the invoice within `discount_days`.
  int discount_basis_points = 0;
  int discount_days = 0;

  bool cash_in_advance() const { return net_days == 0; }
  bool has_discount() const { return discount_basis_points > 0; }
  friend bool operator==(const PaymentTerm& a, const PaymentTerm& b) {
    return a.net_days == b.net_days &&
           a.discount_basis_points == b.discount_basis_points &&
           a.discount_days == b.discount_days;
  }
};

// INVALID_ARGUMENT naming `field`: net 0..365 days; a discount is 0.01% to
// 50% with a window of 1 day up to the net days (both or neither; cash in
// advance has none).
absl::Status CheckPaymentTerm(absl::string_view field, const PaymentTerm& term);

// "2/10 net 30", "1.5/10 net 45", "net 30", "cash in advance" (or
// "net 0"); case-insensitive, spaces optional around "/".
absl::StatusOr<PaymentTerm> ParsePaymentTerm(absl::string_view text);
// The same words back: "2/10 net 30", "net 30", "cash in advance".
std::string FormatPaymentTerm(const PaymentTerm& term);

// The due date of an invoice dated `invoice_day`.
inline absl::CivilDay DueDay(const PaymentTerm& term,
                             absl::CivilDay invoice_day) {
  return invoice_day + term.net_days;
}
// The last day a payment earns the cash discount (nullopt without one):
// paid on day `discount_days` after the invoice date still counts, the
// day after does not.
std::optional<absl::CivilDay> DiscountUntil(const PaymentTerm& term,
                                            absl::CivilDay invoice_day);
// The cash discount on `total`, rounded half-up to the minor unit.
absl::StatusOr<Money> CashDiscount(const PaymentTerm& term, const Money& total);

}  // namespace qudao
