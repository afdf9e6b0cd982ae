// CreditControlService; see credit_control_service.h.
#include "services/credit_control/credit_control_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "common/events/change_feed.h"
#include "common/grpc/client.h"
#include "common/grpc/unary.h"
#include "common/pagination/pagination.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_proto.h"

namespace qudao::credit {
namespace {

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxApprovedByChars = 64;

}  // namespace

const auth::PermissionTable& CreditControlPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  static const auto* table = new auth::PermissionTable(
      pb::CreditControlService::service_full_name(),
      {
          {"SetCreditLimit",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-accounts",
           "dealer_id",
           "approved_by is the caller; not by anyone holding a sales role, "
           "nor by the dealer's owner (four eyes); a dealer without an "
           "owner needs a credit_manager; above the 5C recommendation (or "
           "without an assessment) a credit_manager other than the "
           "assessor; payers only"},
          {"GetCreditPosition",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin, Role::kPricingService,
            Role::kCreditControlService, Role::kWarehouseService},
           PartnerAccess::kOwnDealer,
           "credit-accounts",
           "dealer_id",
           ""},
          {"AssessCredit",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-assessments",
           "assessment.dealer_id",
           "assessed_by is the caller; not by anyone holding a sales role, "
           "nor by the dealer's owner; payers only"},
          {"ListCreditAssessments",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "credit-assessments",
           "dealer_id",
           ""},
          {"ReserveCredit",
           Access::kWrite,
           {Role::kPricingService, Role::kCreditController,
            Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-reservations",
           "order_id",
           "the order flow (pricing's account) reserves; requested_by is "
           "the caller"},
          {"GetCreditReservation",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin, Role::kPricingService,
            Role::kWarehouseService},
           PartnerAccess::kNone,
           "credit-reservations",
           "reservation_id",
           ""},
          {"CancelCreditReservation",
           Access::kWrite,
           {Role::kPricingService, Role::kCreditController,
            Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-reservations",
           "reservation_id",
           "releases approved credit"},
          {"AdjustCreditReservation",
           Access::kWrite,
           {Role::kPricingService, Role::kCreditController,
            Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-reservations",
           "reservation_id",
           "up only within the payer's limit"},
          {"ListHoldQueue",
           Access::kRead,
           {Role::kCreditController, Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "credit-reservations",
           "",
           ""},
          {"ReleaseCreditReservation",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-reservations",
           "reservation_id",
           "not by who requested it; NO_LIMIT and OVERDUE overridden, "
           "OVER_LIMIT never"},
          {"RejectCreditReservation",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-reservations",
           "reservation_id",
           "not by who requested it"},
          {"ListCreditPolicies",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"UpdateCreditPolicy",
           Access::kWrite,
           {Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-policies",
           "policy.abc_class",
           "updated_by is the caller"},
          {"IssueInvoice",
           Access::kWrite,
           {Role::kPricingService, Role::kWarehouseService,
            Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "invoices",
           "order_id",
           "the order flow and the warehouse invoice shipments; issued_by "
           "is the caller"},
          {"GetInvoice",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin, Role::kPricingService,
            Role::kWarehouseService},
           PartnerAccess::kOwnDealer,
           "invoices",
           "invoice_id",
           "a partner reads invoices it ordered or pays for (others are "
           "NOT_FOUND)"},
          {"ListInvoices",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin, Role::kPricingService},
           PartnerAccess::kOwnDealer,
           "invoices",
           "dealer_id",
           "invoices the dealer ordered or pays for"},
          {"RecordPayment",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "payments",
           "payment.payer_dealer_id",
           "recorded_by is the caller"},
          {"IssueCreditNote",
           Access::kWrite,
           {Role::kPricingService, Role::kDealerSupportService,
            Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "credit-notes",
           "credit_note.dealer_id",
           "returns and rebates from the order flow, support settlements "
           "from dealer support; issued_by is the caller"},
          {"CheckLedgerConsistency",
           Access::kRead,
           {Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"PlaceRestriction",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "restrictions",
           "restriction.payer_dealer_id",
           "placed_by is the caller; payers only"},
          {"LiftRestriction",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "restrictions",
           "restriction_id",
           "lifted_by is the caller"},
          {"ListRestrictions",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"GetAging",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kOwnDealer,
           "",
           "payer_dealer_id",
           "a partner sees the aging of what it pays for"},
          {"GetRevenueSummary",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin, Role::kPricingService,
            Role::kCustomerRecordsService, Role::kDealerSupportService},
           PartnerAccess::kNone,
           "",
           "dealer_id",
           "the one source of sales for ABC, CLV, volume discounts, rebates "
           "and contests"},
          {"ListCreditPositions",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"ListAlerts",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"AcknowledgeAlert",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "alerts",
           "alert_id",
           "acknowledged_by is the caller"},
          {"RecordGuarantee",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "guarantees",
           "guarantee.payer_dealer_id",
           "payers only; recorded_by is the caller"},
          {"ListGuarantees",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"RecordInspection",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "inspections",
           "inspection.payer_dealer_id",
           "recorded_by is the caller"},
          {"ListInspections",
           Access::kRead,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"ListOverdueCases",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"GetOverdueCase",
           Access::kRead,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"SetOverdueCause",
           Access::kWrite,
           {Role::kCreditController, Role::kCreditManager},
           PartnerAccess::kNone,
           "overdue-cases",
           "case_id",
           "cause_set_by is the caller"},
          {"AddCaseRecord",
           Access::kWrite,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager},
           PartnerAccess::kNone,
           "overdue-cases",
           "case_id",
           "sales log calls, letters and visits; agreements, plans, "
           "transfers, disputes and escalations need a credit role; "
           "recorded_by is the caller"},
          {"RecordPaymentPromise",
           Access::kWrite,
           {Role::kSalesRep, Role::kSalesManager, Role::kCreditController,
            Role::kCreditManager},
           PartnerAccess::kNone,
           "overdue-cases",
           "case_id",
           "recorded_by is the caller"},
          {"ListReviewDue",
           Access::kRead,
           {Role::kCreditController, Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"ListChanges",
           Access::kRead,
           {Role::kPricingService, Role::kCreditControlService,
            Role::kCreditController, Role::kCreditManager, Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
          {"ListAuditEvents",
           Access::kRead,
           {Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
      });
  return *table;
}

CreditControlService::CreditControlService(CreditOperations* credit,
                                           ReceivablesOperations* receivables,
                                           RiskOperations* risk,
                                           storage::Database* feed,
                                           Serving serving)
    : ServedService(serving),
      credit_(credit),
      receivables_(receivables),
      risk_(risk),
      feed_(feed) {
  Handle<pb::SetCreditLimitRequest, pb::CreditPosition>(
      "SetCreditLimit",
      [this](const Call& c, const pb::SetCreditLimitRequest& r,
             pb::CreditPosition* out) {
        return HandleSetCreditLimit(c, r, out);
      });
  Handle<pb::GetCreditPositionRequest, pb::CreditPosition>(
      "GetCreditPosition",
      [this](const Call& c, const pb::GetCreditPositionRequest& r,
             pb::CreditPosition* out) {
        return HandleGetCreditPosition(c, r, out);
      });
  Handle<pb::AssessCreditRequest, pb::CreditAssessment>(
      "AssessCredit", [this](const Call& c, const pb::AssessCreditRequest& r,
                             pb::CreditAssessment* out) {
        return HandleAssessCredit(c, r, out);
      });
  Handle<pb::ListCreditAssessmentsRequest, pb::ListCreditAssessmentsResponse>(
      "ListCreditAssessments",
      [this](const Call& c, const pb::ListCreditAssessmentsRequest& r,
             pb::ListCreditAssessmentsResponse* out) {
        return HandleListCreditAssessments(c, r, out);
      });
  Handle<pb::ReserveCreditRequest, pb::CreditReservation>(
      "ReserveCredit", [this](const Call& c, const pb::ReserveCreditRequest& r,
                              pb::CreditReservation* out) {
        return HandleReserveCredit(c, r, out);
      });
  Handle<pb::GetCreditReservationRequest, pb::CreditReservation>(
      "GetCreditReservation",
      [this](const Call& c, const pb::GetCreditReservationRequest& r,
             pb::CreditReservation* out) {
        return HandleGetCreditReservation(c, r, out);
      });
  Handle<pb::CancelCreditReservationRequest, pb::CreditReservation>(
      "CancelCreditReservation",
      [this](const Call& c, const pb::CancelCreditReservationRequest& r,
             pb::CreditReservation* out) {
        return HandleCancelCreditReservation(c, r, out);
      });
  Handle<pb::AdjustCreditReservationRequest, pb::CreditReservation>(
      "AdjustCreditReservation",
      [this](const Call& c, const pb::AdjustCreditReservationRequest& r,
             pb::CreditReservation* out) {
        return HandleAdjustCreditReservation(c, r, out);
      });
  Handle<pb::ListHoldQueueRequest, pb::ListHoldQueueResponse>(
      "ListHoldQueue", [this](const Call& c, const pb::ListHoldQueueRequest& r,
                              pb::ListHoldQueueResponse* out) {
        return HandleListHoldQueue(c, r, out);
      });
  Handle<pb::ReleaseCreditReservationRequest, pb::CreditReservation>(
      "ReleaseCreditReservation",
      [this](const Call& c, const pb::ReleaseCreditReservationRequest& r,
             pb::CreditReservation* out) {
        return HandleDecide(c, r, r.reservation_id(), r.reason(),
                            r.request_id(), /*release=*/true, out);
      });
  Handle<pb::RejectCreditReservationRequest, pb::CreditReservation>(
      "RejectCreditReservation",
      [this](const Call& c, const pb::RejectCreditReservationRequest& r,
             pb::CreditReservation* out) {
        return HandleDecide(c, r, r.reservation_id(), r.reason(),
                            r.request_id(), /*release=*/false, out);
      });
  Handle<pb::ListCreditPoliciesRequest, pb::ListCreditPoliciesResponse>(
      "ListCreditPolicies",
      [this](const Call&, const pb::ListCreditPoliciesRequest&,
             pb::ListCreditPoliciesResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(const std::vector<CreditPolicy> policies,
                         credit_->Policies());
        for (const CreditPolicy& p : policies) {
          *out->add_policies() = PolicyToProto(p);
        }
        return absl::OkStatus();
      });
  Handle<pb::UpdateCreditPolicyRequest, pb::CreditPolicy>(
      "UpdateCreditPolicy",
      [this](const Call& c, const pb::UpdateCreditPolicyRequest& r,
             pb::CreditPolicy* out) {
        return HandleUpdateCreditPolicy(c, r, out);
      });
  Handle<type::v1::ListChangesRequest, type::v1::ListChangesResponse>(
      "ListChanges",
      [feed](const Call&, const type::v1::ListChangesRequest& r,
             type::v1::ListChangesResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(*out,
                         events::ListChanges(*feed, kCreditFeedSource, r));
        return absl::OkStatus();
      });
  ServeReceivables();
  ServeRisk();
  ServeAuditTrail();
}

absl::Status CreditControlService::HandleSetCreditLimit(
    const Call& call, const pb::SetCreditLimitRequest& request,
    pb::CreditPosition* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  if (!request.has_credit_limit()) {
    return InvalidField("credit_limit", "is required");
  }
  ASSIGN_OR_RETURN(Money limit,
                   MoneyFromProto("credit_limit", request.credit_limit()));
  RETURN_IF_ERROR(CheckCreditLimit(limit));
  RETURN_IF_ERROR(RequireText("reason", request.reason(), kMaxReasonChars));
  RETURN_IF_ERROR(
      OptionalText("approved_by", request.approved_by(), kMaxApprovedByChars));
  // Who approved it comes from the token; a body naming someone else is
  // refused.
  RETURN_IF_ERROR(
      auth::ActorOf(call.principal, "approved_by",
                    absl::StripAsciiWhitespace(request.approved_by()))
          .status());
  const LimitDecision decision{
      request.dealer_id(), limit,
      std::string(absl::StripAsciiWhitespace(request.reason()))};
  ASSIGN_OR_RETURN(
      const CreditPosition position,
      credit_->SetLimit(
          call.Outgoing(), call.principal, decision,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = CreditPositionToProto(position);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetCreditPosition(
    const Call& /*call*/, const pb::GetCreditPositionRequest& request,
    pb::CreditPosition* response) {
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  ASSIGN_OR_RETURN(const CreditPosition position,
                   credit_->GetPosition(request.dealer_id()));
  *response = CreditPositionToProto(position);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleAssessCredit(
    const Call& call, const pb::AssessCreditRequest& request,
    pb::CreditAssessment* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_assessment()) {
    return InvalidField("assessment", "is required");
  }
  ASSIGN_OR_RETURN(const AssessmentInput input,
                   AssessmentInputFromProto(request.assessment()));
  // Who assessed comes from the token; a body naming someone else is
  // refused.
  RETURN_IF_ERROR(auth::ActorOf(call.principal, "assessment.assessed_by",
                                absl::StripAsciiWhitespace(
                                    request.assessment().assessed_by()))
                      .status());
  ASSIGN_OR_RETURN(
      const Assessment assessment,
      credit_->Assess(
          call.Outgoing(), call.principal, input,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = AssessmentToProto(assessment);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleListCreditAssessments(
    const Call& /*call*/, const pb::ListCreditAssessmentsRequest& request,
    pb::ListCreditAssessmentsResponse* response) {
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  ASSIGN_OR_RETURN(
      PageRequest page,
      ParsePageRequest(request.page_size() == 0 ? 20 : request.page_size(),
                       request.page_token(), request.dealer_id()));
  page.limit = std::min(page.limit, 100);
  ASSIGN_OR_RETURN(std::vector<Assessment> assessments,
                   credit_->ListAssessments(request.dealer_id(), page));
  response->set_next_page_token(
      TrimToPage(assessments, page, request.dealer_id(),
                 [](const Assessment& a) { return a.assessment_id; }));
  for (const Assessment& a : assessments) {
    *response->add_assessments() = AssessmentToProto(a);
  }
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleReserveCredit(
    const Call& call, const pb::ReserveCreditRequest& request,
    pb::CreditReservation* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireCode("order_id", request.order_id(), 64));
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  if (!request.has_amount()) return InvalidField("amount", "is required");
  CreditOperations::ReservationRequest order;
  ASSIGN_OR_RETURN(order.amount, MoneyFromProto("amount", request.amount()));
  RETURN_IF_ERROR(CheckReservationAmount(order.amount));
  if (request.payment_term_days() < 0 || request.payment_term_days() > 365) {
    return InvalidField("payment_term_days",
                        absl::StrCat("must be 0 (cash in advance) to 365 (got ",
                                     request.payment_term_days(), ")"));
  }
  order.order_id = request.order_id();
  order.dealer_id = request.dealer_id();
  order.payment_term_days = request.payment_term_days();
  ASSIGN_OR_RETURN(
      const Reservation reservation,
      credit_->Reserve(
          call.Outgoing(), call.principal, order,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = ReservationToProto(reservation);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetCreditReservation(
    const Call& /*call*/, const pb::GetCreditReservationRequest& request,
    pb::CreditReservation* response) {
  RETURN_IF_ERROR(RequireId("reservation_id", request.reservation_id(), "crs"));
  ASSIGN_OR_RETURN(const Reservation reservation,
                   credit_->GetReservation(request.reservation_id()));
  *response = ReservationToProto(reservation);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleCancelCreditReservation(
    const Call& call, const pb::CancelCreditReservationRequest& request,
    pb::CreditReservation* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireId("reservation_id", request.reservation_id(), "crs"));
  RETURN_IF_ERROR(RequireText("reason", request.reason(), kMaxReasonChars));
  ASSIGN_OR_RETURN(
      const Reservation reservation,
      credit_->CancelReservation(
          request.reservation_id(),
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = ReservationToProto(reservation);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleAdjustCreditReservation(
    const Call& call, const pb::AdjustCreditReservationRequest& request,
    pb::CreditReservation* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireId("reservation_id", request.reservation_id(), "crs"));
  if (!request.has_amount()) return InvalidField("amount", "is required");
  ASSIGN_OR_RETURN(const Money amount,
                   MoneyFromProto("amount", request.amount()));
  RETURN_IF_ERROR(CheckReservationAmount(amount));
  RETURN_IF_ERROR(RequireText("reason", request.reason(), kMaxReasonChars));
  ASSIGN_OR_RETURN(
      const Reservation reservation,
      credit_->AdjustReservation(
          request.reservation_id(), amount,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = ReservationToProto(reservation);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleUpdateCreditPolicy(
    const Call& call, const pb::UpdateCreditPolicyRequest& request,
    pb::CreditPolicy* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_policy()) return InvalidField("policy", "is required");
  CreditPolicy policy;
  policy.abc_class = request.policy().abc_class();
  policy.overdue_hold_days = request.policy().overdue_hold_days();
  policy.watch_ratio_percent = request.policy().watch_ratio_percent();
  policy.slow_payment_days = request.policy().slow_payment_days();
  RETURN_IF_ERROR(CheckPolicy(policy));
  ASSIGN_OR_RETURN(
      const CreditPolicy updated,
      credit_->UpdatePolicy(
          call.principal, policy,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = PolicyToProto(updated);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleListHoldQueue(
    const Call& /*call*/, const pb::ListHoldQueueRequest& request,
    pb::ListHoldQueueResponse* response) {
  if (!request.payer_dealer_id().empty()) {
    RETURN_IF_ERROR(
        RequireDealerId("payer_dealer_id", request.payer_dealer_id()));
  }
  ASSIGN_OR_RETURN(
      const PageRequest page,
      ParsePageRequest(request.page_size(), request.page_token(),
                       absl::StrCat("held:", request.payer_dealer_id())));
  ASSIGN_OR_RETURN(std::vector<CreditOperations::QueueEntry> entries,
                   credit_->HoldQueue(request.payer_dealer_id(), page));
  response->set_next_page_token(TrimToPage(
      entries, page, absl::StrCat("held:", request.payer_dealer_id()),
      [](const CreditOperations::QueueEntry& e) {
        return e.reservation.reservation_id;
      }));
  for (const CreditOperations::QueueEntry& e : entries) {
    pb::HoldQueueEntry* out = response->add_entries();
    *out->mutable_reservation() = ReservationToProto(e.reservation);
    if (e.payer_position.has_value()) {
      *out->mutable_payer_position() = CreditPositionToProto(*e.payer_position);
    }
    if (e.payer_overdue.has_value()) {
      *out->mutable_payer_overdue() = MoneyToProto(*e.payer_overdue);
    }
    out->set_payer_oldest_overdue_days(e.payer_oldest_overdue_days);
  }
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleDecide(
    const Call& call, const google::protobuf::Message& request,
    const std::string& reservation_id, const std::string& raw_reason,
    const std::string& request_id, bool release,
    pb::CreditReservation* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request_id));
  RETURN_IF_ERROR(RequireId("reservation_id", reservation_id, "crs"));
  RETURN_IF_ERROR(RequireText("reason", raw_reason, kMaxReasonChars));
  const std::string reason(absl::StripAsciiWhitespace(raw_reason));
  const storage::IdempotentRequest idempotent =
      call.Idempotent(request_id, RequestFingerprint(request));
  ASSIGN_OR_RETURN(
      const Reservation reservation,
      release ? credit_->ReleaseReservation(call.Outgoing(), call.principal,
                                            reservation_id, reason, idempotent)
              : credit_->RejectReservation(call.principal, reservation_id,
                                           reason, idempotent));
  *response = ReservationToProto(reservation);
  return absl::OkStatus();
}

}  // namespace qudao::credit
