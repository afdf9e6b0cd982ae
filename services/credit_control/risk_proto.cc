// Risk and collections proto conversion; see risk_proto.h.
#include "services/credit_control/risk_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/credit_control/credit_proto.h"
#include "services/credit_control/receivables.h"
#include "services/credit_control/receivables_proto.h"

namespace qudao::credit {
namespace {

absl::StatusOr<Alert> StoredAlert(const v1::Alert& p) {
  Alert a;
  a.alert_id = p.alert_id();
  a.payer_dealer_id = p.payer_dealer_id();
  a.kind = static_cast<AlertKind>(p.kind());
  a.detail = p.detail();
  a.raise_time = TimeFromProto(p.raise_time());
  a.acknowledged_by = p.acknowledged_by();
  a.acknowledge_note = p.acknowledge_note();
  if (p.has_acknowledge_time()) {
    a.acknowledge_time = TimeFromProto(p.acknowledge_time());
  }
  return a;
}

absl::StatusOr<Guarantee> StoredGuarantee(const v1::Guarantee& p) {
  Guarantee g;
  g.guarantee_id = p.guarantee_id();
  g.payer_dealer_id = p.payer_dealer_id();
  g.kind = static_cast<GuaranteeKind>(p.kind());
  g.provider = p.provider();
  ASSIGN_OR_RETURN(g.value, StoredMoney(p.value()));
  ASSIGN_OR_RETURN(g.expiry, StoredDay(p.expiry_date()));
  g.reference = p.reference();
  g.recorded_by = p.recorded_by();
  g.record_time = TimeFromProto(p.record_time());
  return g;
}

absl::StatusOr<Inspection> StoredInspection(const v1::Inspection& p) {
  Inspection i;
  i.inspection_id = p.inspection_id();
  i.payer_dealer_id = p.payer_dealer_id();
  ASSIGN_OR_RETURN(i.inspection_day, StoredDay(p.inspection_date()));
  i.inspector = p.inspector();
  i.findings = p.findings();
  i.concern = p.concern();
  i.recorded_by = p.recorded_by();
  i.record_time = TimeFromProto(p.record_time());
  return i;
}

absl::StatusOr<OverdueCase> StoredCase(const v1::OverdueCase& p) {
  OverdueCase c;
  c.case_id = p.case_id();
  c.payer_dealer_id = p.payer_dealer_id();
  c.status = static_cast<CaseStatus>(p.status());
  c.cause = static_cast<OverdueCause>(p.cause());
  c.cause_note = p.cause_note();
  c.strategy = static_cast<CollectionStrategy>(p.strategy());
  c.escalation_level = p.escalation_level();
  ASSIGN_OR_RETURN(c.overdue_at_open, StoredMoney(p.overdue_at_open()));
  ASSIGN_OR_RETURN(c.opened_day, StoredDay(p.opened_date()));
  ASSIGN_OR_RETURN(c.resolved_day, StoredOptionalDay(p.resolved_date()));
  c.cause_set_by = p.cause_set_by();
  c.update_time = TimeFromProto(p.update_time());
  return c;
}

absl::StatusOr<CaseRecord> StoredRecord(const v1::CaseRecord& p) {
  ASSIGN_OR_RETURN(CaseRecord r, RecordFromProto(p));
  r.record_id = p.record_id();
  r.recorded_by = p.recorded_by();
  r.record_time = TimeFromProto(p.record_time());
  for (int i = 0; i < p.instalments_size(); ++i) {
    r.instalments[i].missed = p.instalments(i).missed();
  }
  return r;
}

absl::StatusOr<PaymentPromise> StoredPromise(const v1::PaymentPromise& p) {
  ASSIGN_OR_RETURN(PaymentPromise out, PromiseFromProto(p));
  out.promise_id = p.promise_id();
  ASSIGN_OR_RETURN(out.made_day, StoredDay(p.made_date()));
  out.status = static_cast<PromiseStatus>(p.status());
  out.recorded_by = p.recorded_by();
  return out;
}

}  // namespace

v1::Alert AlertToProto(const Alert& a) {
  v1::Alert out;
  out.set_alert_id(a.alert_id);
  out.set_payer_dealer_id(a.payer_dealer_id);
  out.set_kind(static_cast<v1::AlertKind>(a.kind));
  out.set_detail(a.detail);
  *out.mutable_raise_time() = TimeToProto(a.raise_time);
  out.set_acknowledged_by(a.acknowledged_by);
  out.set_acknowledge_note(a.acknowledge_note);
  if (a.acknowledge_time.has_value()) {
    *out.mutable_acknowledge_time() = TimeToProto(*a.acknowledge_time);
  }
  return out;
}

const storage::ResponseCodec<Alert>& AlertCodec() {
  static const auto* codec =
      ProtoCodec<Alert, v1::Alert>("alert", &AlertToProto, &StoredAlert);
  return *codec;
}

v1::Guarantee GuaranteeToProto(const Guarantee& g) {
  v1::Guarantee out;
  out.set_guarantee_id(g.guarantee_id);
  out.set_payer_dealer_id(g.payer_dealer_id);
  out.set_kind(static_cast<v1::GuaranteeKind>(g.kind));
  out.set_provider(g.provider);
  *out.mutable_value() = MoneyToProto(g.value);
  out.set_expiry_date(FormatDay(g.expiry));
  out.set_reference(g.reference);
  out.set_recorded_by(g.recorded_by);
  *out.mutable_record_time() = TimeToProto(g.record_time);
  return out;
}

absl::StatusOr<Guarantee> GuaranteeFromProto(const v1::Guarantee& p) {
  Guarantee g;
  g.payer_dealer_id = p.payer_dealer_id();
  g.kind = static_cast<GuaranteeKind>(p.kind());
  g.provider = p.provider();
  if (!p.has_value()) return InvalidField("guarantee.value", "is required");
  ASSIGN_OR_RETURN(g.value, MoneyFromProto("guarantee.value", p.value()));
  ASSIGN_OR_RETURN(g.expiry,
                   ParseDay("guarantee.expiry_date", p.expiry_date()));
  g.reference = p.reference();
  return g;
}

const storage::ResponseCodec<Guarantee>& GuaranteeCodec() {
  static const auto* codec = ProtoCodec<Guarantee, v1::Guarantee>(
      "guarantee", &GuaranteeToProto, &StoredGuarantee);
  return *codec;
}

v1::Inspection InspectionToProto(const Inspection& i) {
  v1::Inspection out;
  out.set_inspection_id(i.inspection_id);
  out.set_payer_dealer_id(i.payer_dealer_id);
  out.set_inspection_date(FormatDay(i.inspection_day));
  out.set_inspector(i.inspector);
  out.set_findings(i.findings);
  out.set_concern(i.concern);
  out.set_recorded_by(i.recorded_by);
  *out.mutable_record_time() = TimeToProto(i.record_time);
  return out;
}

absl::StatusOr<Inspection> InspectionFromProto(const v1::Inspection& p,
                                               absl::CivilDay today) {
  Inspection i;
  i.payer_dealer_id = p.payer_dealer_id();
  i.inspection_day = today;
  if (!p.inspection_date().empty()) {
    ASSIGN_OR_RETURN(i.inspection_day, ParseDay("inspection.inspection_date",
                                                p.inspection_date()));
  }
  i.inspector = p.inspector();
  i.findings = p.findings();
  i.concern = p.concern();
  return i;
}

const storage::ResponseCodec<Inspection>& InspectionCodec() {
  static const auto* codec = ProtoCodec<Inspection, v1::Inspection>(
      "inspection", &InspectionToProto, &StoredInspection);
  return *codec;
}

v1::OverdueCase CaseToProto(const OverdueCase& c,
                            const std::vector<CaseRecord>& records,
                            const std::vector<PaymentPromise>& promises) {
  v1::OverdueCase out;
  out.set_case_id(c.case_id);
  out.set_payer_dealer_id(c.payer_dealer_id);
  out.set_status(static_cast<v1::CaseStatus>(c.status));
  out.set_cause(static_cast<v1::OverdueCause>(c.cause));
  out.set_cause_note(c.cause_note);
  out.set_strategy(static_cast<v1::CollectionStrategy>(c.strategy));
  out.set_escalation_level(c.escalation_level);
  *out.mutable_overdue_at_open() = MoneyToProto(c.overdue_at_open);
  out.set_opened_date(FormatDay(c.opened_day));
  out.set_resolved_date(DayText(c.resolved_day));
  out.set_cause_set_by(c.cause_set_by);
  *out.mutable_update_time() = TimeToProto(c.update_time);
  for (const CaseRecord& r : records) *out.add_records() = RecordToProto(r);
  for (const PaymentPromise& p : promises) {
    *out.add_promises() = PromiseToProto(p);
  }
  return out;
}

const storage::ResponseCodec<OverdueCase>& CaseCodec() {
  static const auto* codec = ProtoCodec<OverdueCase, v1::OverdueCase>(
      "overdue case", +[](const OverdueCase& c) { return CaseToProto(c); },
      &StoredCase);
  return *codec;
}

v1::CaseRecord RecordToProto(const CaseRecord& r) {
  v1::CaseRecord out;
  out.set_record_id(r.record_id);
  out.set_kind(static_cast<v1::CaseRecordKind>(r.kind));
  out.set_text(r.text);
  out.set_outcome(r.outcome);
  out.set_new_due_date(DayText(r.new_due_day));
  out.set_signed_by(r.signed_by);
  for (const Instalment& in : r.instalments) {
    v1::Instalment* p = out.add_instalments();
    p->set_due_date(FormatDay(in.due));
    *p->mutable_amount() = MoneyToProto(in.amount);
    p->set_missed(in.missed);
  }
  out.set_to_dealer_id(r.to_dealer_id);
  out.set_sku(r.sku);
  out.set_quantity(r.quantity);
  if (r.value.has_value()) *out.mutable_value() = MoneyToProto(*r.value);
  out.set_our_fault(r.our_fault);
  if (r.kind == RecordKind::kAction) {
    out.set_action(static_cast<v1::CollectionAction>(r.action));
  }
  out.set_recorded_by(r.recorded_by);
  *out.mutable_record_time() = TimeToProto(r.record_time);
  return out;
}

absl::StatusOr<CaseRecord> RecordFromProto(const v1::CaseRecord& p) {
  CaseRecord r;
  if (p.kind() < v1::CASE_RECORD_KIND_EXTENSION ||
      p.kind() > v1::CASE_RECORD_KIND_ACTION) {
    return InvalidField("record.kind",
                        "must be EXTENSION, INSTALMENT_PLAN, STOCK_TRANSFER, "
                        "DISPUTE, ESCALATION or ACTION");
  }
  r.kind = static_cast<RecordKind>(p.kind());
  r.text = p.text();
  r.outcome = p.outcome();
  if (!p.new_due_date().empty()) {
    ASSIGN_OR_RETURN(r.new_due_day,
                     ParseDay("record.new_due_date", p.new_due_date()));
  }
  r.signed_by = p.signed_by();
  for (int i = 0; i < p.instalments_size(); ++i) {
    const std::string f = absl::StrCat("record.instalments[", i, "]");
    const v1::Instalment& in = p.instalments(i);
    Instalment out;
    ASSIGN_OR_RETURN(out.due, ParseDay(f + ".due_date", in.due_date()));
    if (!in.has_amount()) return InvalidField(f + ".amount", "is required");
    ASSIGN_OR_RETURN(out.amount, MoneyFromProto(f + ".amount", in.amount()));
    r.instalments.push_back(out);
  }
  r.to_dealer_id = p.to_dealer_id();
  r.sku = p.sku();
  r.quantity = p.quantity();
  if (p.has_value()) {
    ASSIGN_OR_RETURN(r.value, MoneyFromProto("record.value", p.value()));
  }
  r.our_fault = p.our_fault();
  r.action = static_cast<ActionKind>(p.action());
  return r;
}

const storage::ResponseCodec<CaseRecord>& RecordCodec() {
  static const auto* codec = ProtoCodec<CaseRecord, v1::CaseRecord>(
      "case record", &RecordToProto, &StoredRecord);
  return *codec;
}

v1::PaymentPromise PromiseToProto(const PaymentPromise& p) {
  v1::PaymentPromise out;
  out.set_promise_id(p.promise_id);
  *out.mutable_amount() = MoneyToProto(p.amount);
  out.set_promised_date(FormatDay(p.promised_day));
  out.set_made_date(FormatDay(p.made_day));
  out.set_status(static_cast<v1::PromiseStatus>(p.status));
  out.set_recorded_by(p.recorded_by);
  return out;
}

absl::StatusOr<PaymentPromise> PromiseFromProto(const v1::PaymentPromise& p) {
  PaymentPromise out;
  if (!p.has_amount()) return InvalidField("promise.amount", "is required");
  ASSIGN_OR_RETURN(out.amount, MoneyFromProto("promise.amount", p.amount()));
  ASSIGN_OR_RETURN(out.promised_day,
                   ParseDay("promise.promised_date", p.promised_date()));
  return out;
}

const storage::ResponseCodec<PaymentPromise>& PromiseCodec() {
  static const auto* codec = ProtoCodec<PaymentPromise, v1::PaymentPromise>(
      "promise", &PromiseToProto, &StoredPromise);
  return *codec;
}

}  // namespace qudao::credit
