// The receivables ledger's rules (DOMAIN.md §3): invoices, payments and
// credit notes, how money is allocated to invoices, cash discounts, and
// aging. Plain C++, no gRPC or SQL.
//
// The ledger is append-only: every movement of what a payer owes is an
// entry (an invoice adds its total; a payment, a cash discount taken or a
// credit note takes from one invoice; money not allocated to an invoice is
// the payer's credit on account). Balances — an invoice's outstanding
// amount, a payer's open receivables and credit on account — are derived
// from the entries; the stored copies exist for speed and a consistency
// check recomputes them from the entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"

namespace qudao::credit {

// Days are stored as whole days since 1970-01-01 (business days of the
// company calendar), so the database can subtract them.
int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t number);
// "2026-11-27" (the calendar's day key); INVALID_ARGUMENT naming `field`
// otherwise.
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field,
                                        absl::string_view text);
std::string FormatDay(absl::CivilDay day);

// Reasons callers branch on.
inline constexpr char kReasonNoReservation[] = "NO_RESERVATION";
inline constexpr char kReasonInvoiceNotFound[] = "INVOICE_NOT_FOUND";
inline constexpr char kReasonWrongPayer[] = "WRONG_PAYER";
inline constexpr char kReasonTradeSuspended[] = "SUSPENDED";
inline constexpr char kReasonShipmentHold[] = "SHIPMENT_HOLD";
inline constexpr char kReasonCreditNoteTooLarge[] = "CREDIT_NOTE_TOO_LARGE";
inline constexpr char kReasonTermMismatch[] = "TERM_MISMATCH";

struct InvoiceLine {
  std::string sku;
  std::string product_group;
  int64_t quantity = 0;
  // Per unit, before VAT.
  Money net_price;
  Money unit_cost;
  // net_price × quantity.
  Money net_amount;
};

struct Invoice {
  std::string invoice_id;
  std::string order_id;
  // The reservation it converted (empty for none).
  std::string reservation_id;
  // Who ordered (revenue counts for it) and who pays (whose receivable).
  std::string dealer_id;
  std::string payer_dealer_id;
  std::vector<InvoiceLine> lines;
  // Σ line net amounts (before VAT and freight).
  Money net_amount;
  Money freight;
  Money vat;
  // What the payer owes: net + freight + VAT.
  Money total;
  // Σ unit cost × quantity.
  Money cost;
  int64_t units = 0;
  PaymentTerm term;
  absl::CivilDay invoice_day;
  absl::CivilDay due_day;
  // The last day a settling payment earns the cash discount.
  std::optional<absl::CivilDay> discount_until;
  // Title stays with us until the invoice is paid.
  bool retention_of_title = false;
  // Derived: total less everything applied to it.
  Money outstanding;
  // The day the invoice was settled (outstanding reached zero).
  std::optional<absl::CivilDay> settled_day;
  std::string issued_by;
  absl::Time create_time;
};

// What an invoice request brings; the rest is computed.
struct InvoiceInput {
  std::string order_id;
  std::vector<InvoiceLine> lines;  // net_amount ignored (computed)
  Money freight;
  Money vat;
  PaymentTerm term;
  bool retention_of_title = false;
};

// Validates and totals an invoice (INVALID_ARGUMENT naming the field):
// 1..500 lines, each with a SKU, a quantity of 1..1,000,000, a net price
// and unit cost ≥ 0 in one currency; freight and VAT ≥ 0; total > 0.
absl::StatusOr<Invoice> BuildInvoice(const InvoiceInput& input,
                                     absl::CivilDay invoice_day);

// Entry kinds (values are stored).
enum class EntryKind {
  kInvoice = 1,
  kPayment = 2,
  kDiscount = 3,
  kCreditNote = 4,
  // Credit on account moved onto an invoice (two entries: + on account,
  // − on the invoice).
  kCreditApplied = 5,
};

struct LedgerEntry {
  std::string entry_id;
  std::string payer_dealer_id;
  std::string dealer_id;
  EntryKind kind = EntryKind::kInvoice;
  // Empty: the payer's credit on account.
  std::string invoice_id;
  // The invoice, payment or credit note that caused it.
  std::string document_id;
  // + owed by the payer, − settled.
  Money amount;
  absl::CivilDay entry_day;
  absl::Time create_time;
};

// An open invoice as allocation sees it.
struct OpenInvoice {
  std::string invoice_id;
  // Its ordering dealer.
  std::string dealer_id;
  Money total;
  Money outstanding;
  PaymentTerm term;
  std::optional<absl::CivilDay> discount_until;
};

struct Allocation {
  std::string invoice_id;
  // The invoice's ordering dealer.
  std::string dealer_id;
  // Cash applied; the discount taken with it (zero unless it settled the
  // invoice within its discount window).
  Money applied;
  Money discount;
};

struct AllocationPlan {
  std::vector<Allocation> allocations;
  // What no invoice took: credit on account.
  Money unapplied;
};

// Allocates `amount` received on `paid_day` to `invoices` in the order
// given (named invoices, or oldest due first). An invoice paid within its
// discount window by a payment that settles it is settled at the
// discounted amount (outstanding − discount, the discount on the total,
// never more than outstanding); a payment that falls short is applied as
// it is, without discount. `with_discounts` false (credit on account or a
// credit note applied) never earns a discount.
absl::StatusOr<AllocationPlan> Allocate(
    const Money& amount, absl::CivilDay paid_day,
    const std::vector<OpenInvoice>& invoices, bool with_discounts);

struct Payment {
  std::string payment_id;
  std::string payer_dealer_id;
  Money amount;
  absl::CivilDay received_day;
  // The bank's reference, e.g. "BOC 2026112700123".
  std::string reference;
  // Invoices the payer named (empty: oldest due first).
  std::vector<std::string> invoice_ids;
  AllocationPlan plan;
  std::string recorded_by;
  absl::Time create_time;
};

enum class CreditNoteKind {
  kReturn = 1,
  kPriceCorrection = 2,
  kRebate = 3,
  kContestPayout = 4,
  kSupportSettlement = 5,
};
std::string CreditNoteKindName(CreditNoteKind kind);
// Returns and price corrections lower revenue; rebates, contest payouts and
// support settlements are incentives, reported beside revenue.
bool LowersRevenue(CreditNoteKind kind);

struct CreditNoteLine {
  std::string sku;
  std::string product_group;
  // Units returned (returns only).
  int64_t quantity = 0;
  // Net value credited for the line, before VAT.
  Money net_amount;
  // Cost of the units returned (returns only).
  Money cost;
};

struct CreditNote {
  std::string credit_note_id;
  CreditNoteKind kind = CreditNoteKind::kReturn;
  // The ordering dealer it credits (revenue), and its payer (receivable).
  std::string dealer_id;
  std::string payer_dealer_id;
  // The invoice it corrects, if any (applied to it first).
  std::string invoice_id;
  // Where it comes from, e.g. "order ord_… return 2", "contest 2026-Q3".
  std::string source;
  std::string reason;
  std::vector<CreditNoteLine> lines;
  Money net_amount;
  Money vat;
  // net + VAT: what the payer's receivable falls by.
  Money total;
  absl::CivilDay note_day;
  AllocationPlan plan;
  std::string issued_by;
  absl::Time create_time;
};

// Validates a credit note and totals it (INVALID_ARGUMENT naming the
// field): a return has lines (SKU, quantity ≥ 1, net amount and cost ≥ 0)
// and its net is their sum; other kinds give `net_amount`; VAT ≥ 0; total
// > 0; a source is required.
absl::Status CompleteCreditNote(CreditNote& note);

// Aging (DOMAIN.md §3): days overdue = as-of date − due date (or invoice
// date) in calendar days; 0 or less is current. Buckets are given by their
// upper bounds in days overdue, ascending and above 0; the last bucket is
// open-ended: {30, 60, 90} → current / 1–30 / 31–60 / 61–90 / 90+.
absl::Status CheckBucketBounds(const std::vector<int>& upper_bounds);
std::vector<int> DefaultBucketBounds();
// The index of the bucket (0 = current) for `days_overdue`.
int BucketOf(int64_t days_overdue, const std::vector<int>& upper_bounds);
// "current", "1-30", "31-60", "61-90", "90+".
std::vector<std::string> BucketLabels(const std::vector<int>& upper_bounds);

}  // namespace qudao::credit
