// Price rules and their selection; see price_rule.h.
#include "services/pricing/price_rule.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::pricing {
namespace {

constexpr int64_t kMaxBasisPoints = 10000;
// A bundle's ratio: at most a basket line's quantity on either side.
constexpr int64_t kMaxBundleQuantity = 1'000'000;

absl::Status BasisPoints(const std::string& field, int64_t bp) {
  if (bp < 0 || bp > kMaxBasisPoints) {
    return InvalidField(
        field, absl::StrCat("must be 0 to ", kMaxBasisPoints,
                            " basis points (0% to 100%; got ", bp, ")"));
  }
  return absl::OkStatus();
}

absl::Status InCurrency(const std::string& field, const Money& m,
                        std::string& currency) {
  if (m.currency().empty()) {
    return InvalidField(field, "must be an amount with a currency");
  }
  if (currency.empty()) currency = m.currency();
  if (m.currency() != currency) {
    return InvalidField(
        field, absl::StrCat("must be in ", currency, " (got ", m.currency(),
                            "): mixed currencies"));
  }
  return absl::OkStatus();
}

absl::Status CheckTiers(const std::string& field,
                        const std::vector<Tier>& tiers, bool in_money,
                        std::string& currency) {
  if (tiers.empty()) return InvalidField(field, "must hold at least one tier");
  for (size_t i = 0; i < tiers.size(); ++i) {
    const std::string tier = absl::StrCat(field, "[", i, "]");
    RETURN_IF_ERROR(BasisPoints(absl::StrCat(tier, ".basis_points"),
                                tiers[i].basis_points));
    if (in_money) {
      const std::string f = absl::StrCat(tier, ".min_amount");
      RETURN_IF_ERROR(InCurrency(f, tiers[i].min_amount, currency));
      if (tiers[i].min_amount.minor_units() <= 0) {
        return InvalidField(f, "must be greater than zero");
      }
      if (i > 0 && tiers[i].min_amount.minor_units() <=
                       tiers[i - 1].min_amount.minor_units()) {
        return InvalidField(
            f, absl::StrCat("tiers must be strictly ascending (",
                            tiers[i].min_amount.DecimalString(),
                            " does not exceed ",
                            tiers[i - 1].min_amount.DecimalString(), ")"));
      }
    } else {
      const std::string f = absl::StrCat(tier, ".min_quantity");
      if (tiers[i].min_quantity <= 0) {
        return InvalidField(f, "must be at least 1 unit");
      }
      if (i > 0 && tiers[i].min_quantity <= tiers[i - 1].min_quantity) {
        return InvalidField(
            f, absl::StrCat("tiers must be strictly ascending (",
                            tiers[i].min_quantity, " does not exceed ",
                            tiers[i - 1].min_quantity, ")"));
      }
    }
  }
  return absl::OkStatus();
}

std::string DealerScopeName(const DealerScope& s) {
  switch (s.kind) {
    case DealerScopeKind::kAllDealers:
      return "all dealers";
    case DealerScopeKind::kChannelLevel:
      return absl::StrCat("channel level ", ChannelLevelName(s.channel_level));
    case DealerScopeKind::kAbcClass:
      return absl::StrCat("ABC class ", s.code);
    case DealerScopeKind::kZone:
      return absl::StrCat("zone ", s.code);
    case DealerScopeKind::kDealer:
      return absl::StrCat("dealer ", s.code);
  }
  return "?";
}

std::string ProductScopeName(const ProductScope& s) {
  switch (s.kind) {
    case ProductScopeKind::kAllProducts:
      return "all products";
    case ProductScopeKind::kGroup:
      return absl::StrCat("group ", s.code);
    case ProductScopeKind::kSku:
      return absl::StrCat("SKU ", absl::AsciiStrToUpper(s.code));
  }
  return "?";
}

std::string WindowText(const PriceRule& r) {
  return absl::StrCat(
      "[", BusinessCalendar::Key(r.valid_from), ", ",
      r.valid_until ? BusinessCalendar::Key(*r.valid_until) : "open", ")");
}

}  // namespace

std::string ChannelLevelName(ChannelLevel level) {
  switch (level) {
    case ChannelLevel::kUnspecified:
      return "unspecified";
    case ChannelLevel::kDistributor:
      return "distributor";
    case ChannelLevel::kWholesaler:
      return "wholesaler";
    case ChannelLevel::kRetailer:
      return "retailer";
    case ChannelLevel::kKeyAccount:
      return "key account";
  }
  return "unknown";
}

std::string RuleTypeName(RuleType type) {
  switch (type) {
    case RuleType::kChannelMargin:
      return "CHANNEL_MARGIN";
    case RuleType::kSeasonal:
      return "SEASONAL";
    case RuleType::kQuantity:
      return "QUANTITY";
    case RuleType::kCumulativeVolume:
      return "CUMULATIVE_VOLUME";
    case RuleType::kBundle:
      return "BUNDLE";
    case RuleType::kPriceEnding:
      return "PRICE_ENDING";
    case RuleType::kFloor:
      return "FLOOR";
    case RuleType::kRebate:
      return "REBATE";
  }
  return "UNKNOWN";
}

WaterfallStep StepOf(RuleType type) {
  switch (type) {
    case RuleType::kChannelMargin:
      return WaterfallStep::kChannelMargin;
    case RuleType::kSeasonal:
      return WaterfallStep::kSeasonal;
    case RuleType::kQuantity:
      return WaterfallStep::kQuantity;
    case RuleType::kCumulativeVolume:
      return WaterfallStep::kCumulativeVolume;
    case RuleType::kBundle:
      return WaterfallStep::kBundle;
    case RuleType::kPriceEnding:
      return WaterfallStep::kPriceEnding;
    case RuleType::kFloor:
      return WaterfallStep::kFloor;
    case RuleType::kRebate:
      return WaterfallStep::kRebate;
  }
  return WaterfallStep::kRebate;
}

absl::Status CheckPriceRule(absl::string_view field, const PriceRule& rule,
                            absl::string_view currency_in) {
  std::string currency(currency_in);
  const std::string f(field);
  RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".rule_id"), rule.rule_id));
  if (static_cast<int>(rule.type) < 1 || static_cast<int>(rule.type) > 8) {
    return InvalidField(absl::StrCat(f, ".type"), "must be a known rule type");
  }
  if (rule.state != RuleState::kDraft && rule.state != RuleState::kActive &&
      rule.state != RuleState::kRetired) {
    return InvalidField(absl::StrCat(f, ".state"),
                        "must be DRAFT, ACTIVE or RETIRED");
  }
  switch (rule.dealer_scope.kind) {
    case DealerScopeKind::kAllDealers:
      break;
    case DealerScopeKind::kChannelLevel:
      if (static_cast<int>(rule.dealer_scope.channel_level) < 1 ||
          static_cast<int>(rule.dealer_scope.channel_level) > 4) {
        return InvalidField(absl::StrCat(f, ".dealer_scope.channel_level"),
                            "must be 1 distributor, 2 wholesaler, 3 retailer "
                            "or 4 key account");
      }
      break;
    case DealerScopeKind::kAbcClass:
    case DealerScopeKind::kZone:
    case DealerScopeKind::kDealer:
      RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".dealer_scope.code"),
                                  rule.dealer_scope.code));
      break;
    default:
      return InvalidField(absl::StrCat(f, ".dealer_scope.kind"),
                          "must be a known dealer scope");
  }
  switch (rule.product_scope.kind) {
    case ProductScopeKind::kAllProducts:
      break;
    case ProductScopeKind::kGroup:
    case ProductScopeKind::kSku:
      RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".product_scope.code"),
                                  rule.product_scope.code));
      break;
    default:
      return InvalidField(absl::StrCat(f, ".product_scope.kind"),
                          "must be a known product scope");
  }
  if (rule.valid_until && *rule.valid_until <= rule.valid_from) {
    return InvalidField(
        absl::StrCat(f, ".valid_until"),
        absl::StrCat("must be after valid_from ",
                     BusinessCalendar::Key(rule.valid_from), " (got ",
                     BusinessCalendar::Key(*rule.valid_until), ")"));
  }
  switch (rule.type) {
    case RuleType::kChannelMargin:
    case RuleType::kSeasonal:
    case RuleType::kRebate:
      RETURN_IF_ERROR(
          BasisPoints(absl::StrCat(f, ".basis_points"), rule.basis_points));
      break;
    case RuleType::kQuantity: {
      const auto basis = rule.quantity.basis;
      if (basis != QuantityBasis::kLineQuantity &&
          basis != QuantityBasis::kOrderAmount) {
        return InvalidField(absl::StrCat(f, ".quantity.basis"),
                            "must be LINE_QUANTITY or ORDER_AMOUNT");
      }
      RETURN_IF_ERROR(
          CheckTiers(absl::StrCat(f, ".quantity.tiers"), rule.quantity.tiers,
                     basis == QuantityBasis::kOrderAmount, currency));
      break;
    }
    case RuleType::kCumulativeVolume: {
      const auto measure = rule.cumulative.measure;
      if (measure != VolumeMeasure::kUnits &&
          measure != VolumeMeasure::kAmount) {
        return InvalidField(absl::StrCat(f, ".cumulative.measure"),
                            "must be UNITS or AMOUNT");
      }
      const int period = static_cast<int>(rule.cumulative.period);
      if (period < 1 || period > 3) {
        return InvalidField(absl::StrCat(f, ".cumulative.period"),
                            "must be MONTH, QUARTER or YEAR");
      }
      RETURN_IF_ERROR(CheckTiers(absl::StrCat(f, ".cumulative.tiers"),
                                 rule.cumulative.tiers,
                                 measure == VolumeMeasure::kAmount, currency));
      break;
    }
    case RuleType::kBundle:
      RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".bundle.trigger_sku"),
                                  rule.bundle.trigger_sku));
      if (rule.bundle.trigger_quantity < 1 ||
          rule.bundle.trigger_quantity > kMaxBundleQuantity) {
        return InvalidField(
            absl::StrCat(f, ".bundle.trigger_quantity"),
            absl::StrCat("must be 1 to ", kMaxBundleQuantity, " (got ",
                         rule.bundle.trigger_quantity, ")"));
      }
      if (rule.bundle.discounted_quantity < 1 ||
          rule.bundle.discounted_quantity > kMaxBundleQuantity) {
        return InvalidField(
            absl::StrCat(f, ".bundle.discounted_quantity"),
            absl::StrCat("must be 1 to ", kMaxBundleQuantity, " (got ",
                         rule.bundle.discounted_quantity, ")"));
      }
      RETURN_IF_ERROR(BasisPoints(absl::StrCat(f, ".bundle.basis_points"),
                                  rule.bundle.basis_points));
      break;
    case RuleType::kPriceEnding:
      if (rule.ending.step < 1) {
        return InvalidField(absl::StrCat(f, ".ending.step"),
                            "must be at least 1 minor unit");
      }
      if (rule.ending.ending < 0 || rule.ending.ending >= rule.ending.step) {
        return InvalidField(
            absl::StrCat(f, ".ending.ending"),
            absl::StrCat("must be 0 to step - 1 (", rule.ending.step - 1,
                         "; got ", rule.ending.ending, ")"));
      }
      break;
    case RuleType::kFloor:
      if (rule.floor.action != FloorAction::kClamp &&
          rule.floor.action != FloorAction::kReject) {
        return InvalidField(absl::StrCat(f, ".floor.action"),
                            "must be CLAMP or REJECT");
      }
      if (rule.floor.kind == FloorKind::kMinNetUnitPrice) {
        const std::string mf = absl::StrCat(f, ".floor.min_net_unit_price");
        RETURN_IF_ERROR(
            InCurrency(mf, rule.floor.min_net_unit_price, currency));
        if (rule.floor.min_net_unit_price.minor_units() <= 0) {
          return InvalidField(mf, "must be greater than zero");
        }
      } else if (rule.floor.kind == FloorKind::kMinMarginOverCost) {
        RETURN_IF_ERROR(
            BasisPoints(absl::StrCat(f, ".floor.min_margin_basis_points"),
                        rule.floor.min_margin_basis_points));
      } else {
        return InvalidField(absl::StrCat(f, ".floor.kind"),
                            "must be MIN_NET_UNIT_PRICE or MIN_MARGIN");
      }
      break;
  }
  return absl::OkStatus();
}

std::string RuleCurrency(const PriceRule& rule) {
  switch (rule.type) {
    case RuleType::kQuantity:
      if (rule.quantity.basis == QuantityBasis::kOrderAmount &&
          !rule.quantity.tiers.empty()) {
        return rule.quantity.tiers[0].min_amount.currency();
      }
      return "";
    case RuleType::kCumulativeVolume:
      if (rule.cumulative.measure == VolumeMeasure::kAmount &&
          !rule.cumulative.tiers.empty()) {
        return rule.cumulative.tiers[0].min_amount.currency();
      }
      return "";
    case RuleType::kFloor:
      if (rule.floor.kind == FloorKind::kMinNetUnitPrice) {
        return rule.floor.min_net_unit_price.currency();
      }
      return "";
    default:
      return "";
  }
}

bool DealerScopeMatches(const DealerScope& scope, const PricingDealer& d) {
  switch (scope.kind) {
    case DealerScopeKind::kAllDealers:
      return true;
    case DealerScopeKind::kChannelLevel:
      return scope.channel_level == d.channel_level;
    case DealerScopeKind::kAbcClass:
      return !d.abc_class.empty() &&
             absl::EqualsIgnoreCase(scope.code, d.abc_class);
    case DealerScopeKind::kZone:
      return (!d.zone.empty() && scope.code == d.zone) ||
             (!d.province.empty() && scope.code == d.province);
    case DealerScopeKind::kDealer:
      return scope.code == d.dealer_id;
  }
  return false;
}

bool ProductScopeMatches(const ProductScope& scope, const PricingProduct& p) {
  switch (scope.kind) {
    case ProductScopeKind::kAllProducts:
      return true;
    case ProductScopeKind::kGroup:
      return !p.product_group.empty() && scope.code == p.product_group;
    case ProductScopeKind::kSku:
      return absl::EqualsIgnoreCase(scope.code, p.sku);
  }
  return false;
}

std::string StateOrWindowExplanation(const PriceRule& rule,
                                     absl::CivilDay day) {
  switch (rule.state) {
    case RuleState::kActive:
      break;
    case RuleState::kRetired:
      return "retired: only active rules apply";
    case RuleState::kDraft:
      return "a draft: only active rules apply (simulate it instead)";
  }
  return absl::StrCat("valid ", WindowText(rule), ", the quote is dated ",
                      BusinessCalendar::Key(day));
}

std::optional<Ineligible> Ineligibility(const PriceRule& rule,
                                        const PricingDealer& dealer,
                                        const PricingProduct& product,
                                        absl::CivilDay day) {
  const bool draft = rule.state != RuleState::kActive;
  const bool dealer_scope = DealerScopeMatches(rule.dealer_scope, dealer);
  const bool product_scope = ProductScopeMatches(rule.product_scope, product);
  if (!draft && dealer_scope && product_scope && InWindow(rule, day)) {
    return std::nullopt;
  }
  if (draft) {
    return Ineligible{NotAppliedReason::kDraft,
                      StateOrWindowExplanation(rule, day)};
  }
  if (!dealer_scope) {
    return Ineligible{NotAppliedReason::kScopeMismatch,
                      absl::StrCat("for ", DealerScopeName(rule.dealer_scope),
                                   ", not this dealer")};
  }
  if (!product_scope) {
    return Ineligible{
        NotAppliedReason::kScopeMismatch,
        absl::StrCat("for ", ProductScopeName(rule.product_scope), ", not ",
                     absl::AsciiStrToUpper(product.sku))};
  }
  return Ineligible{NotAppliedReason::kOutOfWindow,
                    StateOrWindowExplanation(rule, day)};
}

bool Outranks(const PriceRule& a, const PriceRule& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.dealer_scope.kind != b.dealer_scope.kind) {
    return a.dealer_scope.kind > b.dealer_scope.kind;
  }
  if (a.product_scope.kind != b.product_scope.kind) {
    return a.product_scope.kind > b.product_scope.kind;
  }
  if (a.valid_from != b.valid_from) return a.valid_from > b.valid_from;
  return a.rule_id < b.rule_id;
}

std::string TieBreakExplanation(const PriceRule& w, const PriceRule& l) {
  // One StrCat per case: a quote renders dozens of these.
  constexpr absl::string_view kLost = "lost to ";
  if (w.priority != l.priority) {
    return absl::StrCat(kLost, w.rule_id, ": priority ", l.priority, " < ",
                        w.priority);
  }
  if (w.dealer_scope.kind != l.dealer_scope.kind) {
    return absl::StrCat(kLost, w.rule_id, ": same priority, its dealer scope (",
                        DealerScopeName(w.dealer_scope),
                        ") is more specific than ",
                        DealerScopeName(l.dealer_scope));
  }
  if (w.product_scope.kind != l.product_scope.kind) {
    return absl::StrCat(kLost, w.rule_id,
                        ": same priority and dealer scope, its product "
                        "scope (",
                        ProductScopeName(w.product_scope),
                        ") is more specific than ",
                        ProductScopeName(l.product_scope));
  }
  if (w.valid_from != l.valid_from) {
    return absl::StrCat(kLost, w.rule_id,
                        ": same priority and scope, it is newer (valid "
                        "from ",
                        BusinessCalendar::Key(w.valid_from), " vs ",
                        BusinessCalendar::Key(l.valid_from), ")");
  }
  return absl::StrCat(kLost, w.rule_id,
                      ": same priority, scope and valid_from; the smaller "
                      "rule id wins");
}

Selection SelectRule(const std::vector<const PriceRule*>& applicable) {
  Selection s;
  for (const PriceRule* r : applicable) {
    if (s.winner == nullptr || Outranks(*r, *s.winner)) s.winner = r;
  }
  for (const PriceRule* r : applicable) {
    if (r == s.winner) continue;
    NotApplied n;
    n.rule = r;
    n.step = StepOf(r->type);
    n.reason = NotAppliedReason::kLowerPriority;
    n.winner = s.winner;
    s.losers.push_back(n);
  }
  return s;
}

absl::StatusOr<RuleBook> RuleBook::Build(std::vector<PriceRule> rules) {
  if (rules.size() > std::numeric_limits<uint32_t>::max()) {
    return InvalidField("rules", "too many rules");
  }
  std::map<absl::string_view, size_t> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string f = absl::StrCat("rules[", i, "]");
    // Each rule consistent in itself; a rule priced in another currency
    // than a basket is not applicable to it, not an error.
    RETURN_IF_ERROR(CheckPriceRule(f, rules[i], ""));
    auto [at, fresh] = ids.emplace(rules[i].rule_id, i);
    if (!fresh) {
      return InvalidField(
          absl::StrCat(f, ".rule_id"),
          absl::StrCat("'", QuoteInput(rules[i].rule_id), "' is also rules[",
                       at->second, "]: rule ids must be unique"));
    }
  }
  // Each rule's place in rule id order (the last tie-break), while `ids`
  // still points into `rules`.
  std::vector<uint32_t> id_rank(rules.size());
  uint32_t rank = 0;
  for (const auto& [id, index] : ids) id_rank[index] = rank++;
  RuleBook book{Token{}};
  book.rules_ =
      std::make_shared<const std::vector<PriceRule>>(std::move(rules));
  book.heads_.reserve(book.rules_->size());
  for (size_t i = 0; i < book.rules_->size(); ++i) {
    const PriceRule& r = (*book.rules_)[i];
    Head& h = book.heads_.emplace_back();
    h.valid_from = DayNumber(r.valid_from);
    h.valid_until = r.valid_until ? DayNumber(*r.valid_until)
                                  : std::numeric_limits<int64_t>::max();
    h.priority = r.priority;
    h.active = r.state == RuleState::kActive;
    h.dealer_kind = static_cast<uint8_t>(r.dealer_scope.kind);
    h.product_kind = static_cast<uint8_t>(r.product_scope.kind);
    h.id_rank = id_rank[i];
    h.can_have_money = r.type == RuleType::kQuantity ||
                       r.type == RuleType::kCumulativeVolume ||
                       r.type == RuleType::kFloor;
    TypeIndex& t = book.by_type_[Slot(r.type)];
    ++t.count;
    ProductBucket* bucket = nullptr;
    switch (r.dealer_scope.kind) {
      case DealerScopeKind::kAllDealers:
        bucket = &t.all;
        break;
      case DealerScopeKind::kChannelLevel:
        bucket = &t.by_level[static_cast<size_t>(r.dealer_scope.channel_level)];
        break;
      case DealerScopeKind::kAbcClass:
        bucket = &t.by_abc_class[absl::AsciiStrToUpper(r.dealer_scope.code)];
        break;
      case DealerScopeKind::kZone:
        bucket = &t.by_zone[r.dealer_scope.code];
        break;
      case DealerScopeKind::kDealer:
        bucket = &t.by_dealer[r.dealer_scope.code];
        break;
    }
    const uint32_t index = static_cast<uint32_t>(i);
    // Ids in order of first appearance.
    auto id = [](absl::flat_hash_map<std::string, uint32_t>& ids,
                 std::string code) {
      const uint32_t next = static_cast<uint32_t>(ids.size());
      return ids.emplace(std::move(code), next).first->second;
    };
    switch (r.product_scope.kind) {
      case ProductScopeKind::kAllProducts:
        bucket->all.push_back(index);
        break;
      case ProductScopeKind::kGroup:
        bucket->by_group[id(book.group_ids_, r.product_scope.code)].push_back(
            index);
        break;
      case ProductScopeKind::kSku:
        bucket
            ->by_sku[id(book.sku_ids_,
                        absl::AsciiStrToUpper(r.product_scope.code))]
            .push_back(index);
        break;
    }
  }
  return book;
}

size_t RuleBook::CountOfType(RuleType type) const {
  const size_t slot = Slot(type);
  return slot < by_type_.size() ? by_type_[slot].count : 0;
}

RuleBook::DealerBuckets RuleBook::ForDealer(RuleType type,
                                            const PricingDealer& d) const {
  DealerBuckets out;
  const size_t slot = Slot(type);
  if (slot >= by_type_.size() || by_type_[slot].count == 0) return out;
  const TypeIndex& t = by_type_[slot];
  auto add = [&out](const ProductBucket& b) {
    out.all_products.insert(out.all_products.end(), b.all.begin(), b.all.end());
    if (!b.by_sku.empty() || !b.by_group.empty()) out.by_product.push_back(&b);
  };
  auto find = [&add](const absl::flat_hash_map<std::string, ProductBucket>& m,
                     const std::string& key) {
    if (key.empty()) return;
    if (auto it = m.find(key); it != m.end()) add(it->second);
  };
  add(t.all);
  const size_t level = static_cast<size_t>(d.channel_level);
  if (level >= 1 && level < t.by_level.size()) add(t.by_level[level]);
  find(t.by_abc_class, absl::AsciiStrToUpper(d.abc_class));
  find(t.by_zone, d.zone);
  if (d.province != d.zone) find(t.by_zone, d.province);
  find(t.by_dealer, d.dealer_id);
  std::sort(out.all_products.begin(), out.all_products.end());
  return out;
}

int64_t RuleBook::DayNumber(absl::CivilDay day) {
  return day - absl::CivilDay(1970, 1, 1);
}

bool RuleBook::Outranks(uint32_t a, uint32_t b) const {
  // The order of pricing::Outranks, field by field.
  const Head& x = heads_[a];
  const Head& y = heads_[b];
  if (x.priority != y.priority) return x.priority > y.priority;
  if (x.dealer_kind != y.dealer_kind) return x.dealer_kind > y.dealer_kind;
  if (x.product_kind != y.product_kind) return x.product_kind > y.product_kind;
  if (x.valid_from != y.valid_from) return x.valid_from > y.valid_from;
  return x.id_rank < y.id_rank;
}

RuleBook::ProductKey RuleBook::KeyOf(const PricingProduct& p) const {
  ProductKey key;
  if (auto it = sku_ids_.find(p.sku); it != sku_ids_.end()) {
    key.sku = it->second;
  }
  // A product without a group matches no group rule.
  if (!p.product_group.empty()) {
    if (auto it = group_ids_.find(p.product_group); it != group_ids_.end()) {
      key.group = it->second;
    }
  }
  return key;
}

void RuleBook::Collect(const DealerBuckets& buckets, ProductKey key,
                       std::vector<uint32_t>& out) {
  const size_t start = out.size();
  out.insert(out.end(), buckets.all_products.begin(),
             buckets.all_products.end());
  const size_t common = out.size();
  for (const ProductBucket* b : buckets.by_product) {
    if (key.sku != kUnknown && !b->by_sku.empty()) {
      if (auto it = b->by_sku.find(key.sku); it != b->by_sku.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    if (key.group != kUnknown && !b->by_group.empty()) {
      if (auto it = b->by_group.find(key.group); it != b->by_group.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
  }
  // The product's own rules among those for all products.
  if (out.size() > common) {
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
  }
}

VolumeWindow VolumePeriodContaining(VolumePeriod period, absl::CivilDay day) {
  const absl::CivilYear year(day);
  switch (period) {
    case VolumePeriod::kMonth: {
      const absl::CivilMonth m(day);
      return {
          absl::CivilDay(m), absl::CivilDay(m + 1),
          absl::StrCat(m.year(), "-", m.month() < 10 ? "0" : "", m.month())};
    }
    case VolumePeriod::kQuarter: {
      const int q = (day.month() - 1) / 3;
      const absl::CivilMonth first(day.year(), q * 3 + 1);
      return {absl::CivilDay(first), absl::CivilDay(first + 3),
              absl::StrCat(day.year(), "-Q", q + 1)};
    }
    case VolumePeriod::kYear:
      break;
  }
  return {absl::CivilDay(year), absl::CivilDay(year + 1),
          absl::StrCat(year.year())};
}

std::optional<Tier> TierForUnits(const std::vector<Tier>& tiers,
                                 int64_t units) {
  std::optional<Tier> reached;
  for (const Tier& t : tiers) {
    if (units >= t.min_quantity) reached = t;
  }
  return reached;
}

std::optional<Tier> TierForAmount(const std::vector<Tier>& tiers,
                                  const Money& amount) {
  std::optional<Tier> reached;
  for (const Tier& t : tiers) {
    if (amount.minor_units() >= t.min_amount.minor_units()) reached = t;
  }
  return reached;
}

std::optional<int64_t> EndPrice(int64_t unit_minor,
                                const PriceEndingParams& e) {
  if (e.step < 1 || e.ending < 0 || e.ending >= e.step ||
      unit_minor < e.ending) {
    return std::nullopt;
  }
  const int64_t p = (unit_minor - e.ending) / e.step * e.step + e.ending;
  if (p <= 0) return std::nullopt;
  return p;
}

std::string RuleStateName(RuleState state) {
  switch (state) {
    case RuleState::kDraft:
      return "DRAFT";
    case RuleState::kActive:
      return "ACTIVE";
    case RuleState::kRetired:
      return "RETIRED";
  }
  return "UNKNOWN";
}

absl::Status CheckCanUpdate(const RuleRecord& current) {
  if (current.rule.state == RuleState::kDraft) return absl::OkStatus();
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonRuleNotDraft,
      absl::StrCat("price rule ", current.rule.rule_id, " is ",
                   RuleStateName(current.rule.state),
                   ": only drafts change; create a new draft instead"));
}

absl::Status CheckCanPublish(const RuleRecord& current,
                             const std::string& publisher) {
  if (current.rule.state != RuleState::kDraft) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonRuleNotDraft,
                   absl::StrCat("price rule ", current.rule.rule_id, " is ",
                                RuleStateName(current.rule.state),
                                ": only a draft is published"));
  }
  if (publisher == current.created_by || publisher == current.updated_by) {
    return Refusal(
        absl::StatusCode::kPermissionDenied, kReasonRuleFourEyes,
        absl::StrCat("price rule ", current.rule.rule_id, " was written by ",
                     publisher,
                     "; another pricing manager must review and publish it"));
  }
  return absl::OkStatus();
}

absl::Status CheckCanRetire(const RuleRecord& current) {
  if (current.rule.state == RuleState::kActive) return absl::OkStatus();
  return Refusal(absl::StatusCode::kFailedPrecondition, kReasonRuleNotActive,
                 absl::StrCat("price rule ", current.rule.rule_id, " is ",
                              RuleStateName(current.rule.state),
                              ": only an active rule is retired"));
}

}  // namespace qudao::pricing
