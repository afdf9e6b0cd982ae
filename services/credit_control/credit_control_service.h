// gRPC adapter of credit control: converts proto ⇄ domain, validates the
// request's shape, calls one credit operation and maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_operations.h"

namespace qudao::credit {

namespace pb = ::qudao::credit::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& CreditControlPermissions();

class CreditControlService final
    : public ServedService<pb::CreditControlService> {
 public:
  // `serving` is made with CreditControlPermissions(); `feed` is the
  // database whose outbox ListChanges reads.
  CreditControlService(CreditOperations* credit, storage::Database* feed,
                       Serving serving);

 private:
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
  storage::Database* feed_;
};

}  // namespace qudao::credit
