// The price waterfall (PriceBasket) on random rule sets and baskets: the
// bytes are decoded into a small rule set (0..15 rules of every type and
// scope, some drafts, some out of window, some in another currency, now and
// then an invalid one) and a basket (0..8 lines, dealers, freight, prior
// volumes), with sizes bounded so that one input stays cheap.
//
// On OK: every line's steps sum from list × quantity to its net amount to
// the fen, and its net lies between 0 and the list amount; a line whose
// selected floor is a CLAMP floor (or the channel floor) is not below that
// floor unless it stopped at list; a failed line says PRICE_BELOW_FLOOR;
// goods = Σ nets of the lines that did not fail; VAT = (goods + freight +
// zone) × VAT rounded half-up; total = goods + freight + zone + VAT; rebate
// total = Σ rebates. Deterministic: a second call gives the same result,
// and the RuleBook overload the vector overload's. The index finds exactly
// the rules whose scope matches. On error: INVALID_ARGUMENT naming a field.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "fuzz/fuzz_check.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {
namespace {

// Reads the input a little at a time; zeros once it is used up.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {
    wild_ = Pick(8) == 0;
  }
  uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  // 0..n-1.
  int Pick(int n) { return Byte() % n; }
  int64_t Int(int64_t lo, int64_t hi) {
    uint64_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | Byte();
    return lo + static_cast<int64_t>(v % static_cast<uint64_t>(hi - lo + 1));
  }
  // In [lo, hi]; in one input of eight now and then out of range or
  // extreme (most inputs stay valid and reach the waterfall).
  int64_t Wild(int64_t lo, int64_t hi) {
    if (!wild_) return Int(lo, hi);
    switch (Pick(32)) {
      case 0:
        return lo - 1;
      case 1:
        return hi + 1;
      case 2:
        return int64_t{4'000'000'000'000'000'000};
      default:
        return Int(lo, hi);
    }
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
  bool wild_ = false;
};

Money Of(const std::string& currency, int64_t minor) {
  auto m = Money::Create(currency, minor);
  return m.ok() ? *m : Money::Zero(currency);
}

template <typename T>
T From(Bytes& b, const std::vector<T>& pool) {
  return pool[static_cast<size_t>(b.Pick(static_cast<int>(pool.size())))];
}
std::string From(Bytes& b, std::initializer_list<const char*> pool) {
  return From(b, std::vector<std::string>(pool.begin(), pool.end()));
}

const std::vector<std::string> kSkus = {"A-1", "a-1", "B-2", "C-3", "D-4"};
const std::vector<std::string> kGroups = {"", "G1", "G2"};
const std::vector<std::string> kCodes = {"D1", "D2", "EAST", "ZJ",
                                         "A",  "b",  "WEST"};

std::vector<Tier> Tiers(Bytes& b, bool money, const std::string& currency) {
  std::vector<Tier> tiers;
  const int n = 1 + b.Pick(3);
  int64_t at = 0;
  for (int i = 0; i < n; ++i) {
    at += b.Int(1, 200) * (money ? 1000 : 1);
    Tier t;
    if (money) {
      t.min_amount = Of(currency, at);
    } else {
      t.min_quantity = at;
    }
    t.basis_points = b.Wild(0, 10000);
    tiers.push_back(t);
  }
  return tiers;
}

PriceRule DecodeRule(Bytes& b, int i) {
  PriceRule r;
  r.rule_id = b.Pick(40) == 39 ? "R0" : absl::StrCat("R", i);
  r.type = static_cast<RuleType>(1 + b.Pick(8));
  r.state = b.Pick(8) == 0 ? RuleState::kDraft : RuleState::kActive;
  const int dealer = b.Pick(5);
  r.dealer_scope.kind = static_cast<DealerScopeKind>(dealer);
  if (dealer == 1) {
    r.dealer_scope.channel_level = static_cast<ChannelLevel>(1 + b.Pick(4));
  } else if (dealer > 1) {
    r.dealer_scope.code = From(b, kCodes);
  }
  const int product = b.Pick(3);
  r.product_scope.kind = static_cast<ProductScopeKind>(product);
  if (product == 1) r.product_scope.code = From(b, {"G1", "G2"});
  if (product == 2) r.product_scope.code = From(b, kSkus);
  r.valid_from = absl::CivilDay(2026, 1, 1) + b.Int(0, 400);
  if (b.Pick(3) == 0) r.valid_until = r.valid_from + b.Int(1, 200);
  r.priority = static_cast<int>(b.Int(-2, 5));
  r.basis_points = b.Wild(0, 10000);
  const std::string currency = b.Pick(8) == 7 ? "USD" : "CNY";
  switch (r.type) {
    case RuleType::kQuantity:
      r.quantity.basis = b.Pick(2) == 0 ? QuantityBasis::kLineQuantity
                                        : QuantityBasis::kOrderAmount;
      r.quantity.tiers =
          Tiers(b, r.quantity.basis == QuantityBasis::kOrderAmount, currency);
      break;
    case RuleType::kCumulativeVolume:
      r.cumulative.measure =
          b.Pick(2) == 0 ? VolumeMeasure::kUnits : VolumeMeasure::kAmount;
      r.cumulative.period = static_cast<VolumePeriod>(1 + b.Pick(3));
      r.cumulative.tiers =
          Tiers(b, r.cumulative.measure == VolumeMeasure::kAmount, currency);
      break;
    case RuleType::kBundle:
      r.bundle.trigger_sku = From(b, kSkus);
      r.bundle.trigger_quantity = b.Wild(1, 5);
      r.bundle.discounted_quantity = b.Wild(1, 5);
      r.bundle.basis_points = b.Wild(0, 10000);
      break;
    case RuleType::kPriceEnding:
      r.ending.step = From(b, std::vector<int64_t>{1, 10, 100, 1000});
      r.ending.ending = b.Int(0, r.ending.step - 1);
      break;
    case RuleType::kFloor:
      r.floor.kind = b.Pick(2) == 0 ? FloorKind::kMinNetUnitPrice
                                    : FloorKind::kMinMarginOverCost;
      r.floor.min_net_unit_price = Of(currency, b.Wild(1, 100000));
      r.floor.min_margin_basis_points = b.Wild(0, 10000);
      r.floor.action =
          b.Pick(3) == 0 ? FloorAction::kReject : FloorAction::kClamp;
      break;
    default:
      break;
  }
  return r;
}

BasketInput DecodeBasket(Bytes& b) {
  BasketInput in;
  in.dealer.dealer_id = From(b, {"D1", "D2"});
  in.dealer.channel_level =
      static_cast<ChannelLevel>(b.Pick(16) == 15 ? 0 : 1 + b.Pick(4));
  in.dealer.abc_class = From(b, {"", "A", "b", "C"});
  in.dealer.zone = From(b, {"EAST", "WEST", ""});
  in.dealer.province = From(b, {"ZJ", "EAST", ""});
  in.dealer.city = "HZ";
  in.quote_day = absl::CivilDay(2026, 1, 1) + b.Int(0, 500);
  const int lines = b.Pick(40) == 39 ? 0 : 1 + b.Pick(8);
  for (int i = 0; i < lines; ++i) {
    BasketLine l;
    const int sku = b.Pick(static_cast<int>(kSkus.size()));
    l.sku = kSkus[static_cast<size_t>(sku)];
    l.product_group = kGroups[static_cast<size_t>(sku) % kGroups.size()];
    l.quantity = b.Pick(4) == 0 ? b.Wild(1, 1'000'000) : b.Int(1, 60);
    l.list_price =
        Of(b.Pick(64) == 63 ? "USD" : "CNY",
           b.Pick(16) == 0 ? b.Wild(1, 100'000'000'000) : b.Int(1, 100000));
    if (b.Pick(2) == 0) l.standard_cost = Of("CNY", b.Int(0, 100000));
    l.unit_weight_grams = b.Wild(0, 100000);
    in.lines.push_back(l);
  }
  in.payment_term.net_days = static_cast<int>(b.Int(0, 60));
  if (b.Pick(2) == 1) {
    in.payment_term.discount_basis_points = static_cast<int>(b.Int(1, 300));
    in.payment_term.discount_days =
        static_cast<int>(b.Int(0, in.payment_term.net_days));
  }
  in.freight.method = static_cast<FreightMethod>(1 + b.Pick(4));
  in.freight.origin_plant = "P1";
  in.freight.base_city = "SH";
  for (const char* origin : {"P1", "SH"}) {
    if (b.Pick(4) == 3) continue;
    in.freight.rates.push_back({origin, "ZJ", "", Of("CNY", b.Int(0, 5000)),
                                Of("CNY", b.Int(0, 500)),
                                Of("CNY", b.Int(0, 500))});
  }
  for (const char* zone : {"EAST", "WEST"}) {
    in.freight.zones.push_back(
        {zone, Of("CNY", b.Int(0, 5000)), b.Wild(0, 10000)});
  }
  if (b.Pick(4) == 0) {
    in.freight.destination_province = "ZJ";
    in.freight.destination_city = From(b, {"", "HZ"});
  }
  const int priors = b.Pick(3);
  for (int i = 0; i < priors; ++i) {
    in.prior_volumes.push_back({absl::StrCat("R", b.Pick(16)),
                                b.Wild(0, 100000),
                                Of("CNY", b.Int(0, 10'000'000))});
  }
  in.vat_basis_points = b.Pick(8) == 0 ? b.Wild(0, 10000) : 1300;
  return in;
}

// Everything in a result, for comparing two of them.
std::string Dump(const BasketResult& r) {
  std::string out =
      absl::StrCat(r.currency, "|", r.failed_lines, "|",
                   r.goods_total.ToString(), "|", r.vat.ToString(), "|",
                   r.total.ToString(), "|", r.rebate_total.ToString(), "\n");
  for (const LineResult& l : r.lines) {
    absl::StrAppend(&out, l.line, " ", l.sku, " ", l.quantity, " ",
                    l.net_amount.ToString(), " ", l.net_unit_price.ToString(),
                    " ", l.tax_inclusive_unit_price.ToString(), " ",
                    l.failure_reason, " ", l.failure_message, " ",
                    l.rebate_rule_id, " ", l.rebate_accrual.ToString(), " ",
                    l.scope_mismatches, "\n");
    // The words as a quote renders them, from the recorded facts.
    for (const AppliedStep& s : l.steps) {
      absl::StrAppend(&out, " s", static_cast<int>(s.step), " ", s.rule_id(),
                      " ", s.amount.ToString(), " ", s.running_after.ToString(),
                      " ", StepNote(r, l, s), "\n");
    }
    for (const NotApplied& n : l.not_applied) {
      absl::StrAppend(&out, " n", static_cast<int>(n.step), " ", n.rule_id(),
                      " ", static_cast<int>(n.reason), " ",
                      ExplainNotApplied(r, l, n), "\n");
    }
    for (const FloorClamp& c : l.clamps) {
      absl::StrAppend(&out, " c", c.floor(), " ", c.floor_amount.ToString(),
                      " ", c.raised_by.ToString(), " ", ExplainClamp(r, l, c),
                      "\n");
    }
  }
  const FreightResult& f = r.freight;
  absl::StrAppend(&out, static_cast<int>(f.method), " ", f.origin, " ",
                  f.destination, " ", f.freight.ToString(), " ",
                  f.zone_adjustment.ToString(), " ", f.explanation, "\n");
  if (r.cash_discount) {
    absl::StrAppend(&out, r.cash_discount->text, "\n");
  }
  for (const RebateAccrual& a : r.rebates) {
    absl::StrAppend(&out, a.rule_id, " ", a.amount.ToString(), "\n");
  }
  for (const VolumeFact& v : r.volumes) {
    absl::StrAppend(&out, v.rule_id, " ", v.period, " ", v.counted_units, " ",
                    v.counted_amount.ToString(), " ",
                    v.tier_basis_points.value_or(-1), "\n");
  }
  return out;
}

int64_t HalfUp(__int128 numerator, int64_t denominator) {
  return static_cast<int64_t>((numerator * 2 + denominator) /
                              (2 * denominator));
}

// The floor the line's selected floor rule requires, when it is a CLAMP
// floor: the rule eligible for the line that the result does not list.
void CheckFloors(const BasketInput& in, const std::vector<PriceRule>& rules,
                 const LineResult& l, int64_t list) {
  const BasketLine& line = in.lines[static_cast<size_t>(l.line)];
  const PricingProduct product{l.sku, line.product_group};
  for (const FloorClamp& c : l.clamps) {
    FUZZ_CHECK(l.net_amount.minor_units() >=
               std::min(c.floor_amount.minor_units(), list));
  }
  for (const PriceRule& r : rules) {
    if (r.type != RuleType::kFloor || r.floor.action != FloorAction::kClamp ||
        Ineligibility(r, in.dealer, product, in.quote_day)) {
      continue;
    }
    bool listed = false;
    for (const NotApplied& n : l.not_applied)
      listed |= n.rule_id() == r.rule_id;
    if (listed) continue;
    int64_t floor = 0;
    if (r.floor.kind == FloorKind::kMinNetUnitPrice) {
      floor = r.floor.min_net_unit_price.minor_units() * l.quantity;
    } else {
      FUZZ_CHECK(line.standard_cost.has_value());
      floor = HalfUp(static_cast<__int128>(line.standard_cost->minor_units()) *
                         l.quantity * (10000 + r.floor.min_margin_basis_points),
                     10000);
    }
    FUZZ_CHECK(l.net_amount.minor_units() >= std::min(floor, list));
  }
}

void CheckResult(const BasketInput& in, const std::vector<PriceRule>& rules,
                 const BasketResult& r) {
  FUZZ_CHECK(r.lines.size() == in.lines.size());
  int64_t goods = 0;
  int64_t rebates = 0;
  int failed = 0;
  for (size_t i = 0; i < r.lines.size(); ++i) {
    const LineResult& l = r.lines[i];
    FUZZ_CHECK(l.line == static_cast<int>(i));
    FUZZ_CHECK(!l.steps.empty() &&
               l.steps[0].step == WaterfallStep::kListPrice);
    const int64_t list =
        in.lines[i].list_price.minor_units() * in.lines[i].quantity;
    FUZZ_CHECK(l.steps[0].amount.minor_units() == list);
    int64_t running = 0;
    for (const AppliedStep& s : l.steps) {
      running += s.amount.minor_units();
      FUZZ_CHECK(s.running_after.minor_units() == running);
    }
    FUZZ_CHECK(running == l.net_amount.minor_units());
    FUZZ_CHECK(l.net_amount.minor_units() >= 0);
    FUZZ_CHECK(l.net_amount.minor_units() <= list);
    FUZZ_CHECK(l.scope_mismatches >= 0);
    if (l.failed()) {
      ++failed;
      FUZZ_CHECK(l.failure_reason == kReasonPriceBelowFloor);
      FUZZ_CHECK(l.rebate_accrual.is_zero());
    } else {
      goods += l.net_amount.minor_units();
      rebates += l.rebate_accrual.minor_units();
      CheckFloors(in, rules, l, list);
    }
  }
  FUZZ_CHECK(r.failed_lines == failed);
  FUZZ_CHECK(r.goods_total.minor_units() == goods);
  FUZZ_CHECK(r.rebate_total.minor_units() == rebates);
  int64_t accrued = 0;
  for (const RebateAccrual& a : r.rebates) accrued += a.amount.minor_units();
  FUZZ_CHECK(accrued == rebates);
  const int64_t taxable = goods + r.freight.freight.minor_units() +
                          r.freight.zone_adjustment.minor_units();
  FUZZ_CHECK(
      r.vat.minor_units() ==
      HalfUp(static_cast<__int128>(taxable) * r.vat_basis_points, 10000));
  FUZZ_CHECK(r.total.minor_units() == taxable + r.vat.minor_units());
}

// The index finds exactly what DealerScopeMatches and ProductScopeMatches
// accept.
void CheckIndex(const BasketInput& in, const RuleBook& book) {
  const std::vector<PriceRule>& rules = book.rules();
  for (int t = 1; t <= 8; ++t) {
    const RuleType type = static_cast<RuleType>(t);
    const RuleBook::DealerBuckets buckets = book.ForDealer(type, in.dealer);
    for (const BasketLine& l : in.lines) {
      PricingProduct p{l.sku, l.product_group};
      for (char& c : p.sku) c = static_cast<char>(std::toupper(c));
      std::vector<uint32_t> want;
      for (size_t i = 0; i < rules.size(); ++i) {
        if (rules[i].type == type &&
            DealerScopeMatches(rules[i].dealer_scope, in.dealer) &&
            ProductScopeMatches(rules[i].product_scope, p)) {
          want.push_back(static_cast<uint32_t>(i));
        }
      }
      std::vector<uint32_t> got;
      book.Collect(buckets, p, got);
      FUZZ_CHECK(got == want);
    }
  }
}

void CheckError(const absl::Status& s) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(!FieldOf(s).empty());
}

}  // namespace
}  // namespace qudao::pricing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qudao::pricing;  // NOLINT
  Bytes b(data, size);
  std::vector<PriceRule> rules;
  const int n = b.Pick(16);
  for (int i = 0; i < n; ++i) rules.push_back(DecodeRule(b, i));
  const BasketInput in = DecodeBasket(b);

  auto first = PriceBasket(in, rules);
  auto second = PriceBasket(in, rules);
  FUZZ_CHECK(first.status() == second.status());
  auto book = RuleBook::Build(rules);
  if (!book.ok()) {
    CheckError(book.status());
    FUZZ_CHECK(!first.ok());
  }
  if (!first.ok()) {
    CheckError(first.status());
    if (std::getenv("WATERFALL_FUZZER_VERBOSE") != nullptr) {
      std::fprintf(stderr, "error: %s\n", first.status().ToString().c_str());
    }
    return 0;
  }
  if (std::getenv("WATERFALL_FUZZER_VERBOSE") != nullptr) {
    std::fprintf(stderr, "ok: %zu rules, %zu lines\n", rules.size(),
                 in.lines.size());
  }
  FUZZ_CHECK(book.ok());
  const std::string dump = Dump(*first);
  FUZZ_CHECK(Dump(*second) == dump);
  auto indexed = PriceBasket(in, *book);
  FUZZ_CHECK(indexed.ok() && Dump(*indexed) == dump);
  CheckResult(in, rules, *first);
  CheckIndex(in, *book);
  return 0;
}
