// The stored quote's rules: expiry and the invariants every stored quote
// holds.
#include "services/pricing/quote.h"

#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

QuoteLine Line(int index, int64_t quantity, int64_t net_minor) {
  QuoteLine l;
  l.line = index;
  l.sku = "PUMP-100";
  l.product_group = "PUMPS";
  l.quantity = quantity;
  l.list_price = Cny(10000);
  l.list_version = 1;
  l.net_amount = Cny(net_minor);
  l.net_unit_price = Cny(net_minor / quantity);
  l.rebate_accrual = Cny(0);
  return l;
}

// Two lines, 900.00 + 450.00 goods, 20.00 freight, 13% VAT.
Quote Valid() {
  Quote q;
  q.quote_id = "qt_1";
  q.dealer_id = "D1";
  q.currency = "CNY";
  q.quote_day = absl::CivilDay(2026, 11, 27);
  q.create_time = absl::FromUnixSeconds(1795000000);
  q.expire_time = q.create_time + absl::Hours(24 * kDefaultQuoteValidityDays);
  q.lines = {Line(0, 10, 90000), Line(1, 5, 45000)};
  q.lines[1].rebate_rule_id = "REB";
  q.lines[1].rebate_accrual = Cny(450);
  q.goods_total = Cny(135000);
  q.freight = Cny(2000);
  q.zone_adjustment = Cny(0);
  q.vat_basis_points = 1300;
  q.vat = Cny(17810);
  q.total = Cny(135000 + 2000 + 17810);
  q.rebate_total = Cny(450);
  return q;
}

TEST(QuoteTest, ValidQuoteHoldsItsInvariants) {
  EXPECT_THAT(CheckQuoteInvariants(Valid()), IsOk());
}

TEST(QuoteTest, ExpiresAtItsExpireTime) {
  const Quote q = Valid();
  EXPECT_FALSE(QuoteExpired(q, q.expire_time - absl::Seconds(1)));
  EXPECT_TRUE(QuoteExpired(q, q.expire_time));
  EXPECT_TRUE(QuoteExpired(q, q.expire_time + absl::Hours(1)));
}

TEST(QuoteTest, TotalsMustAddUp) {
  Quote q = Valid();
  q.goods_total = Cny(135001);
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q = Valid();
  q.total = Cny(1);
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q = Valid();
  q.rebate_total = Cny(0);
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  // The zone adjustment is part of the total.
  q = Valid();
  q.zone_adjustment = Cny(100);
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q.total = Cny(135000 + 2000 + 17810 + 100);
  EXPECT_THAT(CheckQuoteInvariants(q), IsOk());
}

TEST(QuoteTest, LinesBetweenOneAndFiveHundredInOrder) {
  Quote q = Valid();
  q.lines.clear();
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q = Valid();
  q.lines[1].line = 0;
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q = Valid();
  q.lines.clear();
  for (int i = 0; i <= static_cast<int>(kMaxBasketLines); ++i) {
    q.lines.push_back(Line(i, 1, 100));
  }
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
}

TEST(QuoteTest, EveryAmountInTheQuoteCurrency) {
  Quote q = Valid();
  q.freight = Money::Create("USD", 2000).value();
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
  q = Valid();
  q.lines[0].standard_cost = Money::Create("USD", 1).value();
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
}

TEST(QuoteTest, ExpiresAfterItIsCreated) {
  Quote q = Valid();
  q.expire_time = q.create_time;
  EXPECT_THAT(CheckQuoteInvariants(q), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace qudao::pricing
