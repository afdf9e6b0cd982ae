// The price-rule model and its selection, without a server or a database.
#include "services/pricing/price_rule.h"

#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

using ::testing::HasSubstr;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

PriceRule Seasonal(std::string id, int priority = 0) {
  PriceRule r;
  r.rule_id = std::move(id);
  r.type = RuleType::kSeasonal;
  r.state = RuleState::kActive;
  r.valid_from = absl::CivilDay(2026, 1, 1);
  r.priority = priority;
  r.basis_points = 500;
  return r;
}

PricingDealer Retailer() {
  return {"dlr_r1", ChannelLevel::kRetailer, "B", "EAST", "ZJ", "HANGZHOU"};
}

// Of two applicable rules, the one SelectRule picks (order-independent).
std::string Winner(const PriceRule& a, const PriceRule& b) {
  const std::string ab = SelectRule({&a, &b}).winner->rule_id;
  const std::string ba = SelectRule({&b, &a}).winner->rule_id;
  EXPECT_EQ(ab, ba);
  return ab;
}

TEST(PriceRuleTest, HigherPriorityWinsOverAMoreSpecificScope) {
  PriceRule general = Seasonal("GENERAL", 9);
  PriceRule specific = Seasonal("SPECIFIC", 5);
  specific.dealer_scope = {DealerScopeKind::kDealer, {}, "dlr_r1"};
  specific.product_scope = {ProductScopeKind::kSku, "PUMP-100"};
  EXPECT_EQ(Winner(general, specific), "GENERAL");
  Selection s = SelectRule({&specific, &general});
  ASSERT_EQ(s.losers.size(), 1u);
  EXPECT_EQ(s.losers[0].rule_id(), "SPECIFIC");
  EXPECT_EQ(s.losers[0].reason, NotAppliedReason::kLowerPriority);
  ASSERT_EQ(s.losers[0].winner, &general);
  EXPECT_EQ(TieBreakExplanation(*s.losers[0].winner, *s.losers[0].rule),
            "lost to GENERAL: priority 5 < 9");
}

TEST(PriceRuleTest, OnATieADealerRuleBeatsASkuRuleForAllDealers) {
  PriceRule dealer = Seasonal("FOR-DEALER");
  dealer.dealer_scope = {DealerScopeKind::kDealer, {}, "dlr_r1"};
  PriceRule sku = Seasonal("FOR-SKU");
  sku.product_scope = {ProductScopeKind::kSku, "PUMP-100"};
  EXPECT_EQ(Winner(dealer, sku), "FOR-DEALER");
  EXPECT_THAT(TieBreakExplanation(dealer, sku),
              HasSubstr("its dealer scope (dealer dlr_r1) is more specific "
                        "than all dealers"));
}

TEST(PriceRuleTest, DealerDimensionOrderIsDealerZoneAbcLevelAll) {
  PriceRule all = Seasonal("E-ALL");
  PriceRule level = Seasonal("D-LEVEL");
  level.dealer_scope = {DealerScopeKind::kChannelLevel, ChannelLevel::kRetailer,
                        ""};
  PriceRule abc = Seasonal("C-ABC");
  abc.dealer_scope = {DealerScopeKind::kAbcClass, {}, "B"};
  PriceRule zone = Seasonal("B-ZONE");
  zone.dealer_scope = {DealerScopeKind::kZone, {}, "EAST"};
  PriceRule dealer = Seasonal("Z-DEALER");
  dealer.dealer_scope = {DealerScopeKind::kDealer, {}, "dlr_r1"};
  // Ids run against specificity so the id tie-break cannot decide.
  EXPECT_EQ(Winner(level, all), "D-LEVEL");
  EXPECT_EQ(Winner(abc, level), "C-ABC");
  EXPECT_EQ(Winner(zone, abc), "B-ZONE");
  EXPECT_EQ(Winner(dealer, zone), "Z-DEALER");
  EXPECT_EQ(SelectRule({&all, &level, &abc, &zone, &dealer}).winner->rule_id,
            "Z-DEALER");
}

TEST(PriceRuleTest, SameDealerScopeThenSkuBeatsGroupBeatsAllProducts) {
  PriceRule all = Seasonal("C-ALL");
  PriceRule group = Seasonal("B-GROUP");
  group.product_scope = {ProductScopeKind::kGroup, "PUMPS"};
  PriceRule sku = Seasonal("Z-SKU");
  sku.product_scope = {ProductScopeKind::kSku, "pump-100"};
  EXPECT_EQ(Winner(group, all), "B-GROUP");
  EXPECT_EQ(Winner(sku, group), "Z-SKU");
  EXPECT_THAT(TieBreakExplanation(sku, group),
              HasSubstr("product scope (SKU PUMP-100) is more specific than "
                        "group PUMPS"));
}

TEST(PriceRuleTest, SamePriorityAndScopeThenTheLatestValidFromWins) {
  PriceRule older = Seasonal("A-OLDER");
  PriceRule newer = Seasonal("B-NEWER");
  newer.valid_from = absl::CivilDay(2026, 6, 1);
  EXPECT_EQ(Winner(older, newer), "B-NEWER");
  EXPECT_THAT(TieBreakExplanation(newer, older),
              HasSubstr("it is newer (valid from 2026-06-01 vs 2026-01-01)"));
}

TEST(PriceRuleTest, EverythingEqualThenTheSmallestRuleIdWins) {
  PriceRule b = Seasonal("R-2");
  PriceRule a = Seasonal("R-10");
  EXPECT_EQ(Winner(a, b), "R-10");  // "R-10" < "R-2" as strings
  EXPECT_THAT(TieBreakExplanation(a, b), HasSubstr("smaller rule id"));
}

TEST(PriceRuleTest, NoApplicableRuleSelectsNothing) {
  Selection s = SelectRule({});
  EXPECT_EQ(s.winner, nullptr);
  EXPECT_TRUE(s.losers.empty());
}

TEST(PriceRuleTest, IneligibilityDraftThenScopeThenWindow) {
  const PricingProduct pump{"Pump-100", "PUMPS"};
  const absl::CivilDay day(2026, 11, 27);
  PriceRule r = Seasonal("S1");
  EXPECT_FALSE(Ineligibility(r, Retailer(), pump, day).has_value());

  r.state = RuleState::kDraft;
  r.valid_from = absl::CivilDay(2027, 1, 1);
  auto why = Ineligibility(r, Retailer(), pump, day);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, NotAppliedReason::kDraft);

  r.state = RuleState::kActive;
  r.dealer_scope = {DealerScopeKind::kAbcClass, {}, "A"};
  why = Ineligibility(r, Retailer(), pump, day);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, NotAppliedReason::kScopeMismatch);
  EXPECT_EQ(why->explanation, "for ABC class A, not this dealer");

  r.dealer_scope = {};
  why = Ineligibility(r, Retailer(), pump, day);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, NotAppliedReason::kOutOfWindow);
  EXPECT_EQ(why->explanation,
            "valid [2027-01-01, open), the quote is dated 2026-11-27");
}

TEST(PriceRuleTest, WindowIncludesValidFromAndExcludesValidUntil) {
  PriceRule r = Seasonal("S1");
  r.valid_from = absl::CivilDay(2026, 11, 1);
  r.valid_until = absl::CivilDay(2026, 12, 1);
  EXPECT_FALSE(InWindow(r, absl::CivilDay(2026, 10, 31)));
  EXPECT_TRUE(InWindow(r, absl::CivilDay(2026, 11, 1)));
  EXPECT_TRUE(InWindow(r, absl::CivilDay(2026, 11, 30)));
  EXPECT_FALSE(InWindow(r, absl::CivilDay(2026, 12, 1)));
}

TEST(PriceRuleTest, ScopesMatchSkusCaseInsensitivelyAndZoneOrProvince) {
  EXPECT_TRUE(ProductScopeMatches({ProductScopeKind::kSku, "pump-100"},
                                  {"PUMP-100", "PUMPS"}));
  EXPECT_FALSE(ProductScopeMatches({ProductScopeKind::kSku, "PUMP-200"},
                                   {"PUMP-100", "PUMPS"}));
  EXPECT_TRUE(
      ProductScopeMatches({ProductScopeKind::kGroup, "PUMPS"}, {"X", "PUMPS"}));
  EXPECT_TRUE(
      DealerScopeMatches({DealerScopeKind::kZone, {}, "EAST"}, Retailer()));
  EXPECT_TRUE(
      DealerScopeMatches({DealerScopeKind::kZone, {}, "ZJ"}, Retailer()));
  EXPECT_FALSE(
      DealerScopeMatches({DealerScopeKind::kZone, {}, "WEST"}, Retailer()));
  EXPECT_TRUE(DealerScopeMatches(
      {DealerScopeKind::kChannelLevel, ChannelLevel::kRetailer, ""},
      Retailer()));
  EXPECT_FALSE(DealerScopeMatches(
      {DealerScopeKind::kChannelLevel, ChannelLevel::kWholesaler, ""},
      Retailer()));
}

TEST(PriceRuleTest, PriceEndingTakesTheLargestEndingAtOrBelowTheUnit) {
  EXPECT_EQ(EndPrice(1345, {100, 99}), 1299);
  EXPECT_EQ(EndPrice(13450, {1000, 900}), 12900);
  EXPECT_EQ(EndPrice(1299, {100, 99}), 1299);
  EXPECT_EQ(EndPrice(1300, {100, 99}), 1299);
  EXPECT_EQ(EndPrice(50, {100, 99}), std::nullopt);
  EXPECT_EQ(EndPrice(100, {100, 0}), 100);
  EXPECT_EQ(EndPrice(99, {100, 0}), std::nullopt);
}

TEST(PriceRuleTest, VolumePeriodsAreCalendarPeriodsContainingTheDay) {
  const absl::CivilDay day(2026, 11, 27);
  VolumeWindow q = VolumePeriodContaining(VolumePeriod::kQuarter, day);
  EXPECT_EQ(q.label, "2026-Q4");
  EXPECT_EQ(q.from, absl::CivilDay(2026, 10, 1));
  EXPECT_EQ(q.until, absl::CivilDay(2027, 1, 1));
  VolumeWindow m = VolumePeriodContaining(VolumePeriod::kMonth, day);
  EXPECT_EQ(m.label, "2026-11");
  EXPECT_EQ(m.until, absl::CivilDay(2026, 12, 1));
  VolumeWindow y = VolumePeriodContaining(VolumePeriod::kYear, day);
  EXPECT_EQ(y.label, "2026");
  EXPECT_EQ(y.from, absl::CivilDay(2026, 1, 1));
}

TEST(PriceRuleTest, TheHighestTierReachedApplies) {
  const std::vector<Tier> tiers = {{10, {}, 200}, {50, {}, 500}};
  EXPECT_EQ(TierForUnits(tiers, 9), std::nullopt);
  EXPECT_EQ(TierForUnits(tiers, 10)->basis_points, 200);
  EXPECT_EQ(TierForUnits(tiers, 49)->basis_points, 200);
  EXPECT_EQ(TierForUnits(tiers, 50)->basis_points, 500);
  const std::vector<Tier> money = {{0, Cny(100000), 100},
                                   {0, Cny(500000), 300}};
  EXPECT_EQ(TierForAmount(money, Cny(99999)), std::nullopt);
  EXPECT_EQ(TierForAmount(money, Cny(500000))->basis_points, 300);
}

TEST(PriceRuleTest, CheckPriceRuleNamesTheBadField) {
  struct Case {
    std::function<void(PriceRule&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](PriceRule& r) { r.rule_id = ""; }, "rules[0].rule_id"},
      {[](PriceRule& r) { r.basis_points = 10001; }, "rules[0].basis_points"},
      {[](PriceRule& r) { r.basis_points = -1; }, "rules[0].basis_points"},
      {[](PriceRule& r) { r.valid_until = r.valid_from; },
       "rules[0].valid_until"},
      {[](PriceRule& r) { r.dealer_scope.kind = DealerScopeKind::kDealer; },
       "rules[0].dealer_scope.code"},
      {[](PriceRule& r) {
         r.type = RuleType::kQuantity;
         r.quantity.tiers = {{50, {}, 500}, {10, {}, 200}};
       },
       "rules[0].quantity.tiers[1].min_quantity"},
      {[](PriceRule& r) {
         r.type = RuleType::kCumulativeVolume;
         r.cumulative.measure = VolumeMeasure::kAmount;
         r.cumulative.tiers = {{0, Money::Create("USD", 100).value(), 100}};
       },
       "rules[0].cumulative.tiers[0].min_amount"},
      {[](PriceRule& r) {
         r.type = RuleType::kPriceEnding;
         r.ending = {100, 100};
       },
       "rules[0].ending.ending"},
      {[](PriceRule& r) {
         r.type = RuleType::kFloor;
         r.floor.min_net_unit_price = Cny(0);
       },
       "rules[0].floor.min_net_unit_price"},
      {[](PriceRule& r) {
         r.type = RuleType::kBundle;
         r.bundle = {"PUMP-100", 0, 1, 500};
       },
       "rules[0].bundle.trigger_quantity"},
  };
  for (const Case& c : cases) {
    PriceRule r = Seasonal("S1");
    c.spoil(r);
    absl::Status s = CheckPriceRule("rules[0]", r, "CNY");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(FieldOf(s), c.field) << s;
  }
  EXPECT_TRUE(CheckPriceRule("rules[0]", Seasonal("S1"), "CNY").ok());
}

TEST(PriceRuleTest, BundleRatioIsBoundedOnEachSide) {
  PriceRule r = Seasonal("B1");
  r.type = RuleType::kBundle;
  r.bundle = {"PUMP-100", 1'000'000, 1'000'000, 500};
  EXPECT_TRUE(CheckPriceRule("rules[0]", r, "CNY").ok());
  // Unbounded, ⌊A ÷ trigger⌋ × discounted overflowed int64.
  r.bundle = {"PUMP-100", 1, 1'000'001, 500};
  absl::Status s = CheckPriceRule("rules[0]", r, "CNY");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "rules[0].bundle.discounted_quantity") << s;
  r.bundle = {"PUMP-100", int64_t{1} << 62, 1, 500};
  EXPECT_EQ(FieldOf(CheckPriceRule("rules[0]", r, "CNY")),
            "rules[0].bundle.trigger_quantity");
}

TEST(PriceRuleTest, RuleCurrencyIsTheCurrencyOfItsMoney) {
  PriceRule r = Seasonal("S1");
  EXPECT_EQ(RuleCurrency(r), "");  // percentages only
  r.type = RuleType::kFloor;
  r.floor.min_net_unit_price = Money::Create("USD", 100).value();
  EXPECT_EQ(RuleCurrency(r), "USD");
  r.floor.kind = FloorKind::kMinMarginOverCost;
  EXPECT_EQ(RuleCurrency(r), "");
  r.type = RuleType::kQuantity;
  r.quantity.tiers = {{10, {}, 100}};
  EXPECT_EQ(RuleCurrency(r), "");
  r.quantity.basis = QuantityBasis::kOrderAmount;
  r.quantity.tiers = {{0, Cny(100), 100}};
  EXPECT_EQ(RuleCurrency(r), "CNY");
}

TEST(PriceRuleTest, WithoutACurrencyARuleMustStillBeConsistentInItself) {
  PriceRule r = Seasonal("C1");
  r.type = RuleType::kCumulativeVolume;
  r.cumulative.measure = VolumeMeasure::kAmount;
  r.cumulative.tiers = {{0, Money::Create("USD", 100).value(), 100}};
  EXPECT_TRUE(CheckPriceRule("rules[0]", r, "").ok());
  r.cumulative.tiers.push_back({0, Cny(200), 200});
  absl::Status s = CheckPriceRule("rules[0]", r, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "rules[0].cumulative.tiers[1].min_amount") << s;
}

// --- The rule book: the index by scope finds exactly the rules whose scope
// matches, whatever the kind and case.

TEST(RuleBookTest, FindsExactlyTheRulesWhoseScopeMatches) {
  const std::vector<DealerScope> dealers = {
      {DealerScopeKind::kAllDealers, ChannelLevel::kUnspecified, ""},
      {DealerScopeKind::kChannelLevel, ChannelLevel::kRetailer, ""},
      {DealerScopeKind::kChannelLevel, ChannelLevel::kWholesaler, ""},
      {DealerScopeKind::kAbcClass, ChannelLevel::kUnspecified, "b"},
      {DealerScopeKind::kAbcClass, ChannelLevel::kUnspecified, "A"},
      {DealerScopeKind::kZone, ChannelLevel::kUnspecified, "EAST"},
      {DealerScopeKind::kZone, ChannelLevel::kUnspecified, "ZJ"},
      {DealerScopeKind::kZone, ChannelLevel::kUnspecified, "east"},
      {DealerScopeKind::kDealer, ChannelLevel::kUnspecified, "dlr_r1"},
      {DealerScopeKind::kDealer, ChannelLevel::kUnspecified, "DLR_R1"},
  };
  const std::vector<ProductScope> products = {
      {ProductScopeKind::kAllProducts, ""},
      {ProductScopeKind::kGroup, "PUMPS"},
      {ProductScopeKind::kGroup, "pumps"},
      {ProductScopeKind::kSku, "pump-100"},
      {ProductScopeKind::kSku, "PUMP-200"},
  };
  std::vector<PriceRule> rules;
  for (const RuleType type : {RuleType::kChannelMargin, RuleType::kSeasonal}) {
    for (const DealerScope& d : dealers) {
      for (const ProductScope& p : products) {
        PriceRule r = Seasonal(absl::StrCat("R", rules.size()));
        r.type = type;
        r.dealer_scope = d;
        r.product_scope = p;
        rules.push_back(r);
      }
    }
  }
  absl::StatusOr<RuleBook> book = RuleBook::Build(rules);
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->CountOfType(RuleType::kSeasonal), rules.size() / 2);
  EXPECT_EQ(book->CountOfType(RuleType::kFloor), 0u);
  PricingDealer same_zone_and_province = Retailer();
  same_zone_and_province.province = same_zone_and_province.zone;
  PricingDealer unclassified = Retailer();
  unclassified.abc_class.clear();
  unclassified.zone.clear();
  for (const PricingDealer& dealer :
       {Retailer(), same_zone_and_province, unclassified}) {
    for (const PricingProduct& product :
         {PricingProduct{"PUMP-100", "PUMPS"}, PricingProduct{"PUMP-200", ""},
          PricingProduct{"VALVE-1", "VALVES"}}) {
      for (const RuleType type :
           {RuleType::kChannelMargin, RuleType::kSeasonal}) {
        std::vector<uint32_t> want;
        for (size_t i = 0; i < rules.size(); ++i) {
          if (rules[i].type == type &&
              DealerScopeMatches(rules[i].dealer_scope, dealer) &&
              ProductScopeMatches(rules[i].product_scope, product)) {
            want.push_back(static_cast<uint32_t>(i));
          }
        }
        std::vector<uint32_t> got;
        book->Collect(book->ForDealer(type, dealer), product, got);
        EXPECT_EQ(got, want) << dealer.zone << "/" << dealer.province << " "
                             << product.sku << " " << RuleTypeName(type);
      }
    }
  }
}

// The book's packed tie-break is Outranks, on every pair of rules that
// differ (or tie) on each field in turn.
TEST(RuleBookTest, PackedTieBreakIsOutranks) {
  std::vector<PriceRule> rules;
  int n = 0;
  for (int priority : {0, 5}) {
    for (const DealerScope& dealer :
         {DealerScope{}, DealerScope{DealerScopeKind::kZone, {}, "EAST"},
          DealerScope{DealerScopeKind::kDealer, {}, "dlr_r1"}}) {
      for (const ProductScope& product :
           {ProductScope{}, ProductScope{ProductScopeKind::kSku, "PUMP-100"}}) {
        for (const absl::CivilDay from :
             {absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 6, 1)}) {
          // Ids against the other fields, so that only a full tie uses them.
          for (const char* id : {"B", "A"}) {
            PriceRule r = Seasonal(absl::StrCat(id, "-", n++), priority);
            r.dealer_scope = dealer;
            r.product_scope = product;
            r.valid_from = from;
            rules.push_back(r);
          }
        }
      }
    }
  }
  absl::StatusOr<RuleBook> book = RuleBook::Build(rules);
  ASSERT_TRUE(book.ok()) << book.status();
  for (uint32_t a = 0; a < rules.size(); ++a) {
    for (uint32_t b = 0; b < rules.size(); ++b) {
      EXPECT_EQ(book->Outranks(a, b), Outranks(rules[a], rules[b]))
          << rules[a].rule_id << " vs " << rules[b].rule_id;
    }
  }
  // Day numbers order as days do, and heads say what Choose reads.
  EXPECT_EQ(RuleBook::DayNumber(absl::CivilDay(1970, 1, 2)), 1);
  EXPECT_LT(RuleBook::DayNumber(absl::CivilDay(2026, 11, 26)),
            RuleBook::DayNumber(absl::CivilDay(2026, 11, 27)));
  EXPECT_EQ(book->heads()[0].valid_from,
            RuleBook::DayNumber(absl::CivilDay(2026, 1, 1)));
  EXPECT_TRUE(book->heads()[0].active);
}

TEST(RuleBookTest, BuildChecksEveryRuleAndUniqueIds) {
  PriceRule bad = Seasonal("BAD");
  bad.basis_points = 10001;
  absl::StatusOr<RuleBook> book = RuleBook::Build({Seasonal("OK"), bad});
  ASSERT_EQ(book.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(book.status()), "rules[1].basis_points");
  book = RuleBook::Build({Seasonal("SAME"), Seasonal("SAME")});
  ASSERT_EQ(book.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(book.status()), "rules[1].rule_id");
  book = RuleBook::Build({});
  ASSERT_TRUE(book.ok());
  EXPECT_TRUE(book->rules().empty());
}

TEST(PriceRuleTest, DraftsChangeAndArePublishedByAnotherActiveOnesRetire) {
  RuleRecord r;
  r.rule = Seasonal("S");
  r.rule.state = RuleState::kDraft;
  r.created_by = "ana";
  r.updated_by = "cai";
  EXPECT_TRUE(CheckCanUpdate(r).ok());
  EXPECT_EQ(ReasonOf(CheckCanRetire(r)), kReasonRuleNotActive);
  // Neither the author nor the last editor publishes it.
  for (const char* who : {"ana", "cai"}) {
    const absl::Status s = CheckCanPublish(r, who);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << who;
    EXPECT_EQ(ReasonOf(s), kReasonRuleFourEyes) << who;
  }
  EXPECT_TRUE(CheckCanPublish(r, "bo").ok());
  r.rule.state = RuleState::kActive;
  EXPECT_EQ(ReasonOf(CheckCanUpdate(r)), kReasonRuleNotDraft);
  EXPECT_EQ(ReasonOf(CheckCanPublish(r, "bo")), kReasonRuleNotDraft);
  EXPECT_TRUE(CheckCanRetire(r).ok());
  // A retired rule never applies again.
  r.rule.state = RuleState::kRetired;
  EXPECT_TRUE(CheckPriceRule("rule", r.rule, "").ok());
  const auto why = Ineligibility(r.rule, Retailer(), {"PUMP-100", "PUMPS"},
                                 absl::CivilDay(2026, 6, 1));
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(why->explanation, HasSubstr("retired"));
  EXPECT_EQ(ReasonOf(CheckCanRetire(r)), kReasonRuleNotActive);
}

}  // namespace
}  // namespace qudao::pricing
