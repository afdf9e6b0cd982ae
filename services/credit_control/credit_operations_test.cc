// The credit operations on SQLite and on a real PostgreSQL, without gRPC.
#include "services/credit_control/credit_operations.h"

#include <string>

#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_proto.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/customer_records_testing.h"

namespace qudao::credit {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

template <typename B>
class CreditOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("credit_control", CreditAccountStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    // The real customer records, in-process on SQLite.
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Mingda Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    const std::string target = customers_->target();
    directory_ = std::make_unique<customer::CustomerRecordsClient>(
        [target] { return target; });
    ops_ = std::make_unique<CreditOperations>(this->db_.get(), directory_.get(),
                                              &this->clock_);
  }

  LimitDecision Decision(int64_t minor, const std::string& currency = "CNY") {
    return {dealer_, Money::Create(currency, minor).value(), "annual review"};
  }

  // A call made for the controller `subject` (their token is forwarded to
  // customer records).
  static CallContext CallFor(const std::string& subject) {
    CallContext call;
    call.authorization =
        testing::TestIdentity::Get().Token(subject, {"credit_controller"});
    return call;
  }

  absl::StatusOr<CreditPosition> Set(
      const LimitDecision& decision, const IdempotentRequest& request = {},
      const std::string& approver = "credit.li") {
    auth::Principal who;
    who.subject = approver;
    who.roles = {auth::Role::kCreditController};
    return ops_->SetLimit(CallFor(approver), who, decision, request);
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<customer::CustomerRecordsClient> directory_;
  std::string dealer_;
  std::unique_ptr<CreditOperations> ops_;
};

TYPED_TEST_SUITE(CreditOperationsTest, testing::BothBackends);

TYPED_TEST(CreditOperationsTest, FirstLimitOpensTheAccount) {
  EXPECT_THAT(this->ops_->GetPosition(this->dealer_),
              StatusIs(absl::StatusCode::kNotFound));
  auto set = this->Set(this->Decision(5000000), {});
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->limit_revision, 1);
  EXPECT_EQ(set->available_credit, Money::Create("CNY", 5000000).value());
  auto got = this->ops_->GetPosition(this->dealer_);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(CreditPositionCodec().encode(*got),
            CreditPositionCodec().encode(*set));
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 1);
}

TYPED_TEST(CreditOperationsTest, ARetryAnswersWithItsOwnChange) {
  const auto raise =
      IdempotentRequest::FromCaller("SetCreditLimit", "credit.li", "r1", "a");
  auto first = this->Set(this->Decision(9000000), raise);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(this->Set(this->Decision(0), {}), IsOk());
  auto retried = this->Set(this->Decision(9000000), raise);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(CreditPositionCodec().encode(*retried),
            CreditPositionCodec().encode(*first));
  auto now = this->ops_->GetPosition(this->dealer_);
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->credit_limit.minor_units(), 0);
  EXPECT_EQ(now->limit_revision, 2);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 2);
}

TYPED_TEST(CreditOperationsTest, TheAccountKeepsItsCurrency) {
  ASSERT_THAT(this->Set(this->Decision(100, "CNY"), {}), IsOk());
  EXPECT_THAT(
      this->Set(this->Decision(100, "USD"), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition, kCurrencyMismatch));
  EXPECT_THAT(this->Set(this->Decision(-1), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 1);
}

// Four eyes: the dealer's owner (rep.wang, see CustomerRecordsForTest)
// cannot set its limit, even holding the controller's role; the approver
// recorded is whoever set it.
TYPED_TEST(CreditOperationsTest, NobodySetsTheLimitOfADealerTheyOwn) {
  const absl::StatusOr<CreditPosition> own =
      this->Set(this->Decision(100), {}, "rep.wang");
  EXPECT_THAT(own, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ReasonOf(own.status()), auth::kReasonFourEyes);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);
  ASSERT_THAT(this->Set(this->Decision(100), {}, "credit.zhou"), IsOk());
  auto rows = this->Query("SELECT approved_by FROM credit_limit_changes");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "credit.zhou");
}

}  // namespace
}  // namespace qudao::credit
