// The price waterfall alone (Google Benchmark, one core): what pricing a
// quote costs against a realistic rule set, without gRPC, SQL or Redis.
// Links only qudao_pricing_rules. Issue 11's requirement: a 50-line quote
// against 10,000 active rules in < 100 µs, and a cost that does not grow
// as rules × lines (1k to 100k rules, 1 to 500 lines).
//
// PriceBasket records why each rule considered was not applied as facts
// (the rule, the reason, the numbers); the words are rendered on demand.
// BM_PriceBasketRuleBook is the engine (the < 100 µs figure);
// BM_RenderExplanations is, separately, what rendering every word of the
// priced quote costs (each step's note, each rule not applied, each clamp),
// which a quote pays once when it is shown or stored (WaterfallToProto).
// A quote's price is the sum of both.
//
// The rule set mixes every type and scope the way a manufacturer's does:
// most rules are for one dealer or one SKU (often both), fewer for a
// product group, a zone, an ABC class, a channel level or everyone; a few
// are drafts or out of their window. Fixed seeds: every run prices the
// same baskets against the same rules.
//
//   build/bench/pricing_rules_bench [--benchmark_filter=BM_PriceBasketRuleBook]
//       [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {
namespace {

constexpr int kDealers = 2000;
constexpr int kSkus = 5000;
constexpr int kGroups = 50;
constexpr int kZones = 30;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

std::string DealerId(int i) { return absl::StrCat("DLR", i); }
std::string Sku(int i) { return absl::StrCat("SKU-", i); }
std::string Group(int i) { return absl::StrCat("G", i % kGroups); }
std::string Zone(int i) { return absl::StrCat("Z", i % kZones); }

std::vector<PriceRule> Rules(int n) {
  std::mt19937 rng(20261127);
  auto pick = [&rng](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  std::vector<PriceRule> rules;
  rules.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    PriceRule r;
    r.rule_id = absl::StrCat("R", i);
    r.state = pick(100) < 5 ? RuleState::kDraft : RuleState::kActive;
    r.priority = pick(10);
    const int window = pick(100);
    r.valid_from = absl::CivilDay(2026, 1, 1);
    if (window < 10) {
      r.valid_from = absl::CivilDay(2025, 1, 1);
      r.valid_until = absl::CivilDay(2025, 12, 31);  // expired
    } else if (window < 30) {
      r.valid_until = absl::CivilDay(2027, 1, 1);
    }
    // Scopes. The broad rules come first and their number does not grow
    // with the set: 20 for everyone, 40 per channel level, 30 per ABC
    // class, 3 per zone and 3 per product group (330 in all). The rest is
    // what a large set is made of: 55% for one dealer (half of those for
    // one of its SKUs, 30% for a group, 20% for all its products) and 45%
    // for one SKU for everyone.
    if (i < 20) {
      // All dealers, all products.
    } else if (i < 60) {
      r.dealer_scope = {DealerScopeKind::kChannelLevel,
                        static_cast<ChannelLevel>(1 + i % 4), ""};
    } else if (i < 90) {
      r.dealer_scope = {DealerScopeKind::kAbcClass, ChannelLevel::kUnspecified,
                        std::string(1, static_cast<char>('A' + i % 3))};
    } else if (i < 90 + 3 * kZones) {
      r.dealer_scope = {DealerScopeKind::kZone, ChannelLevel::kUnspecified,
                        Zone(i)};
    } else if (i < 180 + 3 * kGroups) {
      r.product_scope = {ProductScopeKind::kGroup, Group(i)};
    } else if (pick(100) < 55) {
      r.dealer_scope = {DealerScopeKind::kDealer, ChannelLevel::kUnspecified,
                        DealerId(pick(kDealers))};
      const int product = pick(10);
      if (product < 5) {
        r.product_scope = {ProductScopeKind::kSku, Sku(pick(kSkus))};
      } else if (product < 8) {
        r.product_scope = {ProductScopeKind::kGroup, Group(pick(kGroups))};
      }
    } else {
      r.product_scope = {ProductScopeKind::kSku, Sku(pick(kSkus))};
    }
    // Types: channel margin 20%, seasonal 30%, quantity 15%, cumulative
    // 5%, bundle 5%, price ending 3%, floor 12%, rebate 10%.
    const int type = pick(100);
    if (type < 20) {
      r.type = RuleType::kChannelMargin;
      r.basis_points = 500 + pick(1500);
    } else if (type < 50) {
      r.type = RuleType::kSeasonal;
      r.basis_points = 100 + pick(1000);
    } else if (type < 65) {
      r.type = RuleType::kQuantity;
      if (pick(2) == 0) {
        r.quantity.basis = QuantityBasis::kLineQuantity;
        r.quantity.tiers = {{10, {}, 200}, {50, {}, 400}};
      } else {
        r.quantity.basis = QuantityBasis::kOrderAmount;
        r.quantity.tiers = {{0, Cny(1000000), 150}, {0, Cny(5000000), 300}};
      }
    } else if (type < 70) {
      r.type = RuleType::kCumulativeVolume;
      r.cumulative.measure = VolumeMeasure::kUnits;
      r.cumulative.period = VolumePeriod::kQuarter;
      r.cumulative.tiers = {{100, {}, 100}, {1000, {}, 250}};
    } else if (type < 75) {
      r.type = RuleType::kBundle;
      r.bundle = {Sku(pick(kSkus)), 2, 1, 1000};
    } else if (type < 78) {
      r.type = RuleType::kPriceEnding;
      r.ending = {100, 99};
    } else if (type < 90) {
      r.type = RuleType::kFloor;
      r.floor.kind = FloorKind::kMinNetUnitPrice;
      r.floor.min_net_unit_price = Cny(100 + pick(2000));
      r.floor.action = FloorAction::kClamp;
    } else {
      r.type = RuleType::kRebate;
      r.basis_points = 50 + pick(200);
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

BasketInput Basket(int lines) {
  std::mt19937 rng(lines);
  BasketInput in;
  in.dealer.dealer_id = DealerId(7);
  in.dealer.channel_level = ChannelLevel::kRetailer;
  in.dealer.abc_class = "B";
  in.dealer.zone = Zone(7);
  in.dealer.province = "ZJ";
  in.dealer.city = "Hangzhou";
  in.quote_day = absl::CivilDay(2026, 11, 27);
  for (int i = 0; i < lines; ++i) {
    const int sku = std::uniform_int_distribution<int>(0, kSkus - 1)(rng);
    BasketLine l;
    l.sku = Sku(sku);
    l.product_group = Group(sku);
    l.quantity = std::uniform_int_distribution<int>(1, 80)(rng);
    l.list_price = Cny(std::uniform_int_distribution<int>(1000, 500000)(rng));
    l.standard_cost = Cny(l.list_price.minor_units() / 2);
    in.lines.push_back(std::move(l));
  }
  return in;
}

// Args: rules, lines. The vector overload: the rules are validated and
// indexed on every call, as a caller without a cached set pays.
void BM_PriceBasketVector(benchmark::State& state) {
  const std::vector<PriceRule> rules = Rules(static_cast<int>(state.range(0)));
  const BasketInput basket = Basket(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    auto r = PriceBasket(basket, rules);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}

void Matrix(benchmark::internal::Benchmark* b) {
  for (int64_t rules : {1000, 10000, 100000}) {
    for (int64_t lines : {1, 50, 500}) b->Args({rules, lines});
  }
  b->ArgNames({"rules", "lines"})->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_PriceBasketVector)->Apply(Matrix);

// The quote service's way: the RuleBook built once per rule-set version,
// then only the basket is priced.
void BM_PriceBasketRuleBook(benchmark::State& state) {
  const RuleBook book =
      RuleBook::Build(Rules(static_cast<int>(state.range(0)))).value();
  const BasketInput basket = Basket(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    auto r = PriceBasket(basket, book);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
  // What a line carries: the rules it listed and the ones only counted.
  const BasketResult r = PriceBasket(basket, book).value();
  double listed = 0;
  double counted = 0;
  for (const LineResult& l : r.lines) {
    listed += static_cast<double>(l.not_applied.size());
    counted += static_cast<double>(l.scope_mismatches);
  }
  state.counters["listed/line"] = listed / static_cast<double>(r.lines.size());
  state.counters["counted/line"] =
      counted / static_cast<double>(r.lines.size());
}
BENCHMARK(BM_PriceBasketRuleBook)->Apply(Matrix);

// Rendering every word of a priced quote from its facts, as a quote shown
// or stored does (WaterfallToProto renders the same text into its message):
// each step's note, each rule not applied and each clamp. Apart from the
// engine's figure, and not in it.
void BM_RenderExplanations(benchmark::State& state) {
  const RuleBook book =
      RuleBook::Build(Rules(static_cast<int>(state.range(0)))).value();
  const BasketInput basket = Basket(static_cast<int>(state.range(1)));
  const BasketResult r = PriceBasket(basket, book).value();
  size_t texts = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    texts = 0;
    bytes = 0;
    for (const LineResult& l : r.lines) {
      for (const AppliedStep& s : l.steps) {
        std::string text = StepNote(r, l, s);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
      }
      for (const NotApplied& n : l.not_applied) {
        std::string text = ExplainNotApplied(r, l, n);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
      }
      for (const FloorClamp& c : l.clamps) {
        std::string text = ExplainClamp(r, l, c);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
      }
      texts += l.steps.size() + l.not_applied.size() + l.clamps.size();
    }
  }
  state.counters["texts"] = static_cast<double>(texts);
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderExplanations)->Apply(Matrix);

// What building the book costs (once per rule-set version).
void BM_BuildRuleBook(benchmark::State& state) {
  const std::vector<PriceRule> rules = Rules(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto book = RuleBook::Build(rules);
    benchmark::DoNotOptimize(book);
  }
}
BENCHMARK(BM_BuildRuleBook)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->ArgName("rules")
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace qudao::pricing
