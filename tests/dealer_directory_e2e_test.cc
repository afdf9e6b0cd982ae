// Dealer facts across real processes: two customer-records replicas and two
// consuming services (credit control, dealer support) on one Redis. A
// dealer cached everywhere and then terminated through one replica is
// refused everywhere within moments (the dealer.updated event on the bus);
// when the subscribers are off Redis as the event is published, they catch
// up from customer records' feed once back; with Redis killed, every read
// still succeeds.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/redis/redis_client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "tests/process_fixture.h"

namespace qudao {
namespace {

namespace cpb = ::qudao::customer::v1;
using testing::RunningService;

class DealerDirectoryEndToEndTest : public testing::ProcessTest {
 protected:
  void StartPlatform() {
    auto pg = testing::SharedPostgres();
    ASSERT_TRUE(pg.ok()) << pg.status();
    ASSERT_TRUE((*pg)->CreateDatabase("directory_e2e").ok());
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    const std::string redis_flag = absl::StrCat("--redis=", redis_->Url());
    const std::string db = (*pg)->Uri("directory_e2e");
    a_ = Start(QUDAO_CUSTOMER_RECORDS_BIN, "customers_a", db, {redis_flag});
    b_ = Start(QUDAO_CUSTOMER_RECORDS_BIN, "customers_b", db, {redis_flag});
    ASSERT_GT(a_.port, 0);
    ASSERT_GT(b_.port, 0);
    credit_ =
        Start(QUDAO_CREDIT_CONTROL_BIN, "credit", Sqlite("credit"),
              {redis_flag,
               absl::StrCat("--customer_records_target=127.0.0.1:", a_.port),
               absl::StrCat("--service_token_file=",
                            ServiceTokenFile("credit_control"))});
    support_ =
        Start(QUDAO_DEALER_SUPPORT_BIN, "support", Sqlite("support"),
              {redis_flag,
               absl::StrCat("--customer_records_target=127.0.0.1:", b_.port),
               absl::StrCat("--service_token_file=",
                            ServiceTokenFile("dealer_support"))});
    ASSERT_GT(credit_.port, 0);
    ASSERT_GT(support_.port, 0);
    // A credit manager approves limits (staff tokens hold sales roles,
    // which may not; the dealers here have no 5C assessment, so a
    // controller could not).
    controller_ = testing::ChannelWithToken(
        absl::StrCat("127.0.0.1:", credit_.port),
        testing::TestIdentity::Get().Token("credit.li", {"credit_manager"}));
  }

  std::string CreateDealer(const std::string& name) {
    auto stub = cpb::CustomerRecordsService::NewStub(a_.channel);
    cpb::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name(name);
    req.mutable_dealer()->mutable_region()->set_province("Zhejiang");
    req.mutable_dealer()->mutable_region()->set_city("Ningbo");
    req.mutable_dealer()->set_channel_level(cpb::CHANNEL_LEVEL_DISTRIBUTOR);
    req.mutable_dealer()->set_owner("rep.zhou");
    cpb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->CreateDealer(ctx.get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.dealer_id();
  }

  // Through replica B, so A learns of it only from the feed.
  void Terminate(const std::string& dealer_id) {
    auto stub = cpb::CustomerRecordsService::NewStub(b_.channel);
    cpb::UpdateDealerRequest req;
    req.mutable_dealer()->set_dealer_id(dealer_id);
    req.mutable_dealer()->set_status(cpb::DEALER_STATUS_TERMINATED);
    req.mutable_update_mask()->add_paths("status");
    cpb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->UpdateDealer(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status SetLimit(const std::string& dealer_id) {
    auto stub = credit::v1::CreditControlService::NewStub(controller_);
    credit::v1::SetCreditLimitRequest req;
    req.set_dealer_id(dealer_id);
    req.mutable_credit_limit()->set_currency_code("CNY");
    req.mutable_credit_limit()->set_minor_units(5000000 + (++limits_));
    req.set_reason("annual review");
    credit::v1::CreditPosition out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    return stub->SetCreditLimit(ctx.get(), req, &out);
  }

  grpc::Status OpenTicket(const std::string& dealer_id) {
    auto stub = support::v1::DealerSupportService::NewStub(support_.channel);
    support::v1::CreateServiceTicketRequest req;
    req.mutable_ticket()->set_dealer_id(dealer_id);
    req.mutable_ticket()->set_type(support::v1::TICKET_TYPE_INSTALLATION);
    req.mutable_ticket()->set_priority(support::v1::TICKET_PRIORITY_HIGH);
    req.mutable_ticket()->set_subject("Install two pumps");
    support::v1::ServiceTicket out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    return stub->CreateServiceTicket(ctx.get(), req, &out);
  }

  cpb::DealerStatus StatusOn(const RunningService& replica,
                             const std::string& dealer_id) {
    auto stub = cpb::CustomerRecordsService::NewStub(replica.channel);
    cpb::GetDealerRequest req;
    req.set_dealer_id(dealer_id);
    cpb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    EXPECT_TRUE(stub->GetDealer(ctx.get(), req, &out).ok());
    return out.status();
  }

  // How long until every process refuses (or shows) the terminated
  // dealer; InfiniteDuration if one still does not after `limit`.
  absl::Duration UntilEveryoneKnows(const std::string& dealer_id,
                                    absl::Time since, absl::Duration limit) {
    while (absl::Now() - since < limit) {
      const bool credit_knows = SetLimit(dealer_id).error_code() ==
                                grpc::StatusCode::FAILED_PRECONDITION;
      const bool support_knows = OpenTicket(dealer_id).error_code() ==
                                 grpc::StatusCode::FAILED_PRECONDITION;
      if (credit_knows && support_knows &&
          StatusOn(a_, dealer_id) == cpb::DEALER_STATUS_TERMINATED &&
          StatusOn(b_, dealer_id) == cpb::DEALER_STATUS_TERMINATED) {
        return absl::Now() - since;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return absl::InfiniteDuration();
  }

  // Every process reads `dealer_id` once, so each caches it.
  void ReadEverywhere(const std::string& dealer_id) {
    ASSERT_TRUE(SetLimit(dealer_id).ok());
    ASSERT_TRUE(OpenTicket(dealer_id).ok());
    ASSERT_EQ(StatusOn(a_, dealer_id), cpb::DEALER_STATUS_PROSPECT);
    ASSERT_EQ(StatusOn(b_, dealer_id), cpb::DEALER_STATUS_PROSPECT);
  }

  // One connection kept open, so the test is never locked out by the
  // client limit it sets.
  absl::StatusOr<RedisReply> Admin(const std::vector<std::string>& args) {
    if (admin_ == nullptr) {
      admin_ = std::make_unique<RedisClient>(
          RedisAddress::Parse(redis_->Url()).value(), absl::Seconds(2));
    }
    auto reply = admin_->Command(args);
    if (reply.ok() && reply->type == RedisReply::Type::kError) {
      return absl::InternalError(reply->str);
    }
    return reply;
  }

  int Lines(const std::vector<std::string>& args) {
    auto reply = Admin(args);
    if (!reply.ok()) return -1;
    int lines = 0;
    for (char c : reply->str) lines += c == '\n';
    return lines;
  }
  int PubSubClients() { return Lines({"CLIENT", "LIST", "TYPE", "pubsub"}); }
  // PUBLISH commands Redis has run (INFO commandstats).
  int64_t Publishes() {
    auto reply = Admin({"INFO", "commandstats"});
    if (!reply.ok()) return -1;
    const size_t at = reply->str.find("cmdstat_publish:calls=");
    if (at == std::string::npos) return 0;
    return std::strtoll(reply->str.c_str() + at + 22, nullptr, 10);
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisClient> admin_;
  RunningService a_, b_, credit_, support_;
  std::shared_ptr<grpc::Channel> controller_;
  int limits_ = 0;
};

TEST_F(DealerDirectoryEndToEndTest, EveryProcessFollowsADealersChanges) {
  StartPlatform();
  if (HasFatalFailure()) return;

  // 1. Invalidation on the bus: cached in four processes, terminated
  //    through one, refused by all.
  const std::string first = CreateDealer("Ningbo Pump Trading");
  ReadEverywhere(first);
  if (HasFatalFailure()) return;
  absl::Time changed = absl::Now();
  Terminate(first);
  const absl::Duration on_bus =
      UntilEveryoneKnows(first, changed, absl::Seconds(10));
  std::cout << "terminated dealer refused by every process after " << on_bus
            << " (bus)" << std::endl;
  EXPECT_LT(on_bus, absl::Seconds(5));

  // 2. A lost message: every subscriber is cut off and kept off (Redis
  //    refuses PSUBSCRIBE for a while; everything else works) while the
  //    event is published, so nobody receives it; each catches up from the
  //    feed once it is back.
  const std::string second = CreateDealer("Cixi Valve Supply");
  ReadEverywhere(second);
  if (HasFatalFailure()) return;
  EXPECT_GE(PubSubClients(), 4);  // both replicas, credit control, support
  ASSERT_TRUE(Admin({"ACL", "SETUSER", "default", "-psubscribe"}).ok());
  ASSERT_TRUE(Admin({"CLIENT", "KILL", "TYPE", "pubsub"}).ok());
  EXPECT_EQ(PubSubClients(), 0);
  const int64_t published_before = Publishes();
  Terminate(second);
  // The relay publishes within its poll interval (0.5 s): to nobody.
  const absl::Time publish_deadline = absl::Now() + absl::Seconds(10);
  while (Publishes() == published_before && absl::Now() < publish_deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GT(Publishes(), published_before) << "the event was never published";
  EXPECT_EQ(PubSubClients(), 0) << "a subscriber heard the event";
  ASSERT_TRUE(Admin({"ACL", "SETUSER", "default", "+psubscribe"}).ok());
  const absl::Time reopened = absl::Now();
  const absl::Duration caught_up =
      UntilEveryoneKnows(second, reopened, absl::Seconds(20));
  std::cout << "after a lost event, every process caught up from the feed "
            << caught_up << " after Redis took subscribers again" << std::endl;
  EXPECT_LT(caught_up, absl::Seconds(10));

  // 3. Redis SIGKILLed: every read still succeeds, cached or not.
  const std::string third = CreateDealer("Yuyao Fittings");
  ReadEverywhere(third);
  if (HasFatalFailure()) return;
  admin_.reset();
  redis_->Kill();
  const std::string fourth = CreateDealer("Fenghua Motors");
  for (const std::string& id : {third, fourth}) {
    EXPECT_TRUE(SetLimit(id).ok()) << id;
    EXPECT_TRUE(OpenTicket(id).ok()) << id;
    EXPECT_EQ(StatusOn(a_, id), cpb::DEALER_STATUS_PROSPECT);
    EXPECT_EQ(StatusOn(b_, id), cpb::DEALER_STATUS_PROSPECT);
  }
  ASSERT_TRUE(redis_->Restart().ok());
  for (RunningService* svc : {&a_, &b_, &credit_, &support_}) {
    ExpectCleanExit(*svc);
  }
}

}  // namespace
}  // namespace qudao
