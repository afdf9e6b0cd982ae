// The price waterfall, without a server or a database: every number here is
// a requirement (docs/domain.md, "Price waterfall").
#include "services/pricing/waterfall.h"

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

using ::testing::HasSubstr;

const absl::CivilDay kQuoteDay(2026, 11, 27);

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

PricingDealer Dealer(ChannelLevel level) {
  return {"dlr_d1", level, "B", "EAST", "GD", "SHENZHEN"};
}

BasketLine Line(std::string sku, int64_t quantity, int64_t list_minor,
                std::string group = "PUMPS") {
  BasketLine l;
  l.sku = std::move(sku);
  l.product_group = std::move(group);
  l.quantity = quantity;
  l.list_price = Cny(list_minor);
  return l;
}

// A basket for a distributor (no channel floor), no VAT, uniform delivered,
// unless a test says otherwise.
BasketInput Basket(std::vector<BasketLine> lines,
                   ChannelLevel level = ChannelLevel::kDistributor) {
  BasketInput in;
  in.dealer = Dealer(level);
  in.quote_day = kQuoteDay;
  in.lines = std::move(lines);
  in.vat_basis_points = 0;
  in.freight.method = FreightMethod::kUniformDelivered;
  return in;
}

PriceRule Rule(std::string id, RuleType type, int64_t bp = 0) {
  PriceRule r;
  r.rule_id = std::move(id);
  r.type = type;
  r.state = RuleState::kActive;
  r.valid_from = absl::CivilDay(2026, 1, 1);
  r.basis_points = bp;
  return r;
}

PriceRule LevelMargin(std::string id, ChannelLevel level, int64_t bp) {
  PriceRule r = Rule(std::move(id), RuleType::kChannelMargin, bp);
  r.dealer_scope = {DealerScopeKind::kChannelLevel, level, ""};
  return r;
}

PriceRule Floor(std::string id, int64_t min_unit_minor, FloorAction action) {
  PriceRule r = Rule(std::move(id), RuleType::kFloor);
  r.floor.kind = FloorKind::kMinNetUnitPrice;
  r.floor.min_net_unit_price = Cny(min_unit_minor);
  r.floor.action = action;
  return r;
}

// Prices the basket into `var`, failing the test at once (not later, on an
// out-of-range index) when pricing returns an error.
#define ASSERT_PRICED(var, ...)                                     \
  absl::StatusOr<BasketResult> var##_or = PriceBasket(__VA_ARGS__); \
  ASSERT_TRUE(var##_or.ok()) << var##_or.status();                  \
  const BasketResult& var = *var##_or

const NotApplied* Find(const LineResult& line, const std::string& rule_id,
                       NotAppliedReason reason) {
  for (const NotApplied& n : line.not_applied) {
    if (n.rule_id() == rule_id && n.reason == reason) return &n;
  }
  return nullptr;
}

std::vector<int> StepNumbers(const LineResult& line) {
  std::vector<int> steps;
  for (const AppliedStep& s : line.steps) {
    steps.push_back(static_cast<int>(s.step));
  }
  return steps;
}

TEST(WaterfallTest, TenPercentOf3x33_33RoundsTheDiscountOnTheLine) {
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 3, 3333)}),
                {Rule("M10", RuleType::kChannelMargin, 1000)});
  ASSERT_EQ(r.lines.size(), 1u);
  const LineResult& l = r.lines[0];
  ASSERT_EQ(l.steps.size(), 2u);
  EXPECT_EQ(l.steps[0].step, WaterfallStep::kListPrice);
  EXPECT_EQ(l.steps[0].amount, Cny(9999));
  EXPECT_EQ(l.steps[1].step, WaterfallStep::kChannelMargin);
  EXPECT_EQ(l.steps[1].rule_id(), "M10");
  EXPECT_EQ(l.steps[1].amount, Cny(-1000));  // 9.999 → 10.00
  EXPECT_EQ(l.steps[1].running_after, Cny(8999));
  EXPECT_EQ(l.net_amount, Cny(8999));
  EXPECT_EQ(l.net_unit_price, Cny(3000));  // 29.9966… → 30.00
  EXPECT_EQ(r.goods_total, Cny(8999));
}

TEST(WaterfallTest, StepsRunInTheFixedOrderEachOnTheRunningAmount) {
  PriceRule qty = Rule("Q", RuleType::kQuantity);
  qty.quantity.tiers = {{5, {}, 100}, {10, {}, 200}};
  PriceRule ending = Rule("E", RuleType::kPriceEnding);
  ending.ending = {100, 99};
  // Given out of order: the waterfall orders by step, not by the vector.
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 10, 10000)}),
                {ending, qty, Rule("S5", RuleType::kSeasonal, 500),
                 Rule("M10", RuleType::kChannelMargin, 1000)});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(StepNumbers(l), (std::vector<int>{1, 2, 3, 4, 7}));
  EXPECT_EQ(l.steps[0].running_after, Cny(100000));
  EXPECT_EQ(l.steps[1].amount, Cny(-10000));  // 10% of 1000.00
  EXPECT_EQ(l.steps[2].amount, Cny(-4500));   // 5% of 900.00
  EXPECT_EQ(l.steps[3].amount, Cny(-1710));   // 2% of 855.00 (tier ≥ 10)
  EXPECT_EQ(l.steps[3].running_after, Cny(83790));
  // Unit 83.79 → 82.99, line 829.90.
  EXPECT_EQ(l.steps[4].amount, Cny(-800));
  EXPECT_EQ(l.net_amount, Cny(82990));
  EXPECT_EQ(l.net_unit_price, Cny(8299));
  EXPECT_EQ(StepNote(r, l, l.steps[4]), "unit 83.79 → 82.99 × 10");
}

TEST(WaterfallTest, PriceEnding99Turns13_45Into12_99) {
  PriceRule e = Rule("E99", RuleType::kPriceEnding);
  e.ending = {100, 99};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 2, 1345)}), {e});
  EXPECT_EQ(r.lines[0].net_unit_price, Cny(1299));
  EXPECT_EQ(r.lines[0].net_amount, Cny(2598));
  EXPECT_EQ(r.lines[0].steps.back().amount, Cny(-92));
}

TEST(WaterfallTest, PriceEnding900Turns134_50Into129_00) {
  PriceRule e = Rule("E900", RuleType::kPriceEnding);
  e.ending = {1000, 900};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 13450)}), {e});
  EXPECT_EQ(r.lines[0].net_unit_price, Cny(12900));
  EXPECT_EQ(r.lines[0].net_amount, Cny(12900));
}

TEST(WaterfallTest, PriceEndingWithNoPositiveCandidateLeavesThePrice) {
  PriceRule e = Rule("E99", RuleType::kPriceEnding);
  e.ending = {100, 99};
  ASSERT_PRICED(r, Basket({Line("WASHER", 4, 50)}), {e});
  EXPECT_EQ(r.lines[0].net_amount, Cny(200));
  EXPECT_EQ(StepNumbers(r.lines[0]), (std::vector<int>{1}));
  const NotApplied* n =
      Find(r.lines[0], "E99", NotAppliedReason::kNoPriceEnding);
  ASSERT_NE(n, nullptr);
  EXPECT_THAT(ExplainNotApplied(r, r.lines[0], *n),
              HasSubstr("unit price 0.50: left unchanged"));
}

TEST(WaterfallTest, ADealerRuleBeatsASkuRuleOnATie) {
  PriceRule dealer = Rule("FOR-DEALER", RuleType::kSeasonal, 500);
  dealer.dealer_scope = {DealerScopeKind::kDealer, {}, "dlr_d1"};
  PriceRule sku = Rule("FOR-SKU", RuleType::kSeasonal, 2000);
  sku.product_scope = {ProductScopeKind::kSku, "pump-100"};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}), {sku, dealer});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.steps.back().rule_id(), "FOR-DEALER");
  EXPECT_EQ(l.net_amount, Cny(9500));
  const NotApplied* n = Find(l, "FOR-SKU", NotAppliedReason::kLowerPriority);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->step, WaterfallStep::kSeasonal);
  EXPECT_THAT(ExplainNotApplied(r, l, *n), HasSubstr("lost to FOR-DEALER"));
}

TEST(WaterfallTest, HigherPriorityWinsAndAtMostOneRulePerStep) {
  PriceRule low = Rule("LOW", RuleType::kSeasonal, 2000);
  PriceRule high = Rule("HIGH", RuleType::kSeasonal, 300);
  high.priority = 10;
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}), {low, high});
  EXPECT_EQ(StepNumbers(r.lines[0]), (std::vector<int>{1, 3}));
  EXPECT_EQ(r.lines[0].net_amount, Cny(9700));
  EXPECT_NE(Find(r.lines[0], "LOW", NotAppliedReason::kLowerPriority), nullptr);
}

TEST(WaterfallTest, RuleOutsideItsWindowIsNotAppliedWithTheReason) {
  PriceRule expired = Rule("SUMMER", RuleType::kSeasonal, 1000);
  expired.valid_from = absl::CivilDay(2026, 6, 1);
  expired.valid_until = absl::CivilDay(2026, 9, 1);
  PriceRule ends_today = Rule("ENDS", RuleType::kSeasonal, 1000);
  ends_today.valid_until = kQuoteDay;  // exclusive
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}), {expired, ends_today});
  EXPECT_EQ(r.lines[0].net_amount, Cny(10000));
  const NotApplied* n =
      Find(r.lines[0], "SUMMER", NotAppliedReason::kOutOfWindow);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(ExplainNotApplied(r, r.lines[0], *n),
            "valid [2026-06-01, 2026-09-01), the quote is dated 2026-11-27");
  EXPECT_NE(Find(r.lines[0], "ENDS", NotAppliedReason::kOutOfWindow), nullptr);
}

TEST(WaterfallTest, DraftsDoNotApplyAndASimulationIsTheSameCall) {
  PriceRule draft = Rule("NEW-PROMO", RuleType::kSeasonal, 1500);
  draft.state = RuleState::kDraft;
  const BasketInput basket = Basket({Line("PUMP-100", 2, 10000)});
  ASSERT_PRICED(current, basket, {draft});
  EXPECT_EQ(current.goods_total, Cny(20000));
  EXPECT_NE(Find(current.lines[0], "NEW-PROMO", NotAppliedReason::kDraft),
            nullptr);
  // Simulating the change: the same basket, the rule as it would be.
  draft.state = RuleState::kActive;
  ASSERT_PRICED(simulated, basket, {draft});
  EXPECT_EQ(simulated.goods_total, Cny(17000));
}

// A rule for another dealer or product is counted, not listed: a set of
// 100,000 rules is mostly other dealers' and other SKUs'. What is listed is
// what matched the line's scope and still did not apply — a draft among
// them (a draft for another SKU is only counted).
TEST(WaterfallTest, ScopeMismatchIsCountedNotListed) {
  PriceRule other = Rule("OTHER-SKU", RuleType::kSeasonal, 1000);
  other.product_scope = {ProductScopeKind::kSku, "PUMP-200"};
  PriceRule other_dealer = Rule("OTHER-DEALER", RuleType::kChannelMargin, 500);
  other_dealer.dealer_scope = {DealerScopeKind::kDealer,
                               ChannelLevel::kUnspecified, "dlr_other"};
  PriceRule draft_elsewhere = other;
  draft_elsewhere.rule_id = "DRAFT-OTHER-SKU";
  draft_elsewhere.state = RuleState::kDraft;
  PriceRule draft_here = Rule("DRAFT-HERE", RuleType::kSeasonal, 1000);
  draft_here.product_scope = {ProductScopeKind::kSku, "Pump-100"};
  draft_here.state = RuleState::kDraft;
  ASSERT_PRICED(r, Basket({Line("pump-100", 1, 10000)}),
                {other, other_dealer, draft_elsewhere, draft_here});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.sku, "PUMP-100");
  EXPECT_EQ(l.net_amount, Cny(10000));
  EXPECT_EQ(l.scope_mismatches, 3);
  ASSERT_EQ(l.not_applied.size(), 1u);
  EXPECT_EQ(l.not_applied[0].rule_id(), "DRAFT-HERE");
  EXPECT_EQ(l.not_applied[0].reason, NotAppliedReason::kDraft);
}

// Pricing records facts; the words are rendered from them on demand, and
// the result keeps the rules they point to: it can be read after the rule
// vector (or the RuleBook) it was priced with is gone.
TEST(WaterfallTest, TheWordsRenderAfterTheRulesAreGone) {
  absl::StatusOr<BasketResult> r;
  {
    PriceRule high = Rule("HIGH", RuleType::kSeasonal, 1000);
    high.priority = 9;
    std::vector<PriceRule> rules = {Rule("LOW", RuleType::kSeasonal, 500), high,
                                    Floor("MIN95", 9500, FloorAction::kClamp)};
    absl::StatusOr<RuleBook> book = RuleBook::Build(rules);
    ASSERT_TRUE(book.ok());
    r = PriceBasket(Basket({Line("PUMP-100", 1, 10000)}), *book);
  }
  ASSERT_TRUE(r.ok()) << r.status();
  const LineResult& l = r->lines[0];
  ASSERT_EQ(StepNumbers(l), (std::vector<int>{1, 3, 8}));
  EXPECT_EQ(l.steps[1].rule_id(), "HIGH");
  EXPECT_EQ(StepNote(*r, l, l.steps[0]), "1 × 100.00");
  EXPECT_EQ(StepNote(*r, l, l.steps[1]), "10.00% of 100.00");
  // A floor step says what its clamp says.
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(StepNote(*r, l, l.steps[2]), ExplainClamp(*r, l, l.clamps[0]));
  EXPECT_EQ(ExplainClamp(*r, l, l.clamps[0]),
            "raised by 5.00 to 95.00: floor rule MIN95, minimum net unit "
            "price 95.00");
  const NotApplied* low = Find(l, "LOW", NotAppliedReason::kLowerPriority);
  ASSERT_NE(low, nullptr);
  EXPECT_EQ(low->winner->rule_id, "HIGH");
  EXPECT_EQ(ExplainNotApplied(*r, l, *low), "lost to HIGH: priority 0 < 9");
  const NotApplied* lost = Find(l, "HIGH", NotAppliedReason::kLostToFloor);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(ExplainNotApplied(*r, l, *lost),
            "5.00 of its 10.00 taken back by MIN95");
}

// The quote service builds a RuleBook once per rule-set version: pricing
// with it is pricing with the vector it was built from.
TEST(WaterfallTest, ARuleBookPricesAsItsVector) {
  PriceRule sku_promo = Rule("SKU-PROMO", RuleType::kSeasonal, 1500);
  sku_promo.product_scope = {ProductScopeKind::kSku, "pump-100"};
  sku_promo.priority = 2;
  PriceRule other = Rule("OTHER-SKU", RuleType::kSeasonal, 3000);
  other.product_scope = {ProductScopeKind::kSku, "PUMP-300"};
  PriceRule expired = Rule("EXPIRED", RuleType::kSeasonal, 2000);
  expired.valid_until = absl::CivilDay(2026, 2, 1);
  PriceRule rebate = Rule("REBATE", RuleType::kRebate, 100);
  const std::vector<PriceRule> rules = {
      LevelMargin("RET", ChannelLevel::kRetailer, 3000),
      LevelMargin("WHO", ChannelLevel::kWholesaler, 2000),
      Rule("ALL", RuleType::kSeasonal, 500),
      sku_promo,
      other,
      expired,
      rebate,
      Floor("MIN", 6000, FloorAction::kClamp)};
  const BasketInput basket =
      Basket({Line("PUMP-100", 3, 10000), Line("PUMP-200", 1, 8000)},
             ChannelLevel::kRetailer);
  absl::StatusOr<RuleBook> book = RuleBook::Build(rules);
  ASSERT_TRUE(book.ok()) << book.status();
  ASSERT_PRICED(a, basket, rules);
  ASSERT_PRICED(b, basket, *book);
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.rebate_total, b.rebate_total);
  ASSERT_EQ(a.lines.size(), b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) {
    const LineResult& x = a.lines[i];
    const LineResult& y = b.lines[i];
    EXPECT_EQ(x.net_amount, y.net_amount);
    EXPECT_EQ(x.scope_mismatches, y.scope_mismatches);
    ASSERT_EQ(x.steps.size(), y.steps.size());
    for (size_t j = 0; j < x.steps.size(); ++j) {
      EXPECT_EQ(x.steps[j].rule_id(), y.steps[j].rule_id());
      EXPECT_EQ(x.steps[j].amount, y.steps[j].amount);
      EXPECT_EQ(StepNote(a, x, x.steps[j]), StepNote(b, y, y.steps[j]));
    }
    ASSERT_EQ(x.not_applied.size(), y.not_applied.size());
    for (size_t j = 0; j < x.not_applied.size(); ++j) {
      EXPECT_EQ(x.not_applied[j].rule_id(), y.not_applied[j].rule_id());
      EXPECT_EQ(ExplainNotApplied(a, x, x.not_applied[j]),
                ExplainNotApplied(b, y, y.not_applied[j]));
    }
  }
  // PUMP-100: RET applies (WHO is another level: counted), SKU-PROMO beats
  // ALL, EXPIRED is listed; OTHER-SKU is another SKU: counted.
  const LineResult& l = b.lines[0];
  EXPECT_EQ(l.scope_mismatches, 2);
  EXPECT_NE(Find(l, "ALL", NotAppliedReason::kLowerPriority), nullptr);
  EXPECT_NE(Find(l, "EXPIRED", NotAppliedReason::kOutOfWindow), nullptr);
  EXPECT_EQ(Find(l, "OTHER-SKU", NotAppliedReason::kScopeMismatch), nullptr);
  EXPECT_EQ(b.lines[1].scope_mismatches, 3);  // WHO, SKU-PROMO, OTHER-SKU
}

TEST(WaterfallTest, QuantityTierOnTheLineQuantity) {
  PriceRule q = Rule("QTY", RuleType::kQuantity);
  q.quantity.basis = QuantityBasis::kLineQuantity;
  q.quantity.tiers = {{10, {}, 200}, {50, {}, 500}};
  ASSERT_PRICED(
      r, Basket({Line("PUMP-100", 60, 1000), Line("PUMP-200", 5, 1000)}), {q});
  EXPECT_EQ(r.lines[0].steps.back().amount, Cny(-3000));  // 5% of 600.00
  EXPECT_EQ(r.lines[0].net_amount, Cny(57000));
  EXPECT_EQ(r.lines[1].net_amount, Cny(5000));
  const NotApplied* n =
      Find(r.lines[1], "QTY", NotAppliedReason::kTierNotReached);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(ExplainNotApplied(r, r.lines[1], *n),
            "first tier needs 10 units on the line; it has 5");
}

TEST(WaterfallTest, ARuleWhoseTierIsNotReachedDoesNotBlockALowerOne) {
  PriceRule big = Rule("BIG", RuleType::kQuantity);
  big.priority = 9;
  big.quantity.tiers = {{100, {}, 1000}};
  PriceRule small = Rule("SMALL", RuleType::kQuantity);
  small.priority = 1;
  small.quantity.tiers = {{10, {}, 200}};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 20, 1000)}), {big, small});
  EXPECT_EQ(r.lines[0].steps.back().rule_id(), "SMALL");
  EXPECT_EQ(r.lines[0].net_amount, Cny(19600));
  EXPECT_NE(Find(r.lines[0], "BIG", NotAppliedReason::kTierNotReached),
            nullptr);
}

TEST(WaterfallTest, QuantityTierOnTheOrderTotalIsMeasuredAfterStep3) {
  // 600.00 + 500.00 = 1,100.00 at list; 990.00 after the 10% promotion.
  const BasketInput basket =
      Basket({Line("PUMP-100", 6, 10000), Line("VALVE-7", 5, 10000, "VALVES")});
  PriceRule promo = Rule("PROMO", RuleType::kSeasonal, 1000);
  PriceRule order = Rule("ORDER", RuleType::kQuantity);
  order.quantity.basis = QuantityBasis::kOrderAmount;
  order.quantity.tiers = {{0, Cny(100000), 300}};  // ≥ 1,000.00: 3%
  ASSERT_PRICED(missed, basket, {promo, order});
  EXPECT_EQ(missed.goods_total, Cny(99000));
  EXPECT_NE(Find(missed.lines[0], "ORDER", NotAppliedReason::kTierNotReached),
            nullptr);

  order.quantity.tiers = {{0, Cny(90000), 300}};  // ≥ 900.00: 3%
  ASSERT_PRICED(reached, basket, {promo, order});
  // 3% of 540.00 and of 450.00.
  EXPECT_EQ(reached.lines[0].steps.back().amount, Cny(-1620));
  EXPECT_EQ(reached.lines[1].steps.back().amount, Cny(-1350));
  EXPECT_EQ(reached.goods_total, Cny(96030));
}

TEST(WaterfallTest, CumulativeVolumeCountsThisOrderOnTopOfThePeriod) {
  PriceRule cum = Rule("Q4-VOLUME", RuleType::kCumulativeVolume);
  cum.product_scope = {ProductScopeKind::kGroup, "PUMPS"};
  cum.cumulative.measure = VolumeMeasure::kUnits;
  cum.cumulative.period = VolumePeriod::kQuarter;
  cum.cumulative.tiers = {{1000, {}, 300}};
  BasketInput basket =
      Basket({Line("PUMP-100", 40, 10000), Line("PUMP-200", 20, 5000),
              Line("VALVE-7", 500, 100, "VALVES")});
  basket.prior_volumes = {{"Q4-VOLUME", 950, Cny(0)}};
  ASSERT_PRICED(r, basket, {cum});
  ASSERT_EQ(r.volumes.size(), 1u);
  const VolumeFact& f = r.volumes[0];
  EXPECT_EQ(f.period, "2026-Q4");
  EXPECT_EQ(f.period_from, absl::CivilDay(2026, 10, 1));
  EXPECT_EQ(f.period_until, absl::CivilDay(2027, 1, 1));
  EXPECT_TRUE(f.prior_given);
  EXPECT_EQ(f.prior_units, 950);
  EXPECT_EQ(f.order_units, 60);  // the valves are not in the scope
  EXPECT_EQ(f.counted_units, 1010);
  EXPECT_EQ(f.tier_basis_points, 300);
  EXPECT_EQ(r.lines[0].net_amount, Cny(388000));  // 4,000.00 less 3%
  EXPECT_EQ(r.lines[1].net_amount, Cny(97000));
  EXPECT_EQ(r.lines[2].net_amount, Cny(50000));

  basket.prior_volumes = {{"Q4-VOLUME", 900, Cny(0)}};  // 960 < 1000
  ASSERT_PRICED(below, basket, {cum});
  EXPECT_EQ(below.lines[0].net_amount, Cny(400000));
  EXPECT_EQ(below.volumes[0].counted_units, 960);
  EXPECT_EQ(below.volumes[0].tier_basis_points, std::nullopt);
  EXPECT_NE(
      Find(below.lines[0], "Q4-VOLUME", NotAppliedReason::kTierNotReached),
      nullptr);
}

TEST(WaterfallTest, CumulativeVolumeInMoneyCountsThisOrderAfterStep4) {
  PriceRule cum = Rule("YEAR-AMOUNT", RuleType::kCumulativeVolume);
  cum.cumulative.measure = VolumeMeasure::kAmount;
  cum.cumulative.period = VolumePeriod::kYear;
  cum.cumulative.tiers = {{0, Cny(10000000), 200}};  // ≥ 100,000.00: 2%
  BasketInput basket = Basket({Line("PUMP-100", 10, 100000)});  // 10,000.00
  basket.prior_volumes = {{"YEAR-AMOUNT", 0, Cny(9100000)}};
  // After a 10% margin the order counts 9,000.00: 91,000 + 9,000 = 100,000.
  ASSERT_PRICED(r, basket, {cum, Rule("M10", RuleType::kChannelMargin, 1000)});
  ASSERT_EQ(r.volumes.size(), 1u);
  EXPECT_EQ(r.volumes[0].period, "2026");
  EXPECT_EQ(r.volumes[0].order_amount, Cny(900000));
  EXPECT_EQ(r.volumes[0].counted_amount, Cny(10000000));
  EXPECT_EQ(r.lines[0].net_amount, Cny(882000));  // 9,000.00 less 2%
}

TEST(WaterfallTest, CumulativeWithoutPriorVolumeCountsTheOrderAndSaysSo) {
  PriceRule cum = Rule("Q4", RuleType::kCumulativeVolume);
  cum.cumulative.tiers = {{10, {}, 100}};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 12, 1000)}), {cum});
  EXPECT_FALSE(r.volumes[0].prior_given);
  EXPECT_EQ(r.volumes[0].counted_units, 12);
  EXPECT_EQ(r.lines[0].net_amount, Cny(11880));
}

TEST(WaterfallTest, BundleDiscountsBForTheQuantityACoversInTheRatio) {
  PriceRule bundle = Rule("FILTER-WITH-PUMP", RuleType::kBundle);
  bundle.product_scope = {ProductScopeKind::kSku, "FILTER-1"};
  bundle.bundle = {"pump-100", 2, 1, 5000};  // per 2 pumps, 1 filter at 50%
  ASSERT_PRICED(r,
                Basket({Line("PUMP-100", 5, 10000),
                        Line("FILTER-1", 4, 1000, "FILTERS")}),
                {bundle});
  // 5 pumps cover 2 filters: 50% of 2 of the 4 units of 40.00.
  EXPECT_EQ(r.lines[1].steps.back().step, WaterfallStep::kBundle);
  EXPECT_EQ(r.lines[1].steps.back().amount, Cny(-1000));
  EXPECT_EQ(r.lines[1].net_amount, Cny(3000));
  EXPECT_EQ(r.lines[0].net_amount, Cny(50000));  // A itself is not cut

  ASSERT_PRICED(alone,
                Basket({Line("FILTER-1", 4, 1000, "FILTERS"),
                        Line("PUMP-100", 1, 10000)}),
                {bundle});
  EXPECT_EQ(alone.lines[0].net_amount, Cny(4000));
  const NotApplied* n = Find(alone.lines[0], "FILTER-WITH-PUMP",
                             NotAppliedReason::kBundleIncomplete);
  ASSERT_NE(n, nullptr);
  EXPECT_THAT(ExplainNotApplied(alone, alone.lines[0], *n),
              HasSubstr("the order has 1"));
}

TEST(WaterfallTest, RetailerIsClampedToTheWholesalerPrice) {
  // List 100.00; a wholesaler gets 20% off (80.00). The retailer's own 10%
  // and a 15% promotion would take it to 76.50.
  const std::vector<PriceRule> rules = {
      LevelMargin("W20", ChannelLevel::kWholesaler, 2000),
      LevelMargin("R10", ChannelLevel::kRetailer, 1000),
      Rule("PROMO15", RuleType::kSeasonal, 1500)};
  ASSERT_PRICED(
      r, Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kRetailer), rules);
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.net_amount, Cny(8000));
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(l.clamps[0].floor(), kChannelFloor);
  EXPECT_EQ(l.clamps[0].floor_amount, Cny(8000));
  EXPECT_EQ(l.clamps[0].raised_by, Cny(350));
  EXPECT_THAT(ExplainClamp(r, l, l.clamps[0]),
              HasSubstr("the wholesaler price: list 100.00 less 20.00% "
                        "(rule W20)"));
  EXPECT_EQ(l.steps.back().step, WaterfallStep::kFloor);
  EXPECT_EQ(l.steps.back().amount, Cny(350));
  const NotApplied* lost = Find(l, "PROMO15", NotAppliedReason::kLostToFloor);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(ExplainNotApplied(r, l, *lost),
            "3.50 of its 13.50 taken back by CHANNEL_FLOOR");
  EXPECT_TRUE(l.failure_reason.empty());

  // A wholesaler is held to the distributor's price, not its own: with a
  // distributor margin of 35% (65.00) its 68.00 stands; a distributor has no
  // channel floor.
  std::vector<PriceRule> ladder = rules;
  ladder.push_back(LevelMargin("D35", ChannelLevel::kDistributor, 3500));
  ASSERT_PRICED(w,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kWholesaler),
                ladder);
  EXPECT_EQ(w.lines[0].net_amount, Cny(6800));  // 80.00 less 15%
  EXPECT_TRUE(w.lines[0].clamps.empty());
  ASSERT_PRICED(
      d, Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kDistributor),
      ladder);
  EXPECT_EQ(d.lines[0].net_amount, Cny(5525));  // 65.00 less 15%
  EXPECT_TRUE(d.lines[0].clamps.empty());
}

TEST(WaterfallTest, WithoutAMarginForTheLevelAboveTheChannelFloorIsList) {
  // No distributor margin: the distributor pays list, so a wholesaler may
  // not go below list either.
  ASSERT_PRICED(w,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kWholesaler),
                {LevelMargin("W20", ChannelLevel::kWholesaler, 2000)});
  EXPECT_EQ(w.lines[0].net_amount, Cny(10000));
  ASSERT_EQ(w.lines[0].clamps.size(), 1u);
  EXPECT_EQ(w.lines[0].clamps[0].raised_by, Cny(2000));
  EXPECT_THAT(ExplainClamp(w, w.lines[0], w.lines[0].clamps[0]),
              HasSubstr("no channel margin rule applies to a distributor"));
  // A key account has no channel floor.
  ASSERT_PRICED(k,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kKeyAccount),
                {Rule("PROMO15", RuleType::kSeasonal, 1500)});
  EXPECT_EQ(k.lines[0].net_amount, Cny(8500));
  EXPECT_TRUE(k.lines[0].clamps.empty());
}

TEST(WaterfallTest, RetailerAboveTheWholesalerPriceIsNotClamped) {
  ASSERT_PRICED(r,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kRetailer),
                {LevelMargin("W20", ChannelLevel::kWholesaler, 2000),
                 LevelMargin("R10", ChannelLevel::kRetailer, 1000)});
  EXPECT_EQ(r.lines[0].net_amount, Cny(9000));
  EXPECT_TRUE(r.lines[0].clamps.empty());
}

TEST(WaterfallTest, FloorClampRaisesTheLineAndSaysByHowMuch) {
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 2, 10000)}),
                {Rule("PROMO30", RuleType::kSeasonal, 3000),
                 Floor("MIN85", 8500, FloorAction::kClamp)});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.net_amount, Cny(17000));
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(l.clamps[0].floor(), "MIN85");
  EXPECT_EQ(l.clamps[0].raised_by, Cny(3000));
  EXPECT_EQ(l.steps.back().rule_id(), "MIN85");
  EXPECT_NE(Find(l, "PROMO30", NotAppliedReason::kLostToFloor), nullptr);
}

TEST(WaterfallTest, MarginFloorUsesTheStandardCost) {
  BasketLine line = Line("PUMP-100", 3, 10000);
  line.standard_cost = Cny(5000);
  PriceRule floor = Rule("MARGIN20", RuleType::kFloor);
  floor.floor.kind = FloorKind::kMinMarginOverCost;
  floor.floor.min_margin_basis_points = 2000;  // ≥ 60.00 per unit
  floor.floor.action = FloorAction::kClamp;
  ASSERT_PRICED(r, Basket({line}),
                {Rule("PROMO50", RuleType::kSeasonal, 5000), floor});
  EXPECT_EQ(r.lines[0].net_amount, Cny(18000));
  EXPECT_EQ(r.lines[0].clamps[0].raised_by, Cny(3000));

  line.standard_cost.reset();
  absl::StatusOr<BasketResult> missing = PriceBasket(Basket({line}), {floor});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(missing.status()), "lines[0].standard_cost");
}

TEST(WaterfallTest, FloorRejectFailsTheLineNotTheBasket) {
  ASSERT_PRICED(
      r,
      Basket({Line("PUMP-100", 2, 10000), Line("VALVE-7", 1, 5000, "VALVES")}),
      {Rule("PROMO30", RuleType::kSeasonal, 3000), [] {
         PriceRule f = Floor("MIN85", 8500, FloorAction::kReject);
         f.product_scope = {ProductScopeKind::kGroup, "PUMPS"};
         return f;
       }()});
  EXPECT_EQ(r.failed_lines, 1);
  EXPECT_EQ(r.lines[0].failure_reason, kReasonPriceBelowFloor);
  EXPECT_THAT(r.lines[0].failure_message,
              HasSubstr("net 140.00 is below 170.00"));
  EXPECT_TRUE(r.lines[0].clamps.empty());
  EXPECT_FALSE(r.lines[1].failed());
  EXPECT_EQ(r.lines[1].net_amount, Cny(3500));
  EXPECT_EQ(r.goods_total, Cny(3500));  // the failed line is left out
}

TEST(WaterfallTest, FreightFobOriginChargesFromThePlantApartFromGoods) {
  BasketLine line = Line("PUMP-100", 10, 10000);
  line.unit_weight_grams = 1500;
  BasketInput in = Basket({line});
  in.freight.method = FreightMethod::kFobOrigin;
  in.freight.origin_plant = "WUHAN";
  in.freight.rates = {{"WUHAN", "GD", "", Cny(8000), Cny(300), Cny(0)},
                      {"WUHAN", "GD", "SHENZHEN", Cny(5000), Cny(200), Cny(50)},
                      {"SHANGHAI", "GD", "", Cny(1), Cny(1), Cny(1)}};
  ASSERT_PRICED(r, in, {});
  // The city row: 50.00 + 2.00 × 10 + 0.50 × 15 kg = 77.50.
  EXPECT_EQ(r.freight.method, FreightMethod::kFobOrigin);
  EXPECT_EQ(r.freight.origin, "WUHAN");
  EXPECT_EQ(r.freight.freight, Cny(7750));
  EXPECT_EQ(r.goods_total, Cny(100000));
  EXPECT_EQ(r.total, Cny(107750));

  in.freight.destination_province = "GD";
  in.freight.destination_city = "GUANGZHOU";  // falls back to the province
  ASSERT_PRICED(province, in, {});
  EXPECT_EQ(province.freight.freight, Cny(11000));
}

TEST(WaterfallTest, FreightUniformDeliveredIsAbsorbed) {
  BasketInput in = Basket({Line("PUMP-100", 10, 10000)});
  in.freight.rates = {{"WUHAN", "GD", "", Cny(8000), Cny(300), Cny(0)}};
  ASSERT_PRICED(r, in, {});
  EXPECT_EQ(r.freight.freight, Cny(0));
  EXPECT_EQ(r.freight.zone_adjustment, Cny(0));
  EXPECT_EQ(r.total, Cny(100000));
  EXPECT_THAT(r.freight.explanation, HasSubstr("absorbed"));
}

TEST(WaterfallTest, FreightZoneAddsTheZonesAdjustmentAsALine) {
  BasketInput in = Basket({Line("PUMP-100", 10, 10000)});
  in.freight.method = FreightMethod::kZone;
  in.freight.zones = {{"WEST", Cny(9900), 500}, {"EAST", Cny(3000), 100}};
  ASSERT_PRICED(r, in, {});
  // EAST: 30.00 + 1% of 1,000.00.
  EXPECT_EQ(r.freight.zone_adjustment, Cny(4000));
  EXPECT_EQ(r.freight.freight, Cny(0));
  EXPECT_EQ(r.total, Cny(104000));

  in.dealer.zone = "NORTH";
  absl::StatusOr<BasketResult> none = PriceBasket(in, {});
  EXPECT_EQ(FieldOf(none.status()), "freight.zones");
}

TEST(WaterfallTest, FreightBasingPointUsesTheBaseCityWhateverTheOrigin) {
  BasketInput in = Basket({Line("PUMP-100", 10, 10000)});
  in.freight.method = FreightMethod::kBasingPoint;
  in.freight.origin_plant = "WUHAN";  // the real origin: ignored
  in.freight.base_city = "SHANGHAI";
  in.freight.rates = {{"WUHAN", "GD", "", Cny(1000), Cny(0), Cny(0)},
                      {"SHANGHAI", "GD", "", Cny(12000), Cny(100), Cny(0)}};
  ASSERT_PRICED(r, in, {});
  EXPECT_EQ(r.freight.origin, "SHANGHAI");
  EXPECT_EQ(r.freight.freight, Cny(13000));

  in.freight.base_city = "BEIJING";
  absl::StatusOr<BasketResult> none = PriceBasket(in, {});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(none.status()), "freight.rates");
}

TEST(WaterfallTest, VatOnTheOrderTotalAndATaxInclusiveUnitPerLine) {
  BasketInput in = Basket({Line("PUMP-100", 3, 3333)});
  in.vat_basis_points = kDefaultVatBasisPoints;
  ASSERT_PRICED(r, in, {Rule("M10", RuleType::kChannelMargin, 1000)});
  EXPECT_EQ(r.vat_basis_points, 1300);
  EXPECT_EQ(r.vat, Cny(1170));     // 13% of 89.99 = 11.6987
  EXPECT_EQ(r.total, Cny(10169));  // 89.99 + 11.70
  // 89.99 × 1.13 ÷ 3 = 33.8962…
  EXPECT_EQ(r.lines[0].tax_inclusive_unit_price, Cny(3390));
}

TEST(WaterfallTest, VatIncludesFreightCharged) {
  BasketInput in = Basket({Line("PUMP-100", 1, 100000)});
  in.vat_basis_points = 1300;
  in.freight.method = FreightMethod::kFobOrigin;
  in.freight.origin_plant = "WUHAN";
  in.freight.rates = {{"WUHAN", "GD", "", Cny(5000), Cny(0), Cny(0)}};
  ASSERT_PRICED(r, in, {});
  EXPECT_EQ(r.vat, Cny(13650));  // 13% of 1,050.00
  EXPECT_EQ(r.total, Cny(118650));
}

TEST(WaterfallTest, CashDiscountAlternativeIsBesideTheTotal) {
  BasketInput in = Basket({Line("PUMP-100", 100, 10000)});  // 10,000.00
  in.payment_term = {30, 200, 10};                          // 2/10 net 30
  ASSERT_PRICED(r, in, {});
  EXPECT_EQ(r.total, Cny(1000000));
  ASSERT_TRUE(r.cash_discount.has_value());
  EXPECT_EQ(r.cash_discount->discount, Cny(20000));
  EXPECT_EQ(r.cash_discount->pay, Cny(980000));
  EXPECT_EQ(r.cash_discount->pay_by, absl::CivilDay(2026, 12, 7));
  EXPECT_EQ(r.cash_discount->text,
            "pay 9,800.00 by 2026-12-07 instead of 10,000.00 (2/10 net 30)");

  in.payment_term = {30, 0, 0};
  ASSERT_PRICED(without, in, {});
  EXPECT_FALSE(without.cash_discount.has_value());
}

TEST(WaterfallTest, CashDiscountCountsVatAndFreightCharged) {
  BasketInput in = Basket({Line("PUMP-100", 1, 100000)});
  in.vat_basis_points = 1300;
  in.freight.method = FreightMethod::kFobOrigin;
  in.freight.origin_plant = "WUHAN";
  in.freight.rates = {{"WUHAN", "GD", "", Cny(5000), Cny(0), Cny(0)}};
  in.payment_term = {30, 200, 10};
  ASSERT_PRICED(r, in, {});
  EXPECT_EQ(r.cash_discount->instead_of, Cny(118650));
  EXPECT_EQ(r.cash_discount->discount, Cny(2373));  // 2% of 1,186.50
  EXPECT_EQ(r.cash_discount->pay, Cny(116277));
}

TEST(WaterfallTest, RebateAccruesOnTheNetBesideTheTotal) {
  PriceRule rebate = Rule("REBATE2", RuleType::kRebate, 200);
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 3, 3333)}),
                {Rule("M10", RuleType::kChannelMargin, 1000), rebate});
  EXPECT_EQ(r.lines[0].net_amount, Cny(8999));  // not a price cut
  EXPECT_EQ(r.lines[0].rebate_rule_id, "REBATE2");
  EXPECT_EQ(r.lines[0].rebate_accrual, Cny(180));  // 2% of 89.99 = 1.7998
  EXPECT_EQ(r.rebate_total, Cny(180));
  ASSERT_EQ(r.rebates.size(), 1u);
  EXPECT_EQ(r.rebates[0].rule_id, "REBATE2");
  EXPECT_EQ(r.total, Cny(8999));
}

TEST(WaterfallTest, BadInputIsInvalidArgumentNamingTheField) {
  struct Case {
    std::string name;
    std::function<void(BasketInput&, std::vector<PriceRule>&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no lines", [](BasketInput& in, auto&) { in.lines.clear(); }, "lines"},
      {"501 lines",
       [](BasketInput& in, auto&) {
         in.lines.assign(501, Line("PUMP-100", 1, 100));
       },
       "lines"},
      {"zero quantity",
       [](BasketInput& in, auto&) { in.lines[1].quantity = 0; },
       "lines[1].quantity"},
      {"zero list price",
       [](BasketInput& in, auto&) { in.lines[1].list_price = Cny(0); },
       "lines[1].list_price"},
      {"mixed currencies",
       [](BasketInput& in, auto&) {
         in.lines[1].list_price = Money::Create("USD", 100).value();
       },
       "lines[1].list_price"},
      {"rule mixing currencies in itself",
       [](BasketInput&, std::vector<PriceRule>& rules) {
         PriceRule q = Rule("Q", RuleType::kQuantity);
         q.quantity.basis = QuantityBasis::kOrderAmount;
         q.quantity.tiers = {{0, Money::Create("USD", 100).value(), 100},
                             {0, Cny(200), 200}};
         rules.push_back(q);
       },
       "rules[1].quantity.tiers[1].min_amount"},
      {"basis points over 10000",
       [](BasketInput&, std::vector<PriceRule>& rules) {
         rules[0].basis_points = 10001;
       },
       "rules[0].basis_points"},
      {"tiers not ascending",
       [](BasketInput&, std::vector<PriceRule>& rules) {
         PriceRule q = Rule("Q", RuleType::kQuantity);
         q.quantity.tiers = {{10, {}, 100}, {10, {}, 200}};
         rules.push_back(q);
       },
       "rules[1].quantity.tiers[1].min_quantity"},
      {"duplicate rule id",
       [](BasketInput&, std::vector<PriceRule>& rules) {
         rules.push_back(rules[0]);
       },
       "rules[1].rule_id"},
      {"VAT over 100%",
       [](BasketInput& in, auto&) { in.vat_basis_points = 10001; },
       "vat_basis_points"},
      {"unknown channel level",
       [](BasketInput& in, auto&) {
         in.dealer.channel_level = ChannelLevel::kUnspecified;
       },
       "dealer.channel_level"},
      {"freight in another currency",
       [](BasketInput& in, auto&) {
         in.freight.rates = {{"WUHAN", "GD", "",
                              Money::Create("USD", 100).value(), Cny(0),
                              Cny(0)}};
       },
       "freight.rates[0].per_order"},
      {"a second prior volume for one rule",
       [](BasketInput& in, auto&) {
         in.prior_volumes = {{"CUM", 1, Cny(0)}, {"CUM", 2, Cny(0)}};
       },
       "prior_volumes[1].rule_id"},
      {"a negative prior amount",
       [](BasketInput& in, auto&) {
         in.prior_volumes = {{"A", 1, Cny(0)}, {"B", 2, Cny(-1)}};
       },
       "prior_volumes[1].amount"},
      {"a zone adjustment over 100%",
       [](BasketInput& in, auto&) {
         in.freight.zones = {{"WEST", Cny(0), 0}, {"EAST", Cny(0), 10001}};
       },
       "freight.zones[1].basis_points"},
      {"a rate in another currency",
       [](BasketInput& in, auto&) {
         in.freight.rates = {{"WUHAN", "GD", "", Cny(0), Cny(0), Cny(0)},
                             {"WUHAN", "HN", "", Cny(0), Cny(0),
                              Money::Create("USD", 100).value()}};
       },
       "freight.rates[1].per_kg"},
      {"bad payment term",
       [](BasketInput& in, auto&) {
         in.payment_term = {30, 200, 40};
       },
       "payment_term.discount_days"},
  };
  for (const Case& c : cases) {
    BasketInput in =
        Basket({Line("PUMP-100", 1, 10000), Line("VALVE-7", 2, 500)});
    std::vector<PriceRule> rules = {
        Rule("M10", RuleType::kChannelMargin, 1000)};
    c.spoil(in, rules);
    absl::StatusOr<BasketResult> r = PriceBasket(in, rules);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(FieldOf(r.status()), c.field) << c.name << ": " << r.status();
  }
}

TEST(WaterfallTest, FiveHundredLinesArePriced) {
  BasketInput in;
  in = Basket({});
  in.lines.assign(kMaxBasketLines, Line("PUMP-100", 1, 10000));
  ASSERT_PRICED(r, in, {Rule("M10", RuleType::kChannelMargin, 1000)});
  EXPECT_EQ(r.lines.size(), 500u);
  EXPECT_EQ(r.goods_total, Cny(500 * 9000));
}

// --- Bounds and overflow: bad input is INVALID_ARGUMENT naming the field,
// never a wrapped amount or OUT_OF_RANGE without a field.

absl::Status PriceError(const BasketInput& in,
                        const std::vector<PriceRule>& rules) {
  absl::StatusOr<BasketResult> r = PriceBasket(in, rules);
  return r.ok() ? absl::OkStatus() : r.status();
}

TEST(WaterfallLimitsTest, ListAmountBeyondMoneyAtAMillionUnitsNamesTheLine) {
  BasketInput in = Basket({Line("PUMP-100", 1'000'000, 10'000'000'000'000)});
  absl::Status s = PriceError(in, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "lines[0].list_price") << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("quantity 1000000"));

  // A million units at a price that fits is priced.
  in.lines[0].list_price = Cny(100'000);
  ASSERT_PRICED(r, in, {Rule("M10", RuleType::kChannelMargin, 1000)});
  EXPECT_EQ(r.goods_total, Cny(90'000'000'000));
}

TEST(WaterfallLimitsTest, GoodsTotalBeyondMoneyNamesTheLines) {
  // Each line fits; their sum does not.
  const int64_t big = std::numeric_limits<int64_t>::max() / 2 + 1;
  absl::Status s = PriceError(
      Basket({Line("PUMP-100", 1, big), Line("PUMP-200", 1, big)}), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "lines") << s;
}

TEST(WaterfallLimitsTest, PriorUnitsAreBounded) {
  PriceRule cum = Rule("CUM", RuleType::kCumulativeVolume);
  cum.cumulative.tiers = {{100, {}, 300}};
  BasketInput in = Basket({Line("PUMP-100", 10, 10000)});
  in.prior_volumes = {{"CUM", std::numeric_limits<int64_t>::max(), {}}};
  absl::Status s = PriceError(in, {cum});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "prior_volumes[0].units") << s;
  in.prior_volumes[0].units = 1'000'000'000'001;
  EXPECT_EQ(FieldOf(PriceError(in, {cum})), "prior_volumes[0].units");
  in.prior_volumes[0].units = 1'000'000'000'000;
  ASSERT_PRICED(r, in, {cum});
  EXPECT_EQ(r.volumes[0].counted_units, 1'000'000'000'010);
}

TEST(WaterfallLimitsTest, UnitWeightIsBoundedAndFreightByWeightChecked) {
  BasketInput in = Basket({Line("PUMP-100", 1'000'000, 100)});
  in.lines[0].unit_weight_grams = 10'000'001;
  EXPECT_EQ(FieldOf(PriceError(in, {})), "lines[0].unit_weight_grams");

  // 500 lines × 1,000,000 units × 10 kg fit; at 1e13 per kg the freight
  // does not.
  in.lines.assign(kMaxBasketLines, Line("PUMP-100", 1'000'000, 100));
  for (BasketLine& l : in.lines) l.unit_weight_grams = 10'000'000;
  in.freight.method = FreightMethod::kFobOrigin;
  in.freight.origin_plant = "WUHAN";
  in.freight.rates = {
      {"WUHAN", "GD", "", Cny(0), Cny(0), Cny(10'000'000'000'000)}};
  absl::Status s = PriceError(in, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "freight.rates[0].per_kg") << s;
}

TEST(WaterfallLimitsTest, MarginFloorBeyondMoneyNamesTheStandardCost) {
  BasketLine line = Line("PUMP-100", 2, 10000);
  line.standard_cost = Cny(std::numeric_limits<int64_t>::max() / 2);
  PriceRule floor = Rule("MARGIN20", RuleType::kFloor);
  floor.floor.kind = FloorKind::kMinMarginOverCost;
  floor.floor.min_margin_basis_points = 2000;
  floor.floor.action = FloorAction::kClamp;
  absl::Status s = PriceError(Basket({line}), {floor});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "lines[0].standard_cost") << s;
}

TEST(WaterfallLimitsTest, FloorAmountBeyondMoneyNamesTheRule) {
  absl::Status s =
      PriceError(Basket({Line("PUMP-100", 1'000'000, 10000)}),
                 {Floor("HUGE", std::numeric_limits<int64_t>::max() / 10,
                        FloorAction::kClamp)});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "rules[0].floor.min_net_unit_price") << s;
}

TEST(WaterfallLimitsTest, DestinationCityNeedsItsProvince) {
  BasketInput in = Basket({Line("PUMP-100", 1, 10000)});
  in.freight.destination_city = "GUANGZHOU";
  absl::Status s = PriceError(in, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(FieldOf(s), "freight.destination_province") << s;
}

// --- The channel floor is the level above's step-2 price.

TEST(WaterfallChannelFloorTest, AnAllDealerMarginSetsTheLevelAbovePrice) {
  // Only ALL10 (all dealers, 10%): a wholesaler pays 90.00, and so does
  // its level above (a distributor) — no clamp to list.
  const PriceRule all10 = Rule("ALL10", RuleType::kChannelMargin, 1000);
  PriceRule draft50 = Rule("ALL50-DRAFT", RuleType::kChannelMargin, 5000);
  draft50.state = RuleState::kDraft;  // not in force for the floor either
  ASSERT_PRICED(w,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kWholesaler),
                {all10, draft50});
  EXPECT_EQ(w.lines[0].net_amount, Cny(9000));
  EXPECT_TRUE(w.lines[0].clamps.empty());

  // A retailer in zone EAST: its own step 2 picks EAST20 (80.00), the promo
  // takes it to 56.00; the wholesaler price is 90.00 — a wholesaler with no
  // zone gets ALL10 — so the retailer is clamped to 90.00, not to list.
  PriceRule east20 = Rule("EAST20", RuleType::kChannelMargin, 2000);
  east20.dealer_scope = {DealerScopeKind::kZone, ChannelLevel::kUnspecified,
                         "EAST"};
  east20.priority = 5;
  PriceRule mine = Rule("MINE40", RuleType::kChannelMargin, 4000);
  mine.dealer_scope = {DealerScopeKind::kDealer, ChannelLevel::kUnspecified,
                       "dlr_d1"};
  ASSERT_PRICED(
      r, Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kRetailer),
      {all10, draft50, east20, Rule("PROMO30", RuleType::kSeasonal, 3000)});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.steps[1].rule_id(), "EAST20");
  EXPECT_EQ(l.net_amount, Cny(9000));
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(l.clamps[0].floor(), kChannelFloor);
  EXPECT_EQ(l.clamps[0].floor_amount, Cny(9000));
  EXPECT_EQ(l.clamps[0].raised_by, Cny(3400));
  EXPECT_THAT(ExplainClamp(r, l, l.clamps[0]),
              HasSubstr("the wholesaler price: list 100.00 less 10.00% "
                        "(rule ALL10)"));

  // A rule for this one dealer is not the wholesaler's price either.
  ASSERT_PRICED(d,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kRetailer),
                {all10, mine});
  EXPECT_EQ(d.lines[0].net_amount, Cny(9000));
  EXPECT_EQ(d.lines[0].clamps[0].floor_amount, Cny(9000));

  // A level rule for wholesalers outranks ALL10 by specificity (same
  // priority), as it would at step 2.
  ASSERT_PRICED(t,
                Basket({Line("PUMP-100", 1, 10000)}, ChannelLevel::kRetailer),
                {all10, LevelMargin("W20", ChannelLevel::kWholesaler, 2000),
                 Rule("PROMO30", RuleType::kSeasonal, 3000)});
  EXPECT_EQ(t.lines[0].clamps[0].floor_amount, Cny(8000));
}

// --- Bundles: one coverage pool per rule; A itself is not cut.

PriceRule FilterWithPump() {
  PriceRule bundle = Rule("FILTER-WITH-PUMP", RuleType::kBundle);
  bundle.product_scope = {ProductScopeKind::kGroup, "FILTERS"};
  bundle.bundle = {"PUMP-100", 2, 1, 5000};  // per 2 pumps, 1 filter at 50%
  return bundle;
}

TEST(WaterfallBundleTest, CoverageIsOnePoolUsedAcrossBLinesInLineOrder) {
  // 6 pumps cover 3 filters in all: line 1 takes 2, line 2 the last 1,
  // line 3 none (before: each line was given all 3 again).
  ASSERT_PRICED(
      r,
      Basket({Line("PUMP-100", 6, 10000), Line("FILTER-1", 2, 1000, "FILTERS"),
              Line("FILTER-2", 2, 1000, "FILTERS"),
              Line("FILTER-3", 2, 1000, "FILTERS")}),
      {FilterWithPump()});
  EXPECT_EQ(r.lines[1].net_amount, Cny(1000));  // 2 of 2 at 50%
  EXPECT_EQ(r.lines[2].net_amount, Cny(1500));  // 1 of 2 at 50%
  EXPECT_THAT(StepNote(r, r.lines[2], r.lines[2].steps.back()),
              HasSubstr("on 1 of 2 units (1 per 2 × PUMP-100; 6 ordered "
                        "cover 3, 1 left before this line)"));
  EXPECT_EQ(r.lines[3].net_amount, Cny(2000));
  const NotApplied* n =
      Find(r.lines[3], "FILTER-WITH-PUMP", NotAppliedReason::kBundleIncomplete);
  ASSERT_NE(n, nullptr);
  EXPECT_THAT(ExplainNotApplied(r, r.lines[3], *n),
              HasSubstr("went to earlier lines"));
  EXPECT_EQ(r.goods_total, Cny(60000 + 1000 + 1500 + 2000));
}

TEST(WaterfallBundleTest, TheTriggerSkuIsNotCutWhenBsScopeContainsIt) {
  // B's scope is every product, so it contains PUMP-100 itself.
  PriceRule bundle = FilterWithPump();
  bundle.product_scope = {};
  ASSERT_PRICED(r,
                Basket({Line("PUMP-100", 4, 10000),
                        Line("FILTER-1", 2, 1000, "FILTERS")}),
                {bundle});
  EXPECT_EQ(r.lines[0].net_amount, Cny(40000));
  EXPECT_NE(
      Find(r.lines[0], "FILTER-WITH-PUMP", NotAppliedReason::kScopeMismatch),
      nullptr);
  // The pool (2) is left whole for B.
  EXPECT_EQ(r.lines[1].net_amount, Cny(1000));
}

// --- A failed line is left out of the order-level measures.

PriceRule Rejecting(std::string id, int64_t min_unit_minor, std::string group) {
  PriceRule f = Floor(std::move(id), min_unit_minor, FloorAction::kReject);
  f.product_scope = {ProductScopeKind::kGroup, std::move(group)};
  return f;
}

TEST(WaterfallFailedLineTest, OrderAmountTierIsRepricedWithoutTheFailedLine) {
  PriceRule order = Rule("ORDER1000", RuleType::kQuantity);
  order.quantity.basis = QuantityBasis::kOrderAmount;
  order.quantity.tiers = {{0, Cny(100000), 1000}};
  // 600.00 + 500.00 reach the 1,000.00 tier: the valve at 450.00 fails its
  // 480.00 floor. Without the valve the pump alone (600.00) is below the
  // tier, so it pays list.
  ASSERT_PRICED(
      r,
      Basket({Line("PUMP-100", 1, 60000), Line("VALVE-7", 1, 50000, "VALVES")}),
      {order, Rejecting("MIN480", 48000, "VALVES")});
  EXPECT_TRUE(r.lines[1].failed());
  EXPECT_THAT(r.lines[1].failure_message, HasSubstr("net 450.00 is below"));
  EXPECT_FALSE(r.lines[0].failed());
  EXPECT_EQ(r.lines[0].net_amount, Cny(60000));
  EXPECT_NE(Find(r.lines[0], "ORDER1000", NotAppliedReason::kTierNotReached),
            nullptr);
  EXPECT_EQ(r.failed_lines, 1);
  EXPECT_EQ(r.goods_total, Cny(60000));
}

TEST(WaterfallFailedLineTest, CumulativeVolumeDoesNotCountTheFailedLine) {
  PriceRule cum = Rule("CUM10", RuleType::kCumulativeVolume, 0);
  cum.cumulative.tiers = {{10, {}, 2000}};
  // 6 pumps + 5 valves = 11 units reach the tier; the valves at 80.00 fail
  // their 90.00 floor, and 6 pumps alone do not.
  ASSERT_PRICED(
      r,
      Basket({Line("PUMP-100", 6, 10000), Line("VALVE-7", 5, 10000, "VALVES")}),
      {cum, Rejecting("MIN90", 9000, "VALVES")});
  EXPECT_TRUE(r.lines[1].failed());
  EXPECT_EQ(r.lines[0].net_amount, Cny(60000));
  ASSERT_EQ(r.volumes.size(), 1u);
  EXPECT_EQ(r.volumes[0].order_units, 6);
  EXPECT_EQ(r.volumes[0].counted_units, 6);
  EXPECT_EQ(r.goods_total, Cny(60000));
}

TEST(WaterfallFailedLineTest, AFailedTriggerLineCoversNoBundle) {
  // The pumps fail their floor after a 30% promotion on pumps, so they do
  // not cover the filters.
  PriceRule promo = Rule("PROMO30", RuleType::kSeasonal, 3000);
  promo.product_scope = {ProductScopeKind::kGroup, "PUMPS"};
  ASSERT_PRICED(r,
                Basket({Line("PUMP-100", 4, 10000),
                        Line("FILTER-1", 2, 1000, "FILTERS")}),
                {promo, FilterWithPump(), Rejecting("MIN85", 8500, "PUMPS")});
  EXPECT_TRUE(r.lines[0].failed());
  EXPECT_EQ(r.lines[1].net_amount, Cny(2000));
  EXPECT_NE(
      Find(r.lines[1], "FILTER-WITH-PUMP", NotAppliedReason::kBundleIncomplete),
      nullptr);
  EXPECT_EQ(r.goods_total, Cny(2000));
}

TEST(WaterfallFailedLineTest, ALineThatFailsOnlyInTheSecondPassFailsToo) {
  // 2 pumps cover 1 filter. Pass 1: FILTER-1 takes the coverage, 5.00 is
  // below its 6.00 floor and it fails; FILTER-2 pays 10.00. Pass 2:
  // without FILTER-1 the coverage goes to FILTER-2, which fails the same
  // way. Pass 3: the pumps alone.
  ASSERT_PRICED(
      r,
      Basket({Line("PUMP-100", 2, 10000), Line("FILTER-1", 1, 1000, "FILTERS"),
              Line("FILTER-2", 1, 1000, "FILTERS")}),
      {FilterWithPump(), Rejecting("MIN6", 600, "FILTERS")});
  EXPECT_FALSE(r.lines[0].failed());
  EXPECT_TRUE(r.lines[1].failed());
  EXPECT_TRUE(r.lines[2].failed());
  EXPECT_THAT(r.lines[2].failure_message, HasSubstr("net 5.00 is below 6.00"));
  EXPECT_EQ(r.failed_lines, 2);
  EXPECT_EQ(r.goods_total, Cny(20000));
}

TEST(WaterfallFailedLineTest, AFullBasketOfCascadingFailuresEnds) {
  // The worst case: each pass fails exactly one new filter line (the one
  // that got the single covered unit), so 499 lines take 500 passes.
  BasketInput in = Basket({Line("PUMP-100", 2, 10000)});
  for (size_t i = 1; i < kMaxBasketLines; ++i) {
    in.lines.push_back(Line("FILTER-1", 1, 1000, "FILTERS"));
  }
  ASSERT_PRICED(r, in, {FilterWithPump(), Rejecting("MIN6", 600, "FILTERS")});
  EXPECT_EQ(r.failed_lines, 499);
  EXPECT_EQ(r.goods_total, Cny(20000));
}

TEST(WaterfallFailedLineTest, EveryLineFailedNoZoneAdjustmentFreightOrCash) {
  BasketInput in = Basket({Line("PUMP-100", 2, 10000)});
  in.vat_basis_points = 1300;
  in.payment_term = {30, 200, 10};
  in.freight.method = FreightMethod::kZone;
  in.freight.zones = {{"EAST", Cny(3000), 100}};
  const std::vector<PriceRule> rules = {
      Rule("PROMO30", RuleType::kSeasonal, 3000),
      Floor("MIN85", 8500, FloorAction::kReject)};
  ASSERT_PRICED(zone, in, rules);
  EXPECT_EQ(zone.failed_lines, 1);
  EXPECT_EQ(zone.freight.zone_adjustment, Cny(0));
  EXPECT_EQ(zone.vat, Cny(0));
  EXPECT_EQ(zone.total, Cny(0));
  EXPECT_FALSE(zone.cash_discount.has_value());

  // FOB with no row for the destination: nothing to ship, no lookup error.
  in.freight.method = FreightMethod::kFobOrigin;
  in.freight.origin_plant = "WUHAN";
  in.freight.rates = {{"WUHAN", "HB", "", Cny(5000), Cny(100), Cny(0)}};
  ASSERT_PRICED(fob, in, rules);
  EXPECT_EQ(fob.freight.freight, Cny(0));
  EXPECT_EQ(fob.total, Cny(0));
  EXPECT_FALSE(fob.cash_discount.has_value());

  // Basing point likewise.
  in.freight.method = FreightMethod::kBasingPoint;
  in.freight.base_city = "SHANGHAI";
  ASSERT_PRICED(basing, in, rules);
  EXPECT_EQ(basing.freight.freight, Cny(0));
  EXPECT_THAT(basing.freight.explanation, HasSubstr("every line failed"));
}

// --- Floors and price endings.

TEST(WaterfallFloorTest, AClampNeverRaisesALineAboveItsListAmount) {
  // 2 × 100.00 at 10% off = 180.00; a 120.00 minimum unit price asks for
  // 240.00, above the list amount 200.00: the clamp stops at list.
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 2, 10000)}),
                {Rule("PROMO10", RuleType::kSeasonal, 1000),
                 Floor("MIN120", 12000, FloorAction::kClamp)});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.net_amount, Cny(20000));
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(l.clamps[0].floor_amount, Cny(24000));
  EXPECT_EQ(l.clamps[0].raised_by, Cny(2000));
  EXPECT_THAT(ExplainClamp(r, l, l.clamps[0]),
              HasSubstr("the floor 240.00 is above list 200.00: stopped at "
                        "list"));
  // At list already: nothing to raise, no clamp.
  ASSERT_PRICED(at_list, Basket({Line("PUMP-100", 2, 10000)}),
                {Floor("MIN120", 12000, FloorAction::kClamp)});
  EXPECT_EQ(at_list.lines[0].net_amount, Cny(20000));
  EXPECT_TRUE(at_list.lines[0].clamps.empty());
}

TEST(WaterfallFloorTest, OnlyTheWinningFloorNeedsAStandardCost) {
  PriceRule margin = Rule("MARGIN20", RuleType::kFloor);
  margin.floor.kind = FloorKind::kMinMarginOverCost;
  margin.floor.min_margin_basis_points = 2000;
  PriceRule min = Floor("MIN85", 8500, FloorAction::kClamp);
  min.priority = 5;  // beats MARGIN20
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}),
                {Rule("PROMO30", RuleType::kSeasonal, 3000), margin, min});
  EXPECT_EQ(r.lines[0].net_amount, Cny(8500));
  EXPECT_NE(Find(r.lines[0], "MARGIN20", NotAppliedReason::kLowerPriority),
            nullptr);
}

TEST(WaterfallEndingTest, PriceEndingNeverRaisesTheLine) {
  // 2 × 13.00 at 0.05% off = 25.99; the unit rounds half-up to 13.00, and
  // 13.00 × 2 = 26.00 would raise the line: the next lower ending, 12.00.
  PriceRule e = Rule("E00", RuleType::kPriceEnding);
  e.ending = {100, 0};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 2, 1300)}),
                {Rule("S", RuleType::kSeasonal, 5), e});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(l.steps[1].running_after, Cny(2599));
  EXPECT_EQ(l.net_amount, Cny(2400));
  EXPECT_EQ(l.steps.back().amount, Cny(-199));
  EXPECT_EQ(StepNote(r, l, l.steps.back()),
            "unit 13.00 → 12.00 × 2 (13.00 × 2 would exceed the line 25.99)");

  // No lower ending above zero: left unchanged.
  PriceRule big = Rule("E-BIG", RuleType::kPriceEnding);
  big.ending = {10000, 1300};
  ASSERT_PRICED(n, Basket({Line("PUMP-100", 2, 1300)}),
                {Rule("S", RuleType::kSeasonal, 5), big});
  EXPECT_EQ(n.lines[0].net_amount, Cny(2599));
  EXPECT_NE(Find(n.lines[0], "E-BIG", NotAppliedReason::kNoPriceEnding),
            nullptr);
}

TEST(WaterfallEndingTest, AFloorAfterThePriceEndingTakesItBack) {
  // 100.00 at 20% off = 80.00 → ending 79.00; the 80.00 floor (step 8,
  // after the ending) raises it back and the ending is lost to it.
  PriceRule e = Rule("E900", RuleType::kPriceEnding);
  e.ending = {1000, 900};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}),
                {Rule("PROMO20", RuleType::kSeasonal, 2000), e,
                 Floor("MIN80", 8000, FloorAction::kClamp)});
  const LineResult& l = r.lines[0];
  EXPECT_EQ(StepNumbers(l), (std::vector<int>{1, 3, 7, 8}));
  EXPECT_EQ(l.steps[2].running_after, Cny(7900));
  EXPECT_EQ(l.net_amount, Cny(8000));
  const NotApplied* lost = Find(l, "E900", NotAppliedReason::kLostToFloor);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(ExplainNotApplied(r, l, *lost),
            "all 1.00 of its 1.00 taken back by MIN80");
  EXPECT_EQ(Find(l, "PROMO20", NotAppliedReason::kLostToFloor), nullptr);
}

// --- A rule priced in another currency is not applicable.

TEST(WaterfallCurrencyTest, ARuleInAnotherCurrencyIsListedNotAnError) {
  const Money usd90 = Money::Create("USD", 9000).value();
  PriceRule usd_floor = Floor("USD-FLOOR", 100, FloorAction::kClamp);
  usd_floor.floor.min_net_unit_price = usd90;
  usd_floor.priority = 9;  // would beat MIN80
  PriceRule usd_order = Rule("USD-ORDER", RuleType::kQuantity);
  usd_order.quantity.basis = QuantityBasis::kOrderAmount;
  usd_order.quantity.tiers = {{0, Money::Create("USD", 100).value(), 5000}};
  ASSERT_PRICED(r, Basket({Line("PUMP-100", 1, 10000)}),
                {Rule("PROMO30", RuleType::kSeasonal, 3000), usd_floor,
                 usd_order, Floor("MIN80", 8000, FloorAction::kClamp)});
  const LineResult& l = r.lines[0];
  // The percentage rule applies in any currency; the CNY floor is chosen.
  EXPECT_EQ(l.net_amount, Cny(8000));
  ASSERT_EQ(l.clamps.size(), 1u);
  EXPECT_EQ(l.clamps[0].floor(), "MIN80");
  for (const char* id : {"USD-FLOOR", "USD-ORDER"}) {
    const NotApplied* n = Find(l, id, NotAppliedReason::kScopeMismatch);
    ASSERT_NE(n, nullptr) << id;
    EXPECT_EQ(ExplainNotApplied(r, l, *n),
              "priced in USD, the basket is in CNY")
        << id;
  }
}

}  // namespace
}  // namespace qudao::pricing
