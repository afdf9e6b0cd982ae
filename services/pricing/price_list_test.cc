// The price list and standard cost rules, without a server or a database.
#include "services/pricing/price_list.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

PriceListVersion Publication() {
  PriceListVersion p;
  p.currency = "CNY";
  p.valid_from = absl::CivilDay(2027, 1, 1);
  p.entries = {{"PUMP-100", Cny(129900)}, {"PUMP-200", Cny(159900)}};
  return p;
}

TEST(PriceListTest, AValidPublicationPasses) {
  EXPECT_TRUE(CheckPublication(Publication()).ok());
  PriceListVersion bounded = Publication();
  bounded.valid_until = absl::CivilDay(2027, 12, 31);
  EXPECT_TRUE(CheckPublication(bounded).ok());
}

TEST(PriceListTest, BadPublicationsNameTheField) {
  struct Case {
    std::string field;
    std::function<void(PriceListVersion&)> spoil;
  };
  const std::vector<Case> cases = {
      {"price_list.currency_code", [](auto& p) { p.currency = "YUAN"; }},
      {"price_list.valid_until", [](auto& p) { p.valid_until = p.valid_from; }},
      {"price_list.valid_until",
       [](auto& p) { p.valid_until = p.valid_from - 1; }},
      {"price_list.entries", [](auto& p) { p.entries.clear(); }},
      {"price_list.entries",
       [](auto& p) {
         p.entries.clear();
         for (int i = 0; i <= kMaxPriceListEntries; ++i) {
           p.entries.push_back({absl::StrCat("SKU-", i), Cny(100)});
         }
       }},
      {"price_list.entries[1].sku",
       [](auto& p) { p.entries[1].sku = "PUMP-100"; }},
      {"price_list.entries[0].sku", [](auto& p) { p.entries[0].sku = ""; }},
      {"price_list.entries[0].sku",
       [](auto& p) { p.entries[0].sku = "pump-100"; }},
      {"price_list.entries[1].list_price",
       [](auto& p) { p.entries[1].list_price = Cny(0); }},
      {"price_list.entries[1].list_price",
       [](auto& p) { p.entries[1].list_price = Cny(-5); }},
      {"price_list.entries[0].list_price.currency_code",
       [](auto& p) {
         p.entries[0].list_price = Money::Create("USD", 100).value();
       }},
  };
  for (const Case& c : cases) {
    PriceListVersion p = Publication();
    c.spoil(p);
    absl::Status s = CheckPublication(p);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(FieldOf(s), c.field) << s.message();
  }
  // Exactly the limit is fine.
  PriceListVersion full = Publication();
  full.entries.clear();
  for (int i = 0; i < kMaxPriceListEntries; ++i) {
    full.entries.push_back({absl::StrCat("SKU-", i), Cny(100)});
  }
  EXPECT_TRUE(CheckPublication(full).ok());
}

TEST(PriceListTest, TheLatestVersionCoveringTheDayWins) {
  const absl::CivilDay jan1(2027, 1, 1);
  // v1: base list from Jan 1, open-ended; v2: a February promotion; v3:
  // next year's list, not yet in force in 2027.
  const std::vector<ListPrice> candidates = {
      {"PUMP-100", Cny(100000), 1, jan1, std::nullopt},
      {"PUMP-100", Cny(90000), 2, absl::CivilDay(2027, 2, 1),
       absl::CivilDay(2027, 3, 1)},
      {"PUMP-100", Cny(110000), 3, absl::CivilDay(2028, 1, 1), std::nullopt},
  };
  EXPECT_FALSE(ResolvePrice(candidates, jan1 - 1).has_value());
  EXPECT_EQ(ResolvePrice(candidates, jan1)->version, 1);
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2027, 2, 1))->version, 2);
  // valid_until is the first day the price no longer applies.
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2027, 2, 28))->list_price,
            Cny(90000));
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2027, 3, 1))->version, 1);
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2028, 6, 1))->version, 3);
  EXPECT_FALSE(ResolvePrice({}, jan1).has_value());
}

TEST(PriceListTest, AWithdrawalCarriesNoPrice) {
  PriceListVersion p = Publication();
  p.entries[1] = {"PUMP-200", Cny(0), true};
  EXPECT_TRUE(CheckPublication(p).ok());
  p.entries[1].list_price = Cny(159900);
  EXPECT_EQ(FieldOf(CheckPublication(p)), "price_list.entries[1].list_price");
  p.entries[1].list_price = Money::Create("USD", 0).value();
  EXPECT_EQ(FieldOf(CheckPublication(p)), "price_list.entries[1].list_price");
  // Still listed once.
  p.entries[1] = {"PUMP-100", Cny(0), true};
  EXPECT_EQ(FieldOf(CheckPublication(p)), "price_list.entries[1].sku");
}

TEST(PriceListTest, AWithdrawalCoveringTheDayLeavesNoPrice) {
  const absl::CivilDay jan1(2027, 1, 1);
  ListPrice withdrawal{"PUMP-100", Cny(0), 2, absl::CivilDay(2027, 3, 1),
                       absl::CivilDay(2027, 4, 1)};
  withdrawal.withdrawn = true;
  const std::vector<ListPrice> candidates = {
      {"PUMP-100", Cny(100000), 1, jan1, std::nullopt},
      withdrawal,
      {"PUMP-100", Cny(110000), 3, absl::CivilDay(2027, 3, 15), std::nullopt},
  };
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2027, 2, 28))->version, 1);
  EXPECT_FALSE(
      ResolvePrice(candidates, absl::CivilDay(2027, 3, 1)).has_value());
  // A later version lists it again.
  EXPECT_EQ(ResolvePrice(candidates, absl::CivilDay(2027, 3, 15))->version, 3);
  EXPECT_FALSE(
      ResolvePrice({candidates[0], candidates[1]}, absl::CivilDay(2027, 3, 31))
          .has_value());
  EXPECT_EQ(
      ResolvePrice({candidates[0], candidates[1]}, absl::CivilDay(2027, 4, 1))
          ->version,
      1);
}

TEST(PriceListTest, StandardCostsApplyFromTheirDayAndTheLatestDayWins) {
  auto cost = [](int64_t version, int64_t minor, absl::CivilDay from) {
    StandardCost c;
    c.sku = "PUMP-100";
    c.version = version;
    c.cost = Cny(minor);
    c.effective_from = from;
    return c;
  };
  const std::vector<StandardCost> history = {
      cost(1, 10000, absl::CivilDay(2026, 1, 1)),
      cost(2, 12000, absl::CivilDay(2027, 1, 1)),
      // A correction set later, back-dated: supersedes v1 from its day on,
      // but not v2, which was scheduled for a later day.
      cost(3, 10500, absl::CivilDay(2026, 7, 1)),
      // A second correction on v2's day: the later version wins the tie.
      cost(4, 12500, absl::CivilDay(2027, 1, 1)),
  };
  EXPECT_FALSE(
      ResolveStandardCost(history, absl::CivilDay(2025, 12, 31)).has_value());
  EXPECT_EQ(ResolveStandardCost(history, absl::CivilDay(2026, 6, 30))->version,
            1);
  EXPECT_EQ(ResolveStandardCost(history, absl::CivilDay(2026, 7, 1))->cost,
            Cny(10500));
  EXPECT_EQ(ResolveStandardCost(history, absl::CivilDay(2026, 12, 31))->version,
            3);
  EXPECT_EQ(ResolveStandardCost(history, absl::CivilDay(2027, 6, 1))->cost,
            Cny(12500));
  // Without the tie: v2 applies from its day although v3 is newer.
  const std::vector<StandardCost> three(history.begin(), history.begin() + 3);
  EXPECT_EQ(ResolveStandardCost(three, absl::CivilDay(2027, 6, 1))->cost,
            Cny(12000));
  EXPECT_EQ(ResolveStandardCost(three, absl::CivilDay(2027, 6, 1))->version, 2);
  StandardCost zero = cost(0, 0, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(FieldOf(CheckStandardCost(zero)), "standard_cost.cost");
  EXPECT_TRUE(CheckStandardCost(history[0]).ok());
}

TEST(PriceListTest, DaysParseStrictlyAndStoreAsNumbers) {
  EXPECT_EQ(ParseDay("day", "2027-01-01").value(), absl::CivilDay(2027, 1, 1));
  for (const char* bad : {"2027-1-1", "2027-02-30", "tomorrow", "1999-12-31"}) {
    EXPECT_EQ(FieldOf(ParseDay("day", bad).status()), "day") << bad;
  }
  const absl::CivilDay d(2027, 3, 4);
  EXPECT_EQ(DayFromNumber(DayNumber(d)), d);
  EXPECT_EQ(DayNumber(absl::CivilDay(1970, 1, 2)), 1);
}

TEST(PriceListTest, VatRateIsZeroToOneHundredPercent) {
  EXPECT_TRUE(CheckVatRate(kDefaultVatRateBp).ok());
  EXPECT_TRUE(CheckVatRate(0).ok());
  EXPECT_FALSE(CheckVatRate(-1).ok());
  EXPECT_FALSE(CheckVatRate(10001).ok());
}

}  // namespace
}  // namespace qudao::pricing
