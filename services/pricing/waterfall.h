// The price waterfall (价格瀑布, DOMAIN.md §2): the path of every line of an
// order from list price to net price, which rule took how much and in which
// order, so that a salesperson can explain the price to the dealer; then
// the order's freight, VAT and total, and — beside the total, never taken
// off it — the cash-discount alternative and the rebate accrued.
//
// Per line, in this fixed order: 1 list price × quantity → 2 channel
// margin → 3 seasonal/promotional → 4 quantity (non-cumulative) → 5
// cumulative volume → 6 bundle → 7 price ending → 8 floors. Per step at
// most one rule applies (price_rule.h: SelectRule). Each step's percentage
// applies to the running line amount and is rounded half-up to the fen on
// the line total.
//
// Plain C++: the rules to use are an argument. A quote passes the active
// rules; a simulation of a rule change prices the same baskets twice, with
// the current and the changed rule vector, and compares the results.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"
#include "services/pricing/price_rule.h"

namespace qudao::pricing {

// A line failed its floor (a REJECT floor rule): the line carries it, the
// basket is still priced.
inline constexpr char kReasonPriceBelowFloor[] = "PRICE_BELOW_FLOOR";
// The clamp source of the channel floor (rule floors name their rule id).
inline constexpr char kChannelFloor[] = "CHANNEL_FLOOR";

// At most this many lines per basket.
inline constexpr size_t kMaxBasketLines = 500;
// VAT unless the basket says otherwise: 13%.
inline constexpr int64_t kDefaultVatBasisPoints = 1300;

struct BasketLine {
  std::string sku;
  std::string product_group;
  int64_t quantity = 0;
  // Per unit, before VAT; positive.
  Money list_price;
  // Per unit; needed only when a minimum-margin floor applies to the line.
  std::optional<Money> standard_cost;
  // Per unit, for freight priced per kg (0: weightless for freight).
  int64_t unit_weight_grams = 0;
};

// The dealer's invoiced volume in a cumulative rule's period before this
// order (credit control's revenue summary), one per cumulative rule the
// caller could look up. A cumulative rule without one counts this order
// alone, and its VolumeFact says so.
struct PriorVolume {
  std::string rule_id;
  int64_t units = 0;
  // Net of VAT and freight; in the basket's currency (zero if not known).
  Money amount;
};

// How the dealer is charged for delivery (地区定价).
enum class FreightMethod {
  // The buyer pays freight from the plant, charged apart from the goods.
  kFobOrigin = 1,
  // One delivered price everywhere: freight absorbed, zero shown.
  kUniformDelivered = 2,
  // The destination zone's adjustment (an amount or basis points of the
  // goods), shown as its own line; no freight.
  kZone = 3,
  // Freight from the base city's table to the destination, whatever the
  // real origin.
  kBasingPoint = 4,
};
std::string FreightMethodName(FreightMethod method);

// A freight table row: from `origin` (a plant or a base city) to a
// province, or to one city in it (a city row beats the province row).
// Freight = per_order + per_unit × units + per_kg × kg (kg = grams ÷ 1000,
// the per-kg part rounded half-up once on the order).
struct FreightRate {
  std::string origin;
  std::string province;
  // Empty: the whole province.
  std::string city;
  Money per_order;
  Money per_unit;
  Money per_kg;
};

// A zone's adjustment: `amount` per order plus `basis_points` of the
// goods total (either may be zero), a surcharge.
struct ZoneAdjustment {
  std::string zone;
  Money amount;
  int64_t basis_points = 0;
};

struct FreightTerms {
  FreightMethod method = FreightMethod::kUniformDelivered;
  // FOB origin: the shipping plant.
  std::string origin_plant;
  // Basing point: the base city freight is computed from.
  std::string base_city;
  // The destination; the dealer's province and city when the province is
  // empty (a city without its province is INVALID_ARGUMENT).
  std::string destination_province;
  std::string destination_city;
  std::vector<FreightRate> rates;
  std::vector<ZoneAdjustment> zones;
};

struct BasketInput {
  PricingDealer dealer;
  // The quote's date: rule windows, volume periods and the cash-discount
  // date count from it.
  absl::CivilDay quote_day;
  std::vector<BasketLine> lines;
  PaymentTerm payment_term;
  FreightTerms freight;
  std::vector<PriorVolume> prior_volumes;
  // 0 = no VAT; up to 10000.
  int64_t vat_basis_points = kDefaultVatBasisPoints;
};

// One step of a line's path, as facts: how it was computed ("10.00% of
// 99.99", "tier ≥ 100 units: 5.00% of …") is rendered on demand
// (StepNote), not while pricing.
struct AppliedStep {
  WaterfallStep step = WaterfallStep::kListPrice;
  // The rule that applied (in BasketResult::rules); null for the list price
  // and the channel floor.
  const PriceRule* rule = nullptr;
  // Negative for a reduction, positive for a floor raising the line (and
  // the list amount itself at step 1).
  Money amount;
  Money running_after;
  // What the note quotes besides the rule and the amounts: an order-amount
  // quantity tier [0] the order's amount after step 3; a cumulative tier
  // [0] the prior volume, [1] this order's, [2] 1 when the prior volume was
  // given (units or minor units, in the rule's measure); a bundle [0] the
  // units covered, [1] the trigger's units in the order, [2] the coverage
  // left before this line; a price ending [0] the unit price before, [1] 1
  // when the ending was lowered by one step; a floor [0] its index in
  // LineResult::clamps.
  ExplanationFacts facts{};
  // Empty for the list price; kChannelFloor for the channel floor.
  absl::string_view rule_id() const;
};

// A floor that raised the line.
struct FloorClamp {
  // The floor rule; null for the channel floor.
  const PriceRule* rule = nullptr;
  // The line amount the floor requires.
  Money floor_amount;
  // How much the line was raised.
  Money raised_by;
  // The channel floor: the ladder's level above the dealer, and the channel
  // margin rule that prices it (null: none applies, the floor is list).
  ChannelLevel above = ChannelLevel::kUnspecified;
  const PriceRule* above_rule = nullptr;
  // A minimum-margin floor: the standard cost per unit, minor units.
  int64_t standard_cost = 0;
  // The floor rule's id, or kChannelFloor.
  absl::string_view floor() const;
};

struct LineResult {
  // The index in BasketInput::lines.
  int line = 0;
  // Upper-case.
  std::string sku;
  int64_t quantity = 0;
  std::vector<AppliedStep> steps;
  // The rules considered for this line and not applied, each with its
  // reason: the rules of a step whose dealer and product scope match the
  // line (drafts, out of window, priced in another currency, condition
  // not met, lost the tie-break, lost to a floor), in the order considered.
  // Rules whose scope does not match are not listed one by one — a set of
  // 100,000 rules is mostly other dealers' and other SKUs' — but counted
  // in scope_mismatches. Facts; ExplainNotApplied words them. What each
  // reason's facts hold: TIER_NOT_REACHED of an order-amount quantity rule
  // [0] the order's amount after step 3, of a cumulative rule as the
  // step's (AppliedStep::facts); BUNDLE_INCOMPLETE [0] the trigger's units
  // in the order (earlier lines used its coverage up when they cover
  // any); NO_PRICE_ENDING [0] the unit price,
  // [1] the ending price that would have raised the line (0: none), [2]
  // the line amount; LOST_TO_FLOOR [0] how much a clamp took back, [1] the
  // step's whole discount.
  std::vector<NotApplied> not_applied;
  // How many rules of the steps considered for this line (the eight
  // types; rebates not on a failed line) are for another dealer or
  // another product.
  int64_t scope_mismatches = 0;
  // The line after step 8, before VAT.
  Money net_amount;
  // net_amount ÷ quantity, rounded half-up.
  Money net_unit_price;
  // net_amount × (1 + VAT) ÷ quantity, rounded half-up once (含税价).
  Money tax_inclusive_unit_price;
  std::vector<FloorClamp> clamps;
  // kReasonPriceBelowFloor and why, when a REJECT floor failed the line;
  // empty otherwise. A failed line is left out of the order's totals and
  // of its order-level measures (order amount, cumulative volume, bundle
  // coverage): the other lines are priced again without it.
  std::string failure_reason;
  std::string failure_message;
  // The rebate rule that accrues on this line (none: empty, zero).
  std::string rebate_rule_id;
  Money rebate_accrual;
  bool failed() const { return !failure_reason.empty(); }
};

struct FreightResult {
  FreightMethod method = FreightMethod::kUniformDelivered;
  // The plant or base city the freight was priced from (empty otherwise).
  std::string origin;
  std::string destination;
  // Freight charged to the dealer (zero for uniform delivered and zone).
  Money freight;
  // The zone's adjustment (zero except for zone pricing).
  Money zone_adjustment;
  std::string explanation;
};

// "Pay 9,800.00 by 2026-12-07 instead of 10,000.00".
struct CashDiscountAlternative {
  Money instead_of;
  Money discount;
  Money pay;
  absl::CivilDay pay_by;
  std::string text;
};

struct RebateAccrual {
  std::string rule_id;
  // Σ over the lines it accrued on.
  Money amount;
};

// What a cumulative rule counted.
struct VolumeFact {
  std::string rule_id;
  VolumeMeasure measure = VolumeMeasure::kUnits;
  // The period the volume is counted in, e.g. "2026-Q4" [from, until).
  std::string period;
  absl::CivilDay period_from;
  absl::CivilDay period_until;
  // Whether the caller gave the prior volume (else it counted as zero).
  bool prior_given = false;
  int64_t prior_units = 0;
  Money prior_amount;
  // This order's lines in the rule's product scope (amounts after step 4).
  int64_t order_units = 0;
  Money order_amount;
  // prior + order, in the rule's measure.
  int64_t counted_units = 0;
  Money counted_amount;
  // The tier reached; nullopt below the first.
  std::optional<int64_t> tier_basis_points;
};

struct BasketResult {
  std::string currency;
  // The quote's date (the explanations of rule windows and volume periods
  // quote it).
  absl::CivilDay quote_day;
  // The rule set the basket was priced with: the steps, clamps and
  // not-applied entries point into it, and this keeps it alive (shared
  // with the RuleBook, never copied). A LineResult's pointers are valid
  // while this is.
  std::shared_ptr<const std::vector<PriceRule>> rules;
  std::vector<LineResult> lines;
  int failed_lines = 0;
  // Σ net amounts of the lines that did not fail.
  Money goods_total;
  FreightResult freight;
  int64_t vat_basis_points = 0;
  // On goods + zone adjustment + freight charged, rounded half-up once.
  Money vat;
  // What the payer owes: goods + zone adjustment + freight + VAT.
  Money total;
  // Beside the total, not taken off it.
  std::optional<CashDiscountAlternative> cash_discount;
  Money rebate_total;
  std::vector<RebateAccrual> rebates;
  std::vector<VolumeFact> volumes;
};

// Prices `input` under `rules` (RuleBook::Build: every rule validated, drafts
// included; rule ids unique). INVALID_ARGUMENT naming the field for bad
// input: 1..500 lines, quantity 1..1,000,000, list price > 0, one currency
// everywhere (lines, freight, prior volumes; a rule in another currency is
// listed as not applicable, SCOPE_MISMATCH), basis points 0..10000, tiers
// ascending, prior units 0..1e12, unit weight 0..10,000,000 g, a known
// channel level, a destination city only with its province, a freight
// rate for the destination (when anything is shipped), the standard cost
// of a line whose selected floor is a margin floor, and any amount that
// would leave the int64 range of minor units. A floor that rejects fails
// its line, not the call.
absl::StatusOr<BasketResult> PriceBasket(const BasketInput& input,
                                         const std::vector<PriceRule>& rules);

// The same for a rule set built once (RuleBook::Build validated it): build
// once per rule-set version, price many baskets. The result is the one the
// vector overload gives for the rules the book was built from; it costs the
// basket's lines × the rules whose scope matches them, not × the whole set.
absl::StatusOr<BasketResult> PriceBasket(const BasketInput& input,
                                         const RuleBook& rules);

// The person-readable words of a priced basket, rendered from the facts
// PriceBasket recorded (pricing formats none of them: a quote shown or
// stored renders them once, WaterfallToProto). `line` is one of
// `result`'s lines and the entry one of its own. Deterministic: the same
// facts give the same text, whichever overload priced them.
//
// "10.00% of 99.99", "line quantity 100, tier ≥ 100 units: 5.00% of …",
// "unit 83.79 → 82.99 × 10"; a floor step says what its clamp says.
std::string StepNote(const BasketResult& result, const LineResult& line,
                     const AppliedStep& step);
// "lost to R7: priority 5 < 9", "valid [2027-01-01, open), the quote is
// dated 2026-11-27", "first tier needs 100 units on the line; it has 99",
// "all 12.00 of its 12.00 taken back by CHANNEL_FLOOR", …
std::string ExplainNotApplied(const BasketResult& result,
                              const LineResult& line, const NotApplied& entry);
// "raised by 3.00 to 90.00: channel floor, the wholesaler price: list
// 100.00 less 10.00% (rule W10)".
std::string ExplainClamp(const BasketResult& result, const LineResult& line,
                         const FloorClamp& clamp);

}  // namespace qudao::pricing
