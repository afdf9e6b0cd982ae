#include "common/money/payment_term.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

TEST(PaymentTermTest, ParsesTheUsualWordings) {
  auto t = ParsePaymentTerm("2/10 net 30");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->net_days, 30);
  EXPECT_EQ(t->discount_basis_points, 200);
  EXPECT_EQ(t->discount_days, 10);
  EXPECT_EQ(FormatPaymentTerm(*t), "2/10 net 30");

  t = ParsePaymentTerm(" 1.5 / 10 NET 45 ");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->discount_basis_points, 150);
  EXPECT_EQ(FormatPaymentTerm(*t), "1.5/10 net 45");
  EXPECT_EQ(FormatPaymentTerm(*ParsePaymentTerm("0.25/5 net 30")),
            "0.25/5 net 30");

  t = ParsePaymentTerm("net 60");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (PaymentTerm{60, 0, 0}));
  EXPECT_TRUE(ParsePaymentTerm("cash in advance")->cash_in_advance());
  EXPECT_TRUE(ParsePaymentTerm("net 0")->cash_in_advance());
  EXPECT_EQ(FormatPaymentTerm(PaymentTerm{}), "cash in advance");
}

TEST(PaymentTermTest, RefusesWhatIsNotATerm) {
  for (const char* bad :
       {"", "30 days", "2/10", "2/40 net 30", "60/10 net 30", "2/0 net 30",
        "-2/10 net 30", "2/10 net 400", "2//10 net 30", "2.123/10 net 30",
        "net", "net -5", "2/10 net 0", "+2/10 net 30"}) {
    EXPECT_EQ(ParsePaymentTerm(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(PaymentTermTest, DueDateAndDiscountWindow) {
  const PaymentTerm term = *ParsePaymentTerm("2/10 net 30");
  const absl::CivilDay invoiced(2026, 11, 1);
  EXPECT_EQ(DueDay(term, invoiced), absl::CivilDay(2026, 12, 1));
  // Day 10 still earns the discount; day 11 does not.
  EXPECT_EQ(DiscountUntil(term, invoiced), absl::CivilDay(2026, 11, 11));
  EXPECT_FALSE(DiscountUntil(*ParsePaymentTerm("net 30"), invoiced));
}

TEST(PaymentTermTest, DiscountRoundsHalfUpToTheFen) {
  const PaymentTerm term = *ParsePaymentTerm("2/10 net 30");
  // 2% of 10,000.00 is 200.00; of 0.25 is 0.005 → 0.01.
  EXPECT_EQ(CashDiscount(term, *Money::Create("CNY", 1000000))->minor_units(),
            20000);
  EXPECT_EQ(CashDiscount(term, *Money::Create("CNY", 25))->minor_units(), 1);
  EXPECT_TRUE(
      CashDiscount(*ParsePaymentTerm("net 30"), *Money::Create("CNY", 1000000))
          ->is_zero());
}

}  // namespace
}  // namespace qudao
