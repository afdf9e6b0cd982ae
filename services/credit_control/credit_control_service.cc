// CreditControlService; see credit_control_service.h.
#include "services/credit_control/credit_control_service.h"

#include "absl/strings/ascii.h"
#include "common/grpc/client.h"
#include "common/grpc/unary.h"
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

CreditControlService::CreditControlService(CreditOperations* credit,
                                           WorkerPool* workers)
    : ServedService(workers), credit_(credit) {
  Handle<pb::SetCreditLimitRequest, pb::CreditPosition>(
      "SetCreditLimit",
      [this](grpc::CallbackServerContext* c, const pb::SetCreditLimitRequest& r,
             pb::CreditPosition* out) {
        return HandleSetCreditLimit(c, r, out);
      });
  Handle<pb::GetCreditPositionRequest, pb::CreditPosition>(
      "GetCreditPosition",
      [this](grpc::CallbackServerContext* c,
             const pb::GetCreditPositionRequest& r, pb::CreditPosition* out) {
        return HandleGetCreditPosition(c, r, out);
      });
}

absl::Status CreditControlService::HandleSetCreditLimit(
    grpc::CallbackServerContext* context,
    const pb::SetCreditLimitRequest& request, pb::CreditPosition* response) {
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
      RequireText("approved_by", request.approved_by(), kMaxApprovedByChars));
  const LimitDecision decision{
      request.dealer_id(), limit,
      std::string(absl::StripAsciiWhitespace(request.reason())),
      std::string(absl::StripAsciiWhitespace(request.approved_by()))};
  ASSIGN_OR_RETURN(
      const CreditPosition position,
      credit_->SetLimit(
          CallContextOf(*context), decision,
          storage::IdempotentRequest::FromCaller(
              "CreditControlService/SetCreditLimit", CallerOf(*context),
              request.request_id(), RequestFingerprint(request))));
  *response = CreditPositionToProto(position);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetCreditPosition(
    grpc::CallbackServerContext* /*context*/,
    const pb::GetCreditPositionRequest& request, pb::CreditPosition* response) {
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  ASSIGN_OR_RETURN(const CreditPosition position,
                   credit_->GetPosition(request.dealer_id()));
  *response = CreditPositionToProto(position);
  return absl::OkStatus();
}

}  // namespace qudao::credit
