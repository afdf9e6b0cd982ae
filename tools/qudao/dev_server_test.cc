// `qudao dev` hosts every module in one process. A module whose handlers
// wait on another module must not starve it: each module has its own
// worker pool, so credit control saturated with calls that each ask
// customer records still gets its answers.
#include "tools/qudao/dev_server.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"

namespace qudao {
namespace {

TEST(DevServerTest, ASaturatedModuleWaitingOnAnotherDoesNotDeadlock) {
  auto dir = testing::TempDir::Create("qudao-dev");
  ASSERT_TRUE(dir.ok());
  DevServerOptions options;
  options.data_dir = dir->path();
  options.grpc_listen = "127.0.0.1:0";
  options.http_listen = "127.0.0.1:0";
  options.admin_listen = "127.0.0.1:0";
  // Few threads per module, many more concurrent calls than threads.
  options.worker_threads = 2;
  DevServer server(options);
  ASSERT_TRUE(server.Start().ok());
  // Calls are authenticated against the dev issuer made in the data
  // directory, as `qudao login` tokens are.
  auth::TokenClaims claims;
  claims.subject = "manager.dev";
  claims.roles = {"sales_manager"};
  claims.issuer = server.issuer().issuer();
  auto token = server.issuer().signer().Mint(claims);
  ASSERT_TRUE(token.ok()) << token.status();
  // Credit is set by credit staff (segregation of duties); without a 5C
  // assessment on file, by a credit manager.
  claims.subject = "credit.dev";
  claims.roles = {"credit_manager"};
  const std::string credit_token =
      server.issuer().signer().Mint(claims).value();
  auto channel = testing::ChannelWithToken(
      absl::StrCat("127.0.0.1:", server.grpc_port()), *token);
  auto customers = customer::v1::CustomerRecordsService::NewStub(channel);
  auto credit = credit::v1::CreditControlService::NewStub(channel);

  customer::v1::CreateDealerRequest create;
  create.mutable_dealer()->set_legal_name("Saturation Trading");
  create.mutable_dealer()->mutable_region()->set_province("Anhui");
  create.mutable_dealer()->mutable_region()->set_city("Hefei");
  create.mutable_dealer()->set_channel_level(
      customer::v1::CHANNEL_LEVEL_DISTRIBUTOR);
  create.mutable_dealer()->set_owner("rep.dev");
  customer::v1::Dealer dealer;
  {
    auto ctx = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(customers->CreateDealer(ctx.get(), create, &dealer).ok());
  }

  constexpr int kCallers = 48;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      auto ctx = OutgoingContext(absl::Seconds(30));
      grpc::Status s;
      if (i % 2 == 0) {
        // Each of these waits, on a credit control worker, for customer
        // records.
        credit::v1::SetCreditLimitRequest req;
        req.set_dealer_id(dealer.dealer_id());
        req.mutable_credit_limit()->set_currency_code("CNY");
        req.mutable_credit_limit()->set_minor_units(100000 * (i + 1));
        req.set_reason("saturation");
        credit::v1::CreditPosition out;
        ctx->AddMetadata("authorization",
                         absl::StrCat("Bearer ", credit_token));
        s = credit->SetCreditLimit(ctx.get(), req, &out);
      } else {
        customer::v1::GetDealerRequest req;
        req.set_dealer_id(dealer.dealer_id());
        customer::v1::Dealer out;
        s = customers->GetDealer(ctx.get(), req, &out);
      }
      if (!s.ok()) {
        ++failures;
        ADD_FAILURE() << s.error_code() << " " << s.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  server.Shutdown();
}

// The dev issuer is made once and kept: a restart verifies tokens signed
// before it, and a token from another issuer is refused.
TEST(DevServerTest, TheDevIssuerSurvivesRestartsAndIsTheOnlyOneTrusted) {
  auto dir = testing::TempDir::Create("qudao-dev");
  ASSERT_TRUE(dir.ok());
  DevServerOptions options;
  options.data_dir = dir->path();
  options.grpc_listen = "127.0.0.1:0";
  options.http_listen = "127.0.0.1:0";
  options.admin_listen = "127.0.0.1:0";
  std::string token;
  {
    DevServer first(options);
    ASSERT_TRUE(first.Start().ok());
    auth::TokenClaims claims;
    claims.subject = "li.wei";
    claims.roles = {"sales_rep"};
    claims.issuer = first.issuer().issuer();
    token = first.issuer().signer().Mint(claims).value();
    first.Shutdown();
  }
  DevServer second(options);
  ASSERT_TRUE(second.Start().ok());
  auto get = [&](const std::string& bearer) {
    auto stub =
        customer::v1::CustomerRecordsService::NewStub(testing::ChannelWithToken(
            absl::StrCat("127.0.0.1:", second.grpc_port()), bearer));
    customer::v1::ListDealersRequest req;
    customer::v1::ListDealersResponse out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    return stub->ListDealers(ctx.get(), req, &out);
  };
  EXPECT_TRUE(get(token).ok());
  EXPECT_EQ(get(testing::TestIdentity::Get().StaffToken()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  second.Shutdown();
}

}  // namespace
}  // namespace qudao
