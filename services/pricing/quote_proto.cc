// Quote proto conversion; see quote_proto.h.
#include "services/pricing/quote_proto.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {
namespace {

// Every amount of a priced basket is in its currency (the waterfall sets
// zeros in it); optional ones (a standard cost) are set by their callers
// only when present.
void SetMoney(const Money& m, type::v1::Money* out) { MoneyToProto(m, out); }

absl::Status Lost(absl::string_view what, const absl::Status& s) {
  return absl::DataLossError(absl::StrCat("stored ", what, ": ", s.message()));
}

v1::FreightMethod FreightMethodToProto(FreightMethod m) {
  return static_cast<v1::FreightMethod>(static_cast<int>(m));
}

// The C++ enums carry the proto's numbers.
#define QUDAO_SAME(cpp, pb) \
  static_assert(static_cast<int>(cpp) == static_cast<int>(pb), #cpp)
QUDAO_SAME(WaterfallStep::kListPrice, v1::WATERFALL_STEP_KIND_LIST_PRICE);
QUDAO_SAME(WaterfallStep::kChannelMargin,
           v1::WATERFALL_STEP_KIND_CHANNEL_MARGIN);
QUDAO_SAME(WaterfallStep::kSeasonal, v1::WATERFALL_STEP_KIND_SEASONAL);
QUDAO_SAME(WaterfallStep::kQuantity, v1::WATERFALL_STEP_KIND_QUANTITY);
QUDAO_SAME(WaterfallStep::kCumulativeVolume,
           v1::WATERFALL_STEP_KIND_CUMULATIVE_VOLUME);
QUDAO_SAME(WaterfallStep::kBundle, v1::WATERFALL_STEP_KIND_BUNDLE);
QUDAO_SAME(WaterfallStep::kPriceEnding, v1::WATERFALL_STEP_KIND_PRICE_ENDING);
QUDAO_SAME(WaterfallStep::kFloor, v1::WATERFALL_STEP_KIND_FLOOR);
QUDAO_SAME(WaterfallStep::kRebate, v1::WATERFALL_STEP_KIND_REBATE);
QUDAO_SAME(NotAppliedReason::kLowerPriority,
           v1::NOT_APPLIED_REASON_LOWER_PRIORITY);
QUDAO_SAME(NotAppliedReason::kOutOfWindow,
           v1::NOT_APPLIED_REASON_OUT_OF_WINDOW);
QUDAO_SAME(NotAppliedReason::kScopeMismatch,
           v1::NOT_APPLIED_REASON_SCOPE_MISMATCH);
QUDAO_SAME(NotAppliedReason::kTierNotReached,
           v1::NOT_APPLIED_REASON_TIER_NOT_REACHED);
QUDAO_SAME(NotAppliedReason::kLostToFloor,
           v1::NOT_APPLIED_REASON_LOST_TO_FLOOR);
QUDAO_SAME(NotAppliedReason::kDraft, v1::NOT_APPLIED_REASON_DRAFT);
QUDAO_SAME(NotAppliedReason::kBundleIncomplete,
           v1::NOT_APPLIED_REASON_BUNDLE_INCOMPLETE);
QUDAO_SAME(NotAppliedReason::kNoPriceEnding,
           v1::NOT_APPLIED_REASON_NO_PRICE_ENDING);
#undef QUDAO_SAME

v1::WaterfallStepKind StepToProto(WaterfallStep step) {
  return static_cast<v1::WaterfallStepKind>(step);
}

// The header fields every quote message has.
void SetTotals(const BasketResult& r, v1::Quote& out) {
  SetMoney(r.goods_total, out.mutable_goods_total());
  SetMoney(r.freight.freight, out.mutable_freight());
  SetMoney(r.freight.zone_adjustment, out.mutable_zone_adjustment());
  out.set_vat_basis_points(r.vat_basis_points);
  SetMoney(r.vat, out.mutable_vat());
  SetMoney(r.total, out.mutable_total());
  SetMoney(r.rebate_total, out.mutable_rebate_total());
}

}  // namespace

void WaterfallToProto(const PricedBasket& priced, bool with_words,
                      v1::Waterfall* out) {
  const BasketResult& r = priced.result;
  v1::Waterfall& w = *out;
  for (const LineResult& l : r.lines) {
    const BasketLine& in = priced.input.lines[l.line];
    v1::LineWaterfall* p = w.add_lines();
    p->set_line(l.line);
    p->set_sku(l.sku);
    p->set_product_group(in.product_group);
    p->set_quantity(l.quantity);
    SetMoney(in.list_price, p->mutable_list_price());
    p->set_list_version(priced.list_versions[l.line]);
    if (priced.costs[l.line].has_value()) {
      SetMoney(priced.costs[l.line]->cost, p->mutable_standard_cost());
      p->set_cost_version(priced.costs[l.line]->version);
    }
    // The words are rendered here, once, from the facts the waterfall
    // recorded (a stored quote keeps them as rendered).
    for (const AppliedStep& s : l.steps) {
      v1::WaterfallStep* step = p->add_steps();
      step->set_step(StepToProto(s.step));
      step->set_rule_id(std::string(s.rule_id()));
      SetMoney(s.amount, step->mutable_amount());
      SetMoney(s.running_after, step->mutable_running_after());
      if (with_words) step->set_note(StepNote(r, l, s));
    }
    for (const NotApplied& n : l.not_applied) {
      if (!with_words) break;
      v1::RuleNotApplied* na = p->add_not_applied();
      na->set_rule_id(n.rule_id());
      na->set_step(StepToProto(n.step));
      na->set_reason(static_cast<v1::NotAppliedReason>(n.reason));
      na->set_explanation(ExplainNotApplied(r, l, n));
    }
    for (const FloorClamp& c : l.clamps) {
      v1::FloorClamp* fc = p->add_clamps();
      fc->set_floor(std::string(c.floor()));
      SetMoney(c.floor_amount, fc->mutable_floor_amount());
      SetMoney(c.raised_by, fc->mutable_raised_by());
      if (with_words) fc->set_explanation(ExplainClamp(r, l, c));
    }
    p->set_scope_mismatches(l.scope_mismatches);
    SetMoney(l.net_amount, p->mutable_net_amount());
    SetMoney(l.net_unit_price, p->mutable_net_unit_price());
    SetMoney(l.tax_inclusive_unit_price, p->mutable_tax_inclusive_unit_price());
    p->set_failure_reason(l.failure_reason);
    p->set_failure_message(l.failure_message);
    p->set_rebate_rule_id(l.rebate_rule_id);
    SetMoney(l.rebate_accrual, p->mutable_rebate_accrual());
  }
  w.set_failed_lines(r.failed_lines);
  SetMoney(r.goods_total, w.mutable_goods_total());
  v1::FreightCharge* fr = w.mutable_freight();
  fr->set_method(FreightMethodToProto(r.freight.method));
  fr->set_origin(r.freight.origin);
  fr->set_destination(r.freight.destination);
  SetMoney(r.freight.freight, fr->mutable_freight());
  SetMoney(r.freight.zone_adjustment, fr->mutable_zone_adjustment());
  fr->set_explanation(r.freight.explanation);
  w.set_vat_basis_points(r.vat_basis_points);
  SetMoney(r.vat, w.mutable_vat());
  SetMoney(r.total, w.mutable_total());
  if (r.cash_discount.has_value()) {
    const CashDiscountAlternative& c = *r.cash_discount;
    v1::CashDiscountAlternative* cd = w.mutable_cash_discount();
    SetMoney(c.instead_of, cd->mutable_instead_of());
    SetMoney(c.discount, cd->mutable_discount());
    SetMoney(c.pay, cd->mutable_pay());
    cd->set_pay_by(FormatDay(c.pay_by));
    cd->set_text(c.text);
  }
  SetMoney(r.rebate_total, w.mutable_rebate_total());
  for (const RebateAccrual& a : r.rebates) {
    v1::RebateAccrual* ra = w.add_rebates();
    ra->set_rule_id(a.rule_id);
    SetMoney(a.amount, ra->mutable_amount());
  }
  for (const VolumeFact& v : r.volumes) {
    v1::VolumeCounted* vc = w.add_volumes();
    vc->set_rule_id(v.rule_id);
    vc->set_measure(v.measure == VolumeMeasure::kUnits ? "units" : "amount");
    vc->set_period(v.period);
    vc->set_period_from(FormatDay(v.period_from));
    vc->set_period_until(FormatDay(v.period_until));
    vc->set_prior_given(v.prior_given);
    vc->set_prior_units(v.prior_units);
    SetMoney(v.prior_amount, vc->mutable_prior_amount());
    vc->set_order_units(v.order_units);
    SetMoney(v.order_amount, vc->mutable_order_amount());
    vc->set_counted_units(v.counted_units);
    SetMoney(v.counted_amount, vc->mutable_counted_amount());
    vc->set_tier_reached(v.tier_basis_points.has_value());
    vc->set_tier_basis_points(v.tier_basis_points.value_or(0));
  }
  for (const auto& [id, version] : priced.rules) {
    v1::RuleVersionUsed* u = w.add_rules();
    u->set_rule_id(id);
    u->set_version(version);
  }
  w.set_rule_set_version(priced.rule_set_version);
  const PricingDealer& d = priced.input.dealer;
  v1::PricedDealer* pd = w.mutable_dealer();
  pd->set_dealer_id(d.dealer_id);
  pd->set_channel_level(static_cast<int>(d.channel_level));
  pd->set_abc_class(d.abc_class);
  pd->set_pricing_zone(d.zone);
  pd->set_province(d.province);
  pd->set_city(d.city);
}

std::string EncodeExplanation(const PricedBasket& priced) {
  v1::Waterfall w;
  WaterfallToProto(priced, /*with_words=*/true, &w);
  return w.SerializeAsString();
}

absl::StatusOr<StoredExplanation> DecodeExplanation(const std::string& bytes) {
  StoredExplanation out;
  if (!out.waterfall.ParseFromString(bytes)) {
    return absl::DataLossError("stored quote explanation does not parse");
  }
  const v1::PricedDealer& d = out.waterfall.dealer();
  out.dealer.dealer_id = d.dealer_id();
  out.dealer.channel_level = static_cast<ChannelLevel>(d.channel_level());
  out.dealer.abc_class = d.abc_class();
  out.dealer.zone = d.pricing_zone();
  out.dealer.province = d.province();
  out.dealer.city = d.city();
  for (const v1::VolumeCounted& v : out.waterfall.volumes()) {
    if (!v.prior_given()) continue;
    PriorVolume p;
    p.rule_id = v.rule_id();
    p.units = v.prior_units();
    if (v.has_prior_amount()) {
      absl::StatusOr<Money> m =
          MoneyFromProto("prior_amount", v.prior_amount());
      if (!m.ok()) return Lost("quote volume", m.status());
      p.amount = *m;
    }
    out.volumes.push_back(std::move(p));
  }
  return out;
}

v1::Quote QuoteToProto(const Quote& q, bool with_waterfall) {
  v1::Quote out;
  QuoteToProto(q, with_waterfall, &out);
  return out;
}

void QuoteToProto(const Quote& q, bool with_waterfall, v1::Quote* quote) {
  v1::Quote& out = *quote;
  out.set_quote_id(q.quote_id);
  out.set_dealer_id(q.dealer_id);
  out.set_currency_code(q.currency);
  out.set_destination_province(q.destination_province);
  out.set_destination_city(q.destination_city);
  *out.mutable_payment_term() = PaymentTermToProto(q.payment_term);
  out.set_quote_day(FormatDay(q.quote_day));
  *out.mutable_create_time() = TimeToProto(q.create_time);
  *out.mutable_expire_time() = TimeToProto(q.expire_time);
  out.set_created_by(q.created_by);
  SetMoney(q.goods_total, out.mutable_goods_total());
  SetMoney(q.freight, out.mutable_freight());
  SetMoney(q.zone_adjustment, out.mutable_zone_adjustment());
  out.set_vat_basis_points(q.vat_basis_points);
  SetMoney(q.vat, out.mutable_vat());
  SetMoney(q.total, out.mutable_total());
  SetMoney(q.rebate_total, out.mutable_rebate_total());
  out.set_line_count(static_cast<int32_t>(q.lines.size()));
  if (with_waterfall && !q.explanation.empty()) {
    out.mutable_waterfall()->ParseFromString(q.explanation);
  }
}

void PricedBasketToProto(const PricedBasket& priced, bool with_words,
                         v1::Quote* quote) {
  v1::Quote& out = *quote;
  const BasketInput& in = priced.input;
  out.set_dealer_id(in.dealer.dealer_id);
  out.set_currency_code(priced.result.currency);
  out.set_destination_province(in.freight.destination_province.empty()
                                   ? in.dealer.province
                                   : in.freight.destination_province);
  out.set_destination_city(in.freight.destination_province.empty()
                               ? in.dealer.city
                               : in.freight.destination_city);
  *out.mutable_payment_term() = PaymentTermToProto(in.payment_term);
  out.set_quote_day(FormatDay(in.quote_day));
  SetTotals(priced.result, out);
  out.set_line_count(static_cast<int32_t>(in.lines.size()));
  WaterfallToProto(priced, with_words, out.mutable_waterfall());
}

const storage::ResponseCodec<Quote>& QuoteCodec() {
  static const auto* codec = new storage::ResponseCodec<Quote>{
      [](const Quote& q) {
        return QuoteToProto(q, /*with_waterfall=*/true).SerializeAsString();
      },
      [](absl::string_view bytes) -> absl::StatusOr<Quote> {
        v1::Quote p;
        if (!p.ParseFromString(std::string(bytes))) {
          return absl::DataLossError("stored quote response does not parse");
        }
        Quote q;
        q.quote_id = p.quote_id();
        q.dealer_id = p.dealer_id();
        q.currency = p.currency_code();
        q.destination_province = p.destination_province();
        q.destination_city = p.destination_city();
        ASSIGN_OR_RETURN(q.payment_term, PaymentTermFromProto(
                                             "payment_term", p.payment_term()));
        absl::StatusOr<absl::CivilDay> day =
            ParseDay("quote_day", p.quote_day());
        if (!day.ok()) return Lost("quote", day.status());
        q.quote_day = *day;
        q.create_time = TimeFromProto(p.create_time());
        q.expire_time = TimeFromProto(p.expire_time());
        q.created_by = p.created_by();
        auto money = [](const char* f,
                        const type::v1::Money& m) -> absl::StatusOr<Money> {
          absl::StatusOr<Money> v = MoneyFromProto(f, m);
          if (!v.ok()) return Lost("quote", v.status());
          return v;
        };
        ASSIGN_OR_RETURN(q.goods_total, money("goods_total", p.goods_total()));
        ASSIGN_OR_RETURN(q.freight, money("freight", p.freight()));
        ASSIGN_OR_RETURN(q.zone_adjustment,
                         money("zone_adjustment", p.zone_adjustment()));
        q.vat_basis_points = p.vat_basis_points();
        ASSIGN_OR_RETURN(q.vat, money("vat", p.vat()));
        ASSIGN_OR_RETURN(q.total, money("total", p.total()));
        ASSIGN_OR_RETURN(q.rebate_total,
                         money("rebate_total", p.rebate_total()));
        for (const v1::LineWaterfall& l : p.waterfall().lines()) {
          QuoteLine line;
          line.line = l.line();
          line.sku = l.sku();
          line.product_group = l.product_group();
          line.quantity = l.quantity();
          ASSIGN_OR_RETURN(line.list_price,
                           money("list_price", l.list_price()));
          line.list_version = l.list_version();
          ASSIGN_OR_RETURN(line.net_amount,
                           money("net_amount", l.net_amount()));
          ASSIGN_OR_RETURN(line.net_unit_price,
                           money("net_unit_price", l.net_unit_price()));
          if (l.has_standard_cost()) {
            ASSIGN_OR_RETURN(line.standard_cost,
                             money("standard_cost", l.standard_cost()));
            line.cost_version = l.cost_version();
          }
          line.rebate_rule_id = l.rebate_rule_id();
          ASSIGN_OR_RETURN(line.rebate_accrual,
                           money("rebate_accrual", l.rebate_accrual()));
          q.lines.push_back(std::move(line));
        }
        q.explanation = p.waterfall().SerializeAsString();
        return q;
      }};
  return *codec;
}

void StripCosts(v1::Quote& quote) {
  for (v1::LineWaterfall& l : *quote.mutable_waterfall()->mutable_lines()) {
    l.clear_standard_cost();
    l.clear_cost_version();
  }
}

void StripRulesNotInForce(v1::Quote& quote) {
  for (v1::LineWaterfall& l : *quote.mutable_waterfall()->mutable_lines()) {
    auto* listed = l.mutable_not_applied();
    listed->erase(
        std::remove_if(listed->begin(), listed->end(),
                       [](const v1::RuleNotApplied& n) {
                         // The numbers are the same (QUDAO_SAME above).
                         return !InForce(
                             static_cast<NotAppliedReason>(n.reason()));
                       }),
        listed->end());
  }
}

}  // namespace qudao::pricing
