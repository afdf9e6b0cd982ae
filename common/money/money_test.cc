#include "common/money/money.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

using ::testing::HasSubstr;

Money Cny(int64_t fen) { return Money::Create("CNY", fen).value(); }

TEST(MoneyTest, RejectsUnknownOrMalformedCurrency) {
  EXPECT_EQ(Money::Create("cny", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Money::Create("XXQ", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Money::Create("", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Money::Create("JPY", 1).ok());
}

TEST(MoneyTest, AddAndSubtractAreExact) {
  EXPECT_EQ(Cny(10).Add(Cny(20)).value(), Cny(30));
  EXPECT_EQ(Cny(10).Subtract(Cny(25)).value(), Cny(-15));
}

TEST(MoneyTest, CurrencyMismatchIsAnError) {
  const Money usd = Money::Create("USD", 5).value();
  absl::StatusOr<Money> sum = Cny(1).Add(usd);
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(), HasSubstr("currency mismatch"));
  EXPECT_FALSE(Cny(1).Subtract(usd).ok());
  EXPECT_FALSE(Cny(1).Compare(usd).ok());
}

TEST(MoneyTest, OverflowIsDetected) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(Cny(max).Add(Cny(1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Cny(min).Subtract(Cny(1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Cny(max / 2 + 1).Multiply(2).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Cny(min).Negate().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Cny(max).MultiplyRatio(3, 2).status().code(),
            absl::StatusCode::kOutOfRange);
  // Large intermediate products are fine when the result fits.
  EXPECT_EQ(Cny(max).MultiplyRatio(max, max).value(), Cny(max));
  EXPECT_EQ(Cny(max).Multiply(1).value(), Cny(max));
}

TEST(MoneyTest, BasisPointsRoundHalfUp) {
  // 2.5% of 10.01 = 0.25025 -> 0.25
  EXPECT_EQ(Cny(1001).ApplyBasisPoints(250).value(), Cny(25));
  // 50% of 0.01 = 0.005 -> 0.01 (tie rounds up)
  EXPECT_EQ(Cny(1).ApplyBasisPoints(5000).value(), Cny(1));
  // 50% of 0.03 = 0.015 -> 0.02
  EXPECT_EQ(Cny(3).ApplyBasisPoints(5000).value(), Cny(2));
  // 49.99% of 0.01 -> 0.00
  EXPECT_EQ(Cny(1).ApplyBasisPoints(4999).value(), Cny(0));
  // Ties on negative amounts round away from zero, symmetric with positives.
  EXPECT_EQ(Cny(-1).ApplyBasisPoints(5000).value(), Cny(-1));
  EXPECT_EQ(Cny(-3).ApplyBasisPoints(5000).value(), Cny(-2));
}

TEST(MoneyTest, RatioRoundsHalfUpAndRejectsZeroDenominator) {
  EXPECT_EQ(Cny(100).MultiplyRatio(1, 3).value(), Cny(33));
  EXPECT_EQ(Cny(100).MultiplyRatio(2, 3).value(), Cny(67));
  EXPECT_EQ(Cny(100).MultiplyRatio(-2, 3).value(), Cny(-67));
  EXPECT_EQ(Cny(100).MultiplyRatio(2, -3).value(), Cny(-67));
  EXPECT_EQ(Cny(100).MultiplyRatio(1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DivideRoundHalfUp(5, 2), 3);
  EXPECT_EQ(DivideRoundHalfUp(-5, 2), -3);
  EXPECT_EQ(DivideRoundHalfUp(7, 3), 2);
}

TEST(MoneyTest, ParsesDecimalsExactly) {
  EXPECT_EQ(Money::Parse("CNY", "1234.5").value(), Cny(123450));
  EXPECT_EQ(Money::Parse("CNY", "-0.01").value(), Cny(-1));
  EXPECT_EQ(Money::Parse("CNY", "7").value(), Cny(700));
  EXPECT_EQ(Money::Parse("JPY", "1500").value().minor_units(), 1500);
  EXPECT_EQ(Money::Parse("KWD", "1.234").value().minor_units(), 1234);
}

TEST(MoneyTest, ParseRejectsBadInput) {
  for (const char* bad :
       {"", "abc", "1.2.3", "1.", ".5", "1e3", "--1", "1,00"}) {
    EXPECT_EQ(Money::Parse("CNY", bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  // Too many decimals is refused, never silently rounded.
  EXPECT_THAT(Money::Parse("CNY", "1.005").status().message(),
              HasSubstr("decimal places"));
  EXPECT_EQ(Money::Parse("CNY", "99999999999999999999").status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(MoneyTest, Formats) {
  EXPECT_EQ(Cny(123450).ToString(), "CNY 1234.50");
  EXPECT_EQ(Cny(-5).DecimalString(), "-0.05");
  EXPECT_EQ(Cny(0).DecimalString(), "0.00");
  EXPECT_EQ(Money::Create("JPY", -1500).value().DecimalString(), "-1500");
  EXPECT_EQ(Cny(std::numeric_limits<int64_t>::min()).DecimalString(),
            "-92233720368547758.08");
}

TEST(MoneyTest, FormatParseRoundTrip) {
  for (int64_t v : {0L, 1L, -1L, 99L, 100L, 123456789L, -987654321L}) {
    Money m = Cny(v);
    EXPECT_EQ(Money::Parse("CNY", m.DecimalString()).value(), m);
  }
}

}  // namespace
}  // namespace qudao

namespace qudao {
namespace {

TEST(MoneyFromStorageTest, UnknownStoredCurrencyIsDataLossNotACrash) {
  EXPECT_EQ(MoneyFromStorage("CNY", 5).value().minor_units(), 5);
  EXPECT_EQ(MoneyFromStorage("XXQ", 5).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace qudao
