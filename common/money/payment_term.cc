// Payment terms; see payment_term.h.
#include "common/money/payment_term.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace qudao {
namespace {

constexpr int kMaxNetDays = 365;
constexpr int kMaxDiscountBasisPoints = 5000;

// "2" → 200, "1.5" → 150, "0.25" → 25 basis points; nullopt otherwise.
std::optional<int> PercentToBasisPoints(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.empty() || parts.size() > 2 || parts[0].empty() ||
      parts[0].size() > 3) {
    return std::nullopt;
  }
  int whole = 0;
  if (!absl::SimpleAtoi(parts[0], &whole) ||
      !absl::ascii_isdigit(parts[0][0])) {
    return std::nullopt;
  }
  int fraction = 0;
  if (parts.size() == 2) {
    if (parts[1].empty() || parts[1].size() > 2) return std::nullopt;
    for (char c : parts[1]) {
      if (!absl::ascii_isdigit(c)) return std::nullopt;
    }
    absl::SimpleAtoi(parts[1], &fraction);
    if (parts[1].size() == 1) fraction *= 10;
  }
  return whole * 100 + fraction;
}

std::optional<int> Days(absl::string_view text) {
  int days = 0;
  if (text.empty() || text.size() > 3) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  absl::SimpleAtoi(text, &days);
  return days;
}

}  // namespace

absl::Status CheckPaymentTerm(absl::string_view field,
                              const PaymentTerm& term) {
  if (term.net_days < 0 || term.net_days > kMaxNetDays) {
    return InvalidField(
        absl::StrCat(field, ".net_days"),
        absl::StrCat("must be 0 (cash in advance) to ", kMaxNetDays, " (got ",
                     term.net_days, ")"));
  }
  if (term.discount_basis_points == 0 && term.discount_days == 0) {
    return absl::OkStatus();
  }
  if (term.cash_in_advance()) {
    return InvalidField(absl::StrCat(field, ".discount_basis_points"),
                        "cash in advance has no cash discount");
  }
  if (term.discount_basis_points < 1 ||
      term.discount_basis_points > kMaxDiscountBasisPoints) {
    return InvalidField(
        absl::StrCat(field, ".discount_basis_points"),
        absl::StrCat("must be 1 (0.01%) to ", kMaxDiscountBasisPoints,
                     " (50%) with a discount window (got ",
                     term.discount_basis_points, ")"));
  }
  if (term.discount_days < 1 || term.discount_days > term.net_days) {
    return InvalidField(
        absl::StrCat(field, ".discount_days"),
        absl::StrCat("must be 1 to the net days (", term.net_days,
                     ") with a discount (got ", term.discount_days, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PaymentTerm> ParsePaymentTerm(absl::string_view raw) {
  const std::string text =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
  auto bad = [&raw]() {
    return InvalidField("payment_term",
                        absl::StrCat("'", QuoteInput(raw),
                                     "' is not a payment term; write e.g. "
                                     "\"2/10 net 30\", \"net 30\" or \"cash "
                                     "in advance\""));
  };
  if (text == "cash in advance" || text == "cia") return PaymentTerm{};
  PaymentTerm term;
  absl::string_view rest = text;
  const size_t net = rest.find("net");
  if (net == absl::string_view::npos) return bad();
  absl::string_view discount = absl::StripAsciiWhitespace(rest.substr(0, net));
  absl::string_view net_days = absl::StripAsciiWhitespace(rest.substr(net + 3));
  std::optional<int> days = Days(net_days);
  if (!days.has_value()) return bad();
  term.net_days = *days;
  if (!discount.empty()) {
    std::vector<absl::string_view> parts = absl::StrSplit(discount, '/');
    if (parts.size() != 2) return bad();
    std::optional<int> bp =
        PercentToBasisPoints(absl::StripAsciiWhitespace(parts[0]));
    std::optional<int> window = Days(absl::StripAsciiWhitespace(parts[1]));
    if (!bp.has_value() || !window.has_value()) return bad();
    term.discount_basis_points = *bp;
    term.discount_days = *window;
  }
  if (absl::Status s = CheckPaymentTerm("payment_term", term); !s.ok()) {
    return s;
  }
  return term;
}

std::string FormatPaymentTerm(const PaymentTerm& term) {
  if (term.cash_in_advance()) return "cash in advance";
  if (!term.has_discount()) return absl::StrCat("net ", term.net_days);
  std::string percent = absl::StrCat(term.discount_basis_points / 100);
  if (const int fraction = term.discount_basis_points % 100; fraction != 0) {
    absl::StrAppend(&percent, ".", fraction / 10);
    if (fraction % 10 != 0) absl::StrAppend(&percent, fraction % 10);
  }
  return absl::StrCat(percent, "/", term.discount_days, " net ", term.net_days);
}

std::optional<absl::CivilDay> DiscountUntil(const PaymentTerm& term,
                                            absl::CivilDay invoice_day) {
  if (!term.has_discount()) return std::nullopt;
  return invoice_day + term.discount_days;
}

absl::StatusOr<Money> CashDiscount(const PaymentTerm& term,
                                   const Money& total) {
  if (!term.has_discount()) return Money::Zero(total.currency());
  return total.ApplyBasisPoints(term.discount_basis_points);
}

}  // namespace qudao
