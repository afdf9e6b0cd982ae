// Price rules (DOMAIN.md §2, 折扣定价): the channel margins, discounts,
// price endings, floors and rebates that take a dealer from the list price
// to its net price, and how one rule is chosen when several could apply.
// Plain C++, no gRPC, SQL or Redis: the pricing service stores these rules,
// and the waterfall (waterfall.h) applies whichever set the caller passes —
// the active rules for a quote, a changed set for a simulation.
//
// A rule has a type (which waterfall step it belongs to), a scope on two
// dimensions (which dealers, which products), a validity window, a
// priority and a state. Per step at most one rule applies to a line: the
// highest priority; on a tie the most specific dealer scope, then the most
// specific product scope, then the latest valid_from, then the smallest
// rule id. Selection never fails.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"

namespace qudao::pricing {

// A dealer's place in the chain, with the numeric values of customer
// records' channel level (DealerFacts::channel_level).
enum class ChannelLevel {
  kUnspecified = 0,
  kDistributor = 1,
  kWholesaler = 2,
  kRetailer = 3,
  // A large customer the manufacturer serves directly (not on the ladder).
  kKeyAccount = 4,
};
std::string ChannelLevelName(ChannelLevel level);

// The dealer facts pricing needs, filled by the caller from customer
// records (the rules never ask customer records themselves).
struct PricingDealer {
  std::string dealer_id;
  ChannelLevel channel_level = ChannelLevel::kUnspecified;
  // "A", "B", "C", or empty while the dealer is not classified.
  std::string abc_class;
  // The dealer's pricing zone (or sales region) code.
  std::string zone;
  std::string province;
  // The delivery city; used by freight when the quote names no destination.
  std::string city;
};

// The product facts a rule's product scope is matched against.
struct PricingProduct {
  // Compared upper-case: SKUs are case-insensitive.
  std::string sku;
  std::string product_group;
};

// The rule types; each belongs to exactly one waterfall step (StepOf).
enum class RuleType {
  // Trade (functional) discount by channel role, basis points off.
  kChannelMargin = 1,
  // Seasonal or promotional discount within its validity window.
  kSeasonal = 2,
  // Non-cumulative quantity discount: tiers on this line's quantity or on
  // the order's amount after the seasonal step.
  kQuantity = 3,
  // Cumulative volume discount: tiers on the dealer's invoiced volume in
  // the rule's period plus this order.
  kCumulativeVolume = 4,
  // Complementary products: B discounted for the quantity A covers.
  kBundle = 5,
  // Psychological price ending on the unit price (…99).
  kPriceEnding = 6,
  // A minimum net unit price or minimum margin over standard cost.
  kFloor = 7,
  // Accrued on the order, settled later: shown beside, never a price cut.
  kRebate = 8,
};
std::string RuleTypeName(RuleType type);

// Only active rules apply; drafts exist to be simulated; retired rules
// are kept (quotes cite them) and never apply again.
enum class RuleState { kDraft = 1, kActive = 2, kRetired = 3 };
std::string RuleStateName(RuleState state);

// The waterfall's fixed order. kRebate is not a price step: rebates are
// computed after the floors, on the net line amount, and shown beside.
// The numbers are v1::WaterfallStepKind's (quote_proto.cc checks).
enum class WaterfallStep {
  kListPrice = 1,
  kChannelMargin = 2,
  kSeasonal = 3,
  kQuantity = 4,
  kCumulativeVolume = 5,
  kBundle = 6,
  kPriceEnding = 7,
  kFloor = 8,
  kRebate = 9,
};
WaterfallStep StepOf(RuleType type);

// The dealer dimension of a scope. The values are the specificity used by
// the tie-break: one dealer beats a zone, a zone an ABC class, an ABC class
// a channel level, a channel level all dealers.
enum class DealerScopeKind {
  kAllDealers = 0,
  kChannelLevel = 1,
  kAbcClass = 2,
  // A pricing zone or region code; matches the dealer's zone or province.
  kZone = 3,
  kDealer = 4,
};
struct DealerScope {
  DealerScopeKind kind = DealerScopeKind::kAllDealers;
  // For kChannelLevel.
  ChannelLevel channel_level = ChannelLevel::kUnspecified;
  // The ABC class, zone/region code or dealer id, for those kinds.
  std::string code;
};

// The product dimension, by specificity: one SKU beats a group, a group all
// products.
enum class ProductScopeKind { kAllProducts = 0, kGroup = 1, kSku = 2 };
struct ProductScope {
  ProductScopeKind kind = ProductScopeKind::kAllProducts;
  // The product group or SKU (SKUs compared case-insensitively).
  std::string code;
};

// One tier: reached when the measured value is at least the threshold.
// Thresholds are units (min_quantity) or money (min_amount) as the rule
// measures; tiers are strictly ascending and the highest reached applies.
struct Tier {
  int64_t min_quantity = 0;
  Money min_amount;
  // The discount at this tier, 0..10000 basis points.
  int64_t basis_points = 0;
};

// What a non-cumulative quantity rule measures.
enum class QuantityBasis {
  // The line's own quantity (tiers in units).
  kLineQuantity = 1,
  // The whole order's goods amount after step 3 (seasonal), all lines
  // that did not fail (tiers in money).
  kOrderAmount = 2,
};
struct QuantityParams {
  QuantityBasis basis = QuantityBasis::kLineQuantity;
  std::vector<Tier> tiers;
};

enum class VolumeMeasure { kUnits = 1, kAmount = 2 };
// The calendar period a cumulative rule counts in: the one containing the
// quote day.
enum class VolumePeriod { kMonth = 1, kQuarter = 2, kYear = 3 };
struct CumulativeParams {
  VolumeMeasure measure = VolumeMeasure::kUnits;
  VolumePeriod period = VolumePeriod::kQuarter;
  std::vector<Tier> tiers;
};

// "For every `trigger_quantity` of A, `discounted_quantity` of B at
// `basis_points` off": the rule's product scope is B (the discounted
// line); A is `trigger_sku`, counted over the whole order (lines that did
// not fail). The coverage is one pool per rule, used up by B lines in line
// order; a line of A itself is never cut by its bundle.
struct BundleParams {
  std::string trigger_sku;
  int64_t trigger_quantity = 1;
  int64_t discounted_quantity = 1;
  int64_t basis_points = 0;
};

// The unit price becomes the largest p ≤ unit with p mod step = ending, in
// minor units: step 100, ending 99 turns 13.45 into 12.99. The waterfall
// takes p − step when p × quantity would raise the line.
struct PriceEndingParams {
  int64_t step = 0;
  int64_t ending = 0;
};

enum class FloorKind {
  // Net unit price ≥ min_net_unit_price.
  kMinNetUnitPrice = 1,
  // Net unit price ≥ standard cost × (1 + min_margin_basis_points/10000).
  kMinMarginOverCost = 2,
};
enum class FloorAction {
  // Raise the line to the floor (never above its list amount); the line
  // says which floor and by how much.
  kClamp = 1,
  // Fail the line with PRICE_BELOW_FLOOR.
  kReject = 2,
};
struct FloorParams {
  FloorKind kind = FloorKind::kMinNetUnitPrice;
  Money min_net_unit_price;
  int64_t min_margin_basis_points = 0;
  FloorAction action = FloorAction::kClamp;
};

struct PriceRule {
  std::string rule_id;
  RuleType type = RuleType::kChannelMargin;
  RuleState state = RuleState::kDraft;
  DealerScope dealer_scope;
  ProductScope product_scope;
  // Applies on valid_from up to, not including, valid_until (open-ended
  // without one).
  absl::CivilDay valid_from;
  std::optional<absl::CivilDay> valid_until;
  // Higher wins.
  int priority = 0;
  // Channel margin, seasonal and rebate: 0..10000 basis points.
  int64_t basis_points = 0;
  // The parameters of the rule's type; the others are ignored.
  QuantityParams quantity;
  CumulativeParams cumulative;
  BundleParams bundle;
  PriceEndingParams ending;
  FloorParams floor;
};

// INVALID_ARGUMENT naming `field` and the sub-field: an id (1..64 of
// [A-Za-z0-9._-]), a scope with its code, a window with valid_until after
// valid_from, basis points 0..10000, tiers non-empty and strictly
// ascending, a bundle with its trigger SKU and a ratio of 1..1,000,000 on
// each side, a price
// ending with 0 ≤ ending < step, a floor with a positive minimum price.
// Money fields must be in `currency` (any one currency when empty).
absl::Status CheckPriceRule(absl::string_view field, const PriceRule& rule,
                            absl::string_view currency);

// The currency of the money a rule uses for its type — an order-amount
// quantity rule's or an amount cumulative rule's tiers, a minimum net unit
// price floor's minimum — or "" for a rule that uses percentages only (it
// applies in any currency). For a rule CheckPriceRule accepts.
std::string RuleCurrency(const PriceRule& rule);

// Why a rule was considered for a line and not applied. The numbers are
// v1::NotAppliedReason's (quote_proto.cc checks).
enum class NotAppliedReason {
  // Lost the tie-break to another applicable rule of the same step.
  kLowerPriority = 1,
  kOutOfWindow = 2,
  // Also a rule whose money is in another currency than the basket.
  kScopeMismatch = 3,
  // A quantity or volume rule whose first tier the line/order has not met.
  kTierNotReached = 4,
  // Its discount was taken back (wholly or in part) by a clamping floor.
  kLostToFloor = 5,
  kDraft = 6,
  // A bundle whose trigger product is not in the order in the ratio.
  kBundleIncomplete = 7,
  // A price ending with no p > 0 at or below the unit price.
  kNoPriceEnding = 8,
};

// Whether a rule listed for `reason` was in force on the quote's day:
// every reason but OUT_OF_WINDOW and DRAFT (such rules priced nothing; a
// partner is not shown them).
inline bool InForce(NotAppliedReason reason) {
  return reason != NotAppliedReason::kOutOfWindow &&
         reason != NotAppliedReason::kDraft;
}

// The numbers an explanation quotes that the rules, the line and the
// basket do not hold themselves (amounts in minor units of the basket's
// currency). Which ones a reason or a step uses is said where the waterfall
// records it (waterfall.h).
using ExplanationFacts = std::array<int64_t, 3>;

// A rule considered and not applied, as facts: the waterfall records these
// while pricing and formats nothing; the person-readable explanation ("lost
// to R7: priority 5 < 9") is rendered on demand (waterfall.h:
// ExplainNotApplied), e.g. when the result becomes a quote message.
struct NotApplied {
  // The rule, in the rule set the basket was priced with (the BasketResult
  // keeps that set alive); never null.
  const PriceRule* rule = nullptr;
  WaterfallStep step = WaterfallStep::kListPrice;
  NotAppliedReason reason = NotAppliedReason::kScopeMismatch;
  // kLowerPriority: the rule it lost to.
  const PriceRule* winner = nullptr;
  ExplanationFacts facts{};
  const std::string& rule_id() const { return rule->rule_id; }
};

bool DealerScopeMatches(const DealerScope& scope, const PricingDealer& dealer);
bool ProductScopeMatches(const ProductScope& scope,
                         const PricingProduct& product);
// valid_from ≤ day < valid_until.
inline bool InWindow(const PriceRule& rule, absl::CivilDay day) {
  return rule.valid_from <= day &&
         (!rule.valid_until || day < *rule.valid_until);
}

// A quote prices with the active rules in their window on its day and
// also lists, OUT_OF_WINDOW, the active rules whose window ended or begins
// within this many days of it ("the autumn promotion ended on the 26th"):
// not every rule that ever expired.
inline constexpr int kOutOfWindowListedDays = 30;

// Why `rule` cannot apply to this dealer and product on `day`, whatever
// its own condition: a draft, then a scope mismatch, then out of window
// (the first that holds); nullopt when it is eligible.
struct Ineligible {
  NotAppliedReason reason = NotAppliedReason::kDraft;
  // "a draft: only active rules apply (simulate it instead)", "for ABC
  // class A, not this dealer", "valid [2027-01-01, open), the quote is
  // dated 2026-11-27".
  std::string explanation;
};
std::optional<Ineligible> Ineligibility(const PriceRule& rule,
                                        const PricingDealer& dealer,
                                        const PricingProduct& product,
                                        absl::CivilDay day);
// The explanation of a rule that is not active ("a draft: …", "retired:
// …") or, when it is, of its window missing `day` ("valid [2027-01-01,
// open), the quote is dated 2026-11-27"): Ineligibility's words for
// kDraft and kOutOfWindow.
std::string StateOrWindowExplanation(const PriceRule& rule, absl::CivilDay day);

// The tie-break: whether `a` beats `b` (higher priority; then dealer scope
// specificity; then product scope specificity; then later valid_from; then
// the smaller rule id). A strict total order over rules with distinct ids.
bool Outranks(const PriceRule& a, const PriceRule& b);
// "lost to R7: priority 5 < 9", "lost to R7: same priority, its dealer
// scope (one dealer) is more specific than channel level", …
std::string TieBreakExplanation(const PriceRule& winner,
                                const PriceRule& loser);

// The one rule of a step that applies among `applicable` (rules that are
// eligible and whose condition holds), and every other one as
// kLowerPriority with the winner (TieBreakExplanation(*winner, *rule) says
// why). No winner when `applicable` is empty.
struct Selection {
  const PriceRule* winner = nullptr;
  std::vector<NotApplied> losers;
};
Selection SelectRule(const std::vector<const PriceRule*>& applicable);

// A rule set validated and indexed by scope, built once and used for many
// baskets: the quote service keeps one per rule-set version. Per type
// (waterfall step) the rules are filed under their dealer dimension (one
// dealer by id, a zone or region code, an ABC class, a channel level, all
// dealers) and within it their product dimension (one SKU, a group, all
// products), so a line finds the rules whose scope can match it with a few
// hash look-ups, whatever the size of the set: a basket costs lines × the
// rules that match its dealer and products, never lines × rules. Copyable
// (copies share the immutable rules); holds no pointers into itself.
class RuleBook {
 public:
  // No default constructor (Build an empty vector for the empty set): so
  // that PriceBasket(basket, {}) and PriceBasket(basket, {rule, …}) stay
  // the vector overload.
  //
  // Every rule checked (CheckPriceRule in any currency, field
  // "rules[i]"), drafts included, and rule ids unique; INVALID_ARGUMENT
  // naming the field otherwise.
  static absl::StatusOr<RuleBook> Build(std::vector<PriceRule> rules);

  // In the order given to Build.
  const std::vector<PriceRule>& rules() const { return *rules_; }

  // What choosing a rule for a line reads of every candidate, packed (a
  // large set does not fit the cache: the rule itself is read only for the
  // candidates that pass these), by index in rules().
  struct Head {
    // DayNumber of valid_from, and of valid_until (exclusive; the largest
    // int64 when open-ended).
    int64_t valid_from = 0;
    int64_t valid_until = 0;
    int priority = 0;
    // The rule's place in the set in rule id order.
    uint32_t id_rank = 0;
    bool active = false;
    // The scope kinds' values: their specificity.
    uint8_t dealer_kind = 0;
    uint8_t product_kind = 0;
    // A type whose rules can have money of their own (RuleCurrency).
    bool can_have_money = false;
  };
  const std::vector<Head>& heads() const { return heads_; }
  // Days since 1970-01-01.
  static int64_t DayNumber(absl::CivilDay day);
  // Outranks(rules()[a], rules()[b]), from the heads alone.
  bool Outranks(uint32_t a, uint32_t b) const;
  // The same, shared: a priced basket keeps the rules its explanations
  // point to alive (BasketResult::rules) without copying them.
  const std::shared_ptr<const std::vector<PriceRule>>& shared_rules() const {
    return rules_;
  }
  // How many rules of `type` the set holds.
  size_t CountOfType(RuleType type) const;

  // A product as the index knows it: the ids of its SKU and product group
  // among those the rules name (kUnknown: no rule names it). Look it up
  // once per line (KeyOf), then Collect with it for every step.
  static constexpr uint32_t kUnknown = 0xffffffff;
  struct ProductKey {
    uint32_t sku = kUnknown;
    uint32_t group = kUnknown;
  };
  // `product`'s SKU must be upper-case.
  ProductKey KeyOf(const PricingProduct& product) const;

  // One product-dimension bucket of one dealer-dimension key.
  struct ProductBucket {
    // By SKU id.
    absl::flat_hash_map<uint32_t, std::vector<uint32_t>> by_sku;
    // By group id.
    absl::flat_hash_map<uint32_t, std::vector<uint32_t>> by_group;
    std::vector<uint32_t> all;
  };
  // The rules of one type whose dealer scope matches a dealer, from the
  // buckets of its keys (at most one per dealer-scope kind, and one more
  // when the dealer's zone and province differ).
  struct DealerBuckets {
    // Those for all products, ascending.
    std::vector<uint32_t> all_products;
    // The buckets holding rules for one SKU or one product group.
    std::vector<const ProductBucket*> by_product;
  };
  // Compute once per basket.
  DealerBuckets ForDealer(RuleType type, const PricingDealer& dealer) const;
  // Appends to `out` the indexes in rules() of the rules in `buckets`
  // whose product scope matches the product of `key`, ascending: with
  // ForDealer, exactly the rules of the type for which DealerScopeMatches
  // and ProductScopeMatches hold.
  static void Collect(const DealerBuckets& buckets, ProductKey key,
                      std::vector<uint32_t>& out);
  // The same for `product` (its SKU upper-case).
  void Collect(const DealerBuckets& buckets, const PricingProduct& product,
               std::vector<uint32_t>& out) const {
    Collect(buckets, KeyOf(product), out);
  }

 private:
  struct TypeIndex {
    size_t count = 0;
    absl::flat_hash_map<std::string, ProductBucket> by_dealer;
    absl::flat_hash_map<std::string, ProductBucket> by_zone;
    // By upper-case class.
    absl::flat_hash_map<std::string, ProductBucket> by_abc_class;
    // By ChannelLevel value (1..4).
    std::array<ProductBucket, 5> by_level;
    ProductBucket all;
  };
  struct Token {};
  explicit RuleBook(Token) {}
  static size_t Slot(RuleType type) { return static_cast<size_t>(type); }

  // Never null; immutable once built (copies of the book share it).
  std::shared_ptr<const std::vector<PriceRule>> rules_;
  std::vector<Head> heads_;
  // The ids of the SKUs (upper-case) and product groups the rules name.
  absl::flat_hash_map<std::string, uint32_t> sku_ids_;
  absl::flat_hash_map<std::string, uint32_t> group_ids_;
  // By RuleType value (1..8).
  std::array<TypeIndex, 9> by_type_;
};

// [from, until) of the calendar month, quarter or year containing `day`,
// and its label ("2026-11", "2026-Q4", "2026").
struct VolumeWindow {
  absl::CivilDay from;
  absl::CivilDay until;
  std::string label;
};
VolumeWindow VolumePeriodContaining(VolumePeriod period, absl::CivilDay day);

// The highest tier whose threshold `units` (or `amount`) reaches; nullopt
// below the first tier. Tiers as CheckPriceRule accepts them.
std::optional<Tier> TierForUnits(const std::vector<Tier>& tiers, int64_t units);
std::optional<Tier> TierForAmount(const std::vector<Tier>& tiers,
                                  const Money& amount);

// The largest p ≤ unit_minor with p mod step = ending, in minor units;
// nullopt when no such p > 0 exists.
std::optional<int64_t> EndPrice(int64_t unit_minor,
                                const PriceEndingParams& ending);

// --- A stored rule's lifecycle (the pricing service keeps rules). ---

inline constexpr char kReasonRuleNotFound[] = "PRICE_RULE_NOT_FOUND";
inline constexpr char kReasonRuleNotDraft[] = "RULE_NOT_DRAFT";
inline constexpr char kReasonRuleNotActive[] = "RULE_NOT_ACTIVE";
// The platform's four-eyes reason (auth::kReasonFourEyes; rules libraries
// do not link auth).
inline constexpr char kReasonRuleFourEyes[] = "FOUR_EYES";

// A rule as the service stores it: the rule, what it is for, its version
// (grows with every change) and who changed it when.
struct RuleRecord {
  PriceRule rule;
  std::string description;
  int64_t version = 0;
  std::string created_by;
  absl::Time create_time;
  std::string updated_by;
  absl::Time update_time;
  std::string published_by;
  std::optional<absl::Time> publish_time;
  std::string retired_by;
  std::optional<absl::Time> retire_time;
  std::string retire_reason;
};

// One version of a rule: what a change ("created", "updated",
// "published", "retired") left it as.
struct RuleRevision {
  std::string change;
  RuleRecord record;
};

// A draft may be changed; else FAILED_PRECONDITION RULE_NOT_DRAFT.
absl::Status CheckCanUpdate(const RuleRecord& current);
// A draft may be published by someone other than its author: the author
// is PERMISSION_DENIED FOUR_EYES; a rule that is not a draft
// FAILED_PRECONDITION RULE_NOT_DRAFT.
absl::Status CheckCanPublish(const RuleRecord& current,
                             const std::string& publisher);
// An active rule may be retired; else FAILED_PRECONDITION RULE_NOT_ACTIVE.
absl::Status CheckCanRetire(const RuleRecord& current);

}  // namespace qudao::pricing
