// The service-ticket operations on SQLite and on a real PostgreSQL, without
// gRPC.
#include "services/dealer_support/service_ticket_operations.h"

#include <string>

#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/dealer_support/service_ticket_proto.h"

namespace qudao::support {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

// A dealer of the real customer records (in-process), once per binary.
std::string kDealer;
customer::CustomerRecordsForTest* Customers() {
  static customer::CustomerRecordsForTest* customers = [] {
    auto started = customer::CustomerRecordsForTest::Start();
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) {
      return static_cast<customer::CustomerRecordsForTest*>(nullptr);
    }
    auto* c = started->release();
    kDealer = c->CreateDealer("Mingda Machinery").value();
    return c;
  }();
  return customers;
}

template <typename B>
class ServiceTicketOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("dealer_support", ServiceTicketStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_NE(Customers(), nullptr);
    const std::string target = Customers()->target();
    ServiceClientOptions options;
    options.own_token = testing::TestIdentity::Get().TestServiceTokenSource();
    client_ = std::make_unique<customer::CustomerRecordsClient>(
        [target] { return target; }, options);
    directory_ = std::make_unique<customer::CachedDealerDirectory>(
        client_.get(), nullptr, nullptr, nullptr);
    ops_ = std::make_unique<ServiceTicketOperations>(
        this->db_.get(), directory_.get(), &this->clock_);
  }

  static ServiceTicket Draft(
      TicketPriority priority = TicketPriority::kUrgent) {
    ServiceTicket t;
    t.dealer_id = kDealer;
    t.type = TicketType::kWarrantyRepair;
    t.priority = priority;
    t.subject = "Pump does not start";
    return t;
  }

  std::unique_ptr<customer::CustomerRecordsClient> client_;
  std::unique_ptr<customer::CachedDealerDirectory> directory_;
  std::unique_ptr<ServiceTicketOperations> ops_;
};

TYPED_TEST_SUITE(ServiceTicketOperationsTest, testing::BothBackends);

TYPED_TEST(ServiceTicketOperationsTest, CreateOpensWithAPromiseAndHistory) {
  auto created = this->ops_->Create({}, this->Draft(), {});
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->status, TicketStatus::kOpen);
  EXPECT_EQ(created->respond_by_time, this->clock_.Now() + absl::Hours(2));
  EXPECT_EQ(this->CountRows("service_ticket_events"), 1);
  auto got = this->ops_->Get(created->id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->version, 1);
  EXPECT_FALSE(got->first_response_time.has_value());
  EXPECT_EQ(ServiceTicketCodec().encode(*got),
            ServiceTicketCodec().encode(*created));
  EXPECT_THAT(this->ops_->Get("tkt_00000000000000000000"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST(ServiceTicketOperationsTest, ARetryOpensOneTicket) {
  const auto request =
      IdempotentRequest::FromCaller("CreateServiceTicket", "dealer", "k", "fp");
  auto first = this->ops_->Create({}, this->Draft(), request);
  ASSERT_THAT(first, IsOk());
  this->clock_.Advance(absl::Minutes(5));
  auto again = this->ops_->Create({}, this->Draft(), request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->respond_by_time, first->respond_by_time);
  EXPECT_EQ(this->CountRows("service_tickets"), 1);
  EXPECT_EQ(this->CountRows("service_ticket_events"), 1);
}

TYPED_TEST(ServiceTicketOperationsTest, ListIsNewestFirstPerDealer) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto t = this->ops_->Create({}, this->Draft(), {});
    ASSERT_THAT(t, IsOk());
    ids.insert(ids.begin(), t->id);
    this->clock_.Advance(absl::Seconds(1));
  }
  const TicketFilter filter{kDealer};
  auto page = ParsePageRequest(2, "", filter.Canonical());
  ASSERT_THAT(page, IsOk());
  auto first = this->ops_->List(filter, *page);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->tickets.size(), 2u);
  EXPECT_EQ(first->tickets[0].id, ids[0]);
  EXPECT_EQ(first->tickets[1].id, ids[1]);
  auto next = ParsePageRequest(2, first->next_page_token, filter.Canonical());
  ASSERT_THAT(next, IsOk());
  auto second = this->ops_->List(filter, *next);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->tickets.size(), 1u);
  EXPECT_EQ(second->tickets[0].id, ids[2]);
  EXPECT_TRUE(second->next_page_token.empty());
}

}  // namespace
}  // namespace qudao::support
