// CustomerRecordsForTest; see customer_records_testing.h.
#include "services/customer_records/customer_records_testing.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/testing/uscc.h"
#include "services/customer_records/customer_records_module.h"

namespace qudao::customer {

absl::StatusOr<std::unique_ptr<CustomerRecordsForTest>>
CustomerRecordsForTest::Start() {
  auto fixture = testing::ServiceFixture::Start(NewCustomerRecordsModule);
  if (!fixture.ok()) return fixture.status();
  std::unique_ptr<CustomerRecordsForTest> out(new CustomerRecordsForTest());
  out->port_ = (*fixture)->port();
  out->stub_ = v1::CustomerRecordsService::NewStub((*fixture)->channel());
  out->fixture_ = std::move(*fixture);
  return out;
}

std::string CustomerRecordsForTest::target() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::StatusOr<std::string> CustomerRecordsForTest::CreateDealer(
    const std::string& name, v1::ChannelLevel level,
    const std::string& parent) {
  v1::CreateDealerRequest req;
  v1::Dealer* d = req.mutable_dealer();
  d->set_legal_name(name);
  d->mutable_region()->set_province("Zhejiang");
  d->mutable_region()->set_city("Hangzhou");
  d->mutable_region()->set_sales_territory("EAST-2");
  d->set_channel_level(level);
  d->set_parent_dealer_id(parent);
  d->set_owner("rep.wang");
  d->set_status(v1::DEALER_STATUS_ACTIVE);
  // An active dealer has its (unique) unified social credit code.
  d->set_unified_social_credit_code(testing::NextUscc());
  v1::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->CreateDealer(&ctx, req, &out);
  if (!s.ok()) return FromGrpcCall(s, ctx);
  return out.dealer_id();
}

absl::Status CustomerRecordsForTest::SetStatus(const std::string& dealer_id,
                                               v1::DealerStatus status) {
  v1::UpdateDealerRequest req;
  req.mutable_dealer()->set_dealer_id(dealer_id);
  req.mutable_dealer()->set_status(status);
  req.mutable_update_mask()->add_paths("status");
  v1::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->UpdateDealer(&ctx, req, &out);
  return FromGrpcCall(s, ctx);
}

absl::Status CustomerRecordsForTest::SetPayer(const std::string& dealer_id,
                                              const std::string& payer) {
  v1::UpdateDealerRequest req;
  req.mutable_dealer()->set_dealer_id(dealer_id);
  req.mutable_dealer()->set_payer_dealer_id(payer);
  req.mutable_update_mask()->add_paths("payer_dealer_id");
  v1::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->UpdateDealer(&ctx, req, &out);
  return FromGrpcCall(s, ctx);
}

}  // namespace qudao::customer
