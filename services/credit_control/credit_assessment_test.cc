// The 5C assessment rules: every boundary of the tables.
#include "services/credit_control/credit_assessment.h"

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_policy.h"

namespace qudao::credit {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;

Money Cny(int64_t yuan) { return Money::Create("CNY", yuan * 100).value(); }

TEST(CapitalScoreTest, DebtRatioBoundaries) {
  // Assets 1000: liabilities at each boundary and one yuan above it.
  const std::pair<int64_t, int> cases[] = {
      {0, 5},   {400, 5}, {401, 4}, {550, 4}, {551, 3},
      {700, 3}, {701, 2}, {850, 2}, {851, 1}, {5000, 1}};
  for (const auto& [liabilities, score] : cases) {
    EXPECT_EQ(CapitalScore(Cny(liabilities), Cny(1000)).value(), score)
        << liabilities;
  }
  // Exact on small amounts: 0.02 of 0.05 is 40% (5), 0.03 of 0.07 is
  // 42.9% (4).
  auto fen = [](int64_t n) { return Money::Create("CNY", n).value(); };
  EXPECT_EQ(CapitalScore(fen(2), fen(5)).value(), 5);
  EXPECT_EQ(CapitalScore(fen(3), fen(7)).value(), 4);
  EXPECT_THAT(CapitalScore(Cny(1), Cny(0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CapitalScore(Cny(-1), Cny(10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CapitalScore(Money::Create("USD", 1).value(), Cny(10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CapacityTest, FromSixPaidInvoicesAverageBeyondTerms) {
  EXPECT_EQ(CapacityFromPaymentRecord({0, 0, 0, 0, 0}), std::nullopt);
  EXPECT_EQ(CapacityFromPaymentRecord({0, 0, 0, 0, 0, 0}), 5);
  EXPECT_EQ(CapacityFromPaymentRecord({-5, 5, 0, 0, 0, 0}), 5);  // avg 0
  EXPECT_EQ(CapacityFromPaymentRecord({1, 0, 0, 0, 0, 0}), 4);   // avg 1/6
  EXPECT_EQ(CapacityFromPaymentRecord({7, 7, 7, 7, 7, 7}), 4);
  EXPECT_EQ(CapacityFromPaymentRecord({7, 7, 7, 7, 7, 8}), 3);
  EXPECT_EQ(CapacityFromPaymentRecord({15, 15, 15, 15, 15, 15}), 3);
  EXPECT_EQ(CapacityFromPaymentRecord({30, 30, 30, 30, 30, 30}), 2);
  EXPECT_EQ(CapacityFromPaymentRecord({31, 30, 30, 30, 30, 30}), 1);
  // Only the newest six count.
  EXPECT_EQ(CapacityFromPaymentRecord({0, 0, 0, 0, 0, 0, 90, 90}), 5);
}

TEST(RatingTest, ScoreBoundaries) {
  EXPECT_EQ(RatingOfScore(10000), CreditRating::kAAA);
  EXPECT_EQ(RatingOfScore(9000), CreditRating::kAAA);
  EXPECT_EQ(RatingOfScore(8999), CreditRating::kAA);
  EXPECT_EQ(RatingOfScore(8000), CreditRating::kAA);
  EXPECT_EQ(RatingOfScore(7000), CreditRating::kA);
  EXPECT_EQ(RatingOfScore(6000), CreditRating::kBBB);
  EXPECT_EQ(RatingOfScore(5000), CreditRating::kBB);
  EXPECT_EQ(RatingOfScore(4000), CreditRating::kB);
  EXPECT_EQ(RatingOfScore(3999), CreditRating::kC);
  EXPECT_EQ(RatingName(CreditRating::kBBB), "BBB");
}

AssessmentInput Input(int character, int capacity, int collateral,
                      int conditions, int64_t liabilities = 300) {
  AssessmentInput in;
  in.dealer_id = "dlr_0190f3c2a1b24e8f0a1b";
  in.character = {character, "20 years trading, no disputes"};
  in.capacity = {capacity, "sales growing 12% a year"};
  in.collateral = {collateral, "bank guarantee CNY 500,000"};
  in.conditions = {conditions, "construction slowing in the region"};
  in.total_liabilities = Cny(liabilities);
  in.total_assets = Cny(1000);
  in.capital_evidence = "2025 audited balance sheet";
  in.expected_monthly_purchases = Cny(1000000);
  in.payment_term_days = 30;
  return in;
}

TEST(AssessTest, WeightedScoreRatingAndRecommendedLimit) {
  // 5×30 + 4×25 + 5×20 (capital: 30%) + 3×15 + 3×10 = 425 → 85.00 → AA.
  auto a = Assess(Input(5, 4, 3, 3), {}, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->capital.score, 5);
  EXPECT_EQ(a->score_hundredths, 8500);
  EXPECT_EQ(a->rating, CreditRating::kAA);
  EXPECT_FALSE(a->capped_by_character);
  EXPECT_FALSE(a->capacity_from_record);
  // 1,000,000 × 1 month × 1.25.
  EXPECT_EQ(a->recommended_limit, Cny(1250000));
  // Net 45 is 1.5 months: 1,000,000 × 1.5 × 1.25 = 1,875,000.
  AssessmentInput net45 = Input(5, 4, 3, 3);
  net45.payment_term_days = 45;
  EXPECT_EQ(Assess(net45, {}, {})->recommended_limit, Cny(1875000));
  // Cash in advance: no credit recommended.
  AssessmentInput cash = Input(5, 4, 3, 3);
  cash.payment_term_days = 0;
  EXPECT_EQ(Assess(cash, {}, {})->recommended_limit, Cny(0));
}

TEST(AssessTest, WeakCharacterCapsTheRatingAtB) {
  // 2×30 + 5×25 + 5×20 + 5×15 + 5×10 = 410 → 82.00 would be AA.
  auto a = Assess(Input(2, 5, 5, 5), {}, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->score_hundredths, 8200);
  EXPECT_EQ(a->rating, CreditRating::kB);
  EXPECT_TRUE(a->capped_by_character);
  EXPECT_EQ(a->recommended_limit, Cny(250000));
  // Already C: the cap does not lift it. 1×30+1×25+1×20(capital 90%)+1+1.
  auto c = Assess(Input(1, 1, 1, 1, 900), {}, {});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->score_hundredths, 2000);
  EXPECT_EQ(c->rating, CreditRating::kC);
  EXPECT_FALSE(c->capped_by_character);
  EXPECT_EQ(c->recommended_limit, Cny(0));
  // Character 3 is not capped.
  EXPECT_EQ(Assess(Input(3, 5, 5, 5), {}, {})->rating, CreditRating::kAA);
}

TEST(AssessTest, CapacityComesFromSixPaidInvoices) {
  auto a = Assess(Input(5, 5, 5, 5), {}, {20, 20, 20, 20, 20, 20});
  ASSERT_THAT(a, IsOk());
  EXPECT_TRUE(a->capacity_from_record);
  EXPECT_EQ(a->capacity.score, 2);  // slow payer: the controller's 5 ignored
  // 5×30 + 2×25 + 5×20 + 5×15 + 5×10 = 425.
  EXPECT_EQ(a->score_hundredths, 8500);
  // With a record, the controller's capacity score may be left out.
  AssessmentInput no_capacity = Input(5, 0, 5, 5);
  EXPECT_THAT(Assess(no_capacity, {}, {0, 0, 0, 0, 0, 0}), IsOk());
  EXPECT_THAT(Assess(no_capacity, {}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AssessTest, WeightsAreConfigurable) {
  AssessmentWeights even{20, 20, 20, 20, 20};
  // 5,4,5(capital),3,3 → (25+20+25+15+15)... = 20×(5+4+5+3+3)=400 → 80.
  auto a = Assess(Input(5, 4, 3, 3), even, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->score_hundredths, 8000);
  // Weights not divisible by 5 still score exactly (hundredths).
  AssessmentWeights odd{31, 24, 20, 15, 10};
  auto b = Assess(Input(5, 4, 3, 3), odd, {});
  ASSERT_THAT(b, IsOk());
  // 5×31 + 4×24 + 5×20 + 3×15 + 3×10 = 426 → 85.20.
  EXPECT_EQ(b->score_hundredths, 8520);
  EXPECT_THAT(CheckWeights({30, 25, 20, 15, 11}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckWeights({0, 30, 30, 30, 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AssessTest, BadInputNamesTheField) {
  AssessmentInput bad = Input(6, 4, 3, 3);
  auto a = Assess(bad, {}, {});
  EXPECT_THAT(a, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(a.status()), "character.score");
  bad = Input(5, 4, 3, 3);
  bad.conditions.evidence = "";
  EXPECT_EQ(FieldOf(Assess(bad, {}, {}).status()), "conditions.evidence");
  bad = Input(5, 4, 3, 3);
  bad.payment_term_days = 366;
  EXPECT_EQ(FieldOf(Assess(bad, {}, {}).status()), "payment_term_days");
  bad = Input(5, 4, 3, 3);
  bad.capital_evidence = "";
  EXPECT_EQ(FieldOf(Assess(bad, {}, {}).status()), "capital_evidence");
}

auth::Principal Person(const std::string& subject, auth::Role role) {
  auth::Principal p;
  p.subject = subject;
  p.roles = {role};
  return p;
}

TEST(LimitAgainstAssessmentTest, AboveTheRecommendationNeedsAnotherManager) {
  Assessment a = Assess(Input(5, 4, 3, 3), {}, {}).value();  // 1,250,000
  a.assessed_by = "credit.li";
  const auto controller = Person("credit.wu", auth::Role::kCreditController);
  const auto manager = Person("credit.boss", auth::Role::kCreditManager);
  const auto assessor = Person("credit.li", auth::Role::kCreditManager);
  const std::string d = "dlr_0190f3c2a1b24e8f0a1b";
  EXPECT_THAT(CheckLimitAgainstAssessment(controller, d, Cny(1250000), a),
              IsOk());
  EXPECT_THAT(CheckLimitAgainstAssessment(controller, d, Cny(1250001), a),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       kReasonAboveRecommendation));
  EXPECT_THAT(CheckLimitAgainstAssessment(manager, d, Cny(2000000), a), IsOk());
  EXPECT_THAT(
      CheckLimitAgainstAssessment(assessor, d, Cny(2000000), a),
      StatusIs(absl::StatusCode::kPermissionDenied, auth::kReasonFourEyes));
  // No assessment: only a manager, for anything but closing the account.
  EXPECT_THAT(CheckLimitAgainstAssessment(controller, d, Cny(1), std::nullopt),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       kReasonAboveRecommendation));
  EXPECT_THAT(CheckLimitAgainstAssessment(manager, d, Cny(1), std::nullopt),
              IsOk());
  EXPECT_THAT(CheckLimitAgainstAssessment(controller, d, Cny(0), std::nullopt),
              IsOk());
}

TEST(PayerTest, OnlyPayersHaveCredit) {
  EXPECT_THAT(CheckIsPayer("dlr_a", ""), IsOk());
  EXPECT_THAT(CheckIsPayer("dlr_a", "dlr_a"), IsOk());
  EXPECT_THAT(
      CheckIsPayer("dlr_a", "dlr_b"),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNotAPayer));
}

TEST(CreditPolicyTest, DefaultsPerClassAndUnclassifiedUsesC) {
  EXPECT_EQ(DefaultPolicy("A").overdue_hold_days, 30);
  EXPECT_EQ(DefaultPolicy("B").overdue_hold_days, 15);
  EXPECT_EQ(DefaultPolicy("C").overdue_hold_days, 0);
  EXPECT_EQ(DefaultPolicy("A").watch_ratio_percent, 90);
  EXPECT_EQ(DefaultPolicy("C").slow_payment_days, 15);
  EXPECT_EQ(PolicyClassOf(""), "C");
  EXPECT_EQ(PolicyClassOf("B"), "B");
  CreditPolicy bad = DefaultPolicy("A");
  bad.watch_ratio_percent = 0;
  EXPECT_EQ(FieldOf(CheckPolicy(bad)), "policy.watch_ratio_percent");
  bad = DefaultPolicy("D");
  EXPECT_EQ(FieldOf(CheckPolicy(bad)), "policy.abc_class");
  bad = DefaultPolicy("B");
  bad.overdue_hold_days = 366;
  EXPECT_EQ(FieldOf(CheckPolicy(bad)), "policy.overdue_hold_days");
  EXPECT_THAT(CheckPolicy(DefaultPolicy("B")), IsOk());
}

}  // namespace
}  // namespace qudao::credit
