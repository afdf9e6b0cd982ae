// Receivables use cases; see receivables_operations.h.
#include "services/credit_control/receivables_operations.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/outbox.h"
#include "common/validation/validation.h"
#include "google/protobuf/any.pb.h"
#include "services/credit_control/credit_operations.h"
#include "services/credit_control/credit_proto.h"
#include "services/credit_control/receivables_proto.h"
#include "services/credit_control/risk_operations.h"

namespace qudao::credit {
namespace {

using storage::Transaction;
using storage::TransactionMode;

absl::Status Publish(Transaction& tx, const char* topic, const std::string& id,
                     const google::protobuf::Message& message, absl::Time now) {
  google::protobuf::Any payload;
  payload.PackFrom(message);
  return storage::AppendEvent(tx, {topic, id, payload.SerializeAsString()},
                              now);
}

LedgerEntry Entry(const std::string& payer, const std::string& dealer,
                  EntryKind kind, const std::string& invoice_id,
                  const std::string& document_id, const Money& amount,
                  absl::CivilDay day, absl::Time now) {
  return LedgerEntry{NewResourceId("cle", now),
                     payer,
                     dealer,
                     kind,
                     invoice_id,
                     document_id,
                     amount,
                     day,
                     now};
}

// The restriction of `kind` in force on the payer today, if any.
absl::StatusOr<std::optional<Restriction>> InForceRestriction(
    const ReceivablesStore& ledger, Transaction& tx, const std::string& payer,
    RestrictionKind kind, absl::CivilDay today) {
  ASSIGN_OR_RETURN(std::vector<Restriction> all,
                   ledger.ListRestrictions(tx, payer, today));
  for (Restriction& r : all) {
    if (r.kind == kind) return std::optional<Restriction>(std::move(r));
  }
  return std::optional<Restriction>();
}

}  // namespace

absl::Status ReceivablesOperations::ApplyPlan(
    Transaction& tx, const std::string& payer, const std::string& dealer_id,
    const std::string& document_id, EntryKind kind, const AllocationPlan& plan,
    absl::CivilDay day, absl::Time now) const {
  Money reduced = Money::Zero(plan.unapplied.currency());
  for (const Allocation& a : plan.allocations) {
    if (!a.applied.is_zero()) {
      ASSIGN_OR_RETURN(const Money minus, a.applied.Negate());
      RETURN_IF_ERROR(
          ledger_.AppendEntry(tx, Entry(payer, a.dealer_id, kind, a.invoice_id,
                                        document_id, minus, day, now)));
    }
    if (!a.discount.is_zero()) {
      ASSIGN_OR_RETURN(const Money minus, a.discount.Negate());
      RETURN_IF_ERROR(ledger_.AppendEntry(
          tx, Entry(payer, a.dealer_id, EntryKind::kDiscount, a.invoice_id,
                    document_id, minus, day, now)));
    }
    ASSIGN_OR_RETURN(const Money settled, a.applied.Add(a.discount));
    RETURN_IF_ERROR(ledger_.ReduceOutstanding(tx, a.invoice_id, settled));
    ASSIGN_OR_RETURN(reduced, reduced.Add(settled));
  }
  if (!plan.unapplied.is_zero()) {
    ASSIGN_OR_RETURN(const Money minus, plan.unapplied.Negate());
    RETURN_IF_ERROR(ledger_.AppendEntry(
        tx, Entry(payer, dealer_id, kind, "", document_id, minus, day, now)));
  }
  ASSIGN_OR_RETURN(const Money open_delta, reduced.Negate());
  return accounts_.AdjustBalances(tx, payer, open_delta, plan.unapplied);
}

absl::StatusOr<Invoice> ReceivablesOperations::IssueInvoice(
    const auth::Principal& issuer, const InvoiceInput& input,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = Today();
  ASSIGN_OR_RETURN(Invoice built, BuildInvoice(input, today));
  built.invoice_id = NewResourceId("inv", now);
  built.issued_by = issuer.subject;
  built.create_time = now;
  return storage::RunHotRowIdempotent<Invoice>(
      *db_, request, now, InvoiceCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Invoice> {
        Invoice inv = built;
        ASSIGN_OR_RETURN(
            std::optional<Reservation> found,
            accounts_.FindReservationForOrderLocked(tx, inv.order_id));
        if (!found.has_value() ||
            (found->status != ReservationStatus::kApproved &&
             found->status != ReservationStatus::kInvoiced)) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonNoReservation,
              absl::StrCat("order ", inv.order_id,
                           found.has_value()
                               ? " has no approved credit reservation (it is "
                                 "held, rejected or cancelled)"
                               : " has no credit reservation",
                           "; it cannot be invoiced"));
        }
        Reservation r = *std::move(found);
        if (r.amount.currency() != inv.total.currency()) {
          return InvalidField(
              "lines",
              absl::StrCat("the order was reserved in ", r.amount.currency(),
                           "; invoice it in ", r.amount.currency()));
        }
        if (r.cash_in_advance != inv.term.cash_in_advance() ||
            (!r.cash_in_advance && inv.term.net_days != r.payment_term_days)) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonTermMismatch,
              absl::StrCat("order ", inv.order_id, " was reserved on ",
                           r.cash_in_advance
                               ? std::string("cash in advance")
                               : absl::StrCat("net ", r.payment_term_days),
                           "; it is invoiced on the same term (got ",
                           FormatPaymentTerm(inv.term), ")"));
        }
        inv.reservation_id = r.reservation_id;
        inv.dealer_id = r.dealer_id;
        inv.payer_dealer_id = r.payer_dealer_id;
        const std::string& payer = r.payer_dealer_id;
        for (RestrictionKind kind : {RestrictionKind::kTradeSuspension,
                                     RestrictionKind::kShipmentHold}) {
          ASSIGN_OR_RETURN(std::optional<Restriction> stop,
                           InForceRestriction(ledger_, tx, payer, kind, today));
          if (stop.has_value()) {
            return Refusal(
                absl::StatusCode::kFailedPrecondition,
                kind == RestrictionKind::kTradeSuspension
                    ? kReasonTradeSuspended
                    : kReasonShipmentHold,
                absl::StrCat("payer ", payer, " is under ",
                             RestrictionKindName(kind), " ",
                             stop->restriction_id, " (", stop->reason,
                             "): nothing ships until it is lifted"));
          }
        }
        const Money zero = Money::Zero(inv.total.currency());
        Money conversion = zero;
        Money excess = zero;
        if (r.cash_in_advance) {
          RETURN_IF_ERROR(
              accounts_.EnsureAccount(tx, payer, inv.total.currency(), now));
        } else {
          const Money remaining = r.remaining();
          ASSIGN_OR_RETURN(const int more, inv.total.Compare(remaining));
          conversion = more > 0 ? remaining : inv.total;
          ASSIGN_OR_RETURN(excess, inv.total.Subtract(conversion));
        }
        ASSIGN_OR_RETURN(const bool fitted,
                         accounts_.InvoiceOnAccount(tx, payer, conversion,
                                                    inv.total, excess));
        ASSIGN_OR_RETURN(std::optional<CreditAccount> account,
                         accounts_.Find(tx, payer));
        if (!fitted) {
          if (!account.has_value() ||
              account->approved_uninvoiced.minor_units() <
                  conversion.minor_units()) {
            return absl::DataLossError(
                absl::StrCat("payer ", payer,
                             "'s account holds less approved credit than "
                             "reservation ",
                             r.reservation_id, " still reserves"));
          }
          ASSIGN_OR_RETURN(const ReservationReason over,
                           OverLimitReason(*account, excess));
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonOverLimit,
              absl::StrCat("invoicing ", excess.ToString(), " more than order ",
                           inv.order_id, " reserved: ", over.detail));
        }
        RETURN_IF_ERROR(ledger_.InsertInvoice(tx, inv));
        RETURN_IF_ERROR(ledger_.AppendEntry(
            tx, Entry(payer, inv.dealer_id, EntryKind::kInvoice, inv.invoice_id,
                      inv.invoice_id, inv.total, today, now)));
        // The reservation: converted in part or in full.
        const Money read_invoiced = r.invoiced;
        ASSIGN_OR_RETURN(r.invoiced, r.invoiced.Add(inv.total));
        if (r.invoiced.minor_units() >= r.amount.minor_units()) {
          r.status = ReservationStatus::kInvoiced;
        }
        r.update_time = now;
        RETURN_IF_ERROR(
            accounts_.UpdateReservationInvoiced(tx, r, read_invoiced));
        RETURN_IF_ERROR(Publish(tx, kReservationInvoiced, r.reservation_id,
                                ReservationToProto(r), now));
        // Credit on account pays what it can of the new invoice.
        if (account->unapplied_credit.minor_units() > 0) {
          ASSIGN_OR_RETURN(const int enough,
                           account->unapplied_credit.Compare(inv.total));
          const Money used =
              enough >= 0 ? inv.total : account->unapplied_credit;
          ASSIGN_OR_RETURN(const Money minus, used.Negate());
          RETURN_IF_ERROR(ledger_.AppendEntry(
              tx, Entry(payer, inv.dealer_id, EntryKind::kCreditApplied, "",
                        inv.invoice_id, used, today, now)));
          RETURN_IF_ERROR(ledger_.AppendEntry(
              tx, Entry(payer, inv.dealer_id, EntryKind::kCreditApplied,
                        inv.invoice_id, inv.invoice_id, minus, today, now)));
          RETURN_IF_ERROR(ledger_.ReduceOutstanding(tx, inv.invoice_id, used));
          RETURN_IF_ERROR(accounts_.AdjustBalances(tx, payer, minus, minus));
          ASSIGN_OR_RETURN(inv.outstanding, inv.outstanding.Subtract(used));
          if (inv.outstanding.is_zero()) inv.settled_day = today;
        }
        RETURN_IF_ERROR(Publish(tx, kInvoiceIssued, inv.invoice_id,
                                InvoiceToProto(inv), now));
        return inv;
      });
}

absl::StatusOr<ReceivablesOperations::InvoiceWithEntries>
ReceivablesOperations::GetInvoice(const std::string& invoice_id) {
  InvoiceWithEntries out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<Invoice> inv,
                         ledger_.FindInvoice(tx, invoice_id));
        if (!inv.has_value()) {
          return absl::NotFoundError(
              absl::StrCat("invoice ", invoice_id, " does not exist"));
        }
        out.invoice = *std::move(inv);
        ASSIGN_OR_RETURN(out.entries, ledger_.EntriesOf(tx, invoice_id));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<std::vector<Invoice>> ReceivablesOperations::ListInvoices(
    const ReceivablesStore::InvoiceFilter& filter, const PageRequest& page) {
  std::vector<Invoice> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, ledger_.ListInvoices(tx, filter, page));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Payment> ReceivablesOperations::RecordPayment(
    const CallContext& call, const auth::Principal& recorder, Payment payment,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::optional<Payment> replay,
                   storage::FindReplay(*db_, request, PaymentCodec()));
  if (replay.has_value()) return *std::move(replay);
  // The payer's class for its slow-payment policy; money is recorded even
  // when customer records cannot be asked (then C's policy).
  std::string abc_class;
  if (absl::StatusOr<customer::DealerFacts> payer =
          dealers_->Get(call, payment.payer_dealer_id);
      payer.ok()) {
    abc_class = payer->abc_class;
  }
  if (payment.received_day > Today()) {
    return InvalidField("payment.received_date",
                        "is in the future; record money once it arrived");
  }
  payment.payment_id = NewResourceId("pay", now);
  payment.recorded_by = recorder.subject;
  payment.create_time = now;
  return storage::RunHotRowIdempotent<Payment>(
      *db_, request, now, PaymentCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Payment> {
        Payment p = payment;
        const Money zero = Money::Zero(p.amount.currency());
        // Locks the payer's account first: its payments apply one by one.
        absl::Status locked =
            accounts_.AdjustBalances(tx, p.payer_dealer_id, zero, zero);
        if (absl::IsFailedPrecondition(locked)) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonWrongPayer,
              absl::StrCat(locked.message(), ": nothing was invoiced to it in ",
                           p.amount.currency()));
        }
        RETURN_IF_ERROR(locked);
        ASSIGN_OR_RETURN(
            const std::vector<OpenInvoice> open,
            ledger_.OpenInvoices(tx, p.payer_dealer_id, p.invoice_ids));
        ASSIGN_OR_RETURN(p.plan, Allocate(p.amount, p.received_day, open,
                                          /*with_discounts=*/true));
        RETURN_IF_ERROR(ApplyPlan(tx, p.payer_dealer_id, p.payer_dealer_id,
                                  p.payment_id, EntryKind::kPayment, p.plan,
                                  p.received_day, now));
        ASSIGN_OR_RETURN(const std::vector<int64_t> record,
                         ledger_.PaymentRecord(tx, p.payer_dealer_id, 6));
        ASSIGN_OR_RETURN(const CreditPolicy policy,
                         accounts_.PolicyFor(tx, abc_class));
        if (std::optional<std::string> slow =
                SlowPaymentDetail(record, policy)) {
          RETURN_IF_ERROR(RaiseAlert(
              risk_, tx, p.payer_dealer_id, AlertKind::kSlowPayment,
              absl::StrCat("payer ", p.payer_dealer_id, ": ", *slow),
              absl::StrCat("slow:", p.payer_dealer_id, ":",
                           BusinessCalendar::Key(calendar_->MonthOf(now))),
              now));
        }
        RETURN_IF_ERROR(ledger_.InsertPayment(tx, p));
        RETURN_IF_ERROR(Publish(tx, kPaymentRecorded, p.payment_id,
                                PaymentToProto(p), now));
        return p;
      });
}

absl::StatusOr<CreditNote> ReceivablesOperations::IssueCreditNote(
    const CallContext& call, const auth::Principal& issuer, CreditNote note,
    const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CompleteCreditNote(note));
  if (LowersRevenue(note.kind) && note.invoice_id.empty()) {
    return InvalidField("credit_note.invoice_id",
                        absl::StrCat("a ", CreditNoteKindName(note.kind),
                                     " names the invoice it corrects"));
  }
  ASSIGN_OR_RETURN(std::optional<CreditNote> replay,
                   storage::FindReplay(*db_, request, CreditNoteCodec()));
  if (replay.has_value()) return *std::move(replay);
  std::string payer;
  if (note.invoice_id.empty()) {
    // An incentive without an invoice: the dealer's payer now.
    ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                     dealers_->Get(call, note.dealer_id));
    payer = dealer.payer_dealer_id.empty() ? dealer.dealer_id
                                           : dealer.payer_dealer_id;
  }
  const absl::Time now = clock_->Now();
  note.credit_note_id = NewResourceId("crn", now);
  note.note_day = Today();
  note.issued_by = issuer.subject;
  note.create_time = now;
  return storage::RunHotRowIdempotent<CreditNote>(
      *db_, request, now, CreditNoteCodec(),
      [&](Transaction& tx) -> absl::StatusOr<CreditNote> {
        CreditNote n = note;
        n.payer_dealer_id = payer;
        std::vector<std::string> first;
        if (!n.invoice_id.empty()) {
          ASSIGN_OR_RETURN(std::optional<Invoice> inv,
                           ledger_.FindInvoice(tx, n.invoice_id));
          if (!inv.has_value()) {
            return Refusal(
                absl::StatusCode::kNotFound, kReasonInvoiceNotFound,
                absl::StrCat("invoice ", n.invoice_id, " does not exist"));
          }
          if (inv->dealer_id != n.dealer_id) {
            return InvalidField(
                "credit_note.dealer_id",
                absl::StrCat("invoice ", n.invoice_id, " was ordered by ",
                             inv->dealer_id, ", not ", n.dealer_id));
          }
          if (inv->total.currency() != n.total.currency()) {
            return InvalidField(
                "credit_note.net_amount",
                absl::StrCat("must be in ", inv->total.currency(),
                             " like the invoice"));
          }
          n.payer_dealer_id = inv->payer_dealer_id;
          // The payer's documents apply one at a time: lock before reading
          // what is already credited against the invoice.
          RETURN_IF_ERROR(accounts_.EnsureAccount(tx, n.payer_dealer_id,
                                                  n.total.currency(), now));
          RETURN_IF_ERROR(
              accounts_.LockAccount(tx, n.payer_dealer_id).status());
          if (LowersRevenue(n.kind)) {
            ASSIGN_OR_RETURN(const Money credited,
                             ledger_.CreditedAgainst(tx, n.invoice_id));
            ASSIGN_OR_RETURN(const Money after, credited.Add(n.total));
            if (after.minor_units() > inv->total.minor_units()) {
              return Refusal(
                  absl::StatusCode::kFailedPrecondition,
                  kReasonCreditNoteTooLarge,
                  absl::StrCat("invoice ", n.invoice_id, " was for ",
                               inv->total.ToString(), " and ",
                               credited.ToString(),
                               " is already credited against it; ",
                               n.total.ToString(), " more is too much"));
            }
          }
          first.push_back(n.invoice_id);
        }
        RETURN_IF_ERROR(accounts_.EnsureAccount(tx, n.payer_dealer_id,
                                                n.total.currency(), now));
        const Money zero = Money::Zero(n.total.currency());
        RETURN_IF_ERROR(
            accounts_.AdjustBalances(tx, n.payer_dealer_id, zero, zero));
        // The named invoice first, then the payer's oldest due.
        std::vector<OpenInvoice> order;
        if (!first.empty()) {
          ASSIGN_OR_RETURN(order,
                           ledger_.OpenInvoices(tx, n.payer_dealer_id, first));
        }
        ASSIGN_OR_RETURN(std::vector<OpenInvoice> rest,
                         ledger_.OpenInvoices(tx, n.payer_dealer_id, {}));
        for (OpenInvoice& o : rest) {
          if (o.invoice_id != n.invoice_id) order.push_back(std::move(o));
        }
        ASSIGN_OR_RETURN(n.plan, Allocate(n.total, n.note_day, order,
                                          /*with_discounts=*/false));
        RETURN_IF_ERROR(ApplyPlan(tx, n.payer_dealer_id, n.dealer_id,
                                  n.credit_note_id, EntryKind::kCreditNote,
                                  n.plan, n.note_day, now));
        RETURN_IF_ERROR(ledger_.InsertCreditNote(tx, n));
        RETURN_IF_ERROR(Publish(tx, kCreditNoteIssued, n.credit_note_id,
                                CreditNoteToProto(n), now));
        return n;
      });
}

absl::StatusOr<std::vector<ReceivablesStore::Difference>>
ReceivablesOperations::CheckConsistency() {
  std::vector<ReceivablesStore::Difference> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, ledger_.CheckConsistency(tx));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Restriction> ReceivablesOperations::PlaceRestriction(
    const CallContext& call, const auth::Principal& controller,
    Restriction restriction, const storage::IdempotentRequest& request) {
  // A retry answers as the first time, even after the day has turned.
  ASSIGN_OR_RETURN(std::optional<Restriction> replay,
                   storage::FindReplay(*db_, request, RestrictionCodec()));
  if (replay.has_value()) return *std::move(replay);
  RETURN_IF_ERROR(CheckNewRestriction(restriction, Today()));
  ASSIGN_OR_RETURN(const customer::DealerFacts payer,
                   dealers_->Get(call, restriction.payer_dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(payer.dealer_id, payer.payer_dealer_id));
  const absl::Time now = clock_->Now();
  restriction.restriction_id = NewResourceId("rst", now);
  restriction.placed_by = controller.subject;
  restriction.place_time = now;
  return storage::RunIdempotent<Restriction>(
      *db_, request, now, RestrictionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Restriction> {
        RETURN_IF_ERROR(ledger_.InsertRestriction(tx, restriction));
        return restriction;
      });
}

absl::StatusOr<Restriction> ReceivablesOperations::LiftRestriction(
    const auth::Principal& controller, const std::string& restriction_id,
    const std::string& reason, const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<Restriction>(
      *db_, request, now, RestrictionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Restriction> {
        ASSIGN_OR_RETURN(std::optional<Restriction> found,
                         ledger_.FindRestriction(tx, restriction_id));
        if (!found.has_value()) {
          return absl::NotFoundError(
              absl::StrCat("restriction ", restriction_id, " does not exist"));
        }
        if (found->lift_time.has_value()) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, "RESTRICTION_LIFTED",
              absl::StrCat("restriction ", restriction_id,
                           " was already lifted by ", found->lifted_by));
        }
        found->lifted_by = controller.subject;
        found->lift_reason = reason;
        found->lift_time = now;
        RETURN_IF_ERROR(ledger_.LiftRestriction(tx, *found));
        return *std::move(found);
      });
}

absl::StatusOr<std::vector<Restriction>>
ReceivablesOperations::ListRestrictions(const std::string& payer,
                                        bool in_force_only) {
  std::vector<Restriction> out;
  const absl::CivilDay today = Today();
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            out, ledger_.ListRestrictions(
                     tx, payer,
                     in_force_only ? std::optional<absl::CivilDay>(today)
                                   : std::nullopt));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<ReceivablesOperations::AgingReport> ReceivablesOperations::Aging(
    const CallContext& call, ReceivablesStore::AgingQuery query,
    AgingGroup group_by) {
  if (query.bucket_bounds.empty()) query.bucket_bounds = DefaultBucketBounds();
  RETURN_IF_ERROR(CheckBucketBounds(query.bucket_bounds));
  query.today = Today();
  std::vector<ReceivablesStore::AgingCell> cells;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(cells, ledger_.Aging(tx, query));
        return absl::OkStatus();
      }));
  AgingReport report;
  report.as_of = query.as_of;
  report.bucket_labels = BucketLabels(query.bucket_bounds);
  const size_t n = report.bucket_labels.size();
  std::map<std::pair<std::string, std::string>, AgingRow> rows;
  std::map<std::string, AgingRow> totals;
  std::map<std::string, customer::DealerFacts> facts;
  auto add = [&](AgingRow& row, const std::string& group,
                 const ReceivablesStore::AgingCell& c) -> absl::Status {
    if (row.buckets.empty()) {
      row.group = group;
      row.currency = c.currency;
      row.buckets.assign(n, Money::Zero(c.currency));
      row.total = Money::Zero(c.currency);
    }
    ASSIGN_OR_RETURN(const Money amount,
                     Money::Create(c.currency, c.amount_minor));
    ASSIGN_OR_RETURN(row.buckets[c.bucket], row.buckets[c.bucket].Add(amount));
    ASSIGN_OR_RETURN(row.total, row.total.Add(amount));
    row.invoices += c.invoices;
    row.max_days_overdue = std::max(row.max_days_overdue,
                                    std::max<int64_t>(0, c.max_days_overdue));
    return absl::OkStatus();
  };
  for (const ReceivablesStore::AgingCell& c : cells) {
    std::string group;
    switch (group_by) {
      case AgingGroup::kDealer:
        group = c.dealer_id;
        break;
      case AgingGroup::kPayer:
        group = c.payer_dealer_id;
        break;
      case AgingGroup::kTerritory:
      case AgingGroup::kOwner: {
        auto it = facts.find(c.dealer_id);
        if (it == facts.end()) {
          ASSIGN_OR_RETURN(customer::DealerFacts f,
                           dealers_->Get(call, c.dealer_id));
          it = facts.emplace(c.dealer_id, std::move(f)).first;
        }
        group = group_by == AgingGroup::kTerritory ? it->second.sales_territory
                                                   : it->second.owner;
        break;
      }
    }
    RETURN_IF_ERROR(add(rows[{group, c.currency}], group, c));
    RETURN_IF_ERROR(add(totals[c.currency], "portfolio", c));
  }
  for (auto& [key, row] : rows) report.rows.push_back(std::move(row));
  for (auto& [key, row] : totals) report.totals.push_back(std::move(row));
  return report;
}

absl::StatusOr<ReceivablesOperations::RevenueReport>
ReceivablesOperations::Revenue(absl::CivilDay from, absl::CivilDay to,
                               const std::string& dealer_id,
                               ReceivablesStore::RevenueKey key) {
  if (to < from) return InvalidField("to_date", "must not be before from_date");
  if (to - from > 3 * 366) {
    return InvalidField("to_date", "the period may span at most 3 years");
  }
  std::vector<ReceivablesStore::RevenueCell> cells;
  RevenueReport report;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        cells.clear();
        report.incentives.clear();
        return ledger_.Revenue(tx, from, to, dealer_id, key, &cells,
                               &report.incentives);
      }));
  for (ReceivablesStore::RevenueCell& c : cells) {
    RevenueRow row;
    ASSIGN_OR_RETURN(
        row.net_revenue,
        Money::Create(c.currency, c.invoiced_net_minor - c.returns_minor -
                                      c.price_corrections_minor));
    ASSIGN_OR_RETURN(
        row.net_cost,
        Money::Create(c.currency, c.cost_minor - c.returned_cost_minor));
    ASSIGN_OR_RETURN(row.margin, row.net_revenue.Subtract(row.net_cost));
    row.cell = std::move(c);
    report.rows.push_back(std::move(row));
  }
  return report;
}

absl::StatusOr<std::vector<ReceivablesOperations::PositionRow>>
ReceivablesOperations::ListPositions(const CallContext& call,
                                     bool highest_first,
                                     const std::string& territory,
                                     const std::string& abc_class,
                                     const PageRequest& page,
                                     std::string* next_after_key) {
  // Filters need customer records' facts, so pages are filled by reading
  // on until enough match (at most 20 reads of a page's worth).
  std::vector<PositionRow> out;
  PageRequest read = page;
  next_after_key->clear();
  for (int round = 0; round < 20; ++round) {
    std::vector<CreditAccountStore::RankedAccount> ranked;
    RETURN_IF_ERROR(db_->RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          ASSIGN_OR_RETURN(
              ranked, accounts_.ListByUtilisation(tx, highest_first, read));
          return absl::OkStatus();
        }));
    const bool more = ranked.size() > static_cast<size_t>(read.limit);
    if (more) ranked.pop_back();
    for (CreditAccountStore::RankedAccount& r : ranked) {
      const std::string key =
          absl::StrCat(r.utilisation_bp, ":", r.account.dealer_id);
      read.after_key = key;
      ASSIGN_OR_RETURN(customer::DealerFacts facts,
                       dealers_->Get(call, r.account.dealer_id));
      if ((!territory.empty() && facts.sales_territory != territory) ||
          (!abc_class.empty() && facts.abc_class != abc_class)) {
        continue;
      }
      PositionRow row;
      ASSIGN_OR_RETURN(row.position, ComputeCreditPosition(r.account));
      row.utilisation_bp = r.utilisation_bp;
      row.facts = std::move(facts);
      out.push_back(std::move(row));
      if (out.size() == static_cast<size_t>(page.limit)) {
        *next_after_key = key;
        return out;
      }
    }
    if (!more) return out;
  }
  *next_after_key = read.after_key;
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReceivablesOperations::PaymentRecord(
    const std::string& payer) {
  std::vector<int64_t> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, ledger_.PaymentRecord(tx, payer, 6));
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace qudao::credit
