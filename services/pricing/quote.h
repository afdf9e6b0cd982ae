// A stored quote (报价单): a priced basket kept as it was priced — the
// dealer, the destination and payment term, each line's list price and
// standard cost with the versions they came from, each line's net amount
// and rebate, the order's freight, VAT and total, and the full waterfall
// as the explanation. An order is placed against a quote until it
// expires; the prices never change after the quote is written.
//
// A stored quote never has failed lines: a basket with a line below a
// REJECT floor is refused (PRICE_BELOW_FLOOR naming the lines), not
// stored. Plain C++, no gRPC or SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"

namespace qudao::pricing {

// An order placed against a quote after its expire_time.
// Quote ids: "qt" and a time-ordered suffix.
inline constexpr char kQuoteIdPrefix[] = "qt";

inline constexpr char kReasonQuoteExpired[] = "QUOTE_EXPIRED";
inline constexpr char kReasonQuoteNotFound[] = "QUOTE_NOT_FOUND";
// The stored data cannot price the basket (a margin floor on a SKU
// without a standard cost, no freight rate to the destination).
inline constexpr char kReasonBasketNotPriceable[] = "BASKET_NOT_PRICEABLE";

// How long a quote holds unless the caller says otherwise, and at most.
inline constexpr int kDefaultQuoteValidityDays = 14;
inline constexpr int kMaxQuoteValidityDays = 90;

struct QuoteLine {
  // The line's index in the basket (0-based, the order the caller gave).
  int line = 0;
  // Canonical (upper-case).
  std::string sku;
  std::string product_group;
  int64_t quantity = 0;
  // Per unit, before VAT, from price list version `list_version`.
  Money list_price;
  int64_t list_version = 0;
  // The line after the waterfall's floors, before VAT.
  Money net_amount;
  // net_amount ÷ quantity, rounded half-up.
  Money net_unit_price;
  // Per unit, from cost version `cost_version` (none: nullopt and 0).
  std::optional<Money> standard_cost;
  int64_t cost_version = 0;
  // The rebate rule accruing on this line (none: empty and zero).
  std::string rebate_rule_id;
  Money rebate_accrual;
};

struct Quote {
  std::string quote_id;
  std::string dealer_id;
  std::string currency;
  // Where the goods go (the dealer's own province/city when the caller
  // named none).
  std::string destination_province;
  std::string destination_city;
  PaymentTerm payment_term;
  // The business day the quote was priced on: rule windows, list prices,
  // standard costs and volume periods count from it.
  absl::CivilDay quote_day;
  absl::Time create_time;
  absl::Time expire_time;
  // The principal that created it.
  std::string created_by;
  // 1..kMaxBasketLines, in line order.
  std::vector<QuoteLine> lines;
  // Σ lines' net_amount.
  Money goods_total;
  // Freight charged to the dealer (zero unless FOB origin or basing point).
  Money freight;
  // The zone's adjustment (zero unless zone pricing).
  Money zone_adjustment;
  int64_t vat_basis_points = 0;
  // On goods + zone adjustment + freight.
  Money vat;
  // goods + zone adjustment + freight + VAT: what the payer owes.
  Money total;
  // Σ lines' rebate_accrual: accrued, never taken off the total.
  Money rebate_total;
  // The full waterfall as priced (a serialized BasketResult message),
  // opaque to the store.
  std::string explanation;
};

// Whether `now` is at or after the quote's expire_time.
bool QuoteExpired(const Quote& quote, absl::Time now);

// What every stored quote holds (INTERNAL naming the field when it does
// not: a quote is built by the code, never by a caller): 1..500 lines
// with indices ascending and unique, positive quantities, every amount in
// the quote's currency, goods_total = Σ net amounts, rebate_total = Σ
// accruals, total = goods + zone adjustment + freight + VAT, expire_time
// after create_time.
absl::Status CheckQuoteInvariants(const Quote& quote);

}  // namespace qudao::pricing
