// The risk-control and collections RPCs of CreditControlService: alerts,
// guarantees, inspections, overdue cases and the review list. Converts
// proto ⇄ domain, validates the request's shape and calls one risk
// operation.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/pagination/pagination.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/risk_proto.h"

namespace qudao::credit {
namespace {

constexpr size_t kMaxNoteChars = 500;

std::string Trimmed(const std::string& s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

// A page of at most 500 (0: 50) scoped to `scope`.
absl::StatusOr<PageRequest> Page(int32_t size, const std::string& token,
                                 const std::string& scope) {
  ASSIGN_OR_RETURN(PageRequest page, ParsePageRequest(size, token, scope));
  page.limit = std::min(page.limit, 500);
  return page;
}

}  // namespace

void CreditControlService::ServeRisk() {
  Handle<pb::ListAlertsRequest, pb::ListAlertsResponse>(
      "ListAlerts",
      [this](const Call&, const pb::ListAlertsRequest& r,
             pb::ListAlertsResponse* out) -> absl::Status {
        if (!r.payer_dealer_id().empty()) {
          RETURN_IF_ERROR(
              RequireDealerId("payer_dealer_id", r.payer_dealer_id()));
        }
        const std::string scope =
            absl::StrCat("alerts:", r.payer_dealer_id(), ":", r.open_only());
        ASSIGN_OR_RETURN(const PageRequest page,
                         Page(r.page_size(), r.page_token(), scope));
        ASSIGN_OR_RETURN(
            std::vector<Alert> alerts,
            risk_->ListAlerts(r.payer_dealer_id(), r.open_only(), page));
        out->set_next_page_token(TrimToPage(
            alerts, page, scope, [](const Alert& a) { return a.alert_id; }));
        for (const Alert& a : alerts) *out->add_alerts() = AlertToProto(a);
        return absl::OkStatus();
      });
  Handle<pb::AcknowledgeAlertRequest, pb::Alert>(
      "AcknowledgeAlert",
      [this](const Call& c, const pb::AcknowledgeAlertRequest& r,
             pb::Alert* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        RETURN_IF_ERROR(RequireId("alert_id", r.alert_id(), "alr"));
        RETURN_IF_ERROR(RequireText("note", r.note(), kMaxNoteChars));
        ASSIGN_OR_RETURN(
            const Alert a,
            risk_->AcknowledgeAlert(
                c.principal, r.alert_id(), Trimmed(r.note()),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = AlertToProto(a);
        return absl::OkStatus();
      });
  Handle<pb::RecordGuaranteeRequest, pb::Guarantee>(
      "RecordGuarantee",
      [this](const Call& c, const pb::RecordGuaranteeRequest& r,
             pb::Guarantee* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        if (!r.has_guarantee()) return InvalidField("guarantee", "is required");
        RETURN_IF_ERROR(RequireDealerId("guarantee.payer_dealer_id",
                                        r.guarantee().payer_dealer_id()));
        RETURN_IF_ERROR(auth::ActorOf(c.principal, "guarantee.recorded_by",
                                      Trimmed(r.guarantee().recorded_by()))
                            .status());
        ASSIGN_OR_RETURN(Guarantee g, GuaranteeFromProto(r.guarantee()));
        g.provider = Trimmed(g.provider);
        g.reference = Trimmed(g.reference);
        ASSIGN_OR_RETURN(
            const Guarantee recorded,
            risk_->RecordGuarantee(
                c.Outgoing(), c.principal, std::move(g),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = GuaranteeToProto(recorded);
        return absl::OkStatus();
      });
  Handle<pb::ListGuaranteesRequest, pb::ListGuaranteesResponse>(
      "ListGuarantees",
      [this](const Call&, const pb::ListGuaranteesRequest& r,
             pb::ListGuaranteesResponse* out) -> absl::Status {
        RETURN_IF_ERROR(
            RequireDealerId("payer_dealer_id", r.payer_dealer_id()));
        ASSIGN_OR_RETURN(const std::vector<Guarantee> list,
                         risk_->ListGuarantees(r.payer_dealer_id()));
        for (const Guarantee& g : list) {
          *out->add_guarantees() = GuaranteeToProto(g);
        }
        return absl::OkStatus();
      });
  Handle<pb::RecordInspectionRequest, pb::Inspection>(
      "RecordInspection",
      [this](const Call& c, const pb::RecordInspectionRequest& r,
             pb::Inspection* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        if (!r.has_inspection()) {
          return InvalidField("inspection", "is required");
        }
        RETURN_IF_ERROR(RequireDealerId("inspection.payer_dealer_id",
                                        r.inspection().payer_dealer_id()));
        RETURN_IF_ERROR(auth::ActorOf(c.principal, "inspection.recorded_by",
                                      Trimmed(r.inspection().recorded_by()))
                            .status());
        ASSIGN_OR_RETURN(Inspection i,
                         InspectionFromProto(r.inspection(), risk_->Today()));
        i.inspector = Trimmed(i.inspector);
        ASSIGN_OR_RETURN(
            const Inspection recorded,
            risk_->RecordInspection(
                c.Outgoing(), c.principal, std::move(i),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = InspectionToProto(recorded);
        return absl::OkStatus();
      });
  Handle<pb::ListInspectionsRequest, pb::ListInspectionsResponse>(
      "ListInspections",
      [this](const Call&, const pb::ListInspectionsRequest& r,
             pb::ListInspectionsResponse* out) -> absl::Status {
        RETURN_IF_ERROR(
            RequireDealerId("payer_dealer_id", r.payer_dealer_id()));
        ASSIGN_OR_RETURN(const std::vector<Inspection> list,
                         risk_->ListInspections(r.payer_dealer_id()));
        for (const Inspection& i : list) {
          *out->add_inspections() = InspectionToProto(i);
        }
        return absl::OkStatus();
      });
  Handle<pb::ListOverdueCasesRequest, pb::ListOverdueCasesResponse>(
      "ListOverdueCases",
      [this](const Call&, const pb::ListOverdueCasesRequest& r,
             pb::ListOverdueCasesResponse* out) -> absl::Status {
        if (!r.payer_dealer_id().empty()) {
          RETURN_IF_ERROR(
              RequireDealerId("payer_dealer_id", r.payer_dealer_id()));
        }
        const std::string scope =
            absl::StrCat("cases:", r.payer_dealer_id(), ":", r.open_only());
        ASSIGN_OR_RETURN(const PageRequest page,
                         Page(r.page_size(), r.page_token(), scope));
        ASSIGN_OR_RETURN(
            std::vector<OverdueCase> cases,
            risk_->ListCases(r.payer_dealer_id(), r.open_only(), page));
        out->set_next_page_token(
            TrimToPage(cases, page, scope,
                       [](const OverdueCase& c) { return c.case_id; }));
        for (const OverdueCase& c : cases) *out->add_cases() = CaseToProto(c);
        return absl::OkStatus();
      });
  Handle<pb::GetOverdueCaseRequest, pb::OverdueCase>(
      "GetOverdueCase",
      [this](const Call&, const pb::GetOverdueCaseRequest& r,
             pb::OverdueCase* out) -> absl::Status {
        RETURN_IF_ERROR(RequireId("case_id", r.case_id(), "odc"));
        ASSIGN_OR_RETURN(const RiskOperations::CaseView view,
                         risk_->GetCase(r.case_id()));
        *out = CaseToProto(view.overdue_case, view.records, view.promises);
        return absl::OkStatus();
      });
  Handle<pb::SetOverdueCauseRequest, pb::OverdueCase>(
      "SetOverdueCause",
      [this](const Call& c, const pb::SetOverdueCauseRequest& r,
             pb::OverdueCase* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        RETURN_IF_ERROR(RequireId("case_id", r.case_id(), "odc"));
        RETURN_IF_ERROR(RequireText("note", r.note(), kMaxNoteChars));
        ASSIGN_OR_RETURN(
            const OverdueCase updated,
            risk_->SetCause(
                c.principal, r.case_id(), static_cast<OverdueCause>(r.cause()),
                Trimmed(r.note()),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = CaseToProto(updated);
        return absl::OkStatus();
      });
  Handle<pb::AddCaseRecordRequest, pb::CaseRecord>(
      "AddCaseRecord",
      [this](const Call& c, const pb::AddCaseRecordRequest& r,
             pb::CaseRecord* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        RETURN_IF_ERROR(RequireId("case_id", r.case_id(), "odc"));
        if (!r.has_record()) return InvalidField("record", "is required");
        RETURN_IF_ERROR(auth::ActorOf(c.principal, "record.recorded_by",
                                      Trimmed(r.record().recorded_by()))
                            .status());
        ASSIGN_OR_RETURN(CaseRecord record, RecordFromProto(r.record()));
        record.text = Trimmed(record.text);
        record.outcome = Trimmed(record.outcome);
        ASSIGN_OR_RETURN(
            const CaseRecord added,
            risk_->AddRecord(
                c.principal, r.case_id(), std::move(record),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = RecordToProto(added);
        return absl::OkStatus();
      });
  Handle<pb::RecordPaymentPromiseRequest, pb::PaymentPromise>(
      "RecordPaymentPromise",
      [this](const Call& c, const pb::RecordPaymentPromiseRequest& r,
             pb::PaymentPromise* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        RETURN_IF_ERROR(RequireId("case_id", r.case_id(), "odc"));
        if (!r.has_promise()) return InvalidField("promise", "is required");
        ASSIGN_OR_RETURN(PaymentPromise p, PromiseFromProto(r.promise()));
        ASSIGN_OR_RETURN(
            const PaymentPromise recorded,
            risk_->RecordPromise(
                c.principal, r.case_id(), std::move(p),
                c.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = PromiseToProto(recorded);
        return absl::OkStatus();
      });
  Handle<pb::ListReviewDueRequest, pb::ListReviewDueResponse>(
      "ListReviewDue",
      [this](const Call& c, const pb::ListReviewDueRequest&,
             pb::ListReviewDueResponse* out) -> absl::Status {
        std::string month;
        ASSIGN_OR_RETURN(const std::vector<RiskOperations::ReviewEntry> due,
                         risk_->ReviewDue(c.Outgoing(), &month));
        out->set_month(month);
        for (const RiskOperations::ReviewEntry& e : due) {
          pb::ReviewEntry* p = out->add_entries();
          p->set_payer_dealer_id(e.payer.dealer_id);
          p->set_legal_name(e.payer.legal_name);
          p->set_abc_class(e.payer.abc_class);
          for (const std::string& reason : e.reasons) p->add_reasons(reason);
          if (e.last_assess_time.has_value()) {
            *p->mutable_last_assess_time() = TimeToProto(*e.last_assess_time);
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace qudao::credit
