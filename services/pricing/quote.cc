// Stored quote rules; see quote.h.
#include "services/pricing/quote.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {
namespace {

// A broken invariant: INTERNAL (a quote is built by the code), naming the
// field.
absl::Status Broken(absl::string_view field, absl::string_view problem) {
  return WithField(
      absl::InternalError(absl::StrCat("quote ", field, ": ", problem)), field);
}

// `amount` is in `currency` (and set at all).
absl::Status InCurrency(absl::string_view field, const Money& amount,
                        const std::string& currency) {
  if (amount.currency() != currency) {
    return Broken(field, absl::StrCat("is in '", amount.currency(),
                                      "', not the quote's ", currency));
  }
  return absl::OkStatus();
}

// a + b, or INTERNAL naming `field` on overflow.
absl::StatusOr<Money> Plus(absl::string_view field, const Money& a,
                           const Money& b) {
  absl::StatusOr<Money> sum = a.Add(b);
  if (!sum.ok()) return Broken(field, sum.status().message());
  return sum;
}

}  // namespace

bool QuoteExpired(const Quote& quote, absl::Time now) {
  return now >= quote.expire_time;
}

absl::Status CheckQuoteInvariants(const Quote& quote) {
  const std::string& currency = quote.currency;
  if (quote.lines.empty() || quote.lines.size() > kMaxBasketLines) {
    return Broken("lines",
                  absl::StrCat("has ", quote.lines.size(),
                               " lines; a quote has 1..", kMaxBasketLines));
  }
  if (quote.expire_time <= quote.create_time) {
    return Broken("expire_time", "is not after create_time");
  }
  Money goods = Money::Zero(currency);
  Money rebates = Money::Zero(currency);
  for (size_t i = 0; i < quote.lines.size(); ++i) {
    const QuoteLine& l = quote.lines[i];
    const std::string field = absl::StrCat("lines[", i, "]");
    if (i > 0 && l.line <= quote.lines[i - 1].line) {
      return Broken(absl::StrCat(field, ".line"),
                    "line indices must be ascending and unique");
    }
    if (l.line < 0) return Broken(absl::StrCat(field, ".line"), "negative");
    if (l.quantity <= 0) {
      return Broken(absl::StrCat(field, ".quantity"), "must be positive");
    }
    for (const auto& [name, amount] :
         {std::pair<const char*, const Money*>{"list_price", &l.list_price},
          {"net_amount", &l.net_amount},
          {"net_unit_price", &l.net_unit_price},
          {"rebate_accrual", &l.rebate_accrual}}) {
      if (absl::Status s =
              InCurrency(absl::StrCat(field, ".", name), *amount, currency);
          !s.ok()) {
        return s;
      }
    }
    if (l.standard_cost.has_value()) {
      if (absl::Status s = InCurrency(absl::StrCat(field, ".standard_cost"),
                                      *l.standard_cost, currency);
          !s.ok()) {
        return s;
      }
    }
    absl::StatusOr<Money> g = Plus("goods_total", goods, l.net_amount);
    if (!g.ok()) return g.status();
    goods = *g;
    absl::StatusOr<Money> r = Plus("rebate_total", rebates, l.rebate_accrual);
    if (!r.ok()) return r.status();
    rebates = *r;
  }
  for (const auto& [name, amount] :
       {std::pair<const char*, const Money*>{"goods_total", &quote.goods_total},
        {"freight", &quote.freight},
        {"zone_adjustment", &quote.zone_adjustment},
        {"vat", &quote.vat},
        {"total", &quote.total},
        {"rebate_total", &quote.rebate_total}}) {
    if (absl::Status s = InCurrency(name, *amount, currency); !s.ok()) return s;
  }
  if (quote.goods_total != goods) {
    return Broken("goods_total",
                  absl::StrCat(quote.goods_total.ToString(),
                               " is not the sum of the lines' net amounts, ",
                               goods.ToString()));
  }
  if (quote.rebate_total != rebates) {
    return Broken("rebate_total",
                  absl::StrCat(quote.rebate_total.ToString(),
                               " is not the sum of the lines' accruals, ",
                               rebates.ToString()));
  }
  absl::StatusOr<Money> total = Plus("total", goods, quote.zone_adjustment);
  if (total.ok()) total = Plus("total", *total, quote.freight);
  if (total.ok()) total = Plus("total", *total, quote.vat);
  if (!total.ok()) return total.status();
  if (quote.total != *total) {
    return Broken("total",
                  absl::StrCat(quote.total.ToString(),
                               " is not goods + zone adjustment + freight + "
                               "VAT, ",
                               total->ToString()));
  }
  if (quote.vat_basis_points < 0 || quote.vat_basis_points > 10000) {
    return Broken("vat_basis_points", "must be 0..10000");
  }
  return absl::OkStatus();
}

}  // namespace qudao::pricing
