// Receivables rules; see receivables.h.
#include "services/credit_control/receivables.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);
constexpr size_t kMaxLines = 500;
constexpr int64_t kMaxQuantity = 1'000'000;
constexpr size_t kMaxSourceChars = 200;
constexpr size_t kMaxReasonChars = 500;

// A SKU as stored: upper-case (SKUs are case-insensitive).
absl::StatusOr<std::string> NormalSku(const std::string& field,
                                      const std::string& sku) {
  RETURN_IF_ERROR(RequireCode(field, sku, 64));
  return absl::AsciiStrToUpper(sku);
}

absl::Status NotNegative(const std::string& field, const Money& m) {
  if (m.is_negative()) return InvalidField(field, "must not be negative");
  return absl::OkStatus();
}

absl::Status SameCurrency(const std::string& field, const Money& m,
                          const std::string& currency) {
  if (m.currency() != currency) {
    return InvalidField(field, absl::StrCat("must be in ", currency,
                                            " like the rest of the document"));
  }
  return absl::OkStatus();
}

}  // namespace

int64_t DayNumber(absl::CivilDay day) { return day - kEpoch; }
absl::CivilDay DayFromNumber(int64_t number) { return kEpoch + number; }

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field,
                                        absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      FormatDay(day) != text) {
    return InvalidField(field, absl::StrCat("'", QuoteInput(text),
                                            "' is not a date like 2026-11-27"));
  }
  if (day.year() < 2000 || day.year() > 2200) {
    return InvalidField(field, "must be between 2000 and 2200");
  }
  return day;
}

std::string FormatDay(absl::CivilDay day) { return BusinessCalendar::Key(day); }

absl::StatusOr<Invoice> BuildInvoice(const InvoiceInput& input,
                                     absl::CivilDay invoice_day) {
  if (input.lines.empty() || input.lines.size() > kMaxLines) {
    return InvalidField(
        "lines", absl::StrCat("must hold 1 to ", kMaxLines, " lines (got ",
                              input.lines.size(), ")"));
  }
  RETURN_IF_ERROR(CheckPaymentTerm("payment_term", input.term));
  Invoice inv;
  inv.order_id = input.order_id;
  inv.term = input.term;
  inv.retention_of_title = input.retention_of_title;
  const std::string currency = input.lines[0].net_price.currency();
  inv.net_amount = Money::Zero(currency);
  inv.cost = Money::Zero(currency);
  for (size_t i = 0; i < input.lines.size(); ++i) {
    const std::string f = absl::StrCat("lines[", i, "]");
    InvoiceLine line = input.lines[i];
    ASSIGN_OR_RETURN(line.sku, NormalSku(f + ".sku", line.sku));
    if (!line.product_group.empty()) {
      RETURN_IF_ERROR(RequireCode(f + ".product_group", line.product_group));
    }
    if (line.quantity < 1 || line.quantity > kMaxQuantity) {
      return InvalidField(f + ".quantity",
                          absl::StrCat("must be 1 to ", kMaxQuantity, " (got ",
                                       line.quantity, ")"));
    }
    RETURN_IF_ERROR(SameCurrency(f + ".net_price", line.net_price, currency));
    RETURN_IF_ERROR(SameCurrency(f + ".unit_cost", line.unit_cost, currency));
    RETURN_IF_ERROR(NotNegative(f + ".net_price", line.net_price));
    RETURN_IF_ERROR(NotNegative(f + ".unit_cost", line.unit_cost));
    ASSIGN_OR_RETURN(line.net_amount, line.net_price.Multiply(line.quantity));
    ASSIGN_OR_RETURN(const Money line_cost,
                     line.unit_cost.Multiply(line.quantity));
    ASSIGN_OR_RETURN(inv.net_amount, inv.net_amount.Add(line.net_amount));
    ASSIGN_OR_RETURN(inv.cost, inv.cost.Add(line_cost));
    inv.units += line.quantity;
    inv.lines.push_back(std::move(line));
  }
  RETURN_IF_ERROR(SameCurrency("freight", input.freight, currency));
  RETURN_IF_ERROR(SameCurrency("vat", input.vat, currency));
  RETURN_IF_ERROR(NotNegative("freight", input.freight));
  RETURN_IF_ERROR(NotNegative("vat", input.vat));
  inv.freight = input.freight;
  inv.vat = input.vat;
  ASSIGN_OR_RETURN(Money total, inv.net_amount.Add(inv.freight));
  ASSIGN_OR_RETURN(inv.total, total.Add(inv.vat));
  if (inv.total.is_zero()) {
    return InvalidField("lines", "the invoice total must be above zero");
  }
  RETURN_IF_ERROR(CheckAmountBound("lines", inv.total));
  inv.invoice_day = invoice_day;
  inv.due_day = DueDay(inv.term, invoice_day);
  inv.discount_until = DiscountUntil(inv.term, invoice_day);
  inv.outstanding = inv.total;
  return inv;
}

absl::StatusOr<AllocationPlan> Allocate(
    const Money& amount, absl::CivilDay paid_day,
    const std::vector<OpenInvoice>& invoices, bool with_discounts) {
  AllocationPlan plan;
  Money left = amount;
  for (const OpenInvoice& inv : invoices) {
    if (left.is_zero()) break;
    if (inv.outstanding.is_zero() || inv.outstanding.is_negative()) continue;
    Money discount = Money::Zero(amount.currency());
    // Money dated before the invoice existed earns no discount on it.
    if (with_discounts && inv.discount_until.has_value() &&
        paid_day <= *inv.discount_until &&
        paid_day >= *inv.discount_until - inv.term.discount_days) {
      ASSIGN_OR_RETURN(discount, CashDiscount(inv.term, inv.total));
      ASSIGN_OR_RETURN(const int over, discount.Compare(inv.outstanding));
      if (over > 0) discount = inv.outstanding;
    }
    ASSIGN_OR_RETURN(const Money settles, inv.outstanding.Subtract(discount));
    ASSIGN_OR_RETURN(const int enough, left.Compare(settles));
    Allocation a{inv.invoice_id, inv.dealer_id, settles, discount};
    if (enough < 0) {
      // Short of settling it: applied as it is, no discount.
      a.applied = left;
      a.discount = Money::Zero(amount.currency());
    }
    ASSIGN_OR_RETURN(left, left.Subtract(a.applied));
    if (!a.applied.is_zero() || !a.discount.is_zero()) {
      plan.allocations.push_back(std::move(a));
    }
  }
  plan.unapplied = left;
  return plan;
}

std::string CreditNoteKindName(CreditNoteKind kind) {
  switch (kind) {
    case CreditNoteKind::kReturn:
      return "RETURN";
    case CreditNoteKind::kPriceCorrection:
      return "PRICE_CORRECTION";
    case CreditNoteKind::kRebate:
      return "REBATE";
    case CreditNoteKind::kContestPayout:
      return "CONTEST_PAYOUT";
    case CreditNoteKind::kSupportSettlement:
      return "SUPPORT_SETTLEMENT";
  }
  return "UNKNOWN";
}

bool LowersRevenue(CreditNoteKind kind) {
  return kind == CreditNoteKind::kReturn ||
         kind == CreditNoteKind::kPriceCorrection;
}

absl::Status CompleteCreditNote(CreditNote& note) {
  RETURN_IF_ERROR(RequireText("source", note.source, kMaxSourceChars));
  RETURN_IF_ERROR(OptionalText("reason", note.reason, kMaxReasonChars));
  const std::string currency = note.vat.currency();
  RETURN_IF_ERROR(NotNegative("vat", note.vat));
  if (note.kind == CreditNoteKind::kReturn) {
    if (note.lines.empty() || note.lines.size() > kMaxLines) {
      return InvalidField("lines",
                          absl::StrCat("a return lists 1 to ", kMaxLines,
                                       " lines of what came back"));
    }
    note.net_amount = Money::Zero(currency);
    for (size_t i = 0; i < note.lines.size(); ++i) {
      const std::string f = absl::StrCat("lines[", i, "]");
      CreditNoteLine& line = note.lines[i];
      ASSIGN_OR_RETURN(line.sku, NormalSku(f + ".sku", line.sku));
      if (!line.product_group.empty()) {
        RETURN_IF_ERROR(RequireCode(f + ".product_group", line.product_group));
      }
      if (line.quantity < 1 || line.quantity > kMaxQuantity) {
        return InvalidField(f + ".quantity",
                            absl::StrCat("must be 1 to ", kMaxQuantity));
      }
      RETURN_IF_ERROR(
          SameCurrency(f + ".net_amount", line.net_amount, currency));
      RETURN_IF_ERROR(SameCurrency(f + ".cost", line.cost, currency));
      RETURN_IF_ERROR(NotNegative(f + ".net_amount", line.net_amount));
      RETURN_IF_ERROR(NotNegative(f + ".cost", line.cost));
      ASSIGN_OR_RETURN(note.net_amount, note.net_amount.Add(line.net_amount));
    }
  } else {
    if (!note.lines.empty()) {
      return InvalidField("lines", absl::StrCat("only a return lists lines; a ",
                                                CreditNoteKindName(note.kind),
                                                " gives net_amount"));
    }
    RETURN_IF_ERROR(SameCurrency("net_amount", note.net_amount, currency));
    RETURN_IF_ERROR(NotNegative("net_amount", note.net_amount));
  }
  ASSIGN_OR_RETURN(note.total, note.net_amount.Add(note.vat));
  if (note.total.is_zero()) {
    return InvalidField("net_amount", "a credit note must credit something");
  }
  RETURN_IF_ERROR(CheckAmountBound("net_amount", note.total));
  return absl::OkStatus();
}

std::vector<int> DefaultBucketBounds() { return {30, 60, 90}; }

absl::Status CheckBucketBounds(const std::vector<int>& bounds) {
  if (bounds.empty() || bounds.size() > 12) {
    return InvalidField("bucket_upper_bounds",
                        "give 1 to 12 upper bounds in days, e.g. 30,60,90");
  }
  int last = 0;
  for (int b : bounds) {
    if (b <= last || b > 3650) {
      return InvalidField(
          "bucket_upper_bounds",
          "must rise strictly from above 0 to at most 3650 days");
    }
    last = b;
  }
  return absl::OkStatus();
}

int BucketOf(int64_t days_overdue, const std::vector<int>& bounds) {
  if (days_overdue <= 0) return 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (days_overdue <= bounds[i]) return static_cast<int>(i) + 1;
  }
  return static_cast<int>(bounds.size()) + 1;
}

std::vector<std::string> BucketLabels(const std::vector<int>& bounds) {
  std::vector<std::string> out = {"current"};
  int from = 1;
  for (int b : bounds) {
    out.push_back(absl::StrCat(from, "-", b));
    from = b + 1;
  }
  out.push_back(absl::StrCat(bounds.back(), "+"));
  return out;
}

}  // namespace qudao::credit
