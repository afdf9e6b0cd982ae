// The outbox and change feed across real processes: an event committed by
// a process killed before it could publish is delivered after a restart,
// and two customer-records replicas on one PostgreSQL and one Redis drop
// each other's stale cached dealers through the feed.
#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event_bus.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "tests/process_fixture.h"

namespace qudao {
namespace {

namespace pb = ::qudao::customer::v1;
using testing::RunningService;

class ChangeFeedEndToEndTest : public testing::ProcessTest {
 protected:
  static pb::Dealer Create(const RunningService& svc, const std::string& name) {
    auto stub = pb::CustomerRecordsService::NewStub(svc.channel);
    pb::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name(name);
    req.mutable_dealer()->mutable_region()->set_province("Jiangsu");
    req.mutable_dealer()->mutable_region()->set_city("Suzhou");
    req.mutable_dealer()->set_channel_level(pb::CHANNEL_LEVEL_DISTRIBUTOR);
    req.mutable_dealer()->set_owner("rep.feed");
    pb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->CreateDealer(ctx.get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  static pb::Dealer Get(const RunningService& svc, const std::string& id) {
    auto stub = pb::CustomerRecordsService::NewStub(svc.channel);
    pb::GetDealerRequest req;
    req.set_dealer_id(id);
    pb::Dealer out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->GetDealer(ctx.get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
};

// Kill -9 between commit and publish: the process commits the change and
// its event but never publishes (its relay is off, as after a crash right
// after the commit); restarted, it publishes what it owed.
TEST_F(ChangeFeedEndToEndTest, AnEventCommittedBeforeACrashIsDeliveredAfter) {
  auto pg = testing::SharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->CreateDatabase("feed_crash").ok());
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string db = (*pg)->Uri("feed_crash");
  const std::string redis_flag = absl::StrCat("--redis=", (*redis)->Url());

  // A follower on the bus, connected before anything happens.
  auto bus = events::NewRedisEventBus((*redis)->Url());
  ASSERT_TRUE(bus.ok());
  absl::Mutex mu;
  std::vector<std::string> delivered;
  bool connected = false;
  (*bus)->Subscribe(
      "customer_records",
      [&](const events::ChangeEvent& e) {
        absl::MutexLock lock(&mu);
        delivered.push_back(absl::StrCat(e.topic(), " ", e.key()));
      },
      [&] {
        absl::MutexLock lock(&mu);
        connected = true;
      });
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&connected), absl::Seconds(10)));
  }

  RunningService first = Start(QUDAO_CUSTOMER_RECORDS_BIN, "first", db,
                               {redis_flag, "--outbox_relay=false"});
  ASSERT_GT(first.port, 0);
  const pb::Dealer dealer = Create(first, "Crash Test Trading");
  ASSERT_FALSE(dealer.dealer_id().empty());
  ASSERT_TRUE(first.process->Signal(SIGKILL).ok());
  ASSERT_TRUE(first.process->Wait(absl::Seconds(10)).ok());
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(delivered.empty()) << "nothing was published before the kill";
  }

  RunningService second =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "second", db, {redis_flag});
  ASSERT_GT(second.port, 0);
  const std::string want = absl::StrCat("dealer.created ", dealer.dealer_id());
  {
    absl::MutexLock lock(&mu);
    auto arrived = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
      return std::find(delivered.begin(), delivered.end(), want) !=
             delivered.end();
    };
    EXPECT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(20)))
        << second.process->Log();
  }
  // And the pull API has it too.
  auto stub = pb::CustomerRecordsService::NewStub(second.channel);
  type::v1::ListChangesRequest req;
  type::v1::ListChangesResponse resp;
  auto ctx = OutgoingContext(absl::Seconds(10));
  ASSERT_TRUE(stub->ListChanges(ctx.get(), req, &resp).ok());
  ASSERT_EQ(resp.events_size(), 1);
  EXPECT_EQ(resp.events(0).key(), dealer.dealer_id());
  pb::Dealer payload;
  ASSERT_TRUE(resp.events(0).payload().UnpackTo(&payload));
  EXPECT_EQ(payload.legal_name(), "Crash Test Trading");
  (*bus)->Stop();
  ExpectCleanExit(second);
}

// Two replicas of customer records on one PostgreSQL, each with its own
// in-process cache: a dealer cached by replica A and then changed through
// replica B is read fresh from A once B's dealer.updated event arrives (the
// cache is per process here on purpose, so only the feed can tell A).
TEST_F(ChangeFeedEndToEndTest, ReplicasDropStaleDealersOnTheFeed) {
  auto pg = testing::SharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->CreateDatabase("feed_replicas").ok());
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string db = (*pg)->Uri("feed_replicas");
  // The bus on Redis; the cache kept in-process (a Redis URL would share
  // the cache itself, hiding what is tested here).
  RunningService a =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "a", db,
            {"--redis=", absl::StrCat("--event_bus=", (*redis)->Url())});
  RunningService b =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "b", db,
            {"--redis=", absl::StrCat("--event_bus=", (*redis)->Url())});
  ASSERT_GT(a.port, 0);
  ASSERT_GT(b.port, 0);
  const pb::Dealer dealer = Create(a, "Replica Trading");
  EXPECT_EQ(Get(a, dealer.dealer_id()).owner(), "rep.feed");  // cached on A

  auto stub = pb::CustomerRecordsService::NewStub(b.channel);
  pb::UpdateDealerRequest update;
  update.mutable_dealer()->set_dealer_id(dealer.dealer_id());
  update.mutable_dealer()->set_owner("rep.moved");
  update.mutable_update_mask()->add_paths("owner");
  pb::Dealer updated;
  auto ctx = OutgoingContext(absl::Seconds(10));
  ASSERT_TRUE(stub->UpdateDealer(ctx.get(), update, &updated).ok());

  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::string owner;
  while (absl::Now() < deadline) {
    owner = Get(a, dealer.dealer_id()).owner();
    if (owner == "rep.moved") break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(owner, "rep.moved") << a.process->Log();
  ExpectCleanExit(a);
  ExpectCleanExit(b);
}

}  // namespace
}  // namespace qudao
