// The credit operations on SQLite and on a real PostgreSQL, without gRPC.
#include "services/credit_control/credit_operations.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/outbox.h"
#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
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
    // Limits are judged against the dealer's 5C assessment: one on file,
    // recommending CNY 1,250,000 (AA on 1,000,000 a month, net 30).
    // (A port the OS gives again to this test's customer records may still
    // be in the shared channel's reconnect back-off from an earlier test:
    // give it the second that back-off takes.)
    absl::StatusOr<Assessment> assessed = Assess(dealer_, "credit.assessor");
    for (int i = 0; i < 30 && absl::IsUnavailable(assessed.status()); ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      assessed = Assess(dealer_, "credit.assessor");
    }
    ASSERT_TRUE(assessed.ok()) << assessed.status();
  }

  static AssessmentInput Input(const std::string& dealer_id) {
    AssessmentInput in;
    in.dealer_id = dealer_id;
    in.character = {5, "20 years trading, no disputes"};
    in.capacity = {4, "sales growing 12% a year"};
    in.collateral = {3, "bank guarantee CNY 500,000"};
    in.conditions = {3, "construction slowing in the region"};
    in.total_liabilities = Money::Create("CNY", 30000000).value();
    in.total_assets = Money::Create("CNY", 100000000).value();
    in.capital_evidence = "2025 audited balance sheet";
    in.expected_monthly_purchases = Money::Create("CNY", 100000000).value();
    in.payment_term_days = 30;
    return in;
  }

  absl::StatusOr<Assessment> Assess(
      const std::string& dealer_id, const std::string& assessor,
      auth::Role role = auth::Role::kCreditController,
      const IdempotentRequest& request = {}) {
    auth::Principal who;
    who.subject = assessor;
    who.roles = {role};
    return ops_->Assess(CallFor(assessor), who, Input(dealer_id), request);
  }

  absl::StatusOr<CreditPosition> SetAs(const LimitDecision& decision,
                                       const std::string& approver,
                                       auth::Role role) {
    auth::Principal who;
    who.subject = approver;
    who.roles = {role};
    return ops_->SetLimit(CallFor(approver), who, decision, {});
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

TYPED_TEST(CreditOperationsTest, AssessmentsAreKeptAsHistoryNewestFirst) {
  this->clock_.Advance(absl::Hours(24));
  auto second = this->Assess(this->dealer_, "credit.wu");
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->rating, CreditRating::kAA);
  EXPECT_EQ(second->recommended_limit, Money::Create("CNY", 125000000).value());
  EXPECT_EQ(second->assessed_by, "credit.wu");
  auto page = this->ops_->ListAssessments(this->dealer_, {10, ""});
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].assessment_id, second->assessment_id);
  EXPECT_EQ((*page)[1].assessed_by, "credit.assessor");
  // A retry returns the first answer and records nothing more.
  const IdempotentRequest request = IdempotentRequest::FromCaller(
      "AssessCredit", "credit.wu", "assess-1", "fp");
  auto first = this->Assess(this->dealer_, "credit.wu",
                            auth::Role::kCreditController, request);
  this->clock_.Advance(absl::Minutes(1));
  auto again = this->Assess(this->dealer_, "credit.wu",
                            auth::Role::kCreditController, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->assessment_id, first->assessment_id);
  EXPECT_EQ(this->CountRows("credit_assessments"), 3);
  // Assessments are append-only in the database too.
  EXPECT_FALSE(
      this->db_
          ->RunInTransaction(
              storage::TransactionMode::kReadWrite,
              [](storage::Transaction& tx) {
                return tx.Execute("DELETE FROM credit_assessments").status();
              })
          .ok());
}

// Above the recommendation (CNY 1,250,000) a credit_manager other than the
// assessor approves; up to it, any controller.
TYPED_TEST(CreditOperationsTest, AboveTheRecommendationNeedsAnotherManager) {
  const auto at = this->Decision(125000000);
  const auto above = this->Decision(125000001);
  EXPECT_THAT(this->SetAs(at, "credit.wu", auth::Role::kCreditController),
              IsOk());
  EXPECT_THAT(this->SetAs(above, "credit.wu", auth::Role::kCreditController),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       kReasonAboveRecommendation));
  EXPECT_THAT(
      this->SetAs(above, "credit.assessor", auth::Role::kCreditManager),
      StatusIs(absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes));
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 1);
  EXPECT_THAT(this->SetAs(above, "credit.boss", auth::Role::kCreditManager),
              IsOk());
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 2);
}

TYPED_TEST(CreditOperationsTest, WithoutAnAssessmentOnlyAManagerGrantsCredit) {
  auto fresh = this->customers_->CreateDealer("Hengtai Trading");
  ASSERT_THAT(fresh, IsOk());
  LimitDecision decision{*fresh, Money::Create("CNY", 100).value(), "trial"};
  EXPECT_THAT(this->SetAs(decision, "credit.wu", auth::Role::kCreditController),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       kReasonAboveRecommendation));
  decision.limit = Money::Create("CNY", 0).value();  // closing is fine
  EXPECT_THAT(this->SetAs(decision, "credit.wu", auth::Role::kCreditController),
              IsOk());
  decision.limit = Money::Create("CNY", 100).value();
  EXPECT_THAT(this->SetAs(decision, "credit.boss", auth::Role::kCreditManager),
              IsOk());
}

// A retailer billed through its distributor has no credit of its own.
TYPED_TEST(CreditOperationsTest, OnlyPayersAreAssessedAndLimited) {
  auto retailer = this->customers_->CreateDealer(
      "Corner Shop", customer::v1::CHANNEL_LEVEL_RETAILER, this->dealer_);
  ASSERT_THAT(retailer, IsOk());
  ASSERT_THAT(this->customers_->SetPayer(*retailer, this->dealer_), IsOk());
  EXPECT_THAT(
      this->Assess(*retailer, "credit.wu"),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNotAPayer));
  LimitDecision decision{*retailer, Money::Create("CNY", 100).value(), "x"};
  EXPECT_THAT(
      this->SetAs(decision, "credit.boss", auth::Role::kCreditManager),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNotAPayer));
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);
  EXPECT_EQ(this->CountRows("credit_assessments"), 1);  // the SetUp's
}

// Reservations: what an order takes from its payer's credit.
class ReservationTestHelpers {
 public:
  static CreditOperations::ReservationRequest Order(const std::string& order,
                                                    const std::string& dealer,
                                                    int64_t yuan,
                                                    int term_days = 30) {
    return {order, dealer, Money::Create("CNY", yuan * 100).value(), term_days};
  }
  static auth::Principal Pricing() {
    auth::Principal p;
    p.subject = "svc-pricing";
    p.roles = {auth::Role::kPricingService};
    return p;
  }
};

TYPED_TEST(CreditOperationsTest,
           ReservationsApproveWithinTheLimitAndHoldBeyond) {
  using H = ReservationTestHelpers;
  ASSERT_THAT(this->Set(this->Decision(100000 * 100)), IsOk());  // 100,000
  auto first = this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                   H::Order("ord-1", this->dealer_, 60000), {});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->status, ReservationStatus::kApproved);
  EXPECT_TRUE(first->reasons.empty());
  EXPECT_EQ(first->payer_dealer_id, this->dealer_);
  EXPECT_EQ(first->requested_by, "svc-pricing");
  auto position = this->ops_->GetPosition(this->dealer_);
  ASSERT_THAT(position, IsOk());
  EXPECT_EQ(position->approved_uninvoiced.minor_units(), 60000 * 100);
  // 60,000 + 40,000.01 > 100,000: held, saying by how much.
  CreditOperations::ReservationRequest over =
      H::Order("ord-2", this->dealer_, 40000);
  over.amount = Money::Create("CNY", 40000 * 100 + 1).value();
  auto held =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(), over, {});
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(held->status, ReservationStatus::kHeld);
  ASSERT_EQ(held->reasons.size(), 1u);
  EXPECT_EQ(held->reasons[0].issue, ReservationIssue::kOverLimit);
  EXPECT_EQ(held->reasons[0].shortfall, Money::Create("CNY", 1).value());
  // Exactly at the limit fits.
  auto exact = this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                   H::Order("ord-3", this->dealer_, 40000), {});
  ASSERT_THAT(exact, IsOk());
  EXPECT_EQ(exact->status, ReservationStatus::kApproved);
  // One reservation per order.
  EXPECT_THAT(this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                  H::Order("ord-3", this->dealer_, 1), {}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // Cancelling gives the credit back; a second cancel is refused.
  auto cancelled = this->ops_->CancelReservation(first->reservation_id, {});
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->status, ReservationStatus::kCancelled);
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 40000 * 100).value());
  EXPECT_THAT(this->ops_->CancelReservation(first->reservation_id, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       kReasonReservationClosed));
  EXPECT_EQ(this->ops_->GetReservation(first->reservation_id)->status,
            ReservationStatus::kCancelled);
}

TYPED_TEST(CreditOperationsTest, EveryReasonAppliesAndCashNeedsNoCredit) {
  using H = ReservationTestHelpers;
  // No limit yet: held NO_LIMIT.
  auto no_limit =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                          H::Order("ord-a", this->dealer_, 10), {});
  ASSERT_THAT(no_limit, IsOk());
  EXPECT_EQ(no_limit->status, ReservationStatus::kHeld);
  ASSERT_EQ(no_limit->reasons.size(), 1u);
  EXPECT_EQ(no_limit->reasons[0].issue, ReservationIssue::kNoLimit);
  // Cash in advance: approved, no credit used.
  auto cash = this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                  H::Order("ord-b", this->dealer_, 10, 0), {});
  ASSERT_THAT(cash, IsOk());
  EXPECT_EQ(cash->status, ReservationStatus::kApproved);
  EXPECT_TRUE(cash->cash_in_advance);
  // A suspended dealer is rejected (a commercial decision of sales), even
  // for cash; with no limit too, both reasons are given.
  ASSERT_THAT(this->customers_->SetStatus(
                  this->dealer_, customer::v1::DEALER_STATUS_SUSPENDED),
              IsOk());
  auto suspended =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                          H::Order("ord-c", this->dealer_, 10), {});
  ASSERT_THAT(suspended, IsOk());
  EXPECT_EQ(suspended->status, ReservationStatus::kRejected);
  std::vector<ReservationIssue> issues;
  for (const auto& r : suspended->reasons) issues.push_back(r.issue);
  EXPECT_THAT(issues, ::testing::UnorderedElementsAre(
                          ReservationIssue::kDealerSuspended,
                          ReservationIssue::kNoLimit));
  EXPECT_THAT(this->ops_->CancelReservation(suspended->reservation_id, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(this->CountRows("credit_reservations"), 3);
}

// A retailer billed through its distributor uses the distributor's credit.
TYPED_TEST(CreditOperationsTest, ReservationsUseThePayersCredit) {
  using H = ReservationTestHelpers;
  ASSERT_THAT(this->Set(this->Decision(1000 * 100)), IsOk());
  auto retailer = this->customers_->CreateDealer(
      "Corner Shop", customer::v1::CHANNEL_LEVEL_RETAILER, this->dealer_);
  ASSERT_THAT(retailer, IsOk());
  ASSERT_THAT(this->customers_->SetPayer(*retailer, this->dealer_), IsOk());
  auto r = this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                               H::Order("ord-r", *retailer, 700), {});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, ReservationStatus::kApproved);
  EXPECT_EQ(r->dealer_id, *retailer);
  EXPECT_EQ(r->payer_dealer_id, this->dealer_);
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 700 * 100).value());
  auto over = this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                  H::Order("ord-d", this->dealer_, 301), {});
  ASSERT_THAT(over, IsOk());
  EXPECT_EQ(over->status, ReservationStatus::kHeld);
}

// A re-priced order: down always, up only within the limit.
TYPED_TEST(CreditOperationsTest, AnApprovedReservationIsAdjusted) {
  using H = ReservationTestHelpers;
  ASSERT_THAT(this->Set(this->Decision(1000 * 100)), IsOk());
  const CallContext call = this->CallFor("credit.li");
  auto r = this->ops_->Reserve(call, H::Pricing(),
                               H::Order("ord-adj", this->dealer_, 600), {});
  ASSERT_THAT(r, IsOk());
  auto cny = [](int64_t yuan) {
    return Money::Create("CNY", yuan * 100).value();
  };
  auto down = this->ops_->AdjustReservation(r->reservation_id, cny(400), {});
  ASSERT_THAT(down, IsOk());
  EXPECT_EQ(down->amount, cny(400));
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            cny(400));
  EXPECT_THAT(
      this->ops_->AdjustReservation(r->reservation_id, cny(1001), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonOverLimit));
  EXPECT_EQ(this->ops_->GetReservation(r->reservation_id)->amount, cny(400));
  auto up = this->ops_->AdjustReservation(r->reservation_id, cny(1000), {});
  ASSERT_THAT(up, IsOk());
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            cny(1000));
  auto held = this->ops_->Reserve(call, H::Pricing(),
                                  H::Order("ord-adj2", this->dealer_, 1), {});
  ASSERT_THAT(held, IsOk());
  EXPECT_THAT(
      this->ops_->AdjustReservation(held->reservation_id, cny(2), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNotApproved));
}

// A replayed request reserves once and answers as the first time.
TYPED_TEST(CreditOperationsTest, AReplayedReservationReservesOnce) {
  using H = ReservationTestHelpers;
  ASSERT_THAT(this->Set(this->Decision(1000 * 100)), IsOk());
  const IdempotentRequest request =
      IdempotentRequest::FromCaller("ReserveCredit", "svc-pricing", "r-1", "f");
  auto first =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                          H::Order("ord-x", this->dealer_, 100), request);
  auto again =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                          H::Order("ord-x", this->dealer_, 100), request);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->reservation_id, first->reservation_id);
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 100 * 100).value());
  // With customer records gone, a retry still gets its answer; a new
  // order cannot be checked and is refused as unavailable.
  this->customers_.reset();
  auto offline =
      this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                          H::Order("ord-x", this->dealer_, 100), request);
  ASSERT_THAT(offline, IsOk());
  EXPECT_EQ(offline->reservation_id, first->reservation_id);
  EXPECT_THAT(this->ops_->Reserve(this->CallFor("svc.pricing"), H::Pricing(),
                                  H::Order("ord-y", this->dealer_, 100), {}),
              StatusIs(absl::StatusCode::kUnavailable));
}

// The invariant: 32 concurrent orders of a tenth of the limit each on one
// payer — exactly 10 approved, and the account agrees.
TYPED_TEST(CreditOperationsTest, ConcurrentReservationsNeverExceedTheLimit) {
  using H = ReservationTestHelpers;
  ASSERT_THAT(this->Set(this->Decision(10 * 1000 * 100)), IsOk());
  std::atomic<int> approved{0}, held{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      auto r = this->ops_->Reserve(
          this->CallFor("svc.pricing"), H::Pricing(),
          H::Order(absl::StrCat("ord-c", i), this->dealer_, 1000), {});
      if (!r.ok()) {
        failed++;
      } else if (r->status == ReservationStatus::kApproved) {
        approved++;
      } else {
        held++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(approved, 10);
  EXPECT_EQ(held, 22);
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 10 * 1000 * 100).value());
  auto rows = this->Query(
      "SELECT COUNT(*), SUM(amount_minor) FROM credit_reservations WHERE "
      "status = 1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 10);
  EXPECT_EQ(rows[0].Int(1), 10 * 1000 * 100);
}

// The release queue: another controller releases or rejects held orders;
// NO_LIMIT is overridden (recorded), OVER_LIMIT only releases once it fits.
TYPED_TEST(CreditOperationsTest, HeldReservationsAreReleasedOrRejected) {
  using H = ReservationTestHelpers;
  auto controller = [](const std::string& subject) {
    auth::Principal p;
    p.subject = subject;
    p.roles = {auth::Role::kCreditController};
    return p;
  };
  const CallContext call = this->CallFor("credit.wu");
  ASSERT_THAT(this->Set(this->Decision(1000 * 100)), IsOk());
  // Held over the limit, requested by a controller.
  auto over = this->ops_->Reserve(call, controller("credit.wu"),
                                  H::Order("ord-q1", this->dealer_, 1500), {});
  ASSERT_THAT(over, IsOk());
  ASSERT_EQ(over->status, ReservationStatus::kHeld);
  this->clock_.Advance(absl::Milliseconds(1));  // ids are time-ordered
  auto other = this->ops_->Reserve(call, H::Pricing(),
                                   H::Order("ord-q2", this->dealer_, 1200), {});
  ASSERT_THAT(other, IsOk());
  // The queue: oldest first, with the payer's position.
  auto queue = this->ops_->HoldQueue("", {10, ""});
  ASSERT_THAT(queue, IsOk());
  ASSERT_EQ(queue->size(), 2u);
  EXPECT_EQ((*queue)[0].reservation.order_id, "ord-q1");
  ASSERT_TRUE((*queue)[0].payer_position.has_value());
  EXPECT_EQ((*queue)[0].payer_position->credit_limit.minor_units(), 1000 * 100);
  // Not by who asked for it.
  EXPECT_THAT(
      this->ops_->ReleaseReservation(call, controller("credit.wu"),
                                     over->reservation_id, "ok", {}),
      StatusIs(absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes));
  // Over the limit is never overridden...
  EXPECT_THAT(
      this->ops_->ReleaseReservation(call, controller("credit.li"),
                                     over->reservation_id, "ok", {}),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonOverLimit));
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 0).value());
  // ...it releases once the limit is raised.
  ASSERT_THAT(this->Set(this->Decision(2000 * 100)), IsOk());
  auto released = this->ops_->ReleaseReservation(
      call, controller("credit.li"), over->reservation_id,
      "limit raised after review", {});
  ASSERT_THAT(released, IsOk());
  EXPECT_EQ(released->status, ReservationStatus::kApproved);
  EXPECT_EQ(released->decided_by, "credit.li");
  EXPECT_TRUE(released->overridden.empty());
  EXPECT_EQ(this->ops_->GetPosition(this->dealer_)->approved_uninvoiced,
            Money::Create("CNY", 1500 * 100).value());
  // Rejecting the other; a second decision finds it no longer held.
  auto rejected = this->ops_->RejectReservation(
      controller("credit.li"), other->reservation_id, "duplicate order", {});
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->status, ReservationStatus::kRejected);
  EXPECT_EQ(rejected->decision_reason, "duplicate order");
  EXPECT_THAT(this->ops_->RejectReservation(controller("credit.li"),
                                            other->reservation_id, "x", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNotHeld));
  EXPECT_TRUE(this->ops_->HoldQueue("", {10, ""})->empty());
  // Every decision is on the feed, in commit order, with the reservation
  // as it left it; refused attempts left nothing.
  auto events = storage::ReadChanges(*this->db_, {}, 100, "reservation.");
  ASSERT_THAT(events, IsOk());
  std::vector<std::string> topics;
  for (const auto& e : *events) topics.push_back(e.event.topic);
  EXPECT_THAT(topics, ::testing::ElementsAre(
                          "reservation.created", "reservation.created",
                          "reservation.released", "reservation.rejected"));
  google::protobuf::Any any;
  ASSERT_TRUE(any.ParseFromString(events->at(2).event.payload));
  v1::CreditReservation payload;
  ASSERT_TRUE(any.UnpackTo(&payload));
  EXPECT_EQ(payload.reservation_id(), over->reservation_id);
  EXPECT_EQ(payload.status(), v1::RESERVATION_STATUS_APPROVED);
  EXPECT_EQ(payload.decided_by(), "credit.li");
}

TYPED_TEST(CreditOperationsTest, ANoLimitHoldIsOverriddenAndRecorded) {
  using H = ReservationTestHelpers;
  auth::Principal li;
  li.subject = "credit.li";
  li.roles = {auth::Role::kCreditController};
  const CallContext call = this->CallFor("credit.li");
  auto held = this->ops_->Reserve(call, H::Pricing(),
                                  H::Order("ord-n1", this->dealer_, 300), {});
  ASSERT_THAT(held, IsOk());
  ASSERT_EQ(held->status, ReservationStatus::kHeld);
  // Without any account its exposure could not be counted: open one first.
  EXPECT_THAT(this->ops_->ReleaseReservation(call, li, held->reservation_id,
                                             "trusted", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(this->Set(this->Decision(0)), IsOk());  // account, no credit
  auto released = this->ops_->ReleaseReservation(call, li, held->reservation_id,
                                                 "trusted customer", {});
  ASSERT_THAT(released, IsOk());
  EXPECT_EQ(released->status, ReservationStatus::kApproved);
  EXPECT_THAT(released->overridden,
              ::testing::ElementsAre(ReservationIssue::kNoLimit));
  auto position = this->ops_->GetPosition(this->dealer_);
  EXPECT_EQ(position->approved_uninvoiced.minor_units(), 300 * 100);
  EXPECT_EQ(position->available_credit.minor_units(), -300 * 100);
}

}  // namespace
}  // namespace qudao::credit
