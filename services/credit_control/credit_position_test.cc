// The credit rules, without a server or a database.
#include "services/credit_control/credit_position.h"

#include <limits>

#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::credit {
namespace {

using ::testing::HasSubstr;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

CreditAccount Account(int64_t limit, int64_t open_receivables,
                      int64_t approved_uninvoiced) {
  return CreditAccount{"dlr_0190f3c2a1b24e8f0a1b",
                       Cny(limit),
                       Cny(open_receivables),
                       Cny(approved_uninvoiced),
                       Cny(0),
                       3,
                       kNow,
                       7};
}

TEST(CreditPositionTest, ExposureAndAvailableCreditFollowFromTheAccount) {
  auto p = ComputeCreditPosition(Account(1000000, 250000, 150000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->exposure, Cny(400000));
  EXPECT_EQ(p->available_credit, Cny(600000));
  EXPECT_EQ(p->credit_limit, Cny(1000000));
  EXPECT_EQ(p->limit_revision, 3);
  EXPECT_EQ(p->limit_update_time, kNow);
}

TEST(CreditPositionTest, AvailableCreditIsNegativeOverTheLimit) {
  auto p = ComputeCreditPosition(Account(100000, 90000, 30000));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->available_credit, Cny(-20000));
}

TEST(CreditPositionTest, OverflowIsAnErrorNotAWrappedAmount) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(ComputeCreditPosition(Account(1, kMax, 1)).status().code(),
            absl::StatusCode::kOutOfRange);
  // Exposure fits, but limit - exposure does not.
  EXPECT_EQ(ComputeCreditPosition(
                Account(kMax, 0, std::numeric_limits<int64_t>::min() + 1))
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
}

TEST(CreditLimitTest, ZeroAndPositiveLimitsAreValidNegativeIsNot) {
  EXPECT_TRUE(CheckCreditLimit(Cny(0)).ok());
  EXPECT_TRUE(CheckCreditLimit(Cny(1)).ok());
  absl::Status s = CheckCreditLimit(Cny(-1));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "credit_limit");
}

TEST(ApplyCreditLimitTest, FirstLimitOpensTheAccountInItsCurrency) {
  auto opened = ApplyCreditLimit(std::nullopt, "dlr_0190f3c2a1b24e8f0a1b",
                                 Money::Create("USD", 500000).value(), kNow);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->credit_limit, Money::Create("USD", 500000).value());
  EXPECT_EQ(opened->open_receivables, Money::Zero("USD"));
  EXPECT_EQ(opened->approved_uninvoiced, Money::Zero("USD"));
  EXPECT_EQ(opened->limit_revision, 1);
  EXPECT_EQ(opened->version, 1);
  EXPECT_EQ(opened->limit_update_time, kNow);
}

TEST(ApplyCreditLimitTest, LaterLimitsKeepExposureAndCountRevisions) {
  const CreditAccount current = Account(1000000, 250000, 150000);
  const absl::Time later = kNow + absl::Hours(24);
  auto raised =
      ApplyCreditLimit(current, current.dealer_id, Cny(2000000), later);
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->credit_limit, Cny(2000000));
  EXPECT_EQ(raised->open_receivables, Cny(250000));
  EXPECT_EQ(raised->approved_uninvoiced, Cny(150000));
  EXPECT_EQ(raised->limit_revision, 4);
  EXPECT_EQ(raised->version, 8);
  EXPECT_EQ(raised->limit_update_time, later);
  // Re-approving the same amount is still a recorded change.
  auto same = ApplyCreditLimit(current, current.dealer_id, Cny(1000000), later);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->limit_revision, 4);
  // Lowering below exposure is allowed: it stops new orders, it does not
  // undo old ones.
  EXPECT_TRUE(ApplyCreditLimit(current, current.dealer_id, Cny(0), later).ok());
}

TEST(ApplyCreditLimitTest, ADifferentCurrencyIsCurrencyMismatch) {
  const CreditAccount current = Account(1000000, 0, 0);
  absl::Status s = ApplyCreditLimit(current, current.dealer_id,
                                    Money::Create("USD", 1000).value(), kNow)
                       .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), kCurrencyMismatch);
  EXPECT_THAT(s.message(), HasSubstr("CNY"));
}

TEST(ApplyCreditLimitTest, NegativeLimitIsRefused) {
  EXPECT_EQ(
      ApplyCreditLimit(std::nullopt, "dlr_0190f3c2a1b24e8f0a1b", Cny(-1), kNow)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(CheckWithinCreditLimitTest, AmountUpToAvailableCreditFits) {
  auto p = ComputeCreditPosition(Account(1000000, 250000, 150000));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(CheckWithinCreditLimit(*p, Cny(0)).ok());
  EXPECT_TRUE(CheckWithinCreditLimit(*p, Cny(600000)).ok());
  absl::Status s = CheckWithinCreditLimit(*p, Cny(600001));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), kCreditLimitExceeded);
  EXPECT_THAT(s.message(), HasSubstr("by CNY 0.01"));
}

TEST(CheckWithinCreditLimitTest, OverTheLimitNothingFits) {
  auto p = ComputeCreditPosition(Account(100000, 90000, 30000));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(ReasonOf(CheckWithinCreditLimit(*p, Cny(1))), kCreditLimitExceeded);
  EXPECT_EQ(ReasonOf(CheckWithinCreditLimit(*p, Cny(0))), kCreditLimitExceeded);
}

TEST(CheckWithinCreditLimitTest, HugeShortfallIsStillARefusal) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto p = ComputeCreditPosition(Account(0, kMax, 0));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(ReasonOf(CheckWithinCreditLimit(*p, Cny(kMax))),
            kCreditLimitExceeded);
}

TEST(CheckWithinCreditLimitTest, RefusesOtherCurrenciesAndNegativeAmounts) {
  auto p = ComputeCreditPosition(Account(1000000, 0, 0));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(
      ReasonOf(CheckWithinCreditLimit(*p, Money::Create("USD", 1).value())),
      kCurrencyMismatch);
  EXPECT_EQ(CheckWithinCreditLimit(*p, Cny(-1)).code(),
            absl::StatusCode::kInvalidArgument);
}

auth::Principal Approver(const std::string& subject, auth::RoleSet roles) {
  auth::Principal p;
  p.subject = subject;
  p.roles = roles;
  return p;
}

TEST(LimitApproverTest, CreditStaffWhoDoNotOwnTheDealerApprove) {
  const auth::Principal zhou =
      Approver("credit.zhou", {auth::Role::kCreditController});
  EXPECT_TRUE(CheckLimitApprover(zhou, "dlr_1", "rep.wang").ok());
  // The owner, whatever else they hold.
  const auth::Principal wang = Approver(
      "rep.wang", {auth::Role::kCreditController, auth::Role::kCreditManager});
  EXPECT_EQ(ReasonOf(CheckLimitApprover(wang, "dlr_1", "rep.wang")),
            auth::kReasonFourEyes);
  // Anyone holding a sales role, even on someone else's dealer.
  const auth::Principal both = Approver(
      "mgr.li", {auth::Role::kCreditController, auth::Role::kSalesManager});
  const absl::Status sales = CheckLimitApprover(both, "dlr_1", "rep.wang");
  EXPECT_EQ(sales.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(sales), kSegregationOfDuties);
  // No owner on record: a credit manager only.
  EXPECT_EQ(ReasonOf(CheckLimitApprover(zhou, "dlr_1", "")),
            auth::kReasonFourEyes);
  EXPECT_TRUE(
      CheckLimitApprover(Approver("credit.qian", {auth::Role::kCreditManager}),
                         "dlr_1", "")
          .ok());
}

}  // namespace
}  // namespace qudao::credit
