// Persistence of the receivables ledger: invoices and their lines,
// payments, credit notes, the append-only entries, trade restrictions, and
// the reports read from them (aging, revenue, the payment record). Each
// method runs inside the caller's transaction; the same SQL runs on SQLite
// and PostgreSQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/money/money.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/credit_control/receivables.h"
#include "services/credit_control/risk_controls.h"

namespace qudao::credit {

class ReceivablesStore {
 public:
  // Migration 6's DDL (tables, indexes, append-only guards).
  static std::string Schema(storage::Backend backend);

  // Writes an invoice (with its lines).
  absl::Status InsertInvoice(storage::Transaction& tx,
                             const Invoice& invoice) const;
  // The invoice with its lines, or nullopt.
  absl::StatusOr<std::optional<Invoice>> FindInvoice(
      storage::Transaction& tx, const std::string& invoice_id) const;
  struct InvoiceFilter {
    // Invoices this dealer ordered or pays for (either, when both empty).
    std::string dealer_id;
    std::string payer_dealer_id;
    bool open_only = false;
  };
  // Newest first (by id), `page.limit + 1` rows after `page.after_key`;
  // lines are not loaded.
  absl::StatusOr<std::vector<Invoice>> ListInvoices(
      storage::Transaction& tx, const InvoiceFilter& filter,
      const PageRequest& page) const;
  // A payer's open invoices: `ids` in that order (each must be the
  // payer's and open: NOT_FOUND / FAILED_PRECONDITION naming it), or all
  // of them oldest due first (then oldest invoice).
  absl::StatusOr<std::vector<OpenInvoice>> OpenInvoices(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      const std::vector<std::string>& ids) const;
  // Takes `amount` (> 0) off an invoice's outstanding amount. When nothing
  // is left the invoice is settled on the latest day of its entries (append
  // the entry first): a payment recorded late but dated earlier does not
  // make an invoice look paid sooner than its last money arrived. A
  // retryable conflict if it no longer owes that much.
  absl::Status ReduceOutstanding(storage::Transaction& tx,
                                 const std::string& invoice_id,
                                 const Money& amount) const;
  absl::Status AppendEntry(storage::Transaction& tx,
                           const LedgerEntry& entry) const;
  // Entries of one invoice, oldest first.
  absl::StatusOr<std::vector<LedgerEntry>> EntriesOf(
      storage::Transaction& tx, const std::string& invoice_id) const;
  absl::Status InsertPayment(storage::Transaction& tx,
                             const Payment& payment) const;
  absl::Status InsertCreditNote(storage::Transaction& tx,
                                const CreditNote& note) const;
  // What returns and price corrections already credited against an
  // invoice (in its currency).
  absl::StatusOr<Money> CreditedAgainst(storage::Transaction& tx,
                                        const std::string& invoice_id) const;

  // What the payer owes past due on `today` (nullopt when nothing).
  absl::StatusOr<std::optional<Money>> OverdueOf(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      absl::CivilDay today) const;
  // The due day of the payer's oldest open invoice, or nullopt.
  // Sends ahead (Transaction::Prefetch) the reads of a payer's standing on
  // `today` that a reservation makes: ListRestrictions(payer, today) and
  // OldestOpenDueDay(payer).
  absl::Status PrefetchStanding(storage::Transaction& tx,
                                const std::string& payer,
                                absl::CivilDay today) const;
  absl::StatusOr<std::optional<absl::CivilDay>> OldestOpenDueDay(
      storage::Transaction& tx, const std::string& payer_dealer_id) const;
  // Days paid beyond terms (settled − due) of the payer's last `n` settled
  // invoices, newest first.
  absl::StatusOr<std::vector<int64_t>> PaymentRecord(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      int n) const;

  // Trade restrictions.
  absl::Status InsertRestriction(storage::Transaction& tx,
                                 const Restriction& r) const;
  absl::StatusOr<std::optional<Restriction>> FindRestriction(
      storage::Transaction& tx, const std::string& restriction_id) const;
  // Marks a restriction lifted (conditional on it not being lifted yet).
  absl::Status LiftRestriction(storage::Transaction& tx,
                               const Restriction& r) const;
  // Restrictions of a payer (all payers when empty), newest first;
  // `active_on` set: only those in force that day.
  absl::StatusOr<std::vector<Restriction>> ListRestrictions(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      std::optional<absl::CivilDay> active_on) const;

  // The consistency check: every stored balance recomputed from the
  // entries with its own SQL.
  struct Difference {
    // "account <payer> open_receivables", "invoice <id> outstanding", ...
    std::string what;
    int64_t stored_minor = 0;
    int64_t from_entries_minor = 0;
  };
  absl::StatusOr<std::vector<Difference>> CheckConsistency(
      storage::Transaction& tx) const;

  // Aging as of a day: open amounts per ordering dealer, payer and bucket.
  struct AgingCell {
    std::string dealer_id;
    std::string payer_dealer_id;
    std::string currency;
    int bucket = 0;
    int64_t amount_minor = 0;
    int64_t invoices = 0;
    int64_t max_days_overdue = 0;
  };
  struct AgingQuery {
    absl::CivilDay as_of;
    // By invoice date instead of due date.
    bool by_invoice_date = false;
    std::vector<int> bucket_bounds;
    std::string dealer_id;
    std::string payer_dealer_id;
    // The day the stored balances are current to (today): as of this day
    // or later the open amounts are read straight from the invoices;
    // earlier, from the entries dated up to `as_of`.
    absl::CivilDay today;
  };
  absl::StatusOr<std::vector<AgingCell>> Aging(storage::Transaction& tx,
                                               const AgingQuery& q) const;

  // Revenue over [from, to] per ordering dealer (and product group or SKU).
  enum class RevenueKey { kNone, kProductGroup, kSku };
  struct RevenueCell {
    std::string dealer_id;
    std::string currency;
    std::string key;
    int64_t invoiced_net_minor = 0;
    int64_t returns_minor = 0;
    int64_t price_corrections_minor = 0;
    int64_t cost_minor = 0;
    int64_t returned_cost_minor = 0;
    int64_t units = 0;
    int64_t returned_units = 0;
    int64_t invoices = 0;
    std::optional<absl::CivilDay> first_purchase;
    std::optional<absl::CivilDay> last_purchase;
  };
  struct IncentiveCell {
    std::string dealer_id;
    std::string currency;
    CreditNoteKind kind = CreditNoteKind::kRebate;
    int64_t amount_minor = 0;
  };
  absl::Status Revenue(storage::Transaction& tx, absl::CivilDay from,
                       absl::CivilDay to, const std::string& dealer_id,
                       RevenueKey key, std::vector<RevenueCell>* revenue,
                       std::vector<IncentiveCell>* incentives) const;
};

}  // namespace qudao::credit
