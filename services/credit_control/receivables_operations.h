// The receivables use cases (DOMAIN.md §3): invoices that convert
// reservations, payments and credit notes applied to invoices, the
// consistency check, trade restrictions, aging, the revenue summary and
// the portfolio of credit positions. Each loads through the stores, asks
// the rules, and writes in one transaction. Plain C++, no gRPC.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/calendar/calendar.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/receivables.h"
#include "services/credit_control/receivables_store.h"
#include "services/credit_control/risk_store.h"
#include "services/customer_records/client/dealer_directory.h"

namespace qudao::credit {

// Topics on credit control's feed (payload: the document as issued).
inline constexpr char kInvoiceIssued[] = "invoice.issued";
inline constexpr char kPaymentRecorded[] = "payment.recorded";
inline constexpr char kCreditNoteIssued[] = "credit_note.issued";

class ReceivablesOperations {
 public:
  ReceivablesOperations(storage::Database* db,
                        customer::DealerDirectory* dealers, const Clock* clock,
                        const BusinessCalendar* calendar)
      : db_(db), dealers_(dealers), clock_(clock), calendar_(calendar) {}

  // Invoices a shipment of an order: converts its approved reservation
  // (the payer and dealer are the reservation's). An invoice for less than
  // what is still reserved converts that part and keeps the rest; more is
  // checked against the payer's limit like a new reservation
  // (FAILED_PRECONDITION OVER_LIMIT). Credit on account is applied to it
  // at once. Refused while the payer's trade is suspended or its shipments
  // held (FAILED_PRECONDITION SUSPENDED / SHIPMENT_HOLD); an order without
  // an approved reservation is FAILED_PRECONDITION NO_RESERVATION.
  absl::StatusOr<Invoice> IssueInvoice(
      const auth::Principal& issuer, const InvoiceInput& input,
      const storage::IdempotentRequest& request);
  // The invoice with its lines and entries (NOT_FOUND).
  struct InvoiceWithEntries {
    Invoice invoice;
    std::vector<LedgerEntry> entries;
  };
  absl::StatusOr<InvoiceWithEntries> GetInvoice(const std::string& invoice_id);
  absl::StatusOr<std::vector<Invoice>> ListInvoices(
      const ReceivablesStore::InvoiceFilter& filter, const PageRequest& page);

  // Records money received from a payer and applies it: to the named
  // invoices in that order, else oldest due first; a payment that settles
  // an invoice within its discount window settles it at the discounted
  // amount; what is left is credit on account. `payment.plan` is filled.
  // Settling invoices updates the payer's payment record: slow payment
  // (its class's policy; C's when customer records cannot say) raises an
  // alert, once a month.
  absl::StatusOr<Payment> RecordPayment(
      const CallContext& call, const auth::Principal& recorder, Payment payment,
      const storage::IdempotentRequest& request);
  // Issues a credit note to the ordering dealer (its payer's receivable
  // falls): applied to the named invoice first (a return or price
  // correction of more than it was invoiced for is refused,
  // CREDIT_NOTE_TOO_LARGE), then oldest due first; the rest is credit on
  // account.
  absl::StatusOr<CreditNote> IssueCreditNote(
      const CallContext& call, const auth::Principal& issuer, CreditNote note,
      const storage::IdempotentRequest& request);

  // Every stored balance against the entries (empty: consistent).
  absl::StatusOr<std::vector<ReceivablesStore::Difference>> CheckConsistency();

  // Trade restrictions on a payer (customer records must know it).
  absl::StatusOr<Restriction> PlaceRestriction(
      const CallContext& call, const auth::Principal& controller,
      Restriction restriction, const storage::IdempotentRequest& request);
  absl::StatusOr<Restriction> LiftRestriction(
      const auth::Principal& controller, const std::string& restriction_id,
      const std::string& reason, const storage::IdempotentRequest& request);
  absl::StatusOr<std::vector<Restriction>> ListRestrictions(
      const std::string& payer_dealer_id, bool in_force_only);

  // Aging, grouped. `group_by`: the dealer, the payer, the dealer's sales
  // territory or its owner (customer records).
  enum class AgingGroup { kDealer, kPayer, kTerritory, kOwner };
  struct AgingRow {
    std::string group;
    std::string currency;
    // One amount per bucket (current first), and their sum.
    std::vector<Money> buckets;
    Money total;
    int64_t invoices = 0;
    int64_t max_days_overdue = 0;
  };
  struct AgingReport {
    absl::CivilDay as_of;
    std::vector<std::string> bucket_labels;
    std::vector<AgingRow> rows;
    // The portfolio: every row summed per currency.
    std::vector<AgingRow> totals;
  };
  absl::StatusOr<AgingReport> Aging(const CallContext& call,
                                    ReceivablesStore::AgingQuery query,
                                    AgingGroup group_by);

  // Revenue per ordering dealer (and product group or SKU).
  struct RevenueRow {
    ReceivablesStore::RevenueCell cell;
    // invoiced − returns − price corrections; cost net of returned cost;
    // margin = net revenue − net cost.
    Money net_revenue;
    Money net_cost;
    Money margin;
  };
  struct RevenueReport {
    std::vector<RevenueRow> rows;
    std::vector<ReceivablesStore::IncentiveCell> incentives;
  };
  absl::StatusOr<RevenueReport> Revenue(absl::CivilDay from, absl::CivilDay to,
                                        const std::string& dealer_id,
                                        ReceivablesStore::RevenueKey key);

  // The portfolio's credit positions by utilisation, filtered by the
  // payer's territory and ABC class (customer records).
  struct PositionRow {
    CreditPosition position;
    int64_t utilisation_bp = 0;
    customer::DealerFacts facts;
  };
  absl::StatusOr<std::vector<PositionRow>> ListPositions(
      const CallContext& call, bool highest_first, const std::string& territory,
      const std::string& abc_class, const PageRequest& page,
      std::string* next_after_key);

  // The payment record Capacity is scored from: days beyond terms of the
  // payer's last 6 settled invoices, newest first.
  absl::StatusOr<std::vector<int64_t>> PaymentRecord(const std::string& payer);

  // The business day it is now (the company calendar, the service's
  // clock).
  absl::CivilDay Today() const { return calendar_->DayOf(clock_->Now()); }
  absl::Time Now() const { return clock_->Now(); }

 private:
  // Applies `plan` for `document_id` (payment or credit note) on `day`:
  // entries, invoice balances and the payer's account.
  absl::Status ApplyPlan(storage::Transaction& tx, const std::string& payer,
                         const std::string& dealer_id,
                         const std::string& document_id, EntryKind kind,
                         const AllocationPlan& plan, absl::CivilDay day,
                         absl::Time now) const;

  storage::Database* db_;
  customer::DealerDirectory* dealers_;
  const Clock* clock_;
  const BusinessCalendar* calendar_;
  CreditAccountStore accounts_;
  ReceivablesStore ledger_;
  RiskStore risk_;
};

}  // namespace qudao::credit
