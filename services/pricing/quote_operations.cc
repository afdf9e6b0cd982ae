// QuoteOperations; see quote_operations.h.
#include "services/pricing/quote_operations.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/pricing/product.h"
#include "services/pricing/quote_proto.h"

namespace qudao::pricing {
namespace {

using storage::Transaction;
using storage::TransactionMode;

// What the store reads for one basket.
struct BasketFacts {
  BasketCatalogue catalogue;
  std::shared_ptr<const ActiveRules> active;
};

std::vector<PriceRule> RulesOf(const std::vector<RuleRecord>& records) {
  std::vector<PriceRule> out;
  out.reserve(records.size());
  for (const RuleRecord& r : records) out.push_back(r.rule);
  return out;
}

// What the waterfall refuses in the stored data (the request was checked):
// a margin floor on a SKU without a standard cost, no freight rate to the
// destination, a stored rule it does not accept.
absl::Status NotPriceable(const absl::Status& refused) {
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonBasketNotPriceable,
      absl::StrCat("the basket cannot be priced: ", refused.message()));
}

absl::Status NoListPrice(const std::string& sku, const std::string& currency,
                         absl::CivilDay day) {
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonNoListPrice,
      absl::StrCat("SKU ", sku, " has no list price in ", currency, " on ",
                   FormatDay(day), "; publish one before quoting it"));
}

}  // namespace

PricingDealer QuoteOperations::DealerOf(const customer::DealerFacts& facts) {
  PricingDealer d;
  d.dealer_id = facts.dealer_id;
  d.channel_level = facts.channel_level >= 1 && facts.channel_level <= 4
                        ? static_cast<ChannelLevel>(facts.channel_level)
                        : ChannelLevel::kUnspecified;
  d.abc_class = facts.abc_class;
  d.zone = facts.pricing_zone;
  d.province = facts.province;
  d.city = facts.city;
  return d;
}

absl::Status QuoteOperations::AddVolume(const CallContext& call,
                                        const PricingDealer& dealer,
                                        const PriceRule& rule,
                                        absl::CivilDay day,
                                        const std::string& currency,
                                        std::vector<PriorVolume>& out) {
  if (rule.type != RuleType::kCumulativeVolume) return absl::OkStatus();
  if (rule.state != RuleState::kActive) return absl::OkStatus();
  if (!DealerScopeMatches(rule.dealer_scope, dealer) || !InWindow(rule, day)) {
    return absl::OkStatus();
  }
  const VolumeWindow window =
      VolumePeriodContaining(rule.cumulative.period, day);
  ASSIGN_OR_RETURN(PriorVolume v, volumes_->VolumeFor(call, dealer.dealer_id,
                                                      rule, window, currency));
  v.rule_id = rule.rule_id;
  out.push_back(std::move(v));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PriorVolume>> QuoteOperations::Volumes(
    const CallContext& call, const PricingDealer& dealer,
    const std::vector<PriceRule>& rules, absl::CivilDay day,
    const std::string& currency) {
  std::vector<PriorVolume> out;
  for (const PriceRule& rule : rules) {
    RETURN_IF_ERROR(AddVolume(call, dealer, rule, day, currency, out));
  }
  return out;
}

absl::StatusOr<PricedBasket> QuoteOperations::Price(
    const CallContext& call, const BasketRequest& basket) {
  ASSIGN_OR_RETURN(const customer::DealerFacts facts,
                   dealers_->Get(call, basket.dealer_id));
  RETURN_IF_ERROR(customer::CheckNotTerminated(
      facts, "it is not quoted; quote its successor instead"));
  const PricingDealer dealer = DealerOf(facts);
  const absl::CivilDay day = Today();

  std::vector<std::string> skus;
  std::set<std::string> seen;
  for (const BasketRequest::Line& l : basket.lines) {
    const std::string sku = CanonicalCode(l.sku);
    if (seen.insert(sku).second) skus.push_back(sku);
  }
  BasketFacts f;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        // On PostgreSQL the reads known now travel in one round trip.
        RETURN_IF_ERROR(books_.Prefetch(tx));
        RETURN_IF_ERROR(CatalogueCache::Prefetch(tx));
        ASSIGN_OR_RETURN(f.catalogue,
                         catalogue_.Read(tx, skus, basket.currency, day,
                                         dealer.dealer_id, dealer.zone));
        for (const std::string& sku : skus) {
          if (!f.catalogue.prices.count(sku))
            return NoListPrice(sku, basket.currency, day);
        }
        absl::StatusOr<std::shared_ptr<const ActiveRules>> active =
            books_.ActiveOn(tx, rules_, day);
        if (absl::IsInvalidArgument(active.status())) {
          return NotPriceable(active.status());
        }
        RETURN_IF_ERROR(active.status());
        f.active = *std::move(active);
        return absl::OkStatus();
      }));

  PricedBasket priced;
  BasketInput& in = priced.input;
  in.dealer = dealer;
  in.quote_day = day;
  in.payment_term = basket.payment_term;
  BasketCatalogue& c = f.catalogue;
  in.freight = MakeFreightTerms(c.assignment, basket.destination_province,
                                basket.destination_city, std::move(c.rates),
                                std::move(c.zones));
  in.vat_basis_points = vat_rate_bp_;
  for (const BasketRequest::Line& l : basket.lines) {
    const std::string sku = CanonicalCode(l.sku);
    const ListPrice& price = c.prices.at(sku);
    BasketLine line;
    line.sku = sku;
    auto group = c.groups.find(sku);
    line.product_group = group != c.groups.end() ? group->second : "";
    line.quantity = l.quantity;
    line.list_price = price.list_price;
    line.unit_weight_grams = l.unit_weight_grams;
    auto cost = c.costs.find(sku);
    // A cost in another currency than the basket cannot measure its
    // margin: the line is priced as one without a cost.
    if (cost != c.costs.end() &&
        cost->second.cost.currency() == basket.currency) {
      line.standard_cost = cost->second.cost;
      priced.costs.push_back(cost->second);
    } else {
      priced.costs.push_back(std::nullopt);
    }
    priced.list_versions.push_back(price.version);
    in.lines.push_back(std::move(line));
  }
  const ActiveRules& active = *f.active;
  priced.rule_set_version = active.version;
  for (const uint32_t i : active.cumulative) {
    RETURN_IF_ERROR(AddVolume(call, dealer, active.book.rules()[i], day,
                              basket.currency, in.prior_volumes));
  }
  absl::StatusOr<BasketResult> result = PriceBasket(in, active.book);
  if (absl::IsInvalidArgument(result.status())) {
    return NotPriceable(result.status());
  }
  RETURN_IF_ERROR(result.status());
  priced.result = *std::move(result);
  // The rules that touched the basket, with their versions — not the
  // whole active set (thousands of rules, nearly all for other dealers
  // and products: listing them was most of a quote's answer and record),
  // nor the rules out of their window the lines list (they priced
  // nothing). Views into the book and the result (a few hundred, mostly
  // repeats: sorted once, not a tree of copies).
  std::vector<absl::string_view> touched;
  for (const LineResult& l : priced.result.lines) {
    for (const AppliedStep& s : l.steps) touched.push_back(s.rule_id());
    for (const NotApplied& n : l.not_applied) {
      if (InForce(n.reason)) touched.push_back(n.rule_id());
    }
    for (const FloorClamp& c : l.clamps) touched.push_back(c.floor());
    if (!l.rebate_rule_id.empty()) touched.push_back(l.rebate_rule_id);
  }
  for (const VolumeFact& v : priced.result.volumes) {
    touched.push_back(v.rule_id);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const absl::string_view id : touched) {
    auto it = active.version_of.find(id);
    if (it != active.version_of.end()) {
      priced.rules.emplace_back(std::string(id), it->second);
    }
  }
  return priced;
}

absl::StatusOr<Quote> QuoteOperations::Create(
    const CallContext& call, const std::string& created_by,
    const BasketRequest& basket, int validity_days,
    const storage::IdempotentRequest& request) {
  // A replay answers without pricing again (the prices may have moved).
  ASSIGN_OR_RETURN(std::optional<Quote> replay,
                   storage::FindReplay(*db_, request, QuoteCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const PricedBasket priced, Price(call, basket));
  const BasketResult& r = priced.result;
  if (r.failed_lines > 0) {
    std::vector<std::string> failed;
    for (const LineResult& l : r.lines) {
      if (l.failed()) {
        failed.push_back(absl::StrCat("line ", l.line, " (", l.sku,
                                      "): ", l.failure_message));
      }
    }
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   kReasonPriceBelowFloor,
                   absl::StrCat("no quote is stored for a basket with lines "
                                "below a floor: ",
                                absl::StrJoin(failed, "; ")));
  }
  Quote q;
  const absl::Time now = clock_->Now();
  q.quote_id = NewResourceId(kQuoteIdPrefix, now);
  q.dealer_id = priced.input.dealer.dealer_id;
  q.currency = r.currency;
  q.destination_province = priced.input.freight.destination_province.empty()
                               ? priced.input.dealer.province
                               : priced.input.freight.destination_province;
  q.destination_city = priced.input.freight.destination_province.empty()
                           ? priced.input.dealer.city
                           : priced.input.freight.destination_city;
  q.payment_term = priced.input.payment_term;
  q.quote_day = priced.input.quote_day;
  q.create_time = now;
  q.expire_time = now + absl::Hours(24) * validity_days;
  q.created_by = created_by;
  for (const LineResult& l : r.lines) {
    const BasketLine& in = priced.input.lines[l.line];
    QuoteLine line;
    line.line = l.line;
    line.sku = l.sku;
    line.product_group = in.product_group;
    line.quantity = l.quantity;
    line.list_price = in.list_price;
    line.list_version = priced.list_versions[l.line];
    line.net_amount = l.net_amount;
    line.net_unit_price = l.net_unit_price;
    if (priced.costs[l.line].has_value()) {
      line.standard_cost = priced.costs[l.line]->cost;
      line.cost_version = priced.costs[l.line]->version;
    }
    line.rebate_rule_id = l.rebate_rule_id;
    line.rebate_accrual = l.rebate_accrual;
    q.lines.push_back(std::move(line));
  }
  q.goods_total = r.goods_total;
  q.freight = r.freight.freight;
  q.zone_adjustment = r.freight.zone_adjustment;
  q.vat_basis_points = r.vat_basis_points;
  q.vat = r.vat;
  q.total = r.total;
  q.rebate_total = r.rebate_total;
  q.explanation = EncodeExplanation(priced);
  RETURN_IF_ERROR(CheckQuoteInvariants(q));
  return storage::RunIdempotent<Quote>(
      *db_, request, now, QuoteCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Quote> {
        RETURN_IF_ERROR(quotes_.Insert(tx, q));
        return q;
      });
}

absl::StatusOr<Quote> QuoteOperations::Get(const std::string& quote_id) {
  std::optional<Quote> found;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(found, quotes_.Find(tx, quote_id));
        return absl::OkStatus();
      }));
  if (!found.has_value()) {
    return Refusal(
        absl::StatusCode::kNotFound, kReasonQuoteNotFound,
        absl::StrCat("quote ", QuoteInput(quote_id), " does not exist"));
  }
  return *std::move(found);
}

absl::StatusOr<QuotePage> QuoteOperations::List(const std::string& dealer_id,
                                                const PageRequest& page) {
  absl::StatusOr<QuotePage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = quotes_.ListForDealer(tx, dealer_id, page);
        return result.status();
      }));
  return result;
}

absl::StatusOr<Simulation> QuoteOperations::Simulate(
    const CallContext& call, const std::vector<std::string>& drafts,
    std::vector<PriceRule> inline_rules,
    const std::vector<std::string>& quote_ids,
    const std::vector<std::string>& order_ids) {
  // The quotes to re-price, each with the order it stands for (if any).
  std::vector<std::pair<Quote, std::string>> quotes;
  std::vector<PriceRule> added = std::move(inline_rules);
  std::map<absl::CivilDay, std::vector<PriceRule>> active_on;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        for (const std::string& id : drafts) {
          ASSIGN_OR_RETURN(RuleRecord r, rules_.Get(tx, id));
          RETURN_IF_ERROR(CheckCanUpdate(r));
          added.push_back(std::move(r.rule));
        }
        std::set<std::string> quotes_seen;
        for (const std::string& id : quote_ids) {
          if (!quotes_seen.insert(id).second) continue;  // once in the totals
          ASSIGN_OR_RETURN(std::optional<Quote> q, quotes_.Find(tx, id));
          if (!q.has_value()) {
            return Refusal(
                absl::StatusCode::kNotFound, kReasonQuoteNotFound,
                absl::StrCat("quote ", QuoteInput(id), " does not exist"));
          }
          quotes.emplace_back(*std::move(q), "");
        }
        std::set<std::string> orders_seen;
        for (const std::string& id : order_ids) {
          if (!orders_seen.insert(id).second) continue;  // once in the totals
          ASSIGN_OR_RETURN(std::optional<Order> o, orders_.Find(tx, id));
          if (!o.has_value()) {
            return Refusal(
                absl::StatusCode::kNotFound, kReasonOrderNotFound,
                absl::StrCat("order ", QuoteInput(id), " does not exist"));
          }
          // A rejected order bills nothing.
          if (o->state == OrderState::kRejected) continue;
          ASSIGN_OR_RETURN(std::optional<Quote> q,
                           quotes_.Find(tx, o->quote_id));
          if (!q.has_value()) {
            return absl::InternalError(absl::StrCat(
                "order ", id, " names quote ", o->quote_id, " that is gone"));
          }
          // What the order still bills: its quantities less what was
          // cancelled and what came back.
          std::vector<QuoteLine> lines;
          for (QuoteLine& l : q->lines) {
            const OrderLine* ol = o->FindLine(l.line);
            if (ol == nullptr) continue;
            const int64_t billed = ol->quantity - ol->cancelled - ol->returned;
            if (billed <= 0) continue;
            l.quantity = billed;
            lines.push_back(std::move(l));
          }
          if (lines.empty()) continue;
          q->lines = std::move(lines);
          quotes.emplace_back(*std::move(q), id);
        }
        for (const auto& [q, order_id] : quotes) {
          if (!active_on.count(q.quote_day)) {
            ASSIGN_OR_RETURN(std::vector<RuleRecord> a,
                             rules_.ActiveOn(tx, q.quote_day));
            active_on[q.quote_day] = RulesOf(a);
          }
        }
        return absl::OkStatus();
      }));
  // The change is simulated as if it were published.
  for (PriceRule& r : added) r.state = RuleState::kActive;

  Simulation sim;
  std::map<std::pair<std::string, std::string>, size_t> totals;
  for (const auto& [q, order_id] : quotes) {
    ASSIGN_OR_RETURN(const StoredExplanation stored,
                     DecodeExplanation(q.explanation));
    BasketInput in;
    in.dealer = stored.dealer;
    in.quote_day = q.quote_day;
    in.payment_term = q.payment_term;
    in.vat_basis_points = q.vat_basis_points;
    // Freight does not depend on rules: the simulation prices goods only.
    in.freight.method = FreightMethod::kUniformDelivered;
    for (const QuoteLine& l : q.lines) {
      BasketLine line;
      line.sku = l.sku;
      line.product_group = l.product_group;
      line.quantity = l.quantity;
      line.list_price = l.list_price;
      line.standard_cost = l.standard_cost;
      in.lines.push_back(std::move(line));
    }
    const std::vector<PriceRule>& old_rules = active_on.at(q.quote_day);
    std::vector<PriceRule> new_rules;
    std::set<std::string> replaced;
    for (const PriceRule& r : added) replaced.insert(r.rule_id);
    for (const PriceRule& r : old_rules) {
      if (!replaced.count(r.rule_id)) new_rules.push_back(r);
    }
    new_rules.insert(new_rules.end(), added.begin(), added.end());
    // The volumes the quote counted; a cumulative rule of the change the
    // quote did not count is asked for.
    BasketInput old_in = in;
    old_in.prior_volumes = stored.volumes;
    BasketInput new_in = in;
    new_in.prior_volumes = stored.volumes;
    std::set<std::string> counted;
    for (const PriorVolume& v : stored.volumes) counted.insert(v.rule_id);
    std::vector<PriceRule> uncounted;
    for (const PriceRule& r : added) {
      if (!counted.count(r.rule_id)) uncounted.push_back(r);
    }
    ASSIGN_OR_RETURN(
        std::vector<PriorVolume> more,
        Volumes(call, in.dealer, uncounted, q.quote_day, q.currency));
    new_in.prior_volumes.insert(new_in.prior_volumes.end(), more.begin(),
                                more.end());
    ASSIGN_OR_RETURN(const BasketResult before, PriceBasket(old_in, old_rules));
    ASSIGN_OR_RETURN(const BasketResult after, PriceBasket(new_in, new_rules));
    const auto key = std::make_pair(q.dealer_id, q.currency);
    if (!totals.count(key)) {
      totals[key] = sim.dealer_totals.size();
      sim.dealer_totals.push_back({q.dealer_id, Money::Zero(q.currency),
                                   Money::Zero(q.currency),
                                   Money::Zero(q.currency)});
    }
    SimulatedDealerTotal& t = sim.dealer_totals[totals[key]];
    for (size_t i = 0; i < q.lines.size(); ++i) {
      const LineResult& o = before.lines[i];
      const LineResult& n = after.lines[i];
      SimulatedLine line;
      line.quote_id = q.quote_id;
      line.order_id = order_id;
      line.line = q.lines[i].line;
      line.sku = q.lines[i].sku;
      line.old_net = o.failed() ? Money::Zero(q.currency) : o.net_amount;
      line.new_net = n.failed() ? Money::Zero(q.currency) : n.net_amount;
      line.new_failure_reason = n.failure_reason;
      ASSIGN_OR_RETURN(line.difference, line.new_net.Subtract(line.old_net));
      sim.lines.push_back(std::move(line));
    }
    ASSIGN_OR_RETURN(t.old_goods, t.old_goods.Add(before.goods_total));
    ASSIGN_OR_RETURN(t.new_goods, t.new_goods.Add(after.goods_total));
    ASSIGN_OR_RETURN(t.difference, t.new_goods.Subtract(t.old_goods));
  }
  return sim;
}

}  // namespace qudao::pricing
