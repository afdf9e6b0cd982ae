// Exact money arithmetic; see money.h.
#include "common/money/money.h"

#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace qudao {
namespace {

struct CurrencyInfo {
  const char* code;
  int minor_digits;
};

// The currencies qudao trades in or is likely to: the codes used by the
// manufacturer's markets. Extending this table is all a new currency needs.
constexpr CurrencyInfo kCurrencies[] = {
    {"CNY", 2}, {"HKD", 2}, {"MOP", 2}, {"TWD", 2}, {"USD", 2}, {"EUR", 2},
    {"GBP", 2}, {"JPY", 0}, {"KRW", 0}, {"SGD", 2}, {"MYR", 2}, {"THB", 2},
    {"VND", 0}, {"IDR", 2}, {"PHP", 2}, {"INR", 2}, {"AUD", 2}, {"NZD", 2},
    {"CAD", 2}, {"CHF", 2}, {"RUB", 2}, {"AED", 2}, {"SAR", 2}, {"KWD", 3},
    {"BHD", 3}, {"BRL", 2}, {"MXN", 2}, {"ZAR", 2},
};

constexpr __int128 kInt64Max = std::numeric_limits<int64_t>::max();
constexpr __int128 kInt64Min = std::numeric_limits<int64_t>::min();

// numerator / denominator (denominator > 0), ties rounded away from zero.
__int128 RoundHalfUp128(__int128 numerator, __int128 denominator) {
  const bool negative = numerator < 0;
  const __int128 magnitude = negative ? -numerator : numerator;
  __int128 quotient = magnitude / denominator;
  const __int128 remainder = magnitude % denominator;
  if (remainder >= denominator - remainder) ++quotient;
  return negative ? -quotient : quotient;
}

absl::Status Overflow(absl::string_view op) {
  return absl::OutOfRangeError(absl::StrCat(
      "money overflow in ", op, ": result exceeds int64 minor units"));
}

}  // namespace

absl::StatusOr<int> CurrencyMinorDigits(absl::string_view currency) {
  if (currency.size() != 3 || !absl::ascii_isupper(currency[0]) ||
      !absl::ascii_isupper(currency[1]) || !absl::ascii_isupper(currency[2])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "currency code '", currency,
        "' is not an ISO-4217 code (three upper-case letters, e.g. CNY)"));
  }
  for (const auto& info : kCurrencies) {
    if (currency == info.code) return info.minor_digits;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("currency '", currency, "' is not supported"));
}

int64_t DivideRoundHalfUp(__int128 numerator, __int128 denominator) {
  // Callers guarantee denominator > 0 and a quotient within int64.
  return static_cast<int64_t>(RoundHalfUp128(numerator, denominator));
}

absl::StatusOr<Money> Money::Create(absl::string_view currency,
                                    int64_t minor_units) {
  absl::StatusOr<int> digits = CurrencyMinorDigits(currency);
  if (!digits.ok()) return digits.status();
  return Money(std::string(currency), minor_units);
}

absl::StatusOr<Money> MoneyFromStorage(absl::string_view currency,
                                       int64_t minor_units) {
  absl::StatusOr<Money> money = Money::Create(currency, minor_units);
  if (!money.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored amount ", minor_units,
                     " has an unusable currency: ", money.status().message()));
  }
  return money;
}

Money Money::Zero(absl::string_view currency) {
  return Money(std::string(currency), 0);
}

absl::StatusOr<Money> Money::Parse(absl::string_view currency,
                                   absl::string_view decimal) {
  absl::StatusOr<int> digits = CurrencyMinorDigits(currency);
  if (!digits.ok()) return digits.status();
  absl::string_view text = absl::StripAsciiWhitespace(decimal);
  const std::string original(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  absl::string_view whole = text, fraction;
  if (size_t dot = text.find('.'); dot != absl::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
  }
  auto all_digits = [](absl::string_view s) {
    for (char c : s) {
      if (!absl::ascii_isdigit(c)) return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
      (text.find('.') != absl::string_view::npos && fraction.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("amount '", original, "' is not a decimal number"));
  }
  if (static_cast<int>(fraction.size()) > *digits) {
    return absl::InvalidArgumentError(
        absl::StrCat("amount '", original, "' has more than ", *digits,
                     " decimal places for ", currency));
  }
  __int128 value = 0;
  for (char c : whole) {
    value = value * 10 + (c - '0');
    if (value > kInt64Max + 1) return Overflow("parse");
  }
  for (int i = 0; i < *digits; ++i) {
    const int d = i < static_cast<int>(fraction.size()) ? fraction[i] - '0' : 0;
    value = value * 10 + d;
    if (value > kInt64Max + 1) return Overflow("parse");
  }
  if (negative) value = -value;
  if (value > kInt64Max || value < kInt64Min) return Overflow("parse");
  return Money(std::string(currency), static_cast<int64_t>(value));
}

absl::Status Money::CheckSameCurrency(const Money& other) const {
  if (currency_ != other.currency_) {
    return absl::InvalidArgumentError(
        absl::StrCat("currency mismatch: ", currency_, " and ", other.currency_,
                     " cannot be combined"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Money> Money::Add(const Money& other) const {
  RETURN_IF_ERROR(CheckSameCurrency(other));
  int64_t result;
  if (__builtin_add_overflow(minor_units_, other.minor_units_, &result)) {
    return Overflow("add");
  }
  return Money(currency_, result);
}

absl::StatusOr<Money> Money::Subtract(const Money& other) const {
  RETURN_IF_ERROR(CheckSameCurrency(other));
  int64_t result;
  if (__builtin_sub_overflow(minor_units_, other.minor_units_, &result)) {
    return Overflow("subtract");
  }
  return Money(currency_, result);
}

absl::StatusOr<Money> Money::Negate() const {
  if (minor_units_ == std::numeric_limits<int64_t>::min()) {
    return Overflow("negate");
  }
  return Money(currency_, -minor_units_);
}

absl::StatusOr<Money> Money::Multiply(int64_t quantity) const {
  int64_t result;
  if (__builtin_mul_overflow(minor_units_, quantity, &result)) {
    return Overflow("multiply");
  }
  return Money(currency_, result);
}

absl::StatusOr<Money> Money::MultiplyRatio(int64_t numerator,
                                           int64_t denominator) const {
  if (denominator == 0) {
    return absl::InvalidArgumentError("ratio denominator must not be zero");
  }
  __int128 num = static_cast<__int128>(minor_units_) * numerator;
  __int128 den = denominator;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  // |minor_units * numerator| < 2^126, so the rounded quotient is exact in
  // __int128; only the final narrowing to int64 can overflow.
  const __int128 rounded = RoundHalfUp128(num, den);
  if (rounded > kInt64Max || rounded < kInt64Min) {
    return Overflow("multiply ratio");
  }
  return Money(currency_, static_cast<int64_t>(rounded));
}

absl::StatusOr<Money> Money::ApplyBasisPoints(int64_t basis_points) const {
  return MultiplyRatio(basis_points, 10000);
}

absl::StatusOr<int> Money::Compare(const Money& other) const {
  RETURN_IF_ERROR(CheckSameCurrency(other));
  if (minor_units_ < other.minor_units_) return -1;
  if (minor_units_ > other.minor_units_) return 1;
  return 0;
}

std::string Money::DecimalString() const {
  const int digits = CurrencyMinorDigits(currency_).value_or(2);
  const bool negative = minor_units_ < 0;
  // Magnitude in unsigned arithmetic so INT64_MIN formats correctly.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_units_)
                                : static_cast<uint64_t>(minor_units_);
  std::string digits_text = absl::StrCat(magnitude);
  if (digits == 0) return absl::StrCat(negative ? "-" : "", digits_text);
  if (static_cast<int>(digits_text.size()) <= digits) {
    digits_text.insert(0, digits + 1 - digits_text.size(), '0');
  }
  digits_text.insert(digits_text.size() - digits, ".");
  return absl::StrCat(negative ? "-" : "", digits_text);
}

std::string Money::ToString() const {
  return absl::StrCat(currency_, " ", DecimalString());
}

}  // namespace qudao
