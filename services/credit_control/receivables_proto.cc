// Receivables proto conversion; see receivables_proto.h.
#include "services/credit_control/receivables_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/credit_control/credit_position.h"
#include "services/credit_control/credit_proto.h"

namespace qudao::credit {
namespace {

// Money of a request: absent is zero in `currency`.
absl::StatusOr<Money> OrZero(absl::string_view field, bool has,
                             const type::v1::Money& m,
                             const std::string& currency) {
  if (!has) return Money::Zero(currency);
  return MoneyFromProto(field, m);
}

void AllocationsToProto(
    const AllocationPlan& plan,
    google::protobuf::RepeatedPtrField<v1::Allocation>* out) {
  for (const Allocation& a : plan.allocations) {
    v1::Allocation* p = out->Add();
    p->set_invoice_id(a.invoice_id);
    *p->mutable_applied() = MoneyToProto(a.applied);
    *p->mutable_discount() = MoneyToProto(a.discount);
  }
}

absl::StatusOr<AllocationPlan> StoredPlan(
    const google::protobuf::RepeatedPtrField<v1::Allocation>& allocations,
    const type::v1::Money& unapplied) {
  AllocationPlan plan;
  for (const v1::Allocation& a : allocations) {
    Allocation out;
    out.invoice_id = a.invoice_id();
    ASSIGN_OR_RETURN(out.applied, StoredMoney(a.applied()));
    ASSIGN_OR_RETURN(out.discount, StoredMoney(a.discount()));
    plan.allocations.push_back(std::move(out));
  }
  ASSIGN_OR_RETURN(plan.unapplied, StoredMoney(unapplied));
  return plan;
}

v1::Invoice InvoiceOnly(const Invoice& inv) { return InvoiceToProto(inv); }

absl::StatusOr<Invoice> StoredInvoice(const v1::Invoice& p) {
  Invoice inv;
  inv.invoice_id = p.invoice_id();
  inv.order_id = p.order_id();
  inv.reservation_id = p.reservation_id();
  inv.dealer_id = p.dealer_id();
  inv.payer_dealer_id = p.payer_dealer_id();
  for (const v1::InvoiceLine& l : p.lines()) {
    InvoiceLine line;
    line.sku = l.sku();
    line.product_group = l.product_group();
    line.quantity = l.quantity();
    ASSIGN_OR_RETURN(line.net_price, StoredMoney(l.net_price()));
    ASSIGN_OR_RETURN(line.unit_cost, StoredMoney(l.unit_cost()));
    ASSIGN_OR_RETURN(line.net_amount, StoredMoney(l.net_amount()));
    inv.lines.push_back(std::move(line));
  }
  ASSIGN_OR_RETURN(inv.net_amount, StoredMoney(p.net_amount()));
  ASSIGN_OR_RETURN(inv.freight, StoredMoney(p.freight()));
  ASSIGN_OR_RETURN(inv.vat, StoredMoney(p.vat()));
  ASSIGN_OR_RETURN(inv.total, StoredMoney(p.total()));
  ASSIGN_OR_RETURN(inv.cost, StoredMoney(p.cost()));
  ASSIGN_OR_RETURN(inv.outstanding, StoredMoney(p.outstanding()));
  for (const InvoiceLine& l : inv.lines) inv.units += l.quantity;
  inv.term = {p.payment_term().net_days(),
              p.payment_term().discount_basis_points(),
              p.payment_term().discount_days()};
  ASSIGN_OR_RETURN(inv.invoice_day, StoredDay(p.invoice_date()));
  ASSIGN_OR_RETURN(inv.due_day, StoredDay(p.due_date()));
  ASSIGN_OR_RETURN(inv.discount_until, StoredOptionalDay(p.discount_until()));
  ASSIGN_OR_RETURN(inv.settled_day, StoredOptionalDay(p.settled_date()));
  inv.retention_of_title = p.retention_of_title();
  inv.issued_by = p.issued_by();
  inv.create_time = TimeFromProto(p.create_time());
  return inv;
}

absl::StatusOr<Payment> StoredPayment(const v1::Payment& p) {
  Payment out;
  out.payment_id = p.payment_id();
  out.payer_dealer_id = p.payer_dealer_id();
  ASSIGN_OR_RETURN(out.amount, StoredMoney(p.amount()));
  ASSIGN_OR_RETURN(out.received_day, StoredDay(p.received_date()));
  out.reference = p.reference();
  out.invoice_ids.assign(p.invoice_ids().begin(), p.invoice_ids().end());
  ASSIGN_OR_RETURN(out.plan, StoredPlan(p.allocations(), p.unapplied()));
  out.recorded_by = p.recorded_by();
  out.create_time = TimeFromProto(p.create_time());
  return out;
}

absl::StatusOr<CreditNote> StoredCreditNote(const v1::CreditNote& p) {
  CreditNote n;
  n.credit_note_id = p.credit_note_id();
  n.kind = static_cast<CreditNoteKind>(p.kind());
  n.dealer_id = p.dealer_id();
  n.payer_dealer_id = p.payer_dealer_id();
  n.invoice_id = p.invoice_id();
  n.source = p.source();
  n.reason = p.reason();
  for (const v1::CreditNoteLine& l : p.lines()) {
    CreditNoteLine line;
    line.sku = l.sku();
    line.product_group = l.product_group();
    line.quantity = l.quantity();
    ASSIGN_OR_RETURN(line.net_amount, StoredMoney(l.net_amount()));
    ASSIGN_OR_RETURN(line.cost, StoredMoney(l.cost()));
    n.lines.push_back(std::move(line));
  }
  ASSIGN_OR_RETURN(n.net_amount, StoredMoney(p.net_amount()));
  ASSIGN_OR_RETURN(n.vat, StoredMoney(p.vat()));
  ASSIGN_OR_RETURN(n.total, StoredMoney(p.total()));
  ASSIGN_OR_RETURN(n.note_day, StoredDay(p.note_date()));
  ASSIGN_OR_RETURN(n.plan, StoredPlan(p.allocations(), p.unapplied()));
  n.issued_by = p.issued_by();
  n.create_time = TimeFromProto(p.create_time());
  return n;
}

absl::StatusOr<Restriction> StoredRestriction(const v1::Restriction& p) {
  Restriction r;
  r.restriction_id = p.restriction_id();
  r.payer_dealer_id = p.payer_dealer_id();
  r.kind = static_cast<RestrictionKind>(p.kind());
  r.reason = p.reason();
  ASSIGN_OR_RETURN(r.until, StoredOptionalDay(p.until()));
  r.placed_by = p.placed_by();
  r.place_time = TimeFromProto(p.place_time());
  r.lifted_by = p.lifted_by();
  r.lift_reason = p.lift_reason();
  if (p.has_lift_time()) r.lift_time = TimeFromProto(p.lift_time());
  return r;
}

}  // namespace

std::string DayText(const std::optional<absl::CivilDay>& day) {
  return day.has_value() ? FormatDay(*day) : std::string();
}

// A stored document's money: a decoding failure is data loss, not bad
// input.
absl::StatusOr<Money> StoredMoney(const type::v1::Money& m) {
  absl::StatusOr<Money> out = MoneyFromProto("stored", m);
  if (!out.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored document: ", out.status().message()));
  }
  return out;
}

absl::StatusOr<absl::CivilDay> StoredDay(const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = ParseDay("stored", text);
  if (!day.ok()) return absl::DataLossError("stored document: a bad date");
  return day;
}

absl::StatusOr<std::optional<absl::CivilDay>> StoredOptionalDay(
    const std::string& text) {
  if (text.empty()) return std::optional<absl::CivilDay>();
  ASSIGN_OR_RETURN(absl::CivilDay day, StoredDay(text));
  return std::optional<absl::CivilDay>(day);
}

v1::Invoice InvoiceToProto(const Invoice& inv,
                           const std::vector<LedgerEntry>& entries) {
  v1::Invoice out;
  out.set_invoice_id(inv.invoice_id);
  out.set_order_id(inv.order_id);
  out.set_reservation_id(inv.reservation_id);
  out.set_dealer_id(inv.dealer_id);
  out.set_payer_dealer_id(inv.payer_dealer_id);
  for (const InvoiceLine& l : inv.lines) {
    v1::InvoiceLine* p = out.add_lines();
    p->set_sku(l.sku);
    p->set_product_group(l.product_group);
    p->set_quantity(l.quantity);
    *p->mutable_net_price() = MoneyToProto(l.net_price);
    *p->mutable_unit_cost() = MoneyToProto(l.unit_cost);
    *p->mutable_net_amount() = MoneyToProto(l.net_amount);
  }
  *out.mutable_net_amount() = MoneyToProto(inv.net_amount);
  *out.mutable_freight() = MoneyToProto(inv.freight);
  *out.mutable_vat() = MoneyToProto(inv.vat);
  *out.mutable_total() = MoneyToProto(inv.total);
  *out.mutable_cost() = MoneyToProto(inv.cost);
  *out.mutable_payment_term() = PaymentTermToProto(inv.term);
  out.set_invoice_date(FormatDay(inv.invoice_day));
  out.set_due_date(FormatDay(inv.due_day));
  out.set_discount_until(DayText(inv.discount_until));
  out.set_retention_of_title(inv.retention_of_title);
  *out.mutable_outstanding() = MoneyToProto(inv.outstanding);
  out.set_settled_date(DayText(inv.settled_day));
  out.set_issued_by(inv.issued_by);
  *out.mutable_create_time() = TimeToProto(inv.create_time);
  for (const LedgerEntry& e : entries) {
    v1::LedgerEntry* p = out.add_entries();
    p->set_entry_id(e.entry_id);
    p->set_kind(static_cast<v1::LedgerEntryKind>(e.kind));
    p->set_invoice_id(e.invoice_id);
    p->set_document_id(e.document_id);
    *p->mutable_amount() = MoneyToProto(e.amount);
    p->set_entry_date(FormatDay(e.entry_day));
  }
  return out;
}

absl::StatusOr<InvoiceInput> InvoiceInputFromProto(
    const v1::IssueInvoiceRequest& request) {
  InvoiceInput in;
  in.order_id = request.order_id();
  if (request.lines().empty()) {
    return InvalidField("lines", "an invoice lists what shipped (1 to 500)");
  }
  for (int i = 0; i < request.lines_size(); ++i) {
    const v1::InvoiceLine& l = request.lines(i);
    const std::string f = absl::StrCat("lines[", i, "]");
    InvoiceLine line;
    line.sku = l.sku();
    line.product_group = l.product_group();
    line.quantity = l.quantity();
    if (!l.has_net_price())
      return InvalidField(f + ".net_price", "is required");
    if (!l.has_unit_cost())
      return InvalidField(f + ".unit_cost", "is required");
    ASSIGN_OR_RETURN(line.net_price,
                     MoneyFromProto(f + ".net_price", l.net_price()));
    ASSIGN_OR_RETURN(line.unit_cost,
                     MoneyFromProto(f + ".unit_cost", l.unit_cost()));
    in.lines.push_back(std::move(line));
  }
  const std::string currency = in.lines[0].net_price.currency();
  ASSIGN_OR_RETURN(in.freight, OrZero("freight", request.has_freight(),
                                      request.freight(), currency));
  ASSIGN_OR_RETURN(in.vat,
                   OrZero("vat", request.has_vat(), request.vat(), currency));
  if (!request.has_payment_term()) {
    return InvalidField("payment_term", "is required (e.g. net 30)");
  }
  ASSIGN_OR_RETURN(
      in.term, PaymentTermFromProto("payment_term", request.payment_term()));
  in.retention_of_title = request.retention_of_title();
  return in;
}

const storage::ResponseCodec<Invoice>& InvoiceCodec() {
  static const auto* codec =
      ProtoCodec<Invoice, v1::Invoice>("invoice", &InvoiceOnly, &StoredInvoice);
  return *codec;
}

v1::Payment PaymentToProto(const Payment& p) {
  v1::Payment out;
  out.set_payment_id(p.payment_id);
  out.set_payer_dealer_id(p.payer_dealer_id);
  *out.mutable_amount() = MoneyToProto(p.amount);
  out.set_received_date(FormatDay(p.received_day));
  out.set_reference(p.reference);
  for (const std::string& id : p.invoice_ids) out.add_invoice_ids(id);
  AllocationsToProto(p.plan, out.mutable_allocations());
  *out.mutable_unapplied() = MoneyToProto(p.plan.unapplied.currency().empty()
                                              ? Money::Zero(p.amount.currency())
                                              : p.plan.unapplied);
  out.set_recorded_by(p.recorded_by);
  *out.mutable_create_time() = TimeToProto(p.create_time);
  return out;
}

absl::StatusOr<Payment> PaymentFromProto(const v1::Payment& p,
                                         absl::CivilDay today) {
  Payment out;
  out.payer_dealer_id = p.payer_dealer_id();
  if (!p.has_amount()) return InvalidField("payment.amount", "is required");
  ASSIGN_OR_RETURN(out.amount, MoneyFromProto("payment.amount", p.amount()));
  if (out.amount.is_negative() || out.amount.is_zero()) {
    return InvalidField("payment.amount", "must be positive");
  }
  RETURN_IF_ERROR(CheckAmountBound("payment.amount", out.amount));
  out.received_day = today;
  if (!p.received_date().empty()) {
    ASSIGN_OR_RETURN(out.received_day,
                     ParseDay("payment.received_date", p.received_date()));
  }
  out.reference = p.reference();
  if (p.invoice_ids_size() > 100) {
    return InvalidField("payment.invoice_ids", "names at most 100 invoices");
  }
  for (const std::string& id : p.invoice_ids()) {
    for (const std::string& seen : out.invoice_ids) {
      if (seen == id) {
        return InvalidField("payment.invoice_ids",
                            absl::StrCat("names ", id, " twice"));
      }
    }
    out.invoice_ids.push_back(id);
  }
  return out;
}

const storage::ResponseCodec<Payment>& PaymentCodec() {
  static const auto* codec = ProtoCodec<Payment, v1::Payment>(
      "payment", &PaymentToProto, &StoredPayment);
  return *codec;
}

v1::CreditNote CreditNoteToProto(const CreditNote& n) {
  v1::CreditNote out;
  out.set_credit_note_id(n.credit_note_id);
  out.set_kind(static_cast<v1::CreditNoteKind>(n.kind));
  out.set_dealer_id(n.dealer_id);
  out.set_payer_dealer_id(n.payer_dealer_id);
  out.set_invoice_id(n.invoice_id);
  out.set_source(n.source);
  out.set_reason(n.reason);
  for (const CreditNoteLine& l : n.lines) {
    v1::CreditNoteLine* p = out.add_lines();
    p->set_sku(l.sku);
    p->set_product_group(l.product_group);
    p->set_quantity(l.quantity);
    *p->mutable_net_amount() = MoneyToProto(l.net_amount);
    *p->mutable_cost() = MoneyToProto(l.cost);
  }
  *out.mutable_net_amount() = MoneyToProto(n.net_amount);
  *out.mutable_vat() = MoneyToProto(n.vat);
  *out.mutable_total() = MoneyToProto(n.total);
  out.set_note_date(FormatDay(n.note_day));
  AllocationsToProto(n.plan, out.mutable_allocations());
  *out.mutable_unapplied() = MoneyToProto(n.plan.unapplied.currency().empty()
                                              ? Money::Zero(n.total.currency())
                                              : n.plan.unapplied);
  out.set_issued_by(n.issued_by);
  *out.mutable_create_time() = TimeToProto(n.create_time);
  return out;
}

absl::StatusOr<CreditNote> CreditNoteFromProto(const v1::CreditNote& p) {
  CreditNote n;
  if (p.kind() < v1::CREDIT_NOTE_KIND_RETURN ||
      p.kind() > v1::CREDIT_NOTE_KIND_SUPPORT_SETTLEMENT) {
    return InvalidField("credit_note.kind",
                        "must be RETURN, PRICE_CORRECTION, REBATE, "
                        "CONTEST_PAYOUT or SUPPORT_SETTLEMENT");
  }
  n.kind = static_cast<CreditNoteKind>(p.kind());
  n.dealer_id = p.dealer_id();
  n.invoice_id = p.invoice_id();
  n.source = p.source();
  n.reason = p.reason();
  std::string currency;
  if (p.has_net_amount()) {
    ASSIGN_OR_RETURN(n.net_amount,
                     MoneyFromProto("credit_note.net_amount", p.net_amount()));
    currency = n.net_amount.currency();
  }
  for (int i = 0; i < p.lines_size(); ++i) {
    const v1::CreditNoteLine& l = p.lines(i);
    const std::string f = absl::StrCat("credit_note.lines[", i, "]");
    CreditNoteLine line;
    line.sku = l.sku();
    line.product_group = l.product_group();
    line.quantity = l.quantity();
    if (!l.has_net_amount())
      return InvalidField(f + ".net_amount", "is required");
    ASSIGN_OR_RETURN(line.net_amount,
                     MoneyFromProto(f + ".net_amount", l.net_amount()));
    if (currency.empty()) currency = line.net_amount.currency();
    ASSIGN_OR_RETURN(line.cost,
                     OrZero(f + ".cost", l.has_cost(), l.cost(), currency));
    n.lines.push_back(std::move(line));
  }
  if (currency.empty()) {
    return InvalidField("credit_note.net_amount",
                        "is required (a return gives lines instead)");
  }
  ASSIGN_OR_RETURN(n.vat,
                   OrZero("credit_note.vat", p.has_vat(), p.vat(), currency));
  if (!p.has_net_amount()) n.net_amount = Money::Zero(currency);
  return n;
}

const storage::ResponseCodec<CreditNote>& CreditNoteCodec() {
  static const auto* codec = ProtoCodec<CreditNote, v1::CreditNote>(
      "credit note", &CreditNoteToProto, &StoredCreditNote);
  return *codec;
}

v1::Restriction RestrictionToProto(const Restriction& r) {
  v1::Restriction out;
  out.set_restriction_id(r.restriction_id);
  out.set_payer_dealer_id(r.payer_dealer_id);
  out.set_kind(static_cast<v1::RestrictionKind>(r.kind));
  out.set_reason(r.reason);
  out.set_until(DayText(r.until));
  out.set_placed_by(r.placed_by);
  *out.mutable_place_time() = TimeToProto(r.place_time);
  out.set_lifted_by(r.lifted_by);
  out.set_lift_reason(r.lift_reason);
  if (r.lift_time.has_value()) {
    *out.mutable_lift_time() = TimeToProto(*r.lift_time);
  }
  return out;
}

absl::StatusOr<Restriction> RestrictionFromProto(const v1::Restriction& p) {
  Restriction r;
  r.payer_dealer_id = p.payer_dealer_id();
  if (p.kind() != v1::RESTRICTION_KIND_TRADE_SUSPENSION &&
      p.kind() != v1::RESTRICTION_KIND_SHIPMENT_HOLD) {
    return InvalidField("restriction.kind",
                        "must be TRADE_SUSPENSION or SHIPMENT_HOLD");
  }
  r.kind = static_cast<RestrictionKind>(p.kind());
  r.reason = p.reason();
  if (!p.until().empty()) {
    ASSIGN_OR_RETURN(r.until, ParseDay("restriction.until", p.until()));
  }
  return r;
}

const storage::ResponseCodec<Restriction>& RestrictionCodec() {
  static const auto* codec = ProtoCodec<Restriction, v1::Restriction>(
      "restriction", &RestrictionToProto, &StoredRestriction);
  return *codec;
}

}  // namespace qudao::credit
