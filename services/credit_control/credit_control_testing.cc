// CreditControlForTest; see credit_control_testing.h.
#include "services/credit_control/credit_control_testing.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/testing/identity.h"
#include "services/credit_control/credit_control_module.h"

namespace qudao::credit {

absl::StatusOr<std::unique_ptr<CreditControlForTest>>
CreditControlForTest::Start(const std::string& customer_records_target,
                            const Clock* clock) {
  auto fixture = testing::ServiceFixture::Start(
      NewCreditControlModule, clock, "", nullptr,
      {{"customer_records", customer_records_target}});
  if (!fixture.ok()) return fixture.status();
  std::unique_ptr<CreditControlForTest> out(new CreditControlForTest());
  out->port_ = (*fixture)->port();
  out->stub_ = v1::CreditControlService::NewStub((*fixture)->channel());
  out->fixture_ = std::move(*fixture);
  return out;
}

std::string CreditControlForTest::target() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::unique_ptr<CreditControlClient> CreditControlForTest::ClientAs(
    const std::string& service_account) const {
  ServiceClientOptions options;
  options.own_token =
      testing::TestIdentity::Get().ServiceTokenSource(service_account);
  return std::make_unique<CreditControlClient>([t = target()] { return t; },
                                               options);
}

absl::Status CreditControlForTest::SetCreditLimit(const std::string& dealer_id,
                                                  int64_t limit_minor,
                                                  const std::string& currency) {
  v1::SetCreditLimitRequest req;
  req.set_dealer_id(dealer_id);
  req.mutable_credit_limit()->set_currency_code(currency);
  req.mutable_credit_limit()->set_minor_units(limit_minor);
  req.set_reason("test limit");
  v1::CreditPosition out;
  grpc::ClientContext ctx;
  // Limits are set by credit staff without a sales role.
  ctx.AddMetadata(
      "authorization",
      absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                  "credit.manager.test", {"credit_manager"})));
  grpc::Status s = stub_->SetCreditLimit(&ctx, req, &out);
  return FromGrpcCall(s, ctx);
}

absl::Status CreditControlForTest::ReleaseReservation(
    const std::string& reservation_id, const std::string& reason,
    const std::string& request_id) {
  v1::ReleaseCreditReservationRequest req;
  req.set_reservation_id(reservation_id);
  req.set_reason(reason);
  req.set_request_id(request_id);
  v1::CreditReservation out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->ReleaseCreditReservation(&ctx, req, &out);
  return FromGrpcCall(s, ctx);
}

}  // namespace qudao::credit
