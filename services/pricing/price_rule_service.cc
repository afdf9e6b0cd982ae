// PricingService: price rules, freight settings and quotes; see
// pricing_service.h.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/unary.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/pricing/price_rule_proto.h"
#include "services/pricing/pricing_service.h"
#include "services/pricing/product.h"
#include "services/pricing/quote_proto.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxRuleIdChars = 64;
constexpr size_t kMaxPlaceChars = 64;

// Who may read standard costs in a quote (GetStandardCost's roles).
bool ReadsCosts(const auth::Principal& p) {
  return p.HasAny({auth::Role::kPricingManager, auth::Role::kCreditManager,
                   auth::Role::kAdmin, auth::Role::kPricingService});
}

// What `p` sees of a quote: costs for cost readers only, and a partner
// only the rules in force on the quote's day.
void ForCaller(const auth::Principal& p, pb::Quote& quote) {
  if (!ReadsCosts(p)) StripCosts(quote);
  if (p.is_partner()) StripRulesNotInForce(quote);
}

absl::Status RuleId(absl::string_view field, const std::string& id) {
  return RequireCode(field, id, kMaxRuleIdChars);
}

absl::StatusOr<BasketRequest> BasketFromProto(const std::string& dealer_id,
                                              const pb::Basket& in) {
  BasketRequest b;
  RETURN_IF_ERROR(RequireDealerId("dealer_id", dealer_id));
  b.dealer_id = dealer_id;
  if (in.currency_code().empty()) {
    return InvalidField("basket.currency_code", "is required, e.g. CNY");
  }
  if (absl::Status s = Money::Create(in.currency_code(), 0).status(); !s.ok()) {
    return InvalidField("basket.currency_code", s.message());
  }
  b.currency = in.currency_code();
  RETURN_IF_ERROR(OptionalText("basket.destination_province",
                               in.destination_province(), kMaxPlaceChars));
  RETURN_IF_ERROR(OptionalText("basket.destination_city", in.destination_city(),
                               kMaxPlaceChars));
  if (!in.destination_city().empty() && in.destination_province().empty()) {
    return InvalidField("basket.destination_province",
                        "is required with a destination city");
  }
  b.destination_province = in.destination_province();
  b.destination_city = in.destination_city();
  ASSIGN_OR_RETURN(b.payment_term, PaymentTermFromProto("basket.payment_term",
                                                        in.payment_term()));
  if (in.lines_size() == 0 ||
      in.lines_size() > static_cast<int>(kMaxBasketLines)) {
    return InvalidField("basket.lines",
                        absl::StrCat("must hold 1 to ", kMaxBasketLines,
                                     " lines (got ", in.lines_size(), ")"));
  }
  for (int i = 0; i < in.lines_size(); ++i) {
    const pb::BasketLineInput& l = in.lines(i);
    const std::string at = absl::StrCat("basket.lines[", i, "]");
    RETURN_IF_ERROR(RequireCode(absl::StrCat(at, ".sku"), l.sku(), 64));
    if (l.quantity() < 1 || l.quantity() > 1000000) {
      return InvalidField(absl::StrCat(at, ".quantity"), "must be 1..1000000");
    }
    if (l.unit_weight_grams() < 0 || l.unit_weight_grams() > 10000000) {
      return InvalidField(absl::StrCat(at, ".unit_weight_grams"),
                          "must be 0..10000000");
    }
    b.lines.push_back(
        {CanonicalCode(l.sku()), l.quantity(), l.unit_weight_grams()});
  }
  return b;
}

absl::StatusOr<RuleFilter> FilterFromProto(const pb::ListPriceRulesRequest& r) {
  RuleFilter f;
  if (r.state() != pb::PRICE_RULE_STATE_UNSPECIFIED) {
    ASSIGN_OR_RETURN(f.state, RuleStateFromProto("state", r.state()));
  }
  if (r.type() != pb::PRICE_RULE_TYPE_UNSPECIFIED) {
    ASSIGN_OR_RETURN(f.type, RuleTypeFromProto("type", r.type()));
  }
  if (r.has_dealer_scope()) {
    ASSIGN_OR_RETURN(f.dealer_scope,
                     DealerScopeFromProto("dealer_scope", r.dealer_scope()));
  }
  if (r.has_product_scope()) {
    ASSIGN_OR_RETURN(f.product_scope,
                     ProductScopeFromProto("product_scope", r.product_scope()));
  }
  return f;
}

}  // namespace

void PricingService::ServeRulesAndQuotes() {
  Handle<pb::CreatePriceRuleRequest, pb::PriceRule>(
      "CreatePriceRule",
      [this](const Call& call, const pb::CreatePriceRuleRequest& r,
             pb::PriceRule* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        if (!r.has_price_rule()) {
          return InvalidField("price_rule", "is required");
        }
        if (!r.price_rule().rule_id().empty()) {
          RETURN_IF_ERROR(
              RuleId("price_rule.rule_id", r.price_rule().rule_id()));
        }
        ASSIGN_OR_RETURN(RuleRecord draft,
                         RuleFromProto("price_rule", r.price_rule()));
        pb::CreatePriceRuleRequest read = r;
        read.mutable_price_rule()->clear_etag();
        ASSIGN_OR_RETURN(
            const RuleRecord created,
            rules_->Create(
                call.principal.DisplayName(), std::move(draft),
                call.Idempotent(r.request_id(), RequestFingerprint(read))));
        *out = RuleToProto(created);
        return absl::OkStatus();
      });
  Handle<pb::UpdatePriceRuleRequest, pb::PriceRule>(
      "UpdatePriceRule",
      [this](const Call& call, const pb::UpdatePriceRuleRequest& r,
             pb::PriceRule* out) -> absl::Status {
        if (!r.has_price_rule()) {
          return InvalidField("price_rule", "is required");
        }
        RETURN_IF_ERROR(RuleId("price_rule.rule_id", r.price_rule().rule_id()));
        ASSIGN_OR_RETURN(RuleRecord changed,
                         RuleFromProto("price_rule", r.price_rule()));
        if (r.price_rule().etag().empty()) {
          return InvalidField("price_rule.etag",
                              "is required: the etag of the draft you read");
        }
        ASSIGN_OR_RETURN(
            const int64_t version,
            VersionFromEtag("price_rule.etag", r.price_rule().etag()));
        ASSIGN_OR_RETURN(const RuleRecord updated,
                         rules_->Update(call.principal.DisplayName(),
                                        std::move(changed), version));
        *out = RuleToProto(updated);
        return absl::OkStatus();
      });
  Handle<pb::PublishPriceRuleRequest, pb::PriceRule>(
      "PublishPriceRule",
      [this](const Call& call, const pb::PublishPriceRuleRequest& r,
             pb::PriceRule* out) -> absl::Status {
        RETURN_IF_ERROR(RuleId("rule_id", r.rule_id()));
        int64_t version = 0;
        if (!r.etag().empty()) {
          ASSIGN_OR_RETURN(version, VersionFromEtag("etag", r.etag()));
        }
        ASSIGN_OR_RETURN(const RuleRecord published,
                         rules_->Publish(call.principal.DisplayName(),
                                         r.rule_id(), version));
        *out = RuleToProto(published);
        return absl::OkStatus();
      });
  Handle<pb::RetirePriceRuleRequest, pb::PriceRule>(
      "RetirePriceRule",
      [this](const Call& call, const pb::RetirePriceRuleRequest& r,
             pb::PriceRule* out) -> absl::Status {
        RETURN_IF_ERROR(RuleId("rule_id", r.rule_id()));
        ASSIGN_OR_RETURN(const RuleRecord retired,
                         rules_->Retire(call.principal.DisplayName(),
                                        r.rule_id(), r.reason()));
        *out = RuleToProto(retired);
        return absl::OkStatus();
      });
  Handle<pb::GetPriceRuleRequest, pb::GetPriceRuleResponse>(
      "GetPriceRule",
      [this](const Call&, const pb::GetPriceRuleRequest& r,
             pb::GetPriceRuleResponse* out) -> absl::Status {
        RETURN_IF_ERROR(RuleId("rule_id", r.rule_id()));
        ASSIGN_OR_RETURN(const RuleRecord rule, rules_->Get(r.rule_id()));
        *out->mutable_price_rule() = RuleToProto(rule);
        if (r.with_revisions()) {
          ASSIGN_OR_RETURN(const std::vector<RuleRevision> revisions,
                           rules_->Revisions(r.rule_id()));
          for (const RuleRevision& v : revisions) {
            *out->add_revisions() = RevisionToProto(v);
          }
        }
        return absl::OkStatus();
      });
  Handle<pb::ListPriceRulesRequest, pb::ListPriceRulesResponse>(
      "ListPriceRules",
      [this](const Call&, const pb::ListPriceRulesRequest& r,
             pb::ListPriceRulesResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(const RuleFilter filter, FilterFromProto(r));
        ASSIGN_OR_RETURN(
            const PageRequest page,
            ParsePage(r.page_size(), r.page_token(), filter.Canonical()));
        ASSIGN_OR_RETURN(const RulePage result, rules_->List(filter, page));
        for (const RuleRecord& rule : result.rules) {
          *out->add_price_rules() = RuleToProto(rule);
        }
        out->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });

  Handle<pb::SetFreightAssignmentRequest, pb::FreightAssignment>(
      "SetFreightAssignment",
      [this](const Call& call, const pb::SetFreightAssignmentRequest& r,
             pb::FreightAssignment* out) -> absl::Status {
        if (!r.has_assignment()) {
          return InvalidField("assignment", "is required");
        }
        ASSIGN_OR_RETURN(FreightAssignment a,
                         AssignmentFromProto("assignment", r.assignment()));
        ASSIGN_OR_RETURN(const FreightAssignment set,
                         freight_->SetAssignment(call.principal.DisplayName(),
                                                 std::move(a)));
        *out = AssignmentToProto(set);
        return absl::OkStatus();
      });
  Handle<pb::ListFreightAssignmentsRequest, pb::ListFreightAssignmentsResponse>(
      "ListFreightAssignments",
      [this](const Call&, const pb::ListFreightAssignmentsRequest&,
             pb::ListFreightAssignmentsResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(const auto all, freight_->ListAssignments());
        for (const FreightAssignment& a : all) {
          *out->add_assignments() = AssignmentToProto(a);
        }
        return absl::OkStatus();
      });
  Handle<pb::SetFreightRateRequest, pb::FreightRate>(
      "SetFreightRate",
      [this](const Call& call, const pb::SetFreightRateRequest& r,
             pb::FreightRate* out) -> absl::Status {
        if (!r.has_rate()) return InvalidField("rate", "is required");
        ASSIGN_OR_RETURN(const FreightRate rate,
                         RateFromProto("rate", r.rate()));
        ASSIGN_OR_RETURN(const StoredFreightRate set,
                         freight_->SetRate(call.principal.DisplayName(), rate));
        *out = RateToProto(set);
        return absl::OkStatus();
      });
  Handle<pb::ListFreightRatesRequest, pb::ListFreightRatesResponse>(
      "ListFreightRates",
      [this](const Call&, const pb::ListFreightRatesRequest& r,
             pb::ListFreightRatesResponse* out) -> absl::Status {
        RETURN_IF_ERROR(OptionalText("origin", r.origin(), kMaxPlaceChars));
        ASSIGN_OR_RETURN(const auto all, freight_->ListRates(r.origin()));
        for (const StoredFreightRate& rate : all) {
          *out->add_rates() = RateToProto(rate);
        }
        return absl::OkStatus();
      });
  Handle<pb::SetZoneAdjustmentRequest, pb::ZoneAdjustment>(
      "SetZoneAdjustment",
      [this](const Call& call, const pb::SetZoneAdjustmentRequest& r,
             pb::ZoneAdjustment* out) -> absl::Status {
        if (!r.has_adjustment()) {
          return InvalidField("adjustment", "is required");
        }
        ASSIGN_OR_RETURN(const ZoneAdjustment zone,
                         ZoneFromProto("adjustment", r.adjustment()));
        ASSIGN_OR_RETURN(
            const StoredZoneAdjustment set,
            freight_->SetZoneAdjustment(call.principal.DisplayName(), zone));
        *out = ZoneToProto(set);
        return absl::OkStatus();
      });
  Handle<pb::ListZoneAdjustmentsRequest, pb::ListZoneAdjustmentsResponse>(
      "ListZoneAdjustments",
      [this](const Call&, const pb::ListZoneAdjustmentsRequest&,
             pb::ListZoneAdjustmentsResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(const auto all, freight_->ListZoneAdjustments());
        for (const StoredZoneAdjustment& z : all) {
          *out->add_adjustments() = ZoneToProto(z);
        }
        return absl::OkStatus();
      });

  Handle<pb::PriceBasketRequest, pb::Quote>(
      "PriceBasket",
      [this](const Call& call, const pb::PriceBasketRequest& r,
             pb::Quote* out) -> absl::Status {
        if (!pb::WaterfallView_IsValid(r.view())) {
          return InvalidField("view", "is not a waterfall view");
        }
        ASSIGN_OR_RETURN(const BasketRequest basket,
                         BasketFromProto(r.dealer_id(), r.basket()));
        ASSIGN_OR_RETURN(const PricedBasket priced,
                         quotes_->Price(call.Outgoing(), basket));
        PricedBasketToProto(priced, r.view() != pb::WATERFALL_VIEW_BASIC, out);
        ForCaller(call.principal, *out);
        return absl::OkStatus();
      });
  Handle<pb::CreateQuoteRequest, pb::Quote>(
      "CreateQuote",
      [this](const Call& call, const pb::CreateQuoteRequest& r,
             pb::Quote* out) -> absl::Status {
        RETURN_IF_ERROR(ValidRequestId("request_id", r.request_id()));
        ASSIGN_OR_RETURN(const BasketRequest basket,
                         BasketFromProto(r.dealer_id(), r.basket()));
        int days = r.validity_days();
        if (days == 0) days = kDefaultQuoteValidityDays;
        if (days < 1 || days > kMaxQuoteValidityDays) {
          return InvalidField(
              "validity_days",
              absl::StrCat("must be 1..", kMaxQuoteValidityDays,
                           " (0: ", kDefaultQuoteValidityDays, ")"));
        }
        ASSIGN_OR_RETURN(
            const Quote quote,
            quotes_->Create(
                call.Outgoing(), call.principal.DisplayName(), basket, days,
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        QuoteToProto(quote, /*with_waterfall=*/true, out);
        ForCaller(call.principal, *out);
        return absl::OkStatus();
      });
  Handle<pb::GetQuoteRequest, pb::Quote>(
      "GetQuote",
      [this](const Call& call, const pb::GetQuoteRequest& r,
             pb::Quote* out) -> absl::Status {
        RETURN_IF_ERROR(RequireId("quote_id", r.quote_id(), kQuoteIdPrefix));
        if (!r.dealer_id().empty()) {
          RETURN_IF_ERROR(RequireDealerId("dealer_id", r.dealer_id()));
        }
        ASSIGN_OR_RETURN(const Quote quote, quotes_->Get(r.quote_id()));
        // Another dealer's quote, for a partner (or a caller naming the
        // dealer), is as if it did not exist.
        if ((!r.dealer_id().empty() && quote.dealer_id != r.dealer_id()) ||
            !call.principal.Reaches(quote.dealer_id)) {
          return Refusal(
              absl::StatusCode::kNotFound, kReasonQuoteNotFound,
              absl::StrCat("quote ", r.quote_id(), " does not exist"));
        }
        QuoteToProto(quote, /*with_waterfall=*/true, out);
        ForCaller(call.principal, *out);
        return absl::OkStatus();
      });
  Handle<pb::ListQuotesRequest, pb::ListQuotesResponse>(
      "ListQuotes",
      [this](const Call&, const pb::ListQuotesRequest& r,
             pb::ListQuotesResponse* out) -> absl::Status {
        RETURN_IF_ERROR(RequireDealerId("dealer_id", r.dealer_id()));
        ASSIGN_OR_RETURN(const PageRequest page,
                         ParsePage(r.page_size(), r.page_token(),
                                   QuoteListFilter(r.dealer_id())));
        ASSIGN_OR_RETURN(const QuotePage result,
                         quotes_->List(r.dealer_id(), page));
        for (const Quote& q : result.quotes) {
          QuoteToProto(q, /*with_waterfall=*/false, out->add_quotes());
        }
        out->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
  Handle<pb::SimulateRuleChangeRequest, pb::SimulateRuleChangeResponse>(
      "SimulateRuleChange",
      [this](const Call& call, const pb::SimulateRuleChangeRequest& r,
             pb::SimulateRuleChangeResponse* out) -> absl::Status {
        if (r.draft_rule_ids_size() == 0 && r.inline_rules_size() == 0) {
          return InvalidField("draft_rule_ids",
                              "name a draft or give an inline rule");
        }
        std::vector<std::string> drafts;
        for (int i = 0; i < r.draft_rule_ids_size(); ++i) {
          RETURN_IF_ERROR(RuleId(absl::StrCat("draft_rule_ids[", i, "]"),
                                 r.draft_rule_ids(i)));
          drafts.push_back(r.draft_rule_ids(i));
        }
        std::vector<PriceRule> inline_rules;
        for (int i = 0; i < r.inline_rules_size(); ++i) {
          const std::string at = absl::StrCat("inline_rules[", i, "]");
          RETURN_IF_ERROR(RuleId(absl::StrCat(at, ".rule_id"),
                                 r.inline_rules(i).rule_id()));
          ASSIGN_OR_RETURN(RuleRecord rule,
                           RuleFromProto(at, r.inline_rules(i)));
          RETURN_IF_ERROR(CheckPriceRule(at, rule.rule, ""));
          inline_rules.push_back(std::move(rule.rule));
        }
        const int documents = r.quote_ids_size() + r.order_ids_size();
        if (documents == 0 ||
            documents > static_cast<int>(kMaxSimulatedQuotes)) {
          return InvalidField(
              r.order_ids_size() == 0 ||
                      r.quote_ids_size() > static_cast<int>(kMaxSimulatedQuotes)
                  ? "quote_ids"
                  : "order_ids",
              absl::StrCat("quote_ids and order_ids must name 1 to ",
                           kMaxSimulatedQuotes, " quotes and orders in all"));
        }
        std::vector<std::string> quote_ids;
        for (int i = 0; i < r.quote_ids_size(); ++i) {
          RETURN_IF_ERROR(RequireId(absl::StrCat("quote_ids[", i, "]"),
                                    r.quote_ids(i), kQuoteIdPrefix));
          quote_ids.push_back(r.quote_ids(i));
        }
        std::vector<std::string> order_ids;
        for (int i = 0; i < r.order_ids_size(); ++i) {
          RETURN_IF_ERROR(RequireId(absl::StrCat("order_ids[", i, "]"),
                                    r.order_ids(i), kOrderIdPrefix));
          order_ids.push_back(r.order_ids(i));
        }
        ASSIGN_OR_RETURN(
            const Simulation sim,
            quotes_->Simulate(call.Outgoing(), drafts, std::move(inline_rules),
                              quote_ids, order_ids));
        for (const SimulatedLine& l : sim.lines) {
          pb::SimulatedLine* p = out->add_lines();
          p->set_quote_id(l.quote_id);
          p->set_order_id(l.order_id);
          p->set_line(l.line);
          p->set_sku(l.sku);
          *p->mutable_old_net() = MoneyToProto(l.old_net);
          *p->mutable_new_net() = MoneyToProto(l.new_net);
          *p->mutable_difference() = MoneyToProto(l.difference);
          p->set_new_failure_reason(l.new_failure_reason);
        }
        for (const SimulatedDealerTotal& t : sim.dealer_totals) {
          pb::SimulatedDealerTotal* p = out->add_dealer_totals();
          p->set_dealer_id(t.dealer_id);
          *p->mutable_old_goods() = MoneyToProto(t.old_goods);
          *p->mutable_new_goods() = MoneyToProto(t.new_goods);
          *p->mutable_difference() = MoneyToProto(t.difference);
        }
        return absl::OkStatus();
      });
}

}  // namespace qudao::pricing
