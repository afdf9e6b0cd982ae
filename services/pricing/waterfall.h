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
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

// One step of a line's path.
struct AppliedStep {
  WaterfallStep step = WaterfallStep::kListPrice;
  std::string step_name;
  // Empty for the list price; kChannelFloor for the channel floor.
  std::string rule_id;
  // Negative for a reduction, positive for a floor raising the line (and
  // the list amount itself at step 1).
  Money amount;
  Money running_after;
  // How it was computed: "10.00% of 99.99", "tier ≥ 100 units: 5.00%".
  std::string note;
};

// A floor that raised the line.
struct FloorClamp {
  // The floor rule's id, or kChannelFloor.
  std::string floor;
  // The line amount the floor requires.
  Money floor_amount;
  // How much the line was raised.
  Money raised_by;
  std::string explanation;
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
  // not met, lost the tie-break, lost to a floor). Rules whose scope does
  // not match are not listed one by one — a set of 100,000 rules is
  // mostly other dealers' and other SKUs' — but counted in
  // scope_mismatches.
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

}  // namespace qudao::pricing
