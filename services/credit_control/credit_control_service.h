// gRPC adapter of credit control: converts proto ⇄ domain, validates the
// request's shape, calls one credit operation and maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_operations.h"
#include "services/credit_control/receivables_operations.h"
#include "services/credit_control/risk_operations.h"

namespace qudao::credit {

namespace pb = ::qudao::credit::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& CreditControlPermissions();

class CreditControlService final
    : public ServedService<pb::CreditControlService> {
 public:
  // `serving` is made with CreditControlPermissions(); `feed` is the
  // database whose outbox ListChanges reads.
  CreditControlService(CreditOperations* credit,
                       ReceivablesOperations* receivables, RiskOperations* risk,
                       storage::Database* feed, Serving serving);

 private:
  // The receivables RPCs (receivables_service.cc).
  void ServeReceivables();
  // Alerts, guarantees, inspections, collections (risk_service.cc).
  void ServeRisk();
  absl::Status HandleIssueInvoice(const Call& call,
                                  const pb::IssueInvoiceRequest& request,
                                  pb::Invoice* response);
  absl::Status HandleGetInvoice(const Call& call,
                                const pb::GetInvoiceRequest& request,
                                pb::Invoice* response);
  absl::Status HandleListInvoices(const Call& call,
                                  const pb::ListInvoicesRequest& request,
                                  pb::ListInvoicesResponse* response);
  absl::Status HandleRecordPayment(const Call& call,
                                   const pb::RecordPaymentRequest& request,
                                   pb::Payment* response);
  absl::Status HandleIssueCreditNote(const Call& call,
                                     const pb::IssueCreditNoteRequest& request,
                                     pb::CreditNote* response);
  absl::Status HandlePlaceRestriction(
      const Call& call, const pb::PlaceRestrictionRequest& request,
      pb::Restriction* response);
  absl::Status HandleLiftRestriction(const Call& call,
                                     const pb::LiftRestrictionRequest& request,
                                     pb::Restriction* response);
  absl::Status HandleGetAging(const Call& call,
                              const pb::GetAgingRequest& request,
                              pb::AgingReport* response);
  absl::Status HandleGetRevenueSummary(
      const Call& call, const pb::GetRevenueSummaryRequest& request,
      pb::RevenueSummary* response);
  absl::Status HandleListCreditPositions(
      const Call& call, const pb::ListCreditPositionsRequest& request,
      pb::ListCreditPositionsResponse* response);

  absl::Status HandleSetCreditLimit(const Call& call,
                                    const pb::SetCreditLimitRequest& request,
                                    pb::CreditPosition* response);
  absl::Status HandleGetCreditPosition(
      const Call& call, const pb::GetCreditPositionRequest& request,
      pb::CreditPosition* response);
  absl::Status HandleAssessCredit(const Call& call,
                                  const pb::AssessCreditRequest& request,
                                  pb::CreditAssessment* response);
  absl::Status HandleReserveCredit(const Call& call,
                                   const pb::ReserveCreditRequest& request,
                                   pb::CreditReservation* response);
  absl::Status HandleGetCreditReservation(
      const Call& call, const pb::GetCreditReservationRequest& request,
      pb::CreditReservation* response);
  absl::Status HandleCancelCreditReservation(
      const Call& call, const pb::CancelCreditReservationRequest& request,
      pb::CreditReservation* response);
  absl::Status HandleAdjustCreditReservation(
      const Call& call, const pb::AdjustCreditReservationRequest& request,
      pb::CreditReservation* response);
  absl::Status HandleUpdateCreditPolicy(
      const Call& call, const pb::UpdateCreditPolicyRequest& request,
      pb::CreditPolicy* response);
  absl::Status HandleListHoldQueue(const Call& call,
                                   const pb::ListHoldQueueRequest& request,
                                   pb::ListHoldQueueResponse* response);
  // Release (true) or reject a held reservation.
  absl::Status HandleDecide(const Call& call,
                            const google::protobuf::Message& request,
                            const std::string& reservation_id,
                            const std::string& reason,
                            const std::string& request_id, bool release,
                            pb::CreditReservation* response);
  absl::Status HandleListCreditAssessments(
      const Call& call, const pb::ListCreditAssessmentsRequest& request,
      pb::ListCreditAssessmentsResponse* response);

  CreditOperations* credit_;
  ReceivablesOperations* receivables_;
  RiskOperations* risk_;
  storage::Database* feed_;
};

}  // namespace qudao::credit
