// The price waterfall; see waterfall.h.
#include "services/pricing/waterfall.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <map>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::pricing {
namespace {

constexpr int64_t kMaxQuantity = 1'000'000;
constexpr int64_t kMaxBasisPoints = 10000;
constexpr int64_t kMaxPriorUnits = 1'000'000'000'000;
constexpr int64_t kMaxUnitWeightGrams = 10'000'000;

// A money amount the currency is already known to be valid for.
Money Minor(absl::string_view currency, int64_t minor_units) {
  return Money::Create(currency, minor_units).value();
}

// "10.00%" for 1000 basis points.
std::string Percent(int64_t bp) {
  return absl::StrCat(bp / 100, ".", bp % 100 < 10 ? "0" : "", bp % 100, "%");
}

// "9,800.00": the amount as a person reads it.
std::string Grouped(const Money& m) {
  std::string decimal = m.DecimalString();
  const bool negative = !decimal.empty() && decimal[0] == '-';
  if (negative) decimal.erase(0, 1);
  const size_t dot = decimal.find('.');
  std::string whole = decimal.substr(0, dot);
  const std::string fraction =
      dot == std::string::npos ? "" : decimal.substr(dot);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) {
    whole.insert(static_cast<size_t>(i), ",");
  }
  return absl::StrCat(negative ? "-" : "", whole, fraction);
}

// The words of an error message: a string, or a callable making it (made
// only when the error is returned).
template <typename S>
std::string Words(const S& s) {
  if constexpr (std::is_invocable_v<const S&>) {
    return s();
  } else {
    return std::string(s);
  }
}

// An amount beyond the range of minor units (Money's OUT_OF_RANGE) becomes
// INVALID_ARGUMENT naming the input that made it so large.
template <typename T, typename Field, typename What>
absl::StatusOr<T> Named(absl::StatusOr<T> v, const Field& field,
                        const What& what) {
  if (v.ok() || v.status().code() != absl::StatusCode::kOutOfRange) return v;
  return InvalidField(Words(field), absl::StrCat(Words(what), " is too large (",
                                                 v.status().message(), ")"));
}

// numerator ÷ denominator (> 0) rounded half-up, INVALID_ARGUMENT naming
// `field` when the result does not fit in int64 minor units.
template <typename Field>
absl::StatusOr<int64_t> Divide(const Field& field, __int128 numerator,
                               __int128 denominator, absl::string_view what) {
  const __int128 q = numerator / denominator;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (q >= kMax || q <= -kMax) {
    return InvalidField(Words(field),
                        absl::StrCat(what, " is too large for an amount"));
  }
  return DivideRoundHalfUp(numerator, denominator);
}

// `field` as in Words: a name, or a callable making it for the error.
template <typename Field>
absl::Status BasisPoints(const Field& field, int64_t bp) {
  if (bp < 0 || bp > kMaxBasisPoints) {
    return InvalidField(Words(field),
                        absl::StrCat("must be 0 to ", kMaxBasisPoints,
                                     " basis points (got ", bp, ")"));
  }
  return absl::OkStatus();
}

// An optional amount of the input: unset (no currency) is zero; otherwise
// it must be in `currency` and not negative.
template <typename Field>
absl::StatusOr<Money> Amount(const Field& field, const Money& m,
                             const std::string& currency) {
  if (m.currency().empty() && m.is_zero()) return Money::Zero(currency);
  if (m.currency() != currency) {
    return InvalidField(Words(field),
                        absl::StrCat("must be in ", currency, " (got ",
                                     m.currency(), "): mixed currencies"));
  }
  if (m.is_negative())
    return InvalidField(Words(field), "must not be negative");
  return m;
}

// The name of field `i` of a repeated input and its `member`, made only
// for an error: "freight.rates[3].per_kg".
auto Element(absl::string_view repeated, size_t i, absl::string_view member) {
  return [=] { return absl::StrCat(repeated, "[", i, "]", member); };
}

// The lines and the dealer; then (ValidateTail) the rest.
absl::Status ValidateHead(const BasketInput& in, std::string& currency) {
  if (in.lines.empty() || in.lines.size() > kMaxBasketLines) {
    return InvalidField("lines",
                        absl::StrCat("must hold 1 to ", kMaxBasketLines,
                                     " lines (got ", in.lines.size(), ")"));
  }
  currency = in.lines[0].list_price.currency();
  if (currency.empty()) {
    return InvalidField("lines[0].list_price",
                        "must be an amount with a currency");
  }
  RETURN_IF_ERROR(RequireCode("dealer.dealer_id", in.dealer.dealer_id));
  const int level = static_cast<int>(in.dealer.channel_level);
  if (level < 1 || level > 4) {
    return InvalidField("dealer.channel_level",
                        absl::StrCat("must be 1 distributor, 2 wholesaler, 3 "
                                     "retailer or 4 key account (got ",
                                     level, ")"));
  }
  for (size_t i = 0; i < in.lines.size(); ++i) {
    const BasketLine& l = in.lines[i];
    const std::string f = absl::StrCat("lines[", i, "]");
    // The field's name is made for the error alone.
    if (!RequireCode("sku", l.sku).ok()) {
      RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".sku"), l.sku));
    }
    if (l.quantity < 1 || l.quantity > kMaxQuantity) {
      return InvalidField(absl::StrCat(f, ".quantity"),
                          absl::StrCat("must be 1 to ", kMaxQuantity, " (got ",
                                       l.quantity, ")"));
    }
    if (l.list_price.currency() != currency) {
      return InvalidField(
          absl::StrCat(f, ".list_price"),
          absl::StrCat("must be in ", currency, " (got ",
                       l.list_price.currency(), "): mixed currencies"));
    }
    if (l.list_price.minor_units() <= 0) {
      return InvalidField(absl::StrCat(f, ".list_price"),
                          absl::StrCat("must be greater than zero (got ",
                                       l.list_price.ToString(), ")"));
    }
    if (l.standard_cost) {
      const std::string cf = absl::StrCat(f, ".standard_cost");
      if (l.standard_cost->currency() != currency) {
        return InvalidField(
            cf, absl::StrCat("must be in ", currency, ": mixed currencies"));
      }
      if (l.standard_cost->is_negative()) {
        return InvalidField(cf, "must not be negative");
      }
    }
    if (l.unit_weight_grams < 0 || l.unit_weight_grams > kMaxUnitWeightGrams) {
      return InvalidField(absl::StrCat(f, ".unit_weight_grams"),
                          absl::StrCat("must be 0 to ", kMaxUnitWeightGrams,
                                       " g (got ", l.unit_weight_grams, ")"));
    }
    RETURN_IF_ERROR(
        Named(
            l.list_price.Multiply(l.quantity),
            [&f] { return absl::StrCat(f, ".list_price"); },
            [&l] { return absl::StrCat("list price × quantity ", l.quantity); })
            .status());
  }
  return absl::OkStatus();
}

// The rest of the basket, after its rules.
absl::Status ValidateTail(const BasketInput& in, const std::string& currency) {
  absl::flat_hash_set<absl::string_view> volume_ids;
  for (size_t i = 0; i < in.prior_volumes.size(); ++i) {
    const PriorVolume& v = in.prior_volumes[i];
    auto field = [i](absl::string_view member) {
      return Element("prior_volumes", i, member);
    };
    if (!RequireCode("rule_id", v.rule_id).ok()) {
      RETURN_IF_ERROR(RequireCode(field(".rule_id")(), v.rule_id));
    }
    if (!volume_ids.insert(v.rule_id).second) {
      return InvalidField(field(".rule_id")(), "one prior volume per rule");
    }
    if (v.units < 0 || v.units > kMaxPriorUnits) {
      return InvalidField(field(".units")(),
                          absl::StrCat("must be 0 to ", kMaxPriorUnits,
                                       " (got ", v.units, ")"));
    }
    RETURN_IF_ERROR(Amount(field(".amount"), v.amount, currency).status());
  }
  if (!in.freight.destination_city.empty() &&
      in.freight.destination_province.empty()) {
    return InvalidField("freight.destination_province",
                        absl::StrCat("a destination city ('",
                                     QuoteInput(in.freight.destination_city),
                                     "') needs its province"));
  }
  const int method = static_cast<int>(in.freight.method);
  if (method < 1 || method > 4) {
    return InvalidField("freight.method",
                        "must be FOB_ORIGIN, UNIFORM_DELIVERED, ZONE or "
                        "BASING_POINT");
  }
  for (size_t i = 0; i < in.freight.rates.size(); ++i) {
    const FreightRate& r = in.freight.rates[i];
    RETURN_IF_ERROR(
        Amount(Element("freight.rates", i, ".per_order"), r.per_order, currency)
            .status());
    RETURN_IF_ERROR(
        Amount(Element("freight.rates", i, ".per_unit"), r.per_unit, currency)
            .status());
    RETURN_IF_ERROR(
        Amount(Element("freight.rates", i, ".per_kg"), r.per_kg, currency)
            .status());
  }
  for (size_t i = 0; i < in.freight.zones.size(); ++i) {
    const ZoneAdjustment& z = in.freight.zones[i];
    RETURN_IF_ERROR(
        Amount(Element("freight.zones", i, ".amount"), z.amount, currency)
            .status());
    RETURN_IF_ERROR(BasisPoints(Element("freight.zones", i, ".basis_points"),
                                z.basis_points));
  }
  RETURN_IF_ERROR(BasisPoints("vat_basis_points", in.vat_basis_points));
  RETURN_IF_ERROR(CheckPaymentTerm("payment_term", in.payment_term));
  return absl::OkStatus();
}

// One line on its way down the waterfall.
struct LineState {
  const BasketLine* in = nullptr;
  // "lines[i]".
  std::string field;
  PricingProduct product;
  // The basket's currency; the amounts below are minor units in it (Money
  // is made for the recorded steps alone).
  absl::string_view currency;
  int64_t list_amount = 0;
  int64_t running = 0;
  LineResult r;
  // The rules of each step whose scope matches the line (indexes into the
  // book's rules, ascending), collected once per line into the basket's
  // `candidates`: the step of RuleType value t has [spans[t].first,
  // spans[t].second) of them.
  std::array<std::pair<uint32_t, uint32_t>, 9> spans{};
  // The product as the rule book's index knows it.
  RuleBook::ProductKey key;
  // The rebate rule that accrues on the line (LineResult::rebate_rule_id).
  const PriceRule* rebate = nullptr;
};

// What a rule would do to a line: the amount and the facts its note
// quotes (AppliedStep::facts).
struct Effect {
  // Minor units.
  int64_t amount = 0;
  ExplanationFacts facts{};
};
// Whether a rule applies to a line: nullopt, or why not. An evaluation
// `evaluate(rule, line, effect)` answers it; with an `effect` (asked of the
// winner alone) it also says what the rule does.
using Verdict = std::optional<NotApplied>;

struct Chosen {
  const PriceRule* rule = nullptr;
  Effect effect;
};

// Whether the rule's own money is in another currency than the basket's
// (RuleCurrency; only these types have money of their own).
bool OtherCurrency(const PriceRule& rule, absl::string_view currency) {
  switch (rule.type) {
    case RuleType::kQuantity:
    case RuleType::kCumulativeVolume:
    case RuleType::kFloor:
      break;
    default:
      return false;
  }
  const std::string c = RuleCurrency(rule);
  return !c.empty() && c != currency;
}

NotApplied Missed(const PriceRule& rule, WaterfallStep step,
                  NotAppliedReason reason, ExplanationFacts facts = {}) {
  NotApplied n;
  n.rule = &rule;
  n.step = step;
  n.reason = reason;
  n.facts = facts;
  return n;
}

NotApplied Missed(const PriceRule& rule, NotAppliedReason reason,
                  ExplanationFacts facts = {}) {
  return Missed(rule, StepOf(rule.type), reason, facts);
}

// Considers the rules of one step whose scope matches the line (the others
// are only counted, LineResult::scope_mismatches): the ineligible and
// those whose condition fails are listed with their reason, the tie-break
// picks one among the rest and lists the losers, in the order considered.
// `evaluate` gives each rule's Verdict.
template <typename Evaluate>
absl::StatusOr<Chosen> Choose(LineState& s, const RuleBook& book,
                              const std::vector<uint32_t>& candidates,
                              RuleType type, int64_t day,
                              const Evaluate& evaluate) {
  const auto [begin, end] = s.spans[static_cast<size_t>(type)];
  s.r.scope_mismatches +=
      static_cast<int64_t>(book.CountOfType(type) - (end - begin));
  const WaterfallStep step = StepOf(type);
  const std::vector<PriceRule>& rules = book.rules();
  const std::vector<RuleBook::Head>& heads = book.heads();
  // Reused across calls (nothing Choose calls chooses in turn).
  thread_local std::vector<uint32_t> applicable;
  applicable.clear();
  for (uint32_t i = begin; i < end; ++i) {
    const uint32_t index = candidates[i];
    const RuleBook::Head& head = heads[index];
    const PriceRule& rule = rules[index];
    // The scope matches: a draft or out of window is all that can make the
    // rule ineligible (Ineligibility).
    if (!head.active) {
      s.r.not_applied.push_back(Missed(rule, step, NotAppliedReason::kDraft));
      continue;
    }
    if (day < head.valid_from || day >= head.valid_until) {
      s.r.not_applied.push_back(
          Missed(rule, step, NotAppliedReason::kOutOfWindow));
      continue;
    }
    if (head.can_have_money && OtherCurrency(rule, s.currency)) {
      s.r.not_applied.push_back(
          Missed(rule, step, NotAppliedReason::kScopeMismatch));
      continue;
    }
    ASSIGN_OR_RETURN(const Verdict verdict, evaluate(rule, s, nullptr));
    if (verdict) {
      s.r.not_applied.push_back(*verdict);
      continue;
    }
    applicable.push_back(index);
  }
  Chosen c;
  if (applicable.empty()) return c;
  // The tie-break (SelectRule): the winner, then every other one as
  // LOWER_PRIORITY naming it, in the order considered.
  uint32_t win = applicable[0];
  for (const uint32_t index : applicable) {
    if (book.Outranks(index, win)) win = index;
  }
  const PriceRule* winner = &rules[win];
  for (const uint32_t index : applicable) {
    if (index == win) continue;
    NotApplied n = Missed(rules[index], step, NotAppliedReason::kLowerPriority);
    n.winner = winner;
    s.r.not_applied.push_back(n);
  }
  // The winner's effect in full (the same evaluation, with its facts).
  RETURN_IF_ERROR(evaluate(*winner, s, &c.effect).status());
  c.rule = winner;
  return c;
}

// The words of an error about the line, made only when one is returned.
auto ListField(const LineState& s) {
  return [&s] { return absl::StrCat(s.field, ".list_price"); };
}

// a + b in minor units of `currency`; on an overflow Money's own error,
// named as Named does.
template <typename Field, typename What>
absl::StatusOr<int64_t> AddMinor(absl::string_view currency, int64_t a,
                                 int64_t b, const Field& field,
                                 const What& what) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return Named(Minor(currency, a).Add(Minor(currency, b)), field, what)
      .status();
}

absl::Status Record(LineState& s, WaterfallStep step, const PriceRule* rule,
                    int64_t amount, ExplanationFacts facts = {}) {
  ASSIGN_OR_RETURN(s.running, AddMinor(s.currency, s.running, amount,
                                       ListField(s), "the line amount"));
  AppliedStep& a = s.r.steps.emplace_back();
  a.step = step;
  a.rule = rule;
  a.amount = Minor(s.currency, amount);
  a.running_after = Minor(s.currency, s.running);
  a.facts = facts;
  return absl::OkStatus();
}

// `bp` basis points of a (non-negative) amount, rounded half-up: as
// Money::ApplyBasisPoints, which cannot overflow for 0..10000.
int64_t BasisPointsOf(int64_t minor, int64_t bp) {
  return DivideRoundHalfUp(static_cast<__int128>(minor) * bp, kMaxBasisPoints);
}

// A percentage off the running line amount, rounded half-up on the line.
absl::StatusOr<Verdict> PercentOff(const LineState& s, int64_t bp,
                                   Effect* effect,
                                   ExplanationFacts facts = {}) {
  if (effect == nullptr) return std::nullopt;
  effect->amount = -BasisPointsOf(s.running, bp);
  effect->facts = facts;
  return std::nullopt;
}

// Evaluates nothing: every eligible rule of the step applies (floors and
// rebates act after the choice).
absl::StatusOr<Verdict> Eligible(const PriceRule&, const LineState&, Effect*) {
  return std::nullopt;
}

// "≥ 100 units", "≥ 10,000.00"-style tier thresholds ("≥ 10000.00").
std::string TierText(const Tier& t, bool in_money) {
  return in_money ? absl::StrCat("≥ ", t.min_amount.DecimalString())
                  : absl::StrCat("≥ ", t.min_quantity, " units");
}

// How a clamp's floor is computed: "channel floor, the wholesaler price:
// list 100.00 less 10.00% (rule W10)", "floor rule F1, minimum net unit
// price 12.00", "floor rule F2, minimum margin 5.00% over standard cost
// 8.00 × 3". `list` is the line's list amount.
std::string FloorText(const FloorClamp& c, const Money& list, int64_t quantity,
                      const std::string& currency) {
  if (c.rule == nullptr) {
    const std::string level = ChannelLevelName(c.above);
    std::string how = absl::StrCat("channel floor, the ", level,
                                   " price: list ", list.DecimalString());
    if (c.above_rule != nullptr) {
      absl::StrAppend(&how, " less ", Percent(c.above_rule->basis_points),
                      " (rule ", c.above_rule->rule_id, ")");
    } else {
      absl::StrAppend(&how, " (no channel margin rule applies to a ", level,
                      ")");
    }
    return how;
  }
  const PriceRule& r = *c.rule;
  if (r.floor.kind == FloorKind::kMinNetUnitPrice) {
    return absl::StrCat("floor rule ", r.rule_id, ", minimum net unit price ",
                        r.floor.min_net_unit_price.DecimalString());
  }
  return absl::StrCat(
      "floor rule ", r.rule_id, ", minimum margin ",
      Percent(r.floor.min_margin_basis_points), " over standard cost ",
      Minor(currency, c.standard_cost).DecimalString(), " × ", quantity);
}

class Waterfall {
 public:
  Waterfall(const BasketInput& in, const RuleBook& book, std::string currency)
      : in_(in), book_(book), currency_(std::move(currency)) {
    for (int t = 1; t <= 8; ++t) {
      const RuleType type = static_cast<RuleType>(t);
      steps_[static_cast<size_t>(t)] = book.ForDealer(type, in.dealer);
    }
    for (size_t i = 0; i < in.prior_volumes.size(); ++i) {
      prior_[in.prior_volumes[i].rule_id] = i;
    }
  }

  // A line that fails (a REJECT floor) is not bought, so it must not drive
  // the other lines' order-level measures (the order amount of quantity
  // tiers, this order's cumulative volume, bundle coverage): the basket is
  // priced again without the failed lines until no new line fails — at
  // most one extra pass per line. A failed line keeps the path it failed
  // with.
  absl::StatusOr<BasketResult> Run() {
    result_.currency = currency_;
    result_.quote_day = in_.quote_day;
    result_.rules = book_.shared_rules();
    std::map<size_t, LineResult> failed;
    for (;;) {
      RETURN_IF_ERROR(Pass(failed));
      bool more = false;
      for (const LineState& s : lines_) {
        if (!s.r.failed()) continue;
        failed.emplace(static_cast<size_t>(s.r.line), s.r);
        more = true;
      }
      if (!more) break;
    }
    RETURN_IF_ERROR(Order(std::move(failed)));
    return std::move(result_);
  }

 private:
  // Prices every line not in `failed`, from the list price to step 8 and
  // its rebate.
  absl::Status Pass(const std::map<size_t, LineResult>& failed) {
    lines_.clear();
    candidates_.clear();
    sku_units_.clear();
    bundle_left_.clear();

    fact_index_.clear();
    result_.volumes.clear();
    lines_.reserve(in_.lines.size());
    for (size_t i = 0; i < in_.lines.size(); ++i) {
      if (failed.count(i) != 0) continue;
      const BasketLine& l = in_.lines[i];
      LineState& s = lines_.emplace_back();
      s.in = &l;
      s.product = {absl::AsciiStrToUpper(l.sku), l.product_group};
      s.r.line = static_cast<int>(i);
      s.r.sku = s.product.sku;
      s.r.quantity = l.quantity;
      s.field = absl::StrCat("lines[", i, "]");
      s.key = book_.KeyOf(s.product);
      s.currency = currency_;
      ASSIGN_OR_RETURN(
          const Money list_amount,
          Named(l.list_price.Multiply(l.quantity), ListField(s), [&l] {
            return absl::StrCat("list price × quantity ", l.quantity);
          }));
      // Every step's candidates at once; the line lists at most these and
      // the discounts a floor takes back (one per step).
      const size_t first = candidates_.size();
      for (size_t t = 1; t <= 8; ++t) {
        const uint32_t begin = static_cast<uint32_t>(candidates_.size());
        RuleBook::Collect(steps_[t], s.key, candidates_);
        s.spans[t] = {begin, static_cast<uint32_t>(candidates_.size())};
      }
      s.r.not_applied.reserve(candidates_.size() - first + 8);
      s.r.steps.reserve(9);
      s.list_amount = list_amount.minor_units();
      s.running = 0;
      RETURN_IF_ERROR(
          Record(s, WaterfallStep::kListPrice, nullptr, s.list_amount));
      sku_units_[s.product.sku] += l.quantity;
    }
    // Every eligible percentage applies (its rule is read for the winner
    // alone).
    auto percent = [](const PriceRule& r, const LineState& s,
                      Effect* e) -> absl::StatusOr<Verdict> {
      if (e == nullptr) return std::nullopt;
      return PercentOff(s, r.basis_points, e);
    };
    RETURN_IF_ERROR(ForEachLine(RuleType::kChannelMargin, percent));
    RETURN_IF_ERROR(ForEachLine(RuleType::kSeasonal, percent));
    // The order's amount after step 3, for quantity tiers on the order.
    int64_t after_seasonal = 0;
    for (const LineState& s : lines_) {
      ASSIGN_OR_RETURN(after_seasonal,
                       AddMinor(currency_, after_seasonal, s.running, "lines",
                                "the order's amount after step 3"));
    }
    order_after_seasonal_ = Minor(currency_, after_seasonal);
    RETURN_IF_ERROR(
        ForEachLine(RuleType::kQuantity,
                    [this](const PriceRule& r, LineState& s, Effect* e) {
                      return QuantityTier(r, s, e);
                    }));
    // Cumulative volume counts this order's lines as they stand after
    // step 4, whichever line is priced first: summed once by product.
    order_volume_ = {};
    sku_volume_.clear();
    group_volume_.clear();
    for (const LineState& s : lines_) {
      // Each ≤ the line's amount after step 3, whose sum fits.
      const OrderVolume v{s.r.quantity, s.running};
      order_volume_ += v;
      if (s.key.sku != RuleBook::kUnknown) sku_volume_[s.key.sku] += v;
      if (s.key.group != RuleBook::kUnknown) group_volume_[s.key.group] += v;
    }
    RETURN_IF_ERROR(
        ForEachLine(RuleType::kCumulativeVolume,
                    [this](const PriceRule& r, LineState& s, Effect* e) {
                      return CumulativeTier(r, s, e);
                    }));
    RETURN_IF_ERROR(ForEachLine(
        RuleType::kBundle, [this](const PriceRule& r, LineState& s, Effect* e) {
          return Bundle(r, s, e);
        }));
    RETURN_IF_ERROR(ForEachLine(RuleType::kPriceEnding, Ending));
    for (LineState& s : lines_) RETURN_IF_ERROR(Floors(s));
    for (LineState& s : lines_) RETURN_IF_ERROR(Finish(s));
    return absl::OkStatus();
  }

  template <typename Evaluate>
  absl::Status ForEachLine(RuleType type, const Evaluate& evaluate) {
    for (LineState& s : lines_) {
      ASSIGN_OR_RETURN(Chosen c,
                       Choose(s, book_, candidates_, type, day_, evaluate));
      if (c.rule == nullptr) continue;
      // A bundle's coverage is used up by the lines it applies to (facts[0]
      // the units it covers).
      if (type == RuleType::kBundle) bundle_left_[c.rule] -= c.effect.facts[0];
      RETURN_IF_ERROR(
          Record(s, StepOf(type), c.rule, c.effect.amount, c.effect.facts));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Verdict> QuantityTier(const PriceRule& r, LineState& s,
                                       Effect* effect) {
    if (r.quantity.basis == QuantityBasis::kLineQuantity) {
      std::optional<Tier> t = TierForUnits(r.quantity.tiers, s.r.quantity);
      if (!t) return Missed(r, NotAppliedReason::kTierNotReached);
      return PercentOff(s, t->basis_points, effect);
    }
    const ExplanationFacts facts{order_after_seasonal_.minor_units(), 0, 0};
    std::optional<Tier> t =
        TierForAmount(r.quantity.tiers, order_after_seasonal_);
    if (!t) return Missed(r, NotAppliedReason::kTierNotReached, facts);
    return PercentOff(s, t->basis_points, effect, facts);
  }

  // What a cumulative rule counts: computed once per rule, recorded in the
  // result.
  absl::StatusOr<const VolumeFact*> Fact(const PriceRule& r) {
    if (auto it = fact_index_.find(&r); it != fact_index_.end()) {
      return &result_.volumes[it->second];
    }
    VolumeFact f;
    f.rule_id = r.rule_id;
    f.measure = r.cumulative.measure;
    VolumeWindow w = VolumePeriodContaining(r.cumulative.period, in_.quote_day);
    f.period = w.label;
    f.period_from = w.from;
    f.period_until = w.until;
    f.prior_amount = Money::Zero(currency_);
    std::string prior_field = "lines";
    if (auto it = prior_.find(r.rule_id); it != prior_.end()) {
      const PriorVolume& v = in_.prior_volumes[it->second];
      prior_field = absl::StrCat("prior_volumes[", it->second, "]");
      f.prior_given = true;
      f.prior_units = v.units;
      if (!v.amount.currency().empty()) f.prior_amount = v.amount;
    }
    // This order's lines in the rule's product scope.
    OrderVolume order;
    switch (r.product_scope.kind) {
      case ProductScopeKind::kAllProducts:
        order = order_volume_;
        break;
      case ProductScopeKind::kGroup: {
        const uint32_t group = book_.KeyOf({"", r.product_scope.code}).group;
        if (auto it = group_volume_.find(group); it != group_volume_.end()) {
          order = it->second;
        }
        break;
      }
      case ProductScopeKind::kSku: {
        const uint32_t sku =
            book_.KeyOf({absl::AsciiStrToUpper(r.product_scope.code), ""}).sku;
        if (auto it = sku_volume_.find(sku); it != sku_volume_.end()) {
          order = it->second;
        }
        break;
      }
    }
    f.order_units = order.units;
    f.order_amount = Minor(currency_, order.amount);
    if (__builtin_add_overflow(f.prior_units, f.order_units,
                               &f.counted_units)) {
      return InvalidField(absl::StrCat(prior_field, ".units"),
                          "the counted volume is too large");
    }
    ASSIGN_OR_RETURN(
        f.counted_amount,
        Named(f.prior_amount.Add(f.order_amount),
              absl::StrCat(prior_field, ".amount"), "the counted volume"));
    std::optional<Tier> t =
        f.measure == VolumeMeasure::kUnits
            ? TierForUnits(r.cumulative.tiers, f.counted_units)
            : TierForAmount(r.cumulative.tiers, f.counted_amount);
    if (t) f.tier_basis_points = t->basis_points;
    fact_index_[&r] = result_.volumes.size();
    result_.volumes.push_back(std::move(f));
    return &result_.volumes.back();
  }

  absl::StatusOr<Verdict> CumulativeTier(const PriceRule& r, LineState& s,
                                         Effect* effect) {
    ASSIGN_OR_RETURN(const VolumeFact* f, Fact(r));
    // The fact records the tier reached.
    if (!f->tier_basis_points) {
      return Missed(r, NotAppliedReason::kTierNotReached, CountedFacts(*f));
    }
    return PercentOff(s, *f->tier_basis_points, effect, CountedFacts(*f));
  }

  // What the explanations of a cumulative rule quote: [0] the prior
  // volume, [1] this order's, [2] whether the prior volume was given.
  static ExplanationFacts CountedFacts(const VolumeFact& f) {
    return f.measure == VolumeMeasure::kUnits
               ? ExplanationFacts{f.prior_units, f.order_units, f.prior_given}
               : ExplanationFacts{f.prior_amount.minor_units(),
                                  f.order_amount.minor_units(), f.prior_given};
  }

  // One coverage pool per bundle rule — ⌊A units ÷ trigger_quantity⌋ ×
  // discounted_quantity — used up by the B lines it applies to, in line
  // order. Lines of A itself are never cut by their own bundle.
  absl::StatusOr<Verdict> Bundle(const PriceRule& r, LineState& s,
                                 Effect* effect) {
    // The trigger upper-case (SKUs compare so), copied only when it is not.
    const std::string& trigger = r.bundle.trigger_sku;
    std::string upper;
    absl::string_view a = trigger;
    if (std::any_of(trigger.begin(), trigger.end(), absl::ascii_islower)) {
      upper = absl::AsciiStrToUpper(trigger);
      a = upper;
    }
    if (s.product.sku == a) {
      return Missed(r, NotAppliedReason::kScopeMismatch);
    }
    const auto units = sku_units_.find(a);
    const int64_t a_units = units == sku_units_.end() ? 0 : units->second;
    // ≤ 500,000,000 ÷ 1 × 1,000,000: no overflow.
    const int64_t pool =
        a_units / r.bundle.trigger_quantity * r.bundle.discounted_quantity;
    if (pool == 0) {
      return Missed(r, NotAppliedReason::kBundleIncomplete, {a_units, 0, 0});
    }
    const int64_t left = bundle_left_.emplace(&r, pool).first->second;
    const int64_t covered = std::min(s.r.quantity, left);
    if (covered == 0) {
      return Missed(r, NotAppliedReason::kBundleIncomplete, {a_units, 0, 0});
    }
    if (effect == nullptr) return std::nullopt;
    const int64_t off = DivideRoundHalfUp(
        static_cast<__int128>(s.running) * covered * r.bundle.basis_points,
        static_cast<__int128>(s.r.quantity) * kMaxBasisPoints);
    *effect = Effect{-off, {covered, a_units, left}};
    return std::nullopt;
  }

  static absl::StatusOr<Verdict> Ending(const PriceRule& r, LineState& s,
                                        Effect* effect) {
    const int64_t unit = DivideRoundHalfUp(s.running, s.r.quantity);
    std::optional<int64_t> p = EndPrice(unit, r.ending);
    // The half-up unit can be above running ÷ quantity: step 7 never
    // raises the line, so a p × quantity above it takes the next lower p.
    int64_t lowered = 0;
    if (p && static_cast<__int128>(*p) * s.r.quantity > s.running) {
      lowered = *p;
      *p -= r.ending.step;
      if (*p <= 0) p.reset();
    }
    if (!p) {
      return Missed(r, NotAppliedReason::kNoPriceEnding,
                    {unit, lowered, s.running});
    }
    if (effect == nullptr) return std::nullopt;
    // p × quantity ≤ the line (above): no overflow.
    effect->amount = *p * s.r.quantity - s.running;
    effect->facts = {unit, lowered != 0, 0};
    return std::nullopt;
  }

  // The channel floor: the price of the level above on the ladder
  // distributor → wholesaler → retailer, i.e. the channel-margin price of
  // a dealer of that level and nothing more (no dealer id, zone or ABC
  // class): step 2 as it would select for that dealer — all-dealer rules
  // and rules for that level, the same eligibility and tie-break — and
  // list × quantity less that step's discount. Nothing for a dealer with
  // no level above.
  absl::StatusOr<std::optional<FloorClamp>> ChannelFloor(const LineState& s) {
    PricingDealer above;
    switch (in_.dealer.channel_level) {
      case ChannelLevel::kRetailer:
        above.channel_level = ChannelLevel::kWholesaler;
        break;
      case ChannelLevel::kWholesaler:
        above.channel_level = ChannelLevel::kDistributor;
        break;
      default:
        return std::nullopt;
    }
    // The ladder's level above, looked up once per basket.
    if (!above_step_) {
      above_step_ = book_.ForDealer(RuleType::kChannelMargin, above);
    }
    thread_local std::vector<uint32_t> candidates;
    candidates.clear();
    RuleBook::Collect(*above_step_, s.key, candidates);
    // Channel margins are percentages: every eligible one applies.
    const PriceRule* winner = nullptr;
    uint32_t win = 0;
    for (const uint32_t index : candidates) {
      const RuleBook::Head& head = book_.heads()[index];
      if (!head.active || day_ < head.valid_from || day_ >= head.valid_until) {
        continue;
      }
      if (winner == nullptr || book_.Outranks(index, win)) {
        win = index;
        winner = &book_.rules()[index];
      }
    }
    FloorClamp floor;
    floor.above = above.channel_level;
    floor.above_rule = winner;
    // List less the discount: between zero and list.
    floor.floor_amount = Minor(
        currency_, winner == nullptr
                       ? s.list_amount
                       : s.list_amount - BasisPointsOf(s.list_amount,
                                                       winner->basis_points));
    return floor;
  }

  // Raises the line to the clamp's floor, but never above its list amount:
  // a floor above list stops at list and says so. Nothing when that is no
  // raise.
  absl::Status Clamp(LineState& s, FloorClamp clamp) {
    const Money& floor = clamp.floor_amount;
    const bool above_list = floor.minor_units() > s.list_amount;
    const int64_t to = above_list ? s.list_amount : floor.minor_units();
    if (to <= s.running) return absl::OkStatus();
    clamp.raised_by = Minor(currency_, to - s.running);
    const PriceRule* rule = clamp.rule;
    const int64_t raise = clamp.raised_by.minor_units();
    const int64_t index = static_cast<int64_t>(s.r.clamps.size());
    s.r.clamps.push_back(std::move(clamp));
    return Record(s, WaterfallStep::kFloor, rule, raise, {index, 0, 0});
  }

  absl::Status Floors(LineState& s) {
    const int64_t before = s.running;
    ASSIGN_OR_RETURN(std::optional<FloorClamp> channel, ChannelFloor(s));
    if (channel && channel->floor_amount.minor_units() > s.running) {
      RETURN_IF_ERROR(Clamp(s, *std::move(channel)));
    }
    const BasketLine& l = *s.in;
    ASSIGN_OR_RETURN(Chosen c, Choose(s, book_, candidates_, RuleType::kFloor,
                                      day_, Eligible));
    if (c.rule != nullptr) {
      const PriceRule& r = *c.rule;
      // Only the floor that applies needs the standard cost.
      if (r.floor.kind == FloorKind::kMinMarginOverCost && !l.standard_cost) {
        return InvalidField(
            absl::StrCat(s.field, ".standard_cost"),
            absl::StrCat("floor rule '", QuoteInput(r.rule_id),
                         "' (minimum margin over cost) applies to ",
                         s.product.sku, ": give the SKU's standard cost"));
      }
      FloorClamp clamp;
      clamp.rule = &r;
      if (r.floor.kind == FloorKind::kMinNetUnitPrice) {
        ASSIGN_OR_RETURN(
            clamp.floor_amount,
            Named(
                r.floor.min_net_unit_price.Multiply(l.quantity),
                [&] {
                  return absl::StrCat("rules[", &r - book_.rules().data(),
                                      "].floor.min_net_unit_price");
                },
                [&] {
                  return absl::StrCat("the minimum net unit price × quantity ",
                                      l.quantity, " of ", s.field);
                }));
      } else {
        clamp.standard_cost = l.standard_cost->minor_units();
        ASSIGN_OR_RETURN(
            const int64_t minor,
            Divide(absl::StrCat(s.field, ".standard_cost"),
                   static_cast<__int128>(clamp.standard_cost) * l.quantity *
                       (kMaxBasisPoints + r.floor.min_margin_basis_points),
                   kMaxBasisPoints,
                   "standard cost × quantity × (1 + minimum margin)"));
        clamp.floor_amount = Minor(currency_, minor);
      }
      if (clamp.floor_amount.minor_units() > s.running) {
        if (r.floor.action == FloorAction::kClamp) {
          RETURN_IF_ERROR(Clamp(s, std::move(clamp)));
        } else {
          s.r.failure_reason = kReasonPriceBelowFloor;
          s.r.failure_message = absl::StrCat(
              "net ", Minor(currency_, s.running).DecimalString(), " is below ",
              clamp.floor_amount.DecimalString(), " (",
              FloorText(clamp, Minor(currency_, s.list_amount), s.r.quantity,
                        currency_),
              ", action REJECT): change the discounts or the quantity");
        }
      }
    }
    // A clamp takes back discounts, the latest first: each rule it took
    // from is listed as lost to the floor.
    int64_t taken = s.running - before;
    if (taken <= 0) return absl::OkStatus();
    for (auto it = s.r.steps.rbegin(); it != s.r.steps.rend() && taken > 0;
         ++it) {
      if (it->step == WaterfallStep::kFloor ||
          it->step == WaterfallStep::kListPrice || !it->amount.is_negative()) {
        continue;
      }
      const int64_t gave = -it->amount.minor_units();
      const int64_t back = std::min(gave, taken);
      taken -= back;
      NotApplied n =
          Missed(*it->rule, NotAppliedReason::kLostToFloor, {back, gave, 0});
      n.step = it->step;
      s.r.not_applied.push_back(n);
    }
    return absl::OkStatus();
  }

  absl::Status Finish(LineState& s) {
    const int64_t q = s.r.quantity;
    s.r.net_amount = Minor(currency_, s.running);
    s.r.net_unit_price = Minor(currency_, DivideRoundHalfUp(s.running, q));
    ASSIGN_OR_RETURN(const int64_t tax_inclusive,
                     Divide(ListField(s),
                            static_cast<__int128>(s.running) *
                                (kMaxBasisPoints + in_.vat_basis_points),
                            static_cast<__int128>(q) * kMaxBasisPoints,
                            "the tax-inclusive unit price"));
    s.r.tax_inclusive_unit_price = Minor(currency_, tax_inclusive);
    s.r.rebate_accrual = Money::Zero(currency_);
    if (s.r.failed()) return absl::OkStatus();
    ASSIGN_OR_RETURN(Chosen c, Choose(s, book_, candidates_, RuleType::kRebate,
                                      day_, Eligible));
    if (c.rule == nullptr) return absl::OkStatus();
    s.r.rebate_rule_id = c.rule->rule_id;
    s.rebate = c.rule;
    s.r.rebate_accrual =
        Minor(currency_, BasisPointsOf(s.running, c.rule->basis_points));
    return absl::OkStatus();
  }

  absl::Status Freight(BasketResult& out, int64_t units, int64_t grams) {
    const FreightTerms& ft = in_.freight;
    FreightResult& f = out.freight;
    f.method = ft.method;
    f.freight = Money::Zero(currency_);
    f.zone_adjustment = Money::Zero(currency_);
    const std::string province = ft.destination_province.empty()
                                     ? in_.dealer.province
                                     : ft.destination_province;
    const std::string city =
        ft.destination_province.empty() ? in_.dealer.city : ft.destination_city;
    f.destination = city.empty() ? province : absl::StrCat(province, "/", city);
    if (ft.method == FreightMethod::kUniformDelivered) {
      f.explanation = "uniform delivered price: freight absorbed";
      return absl::OkStatus();
    }
    // No priced goods: no zone adjustment and no freight, nothing looked up.
    if (units == 0) {
      f.explanation = "nothing to ship: every line failed";
      return absl::OkStatus();
    }
    switch (ft.method) {
      case FreightMethod::kUniformDelivered:
        break;
      case FreightMethod::kZone: {
        const ZoneAdjustment* zone = nullptr;
        for (const ZoneAdjustment& z : ft.zones) {
          if (z.zone == in_.dealer.zone) zone = &z;
        }
        if (zone == nullptr) {
          return InvalidField(
              "freight.zones",
              absl::StrCat("no adjustment for the dealer's zone '",
                           QuoteInput(in_.dealer.zone), "'; add one"));
        }
        const auto zone_amount =
            Element("freight.zones",
                    static_cast<size_t>(zone - ft.zones.data()), ".amount");
        ASSIGN_OR_RETURN(Money amount,
                         Amount(zone_amount, zone->amount, currency_));
        ASSIGN_OR_RETURN(Money share,
                         out.goods_total.ApplyBasisPoints(zone->basis_points));
        ASSIGN_OR_RETURN(
            f.zone_adjustment,
            Named(amount.Add(share), zone_amount, "the zone adjustment"));
        f.explanation = absl::StrCat(
            "zone ", zone->zone, " adjustment: ", amount.DecimalString(), " + ",
            Percent(zone->basis_points), " of goods ",
            out.goods_total.DecimalString(), " = ",
            f.zone_adjustment.DecimalString(), "; no freight charged");
        return absl::OkStatus();
      }
      case FreightMethod::kFobOrigin:
      case FreightMethod::kBasingPoint:
        break;
    }
    const bool fob = ft.method == FreightMethod::kFobOrigin;
    f.origin = fob ? ft.origin_plant : ft.base_city;
    if (f.origin.empty()) {
      return InvalidField(fob ? "freight.origin_plant" : "freight.base_city",
                          fob ? "FOB origin needs the shipping plant"
                              : "basing-point pricing needs the base city");
    }
    const FreightRate* rate = nullptr;
    for (const FreightRate& r : ft.rates) {
      if (r.origin != f.origin || r.province != province) continue;
      if (!r.city.empty() && r.city == city) {
        rate = &r;
        break;
      }
      if (r.city.empty() && rate == nullptr) rate = &r;
    }
    if (rate == nullptr) {
      return InvalidField("freight.rates",
                          absl::StrCat("no rate from '", QuoteInput(f.origin),
                                       "' to '", QuoteInput(f.destination),
                                       "'; add a row for the province or "
                                       "the city"));
    }
    const size_t at = static_cast<size_t>(rate - ft.rates.data());
    auto rate_field = [at](absl::string_view member) {
      return Element("freight.rates", at, member);
    };
    ASSIGN_OR_RETURN(Money per_order, Amount(rate_field(".per_order"),
                                             rate->per_order, currency_));
    ASSIGN_OR_RETURN(Money per_unit, Amount(rate_field(".per_unit"),
                                            rate->per_unit, currency_));
    ASSIGN_OR_RETURN(Money per_kg,
                     Amount(rate_field(".per_kg"), rate->per_kg, currency_));
    ASSIGN_OR_RETURN(
        Money by_units,
        Named(per_unit.Multiply(units), rate_field(".per_unit"), [units] {
          return absl::StrCat("the per-unit freight × ", units, " units");
        }));
    ASSIGN_OR_RETURN(
        const int64_t weight_minor,
        Divide(rate_field(".per_kg"),
               static_cast<__int128>(per_kg.minor_units()) * grams, 1000,
               absl::StrCat("the per-kg freight × ", grams, " g")));
    const Money by_weight = Minor(currency_, weight_minor);
    ASSIGN_OR_RETURN(f.freight,
                     Named(per_order.Add(by_units), rate_field(""), "freight"));
    ASSIGN_OR_RETURN(
        f.freight, Named(f.freight.Add(by_weight), rate_field(""), "freight"));
    f.explanation = absl::StrCat(
        fob ? "FOB origin, from plant " : "basing point, from base city ",
        f.origin, " to ", f.destination, ": ", per_order.DecimalString(),
        " per order + ", per_unit.DecimalString(), " × ", units, " units + ",
        per_kg.DecimalString(), " × ", grams,
        " g / 1000 = ", f.freight.DecimalString(),
        fob ? ", payable by the buyer" : "");
    return absl::OkStatus();
  }

  // The order from the last pass's lines and the failed ones, in line
  // order.
  absl::Status Order(std::map<size_t, LineResult> failed) {
    BasketResult& out = result_;
    // Minor units, made Money at the end.
    int64_t goods = 0;
    int64_t rebate_total = 0;
    std::vector<int64_t> rebate_amounts;
    int64_t units = 0;
    int64_t grams = 0;
    absl::flat_hash_map<const PriceRule*, size_t> rebate_index;
    out.lines.reserve(in_.lines.size());
    auto priced = lines_.begin();
    for (size_t i = 0; i < in_.lines.size(); ++i) {
      if (auto it = failed.find(i); it != failed.end()) {
        ++out.failed_lines;
        out.lines.push_back(std::move(it->second));
        continue;
      }
      LineState& s = *priced++;
      ASSIGN_OR_RETURN(goods, AddMinor(currency_, goods, s.running, "lines",
                                       "the goods total"));
      units += s.r.quantity;  // ≤ 500 × 1,000,000
      int64_t line_grams = 0;
      if (__builtin_mul_overflow(s.r.quantity, s.in->unit_weight_grams,
                                 &line_grams) ||
          __builtin_add_overflow(grams, line_grams, &grams)) {
        return InvalidField(absl::StrCat(s.field, ".unit_weight_grams"),
                            "the order's weight is too large");
      }
      if (s.rebate != nullptr) {
        auto [it, fresh] = rebate_index.emplace(s.rebate, out.rebates.size());
        if (fresh) {
          out.rebates.push_back({s.rebate->rule_id, Money()});
          rebate_amounts.push_back(0);
        }
        const int64_t accrued = s.r.rebate_accrual.minor_units();
        int64_t& acc = rebate_amounts[it->second];
        ASSIGN_OR_RETURN(
            acc, AddMinor(currency_, acc, accrued, "lines", "the rebate"));
        ASSIGN_OR_RETURN(rebate_total,
                         AddMinor(currency_, rebate_total, accrued, "lines",
                                  "the rebate total"));
      }
      out.lines.push_back(std::move(s.r));
    }
    out.goods_total = Minor(currency_, goods);
    out.rebate_total = Minor(currency_, rebate_total);
    for (size_t i = 0; i < out.rebates.size(); ++i) {
      out.rebates[i].amount = Minor(currency_, rebate_amounts[i]);
    }
    RETURN_IF_ERROR(Freight(out, units, grams));
    constexpr char kTotal[] = "the order total (goods + freight + VAT)";
    ASSIGN_OR_RETURN(
        Money taxable,
        Named(out.goods_total.Add(out.freight.freight), "lines", kTotal));
    ASSIGN_OR_RETURN(taxable, Named(taxable.Add(out.freight.zone_adjustment),
                                    "lines", kTotal));
    out.vat_basis_points = in_.vat_basis_points;
    ASSIGN_OR_RETURN(
        out.vat,
        Named(taxable.ApplyBasisPoints(in_.vat_basis_points), "lines", kTotal));
    ASSIGN_OR_RETURN(out.total, Named(taxable.Add(out.vat), "lines", kTotal));
    const PaymentTerm& term = in_.payment_term;
    if (term.has_discount() && !out.total.is_zero()) {
      CashDiscountAlternative alt;
      alt.instead_of = out.total;
      ASSIGN_OR_RETURN(alt.discount, CashDiscount(term, out.total));
      ASSIGN_OR_RETURN(alt.pay, out.total.Subtract(alt.discount));
      alt.pay_by = *DiscountUntil(term, in_.quote_day);
      alt.text = absl::StrCat("pay ", Grouped(alt.pay), " by ",
                              BusinessCalendar::Key(alt.pay_by), " instead of ",
                              Grouped(alt.instead_of), " (",
                              FormatPaymentTerm(term), ")");
      out.cash_discount = std::move(alt);
    }
    return absl::OkStatus();
  }

  const BasketInput& in_;
  const RuleBook& book_;
  const std::string currency_;
  // The quote day, RuleBook::DayNumber.
  const int64_t day_ = RuleBook::DayNumber(in_.quote_day);
  // By RuleType value: the rules of each step that can match the dealer.
  std::array<RuleBook::DealerBuckets, 9> steps_;
  // The channel floor's: the level above on the ladder.
  std::optional<RuleBook::DealerBuckets> above_step_;
  // A prior volume's index in the input, by rule id.
  std::map<std::string, size_t> prior_;
  // Units ordered, by upper-case SKU.
  absl::flat_hash_map<std::string, int64_t> sku_units_;
  // A bundle rule's coverage not yet used by earlier lines.
  absl::flat_hash_map<const PriceRule*, int64_t> bundle_left_;
  std::vector<LineState> lines_;
  // The lines' candidate rules (LineState::spans).
  std::vector<uint32_t> candidates_;
  Money order_after_seasonal_;
  // This order's units and amounts after step 4: in all, by SKU id and by
  // product group id (RuleBook::KeyOf).
  struct OrderVolume {
    int64_t units = 0;
    int64_t amount = 0;
    OrderVolume& operator+=(const OrderVolume& o) {
      units += o.units;
      amount += o.amount;
      return *this;
    }
  };
  OrderVolume order_volume_;
  absl::flat_hash_map<uint32_t, OrderVolume> sku_volume_;
  absl::flat_hash_map<uint32_t, OrderVolume> group_volume_;
  // A cumulative rule's VolumeFact, by index in result_.volumes.
  absl::flat_hash_map<const PriceRule*, size_t> fact_index_;
  BasketResult result_;
};

}  // namespace

std::string FreightMethodName(FreightMethod method) {
  switch (method) {
    case FreightMethod::kFobOrigin:
      return "FOB_ORIGIN";
    case FreightMethod::kUniformDelivered:
      return "UNIFORM_DELIVERED";
    case FreightMethod::kZone:
      return "ZONE";
    case FreightMethod::kBasingPoint:
      return "BASING_POINT";
  }
  return "UNKNOWN";
}

absl::StatusOr<BasketResult> PriceBasket(const BasketInput& input,
                                         const RuleBook& rules) {
  std::string currency;
  RETURN_IF_ERROR(ValidateHead(input, currency));
  RETURN_IF_ERROR(ValidateTail(input, currency));
  return Waterfall(input, rules, currency).Run();
}

absl::StatusOr<BasketResult> PriceBasket(const BasketInput& input,
                                         const std::vector<PriceRule>& rules) {
  // The checks in the order they always ran: the lines and dealer, the
  // rules, the rest.
  std::string currency;
  RETURN_IF_ERROR(ValidateHead(input, currency));
  ASSIGN_OR_RETURN(const RuleBook book, RuleBook::Build(rules));
  RETURN_IF_ERROR(ValidateTail(input, currency));
  return Waterfall(input, book, currency).Run();
}

absl::string_view AppliedStep::rule_id() const {
  if (rule != nullptr) return rule->rule_id;
  return step == WaterfallStep::kFloor ? kChannelFloor : "";
}

absl::string_view FloorClamp::floor() const {
  return rule != nullptr ? absl::string_view(rule->rule_id) : kChannelFloor;
}

namespace {

// What a cumulative rule counted, from its facts ([0] prior, [1] this
// order, [2] prior given): "1,100 units (1000 invoiced in 2026-Q4 + 100 on
// this order)".
std::string CountedText(const BasketResult& result, const PriceRule& r,
                        const ExplanationFacts& f) {
  const std::string period =
      VolumePeriodContaining(r.cumulative.period, result.quote_day).label;
  if (r.cumulative.measure == VolumeMeasure::kUnits) {
    return absl::StrCat(f[0] + f[1], " units (", f[0], " invoiced in ", period,
                        " + ", f[1], " on this order)");
  }
  const std::string& c = result.currency;
  return absl::StrCat(Minor(c, f[0] + f[1]).DecimalString(), " (",
                      Minor(c, f[0]).DecimalString(), " invoiced in ", period,
                      " + ", Minor(c, f[1]).DecimalString(), " on this order)");
}

// The upper-case trigger SKU of a bundle.
std::string TriggerSku(const PriceRule& r) {
  return absl::AsciiStrToUpper(r.bundle.trigger_sku);
}

}  // namespace

std::string StepNote(const BasketResult& result, const LineResult& line,
                     const AppliedStep& step) {
  const std::string& c = result.currency;
  const int64_t q = line.quantity;
  // The running line amount the step started from.
  const Money base =
      Minor(c, step.running_after.minor_units() - step.amount.minor_units());
  auto percent_of = [&base](int64_t bp) {
    return absl::StrCat(Percent(bp), " of ", base.DecimalString());
  };
  const ExplanationFacts& f = step.facts;
  if (step.step == WaterfallStep::kListPrice) {
    return absl::StrCat(
        q, " × ", Minor(c, step.amount.minor_units() / q).DecimalString());
  }
  if (step.step == WaterfallStep::kFloor) {
    const size_t clamp = static_cast<size_t>(f[0]);
    return clamp < line.clamps.size()
               ? ExplainClamp(result, line, line.clamps[clamp])
               : "";
  }
  if (step.rule == nullptr) return "";
  const PriceRule& r = *step.rule;
  switch (step.step) {
    case WaterfallStep::kChannelMargin:
    case WaterfallStep::kSeasonal:
      return percent_of(r.basis_points);
    case WaterfallStep::kQuantity: {
      if (r.quantity.basis == QuantityBasis::kLineQuantity) {
        const std::optional<Tier> t = TierForUnits(r.quantity.tiers, q);
        if (!t) return "";
        return absl::StrCat("line quantity ", q, ", tier ", TierText(*t, false),
                            ": ", percent_of(t->basis_points));
      }
      const Money order = Minor(c, f[0]);
      const std::optional<Tier> t = TierForAmount(r.quantity.tiers, order);
      if (!t) return "";
      return absl::StrCat("order ", order.DecimalString(),
                          " after step 3, tier ", TierText(*t, true), ": ",
                          percent_of(t->basis_points));
    }
    case WaterfallStep::kCumulativeVolume: {
      const bool units = r.cumulative.measure == VolumeMeasure::kUnits;
      const int64_t counted = f[0] + f[1];
      const std::optional<Tier> t =
          units ? TierForUnits(r.cumulative.tiers, counted)
                : TierForAmount(r.cumulative.tiers, Minor(c, counted));
      if (!t) return "";
      return absl::StrCat("counted ", CountedText(result, r, f), ", tier ",
                          TierText(*t, !units), ": ",
                          percent_of(t->basis_points));
    }
    case WaterfallStep::kBundle: {
      const int64_t pool =
          f[1] / r.bundle.trigger_quantity * r.bundle.discounted_quantity;
      return absl::StrCat(Percent(r.bundle.basis_points), " on ", f[0], " of ",
                          q, " units (", r.bundle.discounted_quantity, " per ",
                          r.bundle.trigger_quantity, " × ", TriggerSku(r), "; ",
                          f[1], " ordered cover ", pool, ", ", f[2],
                          " left before this line)");
    }
    case WaterfallStep::kPriceEnding: {
      const int64_t p = step.running_after.minor_units() / q;
      std::string note =
          absl::StrCat("unit ", Minor(c, f[0]).DecimalString(), " → ",
                       Minor(c, p).DecimalString(), " × ", q);
      if (f[1] != 0) {
        absl::StrAppend(&note, " (",
                        Minor(c, p + r.ending.step).DecimalString(), " × ", q,
                        " would exceed the line ", base.DecimalString(), ")");
      }
      return note;
    }
    default:
      return "";
  }
}

std::string ExplainNotApplied(const BasketResult& result,
                              const LineResult& line, const NotApplied& n) {
  const PriceRule& r = *n.rule;
  const std::string& c = result.currency;
  const ExplanationFacts& f = n.facts;
  switch (n.reason) {
    case NotAppliedReason::kLowerPriority:
      return n.winner != nullptr ? TieBreakExplanation(*n.winner, r) : "";
    case NotAppliedReason::kDraft:
    case NotAppliedReason::kOutOfWindow:
      return StateOrWindowExplanation(r, result.quote_day);
    case NotAppliedReason::kScopeMismatch:
      // A bundle is percentages only: in any currency, but never on its
      // own trigger.
      if (r.type == RuleType::kBundle) {
        return absl::StrCat(TriggerSku(r),
                            " is the bundle's trigger product: its own "
                            "bundle does not cut it");
      }
      return absl::StrCat("priced in ", RuleCurrency(r), ", the basket is in ",
                          c);
    case NotAppliedReason::kTierNotReached:
      if (r.type == RuleType::kCumulativeVolume) {
        return absl::StrCat(
            "first tier needs ",
            TierText(r.cumulative.tiers.at(0),
                     r.cumulative.measure == VolumeMeasure::kAmount),
            "; counted ", CountedText(result, r, f),
            f[2] != 0 ? "" : "; no prior volume given");
      }
      if (r.quantity.basis == QuantityBasis::kLineQuantity) {
        return absl::StrCat("first tier needs ",
                            r.quantity.tiers.at(0).min_quantity,
                            " units on the line; it has ", line.quantity);
      }
      return absl::StrCat("first tier needs an order of ",
                          r.quantity.tiers.at(0).min_amount.DecimalString(),
                          " after the seasonal step; it is ",
                          Minor(c, f[0]).DecimalString());
    case NotAppliedReason::kLostToFloor: {
      std::vector<absl::string_view> floors;
      for (const FloorClamp& fc : line.clamps) floors.push_back(fc.floor());
      return absl::StrCat(f[0] == f[1] ? "all " : "",
                          Minor(c, f[0]).DecimalString(), " of its ",
                          Minor(c, f[1]).DecimalString(), " taken back by ",
                          absl::StrJoin(floors, " and "));
    }
    case NotAppliedReason::kBundleIncomplete: {
      const std::string a = TriggerSku(r);
      const int64_t pool =
          f[0] / r.bundle.trigger_quantity * r.bundle.discounted_quantity;
      if (pool == 0) {
        return absl::StrCat("needs ", r.bundle.trigger_quantity, " × ", a,
                            " per ", r.bundle.discounted_quantity,
                            " discounted; the order has ", f[0]);
      }
      return absl::StrCat("the ", pool, " units ", f[0], " × ", a,
                          " cover went to earlier lines");
    }
    case NotAppliedReason::kNoPriceEnding: {
      std::string lowered;
      if (f[1] != 0) {
        lowered = absl::StrCat(" (", Minor(c, f[1]).DecimalString(), " × ",
                               line.quantity, " would exceed the line ",
                               Minor(c, f[2]).DecimalString(), ")");
      }
      return absl::StrCat(
          "no price ending in ", r.ending.ending, " (step ", r.ending.step,
          ") above zero at or below the unit price ",
          Minor(c, f[0]).DecimalString(), lowered, ": left unchanged");
    }
  }
  return "";
}

std::string ExplainClamp(const BasketResult& result, const LineResult& line,
                         const FloorClamp& clamp) {
  const std::string& c = result.currency;
  const Money list = line.steps.empty() ? Money::Zero(c) : line.steps[0].amount;
  const Money& floor = clamp.floor_amount;
  const bool above_list = floor.minor_units() > list.minor_units();
  const Money& to = above_list ? list : floor;
  std::string out = absl::StrCat("raised by ", clamp.raised_by.DecimalString(),
                                 " to ", to.DecimalString(), ": ",
                                 FloorText(clamp, list, line.quantity, c));
  if (above_list) {
    absl::StrAppend(&out, "; the floor ", floor.DecimalString(),
                    " is above list ", list.DecimalString(),
                    ": stopped at list");
  }
  return out;
}

}  // namespace qudao::pricing
