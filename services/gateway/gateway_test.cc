// The gateway over real HTTP, in front of a real customer records server.
#include "services/gateway/gateway.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/customer_records/customer_records_module.h"

namespace qudao::gateway {
namespace {

using ::testing::HasSubstr;
namespace pb = ::qudao::customer::v1;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fixture =
        testing::ServiceFixture::Start(customer::NewCustomerRecordsModule);
    ASSERT_TRUE(fixture.ok()) << fixture.status();
    backend_ = std::move(*fixture);
    auto stub = pb::CustomerRecordsService::NewStub(backend_->channel());
    for (const char* name : {"Alpha Trading", "Beta Supplies"}) {
      pb::CreateDealerRequest req;
      req.mutable_dealer()->set_legal_name(name);
      req.mutable_dealer()->mutable_region()->set_province("Guangdong");
      req.mutable_dealer()->mutable_region()->set_city("Foshan");
      req.mutable_dealer()->set_channel_level(pb::CHANNEL_LEVEL_WHOLESALER);
      req.mutable_dealer()->set_owner("rep.chen");
      pb::Dealer out;
      grpc::ClientContext ctx;
      ASSERT_TRUE(stub->CreateDealer(&ctx, req, &out).ok());
      ids_.push_back(out.dealer_id());
    }
  }

  void StartGateway(PartnerKeys keys = PartnerKeys()) {
    GatewayOptions options;
    options.customer_records_target =
        absl::StrCat("127.0.0.1:", backend_->port());
    options.partner_keys = std::move(keys);
    gateway_ = std::make_unique<Gateway>(std::move(options), &registry_);
    ASSERT_TRUE(gateway_->Start("127.0.0.1", 0).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
  }

  metrics::Registry registry_;
  std::unique_ptr<testing::ServiceFixture> backend_;
  std::vector<std::string> ids_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(GatewayTest, GetsADealerAsJson) {
  StartGateway();
  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]),
                          {{"X-Request-Id", "trace-7"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("\"legal_name\":\"Alpha Trading\""));
  EXPECT_THAT(res->body, HasSubstr(ids_[0]));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "trace-7");
}

TEST_F(GatewayTest, MapsErrorsToHttpWithJsonBodies) {
  StartGateway();
  auto missing = client_->Get("/v1/dealers/dlr_00000000000000000000");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("\"status\":\"NOT_FOUND\""));

  auto malformed = client_->Get("/v1/dealers/12345");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_THAT(malformed->body, HasSubstr("\"field\":\"dealer_id\""));

  auto no_route = client_->Get("/v1/nothing");
  ASSERT_TRUE(no_route);
  EXPECT_EQ(no_route->status, 404);
  EXPECT_THAT(no_route->body, HasSubstr("\"error\""));
}

TEST_F(GatewayTest, PartnersSeeOnlyTheirOwnRecord) {
  auto keys = PartnerKeys::Parse(
      absl::StrCat("# key dealer\nalpha-key-0123456789 ", ids_[0],
                   "\nbeta-key-01234567890 ", ids_[1], "\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  StartGateway(*std::move(keys));
  const std::string path = absl::StrCat("/v1/dealers/", ids_[0]);

  auto anonymous = client_->Get(path);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  auto wrong_key =
      client_->Get(path, {{"Authorization", "Bearer not-a-real-key-xxxx"}});
  ASSERT_TRUE(wrong_key);
  EXPECT_EQ(wrong_key->status, 401);

  auto other_dealer =
      client_->Get(path, {{"Authorization", "Bearer beta-key-01234567890"}});
  ASSERT_TRUE(other_dealer);
  EXPECT_EQ(other_dealer->status, 403);
  EXPECT_THAT(other_dealer->body, ::testing::Not(HasSubstr("Alpha")));

  auto own =
      client_->Get(path, {{"Authorization", "Bearer alpha-key-0123456789"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_THAT(own->body, HasSubstr("Alpha Trading"));
}

TEST_F(GatewayTest, BackendDownIsServiceUnavailable) {
  StartGateway();
  backend_.reset();
  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST(PartnerKeysTest, RejectsMalformedKeyFiles) {
  EXPECT_FALSE(PartnerKeys::Parse("short dlr_x\n").ok());
  EXPECT_FALSE(PartnerKeys::Parse("only-one-field-here-long\n").ok());
  EXPECT_FALSE(
      PartnerKeys::Parse("k-0123456789abcdef a\nk-0123456789abcdef b\n").ok());
  auto keys = PartnerKeys::Parse("\n# comment\nk-0123456789abcdef dlr_a\n");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
}

}  // namespace
}  // namespace qudao::gateway
