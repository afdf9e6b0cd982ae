// The credit limit invariant across real processes: two credit-control
// replicas on one PostgreSQL, 64 concurrent orders on one payer whose limit
// holds exactly 10 of them — exactly 10 approved, the account agrees, and
// retried requests answer as the first time without reserving again.
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
#include "tests/process_fixture.h"

namespace qudao {
namespace {

namespace cpb = ::qudao::customer::v1;
namespace pb = ::qudao::credit::v1;
using testing::RunningService;

using CreditReservationEndToEndTest = testing::ProcessTest;

TEST_F(CreditReservationEndToEndTest, TwoReplicasNeverExceedTheLimit) {
  auto pg = testing::SharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->CreateDatabase("reserve_customers").ok());
  ASSERT_TRUE((*pg)->CreateDatabase("reserve_credit").ok());
  RunningService customers = Start(QUDAO_CUSTOMER_RECORDS_BIN, "customers",
                                   (*pg)->Uri("reserve_customers"));
  ASSERT_GT(customers.port, 0);
  std::vector<RunningService> replicas;
  for (const char* name : {"credit_a", "credit_b"}) {
    replicas.push_back(Start(
        QUDAO_CREDIT_CONTROL_BIN, name, (*pg)->Uri("reserve_credit"),
        {absl::StrCat("--customer_records_target=127.0.0.1:", customers.port),
         absl::StrCat("--service_token_file=",
                      ServiceTokenFile("credit_control"))}));
    ASSERT_GT(replicas.back().port, 0);
  }

  // A distributor that pays for itself, with a limit of CNY 10,000.
  std::string dealer;
  {
    auto stub = cpb::CustomerRecordsService::NewStub(customers.channel);
    cpb::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name("Invariant Trading");
    req.mutable_dealer()->mutable_region()->set_province("Anhui");
    req.mutable_dealer()->mutable_region()->set_city("Hefei");
    req.mutable_dealer()->set_channel_level(cpb::CHANNEL_LEVEL_DISTRIBUTOR);
    req.mutable_dealer()->set_owner("rep.he");
    cpb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(stub->CreateDealer(ctx.get(), req, &out).ok());
    dealer = out.dealer_id();
  }
  {
    auto channel = testing::ChannelWithToken(
        absl::StrCat("127.0.0.1:", replicas[0].port),
        testing::TestIdentity::Get().Token("credit.boss", {"credit_manager"}));
    auto stub = pb::CreditControlService::NewStub(channel);
    pb::SetCreditLimitRequest req;
    req.set_dealer_id(dealer);
    req.mutable_credit_limit()->set_currency_code("CNY");
    req.mutable_credit_limit()->set_minor_units(10 * 100000);
    req.set_reason("trial limit");
    pb::CreditPosition out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->SetCreditLimit(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // 64 orders of CNY 1,000, half through each replica, as the order flow.
  const std::string pricing =
      testing::TestIdentity::Get().ServiceToken("pricing");
  std::vector<std::unique_ptr<pb::CreditControlService::Stub>> stubs;
  for (const RunningService& r : replicas) {
    stubs.push_back(pb::CreditControlService::NewStub(testing::ChannelWithToken(
        absl::StrCat("127.0.0.1:", r.port), pricing)));
  }
  auto reserve = [&](int i, pb::CreditReservation* out) {
    pb::ReserveCreditRequest req;
    req.set_order_id(absl::StrCat("ord-inv-", i));
    req.set_dealer_id(dealer);
    req.mutable_amount()->set_currency_code("CNY");
    req.mutable_amount()->set_minor_units(100000);
    req.set_payment_term_days(30);
    req.set_request_id(absl::StrCat("reserve-inv-", i));
    auto ctx = OutgoingContext(absl::Seconds(30));
    return stubs[i % 2]->ReserveCredit(ctx.get(), req, out);
  };
  std::vector<pb::CreditReservation> answers(64);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&, i] {
      grpc::Status s = reserve(i, &answers[i]);
      if (!s.ok()) {
        failures++;
        ADD_FAILURE() << i << ": " << s.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures, 0);
  int approved = 0, over_limit = 0;
  for (const pb::CreditReservation& r : answers) {
    if (r.status() == pb::RESERVATION_STATUS_APPROVED) ++approved;
    if (r.status() == pb::RESERVATION_STATUS_HELD && r.reasons_size() == 1 &&
        r.reasons(0).issue() == pb::RESERVATION_ISSUE_OVER_LIMIT) {
      ++over_limit;
    }
  }
  EXPECT_EQ(approved, 10);
  EXPECT_EQ(over_limit, 54);

  // Retries of every request, through the other replica: the same answers,
  // nothing reserved twice.
  for (int i = 0; i < 64; ++i) {
    pb::CreditReservation again;
    pb::ReserveCreditRequest req;
    req.set_order_id(absl::StrCat("ord-inv-", i));
    req.set_dealer_id(dealer);
    req.mutable_amount()->set_currency_code("CNY");
    req.mutable_amount()->set_minor_units(100000);
    req.set_payment_term_days(30);
    req.set_request_id(absl::StrCat("reserve-inv-", i));
    auto ctx = OutgoingContext(absl::Seconds(30));
    grpc::Status s = stubs[(i + 1) % 2]->ReserveCredit(ctx.get(), req, &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(again.reservation_id(), answers[i].reservation_id());
    EXPECT_EQ(again.status(), answers[i].status());
  }
  pb::GetCreditPositionRequest get;
  get.set_dealer_id(dealer);
  pb::CreditPosition position;
  auto ctx = OutgoingContext(absl::Seconds(10));
  ASSERT_TRUE(stubs[1]->GetCreditPosition(ctx.get(), get, &position).ok());
  EXPECT_EQ(position.approved_uninvoiced().minor_units(), 10 * 100000);
  EXPECT_EQ(position.available_credit().minor_units(), 0);
  for (RunningService& r : replicas) ExpectCleanExit(r);
  ExpectCleanExit(customers);
}

}  // namespace
}  // namespace qudao
