// CreditControlService; see credit_control_service.h.
#include "services/credit_control/credit_control_service.h"

#include "absl/strings/ascii.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/grpc/validation.h"

namespace qudao::credit {
namespace {

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxApprovedByChars = 64;

// The position of a stored account, as the API returns it.
absl::Status RespondWithPosition(const CreditAccount& account,
                                 pb::CreditPosition* response) {
  absl::StatusOr<CreditPosition> position = ComputeCreditPosition(account);
  if (!position.ok()) return position.status();
  *response = CreditPositionToProto(*position);
  return absl::OkStatus();
}

}  // namespace

pb::CreditPosition CreditPositionToProto(const CreditPosition& p) {
  pb::CreditPosition out;
  out.set_dealer_id(p.dealer_id);
  *out.mutable_credit_limit() = MoneyToProto(p.credit_limit);
  *out.mutable_open_receivables() = MoneyToProto(p.open_receivables);
  *out.mutable_approved_uninvoiced() = MoneyToProto(p.approved_uninvoiced);
  *out.mutable_exposure() = MoneyToProto(p.exposure);
  *out.mutable_available_credit() = MoneyToProto(p.available_credit);
  *out.mutable_limit_update_time() = TimeToProto(p.limit_update_time);
  out.set_limit_revision(p.limit_revision);
  return out;
}

grpc::ServerUnaryReactor* CreditControlService::SetCreditLimit(
    grpc::CallbackServerContext* context,
    const pb::SetCreditLimitRequest* request, pb::CreditPosition* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = ValidRequestId("request_id", request->request_id());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireDealerId("dealer_id", request->dealer_id());
        !s.ok()) {
      return s;
    }
    if (!request->has_credit_limit()) {
      return InvalidField("credit_limit", "is required");
    }
    auto limit = MoneyFromProto("credit_limit", request->credit_limit());
    if (!limit.ok()) return limit.status();
    if (absl::Status s = CheckCreditLimit(*limit); !s.ok()) return s;
    if (absl::Status s =
            RequireText("reason", request->reason(), kMaxReasonChars);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireText("approved_by", request->approved_by(),
                                     kMaxApprovedByChars);
        !s.ok()) {
      return s;
    }
    // The dealer is not looked up in customer records: that service owns
    // dealers and credit control has no client of it yet, so a well-formed
    // id is trusted here.
    pb::SetCreditLimitRequest fingerprint = *request;
    fingerprint.clear_request_id();
    const absl::Time now = clock_->Now();
    auto account = store_->SetLimit(
        request->dealer_id(),
        {std::string(absl::StripAsciiWhitespace(request->reason())),
         std::string(absl::StripAsciiWhitespace(request->approved_by()))},
        request->request_id(), CanonicalBytes(fingerprint), now,
        [&](const std::optional<CreditAccount>& current) {
          return ApplyCreditLimit(current, request->dealer_id(), *limit, now);
        });
    if (!account.ok()) return account.status();
    return RespondWithPosition(*account, response);
  });
}

grpc::ServerUnaryReactor* CreditControlService::GetCreditPosition(
    grpc::CallbackServerContext* context,
    const pb::GetCreditPositionRequest* request, pb::CreditPosition* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = RequireDealerId("dealer_id", request->dealer_id());
        !s.ok()) {
      return s;
    }
    auto account = store_->GetAccount(request->dealer_id());
    if (!account.ok()) return account.status();
    return RespondWithPosition(*account, response);
  });
}

}  // namespace qudao::credit
