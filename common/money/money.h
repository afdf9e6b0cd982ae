// Exact money: integer minor units with an ISO-4217 currency code.
//
// Every arithmetic operation checks for overflow and currency mismatch and
// reports it as a Status instead of wrapping or silently converting. Rates are
// basis points or exact ratios; results are rounded half-up (away from zero on
// ties), which is the one rounding rule qudao applies at line level.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qudao {

// The number of minor-unit digits of an ISO-4217 currency (CNY 2, JPY 0,
// KWD 3), or NOT_FOUND/INVALID_ARGUMENT for a code qudao does not know.
absl::StatusOr<int> CurrencyMinorDigits(absl::string_view currency);

// Divides `numerator` by a positive `denominator`, rounding half away from
// zero. The single rounding rule for money in qudao.
int64_t DivideRoundHalfUp(__int128 numerator, __int128 denominator);

class Money;

// A Money read back from a database row. The row was validated when
// written; if its currency is no longer known (the table changed), the
// answer is DATA_LOSS naming the value, never a crash.
absl::StatusOr<Money> MoneyFromStorage(absl::string_view currency,
                                       int64_t minor_units);

class Money {
 public:
  // An empty placeholder (no currency, zero) for records that are filled in
  // after construction, such as a row being read. Arithmetic with it fails
  // the currency check; assign a real amount before use.
  Money() = default;

  // Validates the currency code; any int64 amount is representable.
  static absl::StatusOr<Money> Create(absl::string_view currency,
                                      int64_t minor_units);
  // Parses a decimal amount such as "1234.50" or "-0.5" in `currency`.
  // More fractional digits than the currency has is an error, not a rounding.
  static absl::StatusOr<Money> Parse(absl::string_view currency,
                                     absl::string_view decimal);
  static Money Zero(absl::string_view currency);

  const std::string& currency() const { return currency_; }
  int64_t minor_units() const { return minor_units_; }
  bool is_zero() const { return minor_units_ == 0; }
  bool is_negative() const { return minor_units_ < 0; }

  absl::StatusOr<Money> Add(const Money& other) const;
  absl::StatusOr<Money> Subtract(const Money& other) const;
  absl::StatusOr<Money> Negate() const;
  // Unit price times a quantity: exact or an overflow error.
  absl::StatusOr<Money> Multiply(int64_t quantity) const;
  // This amount times numerator/denominator, rounded half-up.
  absl::StatusOr<Money> MultiplyRatio(int64_t numerator,
                                      int64_t denominator) const;
  // This amount times basis_points/10000, rounded half-up; e.g. 250 bp of
  // 10.01 CNY is 0.25 CNY.
  absl::StatusOr<Money> ApplyBasisPoints(int64_t basis_points) const;
  // -1, 0, 1; an error when the currencies differ.
  absl::StatusOr<int> Compare(const Money& other) const;

  // "CNY 1234.50"
  std::string ToString() const;
  // "1234.50"
  std::string DecimalString() const;

  friend bool operator==(const Money& a, const Money& b) {
    return a.currency_ == b.currency_ && a.minor_units_ == b.minor_units_;
  }
  friend bool operator!=(const Money& a, const Money& b) { return !(a == b); }

 private:
  Money(std::string currency, int64_t minor_units)
      : currency_(std::move(currency)), minor_units_(minor_units) {}
  absl::Status CheckSameCurrency(const Money& other) const;

  std::string currency_;
  int64_t minor_units_ = 0;
};

}  // namespace qudao
