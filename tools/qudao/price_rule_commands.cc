// `qudao price rules|quote|simulate`: price rules (draft, publish, retire),
// pricing a basket or storing it as a quote with its waterfall printed for
// a person, and simulating a rule change over stored quotes.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"
#include "common/proto/conversion.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::pricing::v1;
using Stub = pb::PricingService::Stub;

std::string Amount(const type::v1::Money& m) {
  absl::StatusOr<Money> money =
      Money::Create(m.currency_code(), m.minor_units());
  return money.ok() ? money->ToString() : "-";
}

bool Bad(const std::string& flag, const std::string& problem) {
  std::cerr << flag << ": " << problem << "\n";
  return false;
}

// "all", "level:distributor", "abc:A", "zone:EAST", "dealer:dlr_…".
bool ParseDealerScope(const std::string& text, pb::DealerScope* out) {
  std::vector<std::string> p = absl::StrSplit(text, absl::MaxSplits(':', 1));
  const std::string kind = absl::AsciiStrToLower(p[0]);
  if (kind == "all") return true;
  if (p.size() != 2)
    return Bad("--dealers", "kind:code, e.g. level:distributor");
  out->set_code(p[1]);
  if (kind == "level") {
    out->set_kind(pb::DEALER_SCOPE_KIND_CHANNEL_LEVEL);
    out->clear_code();
    pb::PricingChannelLevel level;
    if (!pb::PricingChannelLevel_Parse(
            absl::StrCat("PRICING_CHANNEL_LEVEL_", absl::AsciiStrToUpper(p[1])),
            &level)) {
      return Bad("--dealers",
                 "level is distributor, wholesaler, retailer or "
                 "key_account");
    }
    out->set_channel_level(level);
  } else if (kind == "abc") {
    out->set_kind(pb::DEALER_SCOPE_KIND_ABC_CLASS);
  } else if (kind == "zone") {
    out->set_kind(pb::DEALER_SCOPE_KIND_ZONE);
  } else if (kind == "dealer") {
    out->set_kind(pb::DEALER_SCOPE_KIND_DEALER);
  } else {
    return Bad("--dealers", "all, level:, abc:, zone: or dealer:");
  }
  return true;
}

// "all", "group:PUMPS-CENTRIFUGAL", "sku:PUMP-100".
bool ParseProductScope(const std::string& text, pb::ProductScope* out) {
  std::vector<std::string> p = absl::StrSplit(text, absl::MaxSplits(':', 1));
  const std::string kind = absl::AsciiStrToLower(p[0]);
  if (kind == "all") return true;
  if (p.size() != 2) return Bad("--products", "all, group:CODE or sku:SKU");
  out->set_code(p[1]);
  if (kind == "group") {
    out->set_kind(pb::PRODUCT_SCOPE_KIND_GROUP);
  } else if (kind == "sku") {
    out->set_kind(pb::PRODUCT_SCOPE_KIND_SKU);
  } else {
    return Bad("--products", "all, group:CODE or sku:SKU");
  }
  return true;
}

// "20:200,50:400": threshold:basis points; a threshold with a decimal
// point is an amount in `currency`.
bool ParseTiers(const std::string& text, const std::string& currency,
                google::protobuf::RepeatedPtrField<pb::Tier>* out) {
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::vector<std::string> p = absl::StrSplit(part, ':');
    pb::Tier t;
    int64_t bp = 0;
    if (p.size() != 2 || !absl::SimpleAtoi(p[1], &bp)) {
      return Bad("--tiers", "threshold:basis_points,…");
    }
    t.set_basis_points(bp);
    if (absl::StrContains(p[0], '.')) {
      if (!ToMoney(currency, p[0], "--tiers", t.mutable_min_amount())) {
        return false;
      }
    } else {
      int64_t q = 0;
      if (!absl::SimpleAtoi(p[0], &q)) return Bad("--tiers", "bad threshold");
      t.set_min_quantity(q);
    }
    *out->Add() = t;
  }
  return true;
}

struct RuleFlags {
  std::string json, id, type,
      dealers = "all", products = "all", from, until, tiers, measure = "units",
      period = "quarter", basis = "line", currency = "CNY", trigger,
      ratio = "1:1", ending, floor_min, description, request_id;
  int priority = 0;
  int64_t bp = 0, floor_margin = -1;
  bool reject = false;
};

bool BuildRule(const RuleFlags& f, pb::PriceRule* r) {
  if (!f.json.empty()) {
    std::ifstream in(f.json);
    if (!in) return Bad("--json", "cannot read " + f.json);
    std::stringstream text;
    text << in.rdbuf();
    if (absl::Status s = FromJson(text.str(), r); !s.ok()) {
      return Bad("--json", std::string(s.message()));
    }
    return true;
  }
  r->set_rule_id(f.id);
  pb::PriceRuleType type;
  if (!pb::PriceRuleType_Parse(
          absl::StrCat("PRICE_RULE_TYPE_", absl::AsciiStrToUpper(f.type)),
          &type)) {
    return Bad("--type",
               "channel_margin, seasonal, quantity, cumulative_volume, "
               "bundle, price_ending, floor or rebate");
  }
  r->set_type(type);
  if (!ParseDealerScope(f.dealers, r->mutable_dealer_scope()) ||
      !ParseProductScope(f.products, r->mutable_product_scope())) {
    return false;
  }
  r->set_valid_from(f.from);
  r->set_valid_until(f.until);
  r->set_priority(f.priority);
  r->set_basis_points(f.bp);
  r->set_description(f.description);
  if (type == pb::PRICE_RULE_TYPE_QUANTITY) {
    if (f.basis == "order") {
      r->mutable_quantity()->set_basis(pb::QUANTITY_BASIS_ORDER_AMOUNT);
    }
    if (!ParseTiers(f.tiers, f.currency,
                    r->mutable_quantity()->mutable_tiers()))
      return false;
  }
  if (type == pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME) {
    pb::CumulativeParams* c = r->mutable_cumulative();
    if (f.measure == "amount") c->set_measure(pb::VOLUME_MEASURE_AMOUNT);
    pb::VolumePeriod period;
    if (!pb::VolumePeriod_Parse(
            absl::StrCat("VOLUME_PERIOD_", absl::AsciiStrToUpper(f.period)),
            &period)) {
      return Bad("--period", "month, quarter or year");
    }
    c->set_period(period);
    if (!ParseTiers(f.tiers, f.currency, c->mutable_tiers())) return false;
  }
  if (type == pb::PRICE_RULE_TYPE_BUNDLE) {
    std::vector<std::string> ratio = absl::StrSplit(f.ratio, ':');
    int64_t a = 0, b = 0;
    if (ratio.size() != 2 || !absl::SimpleAtoi(ratio[0], &a) ||
        !absl::SimpleAtoi(ratio[1], &b)) {
      return Bad("--ratio", "A:B, e.g. 2:1");
    }
    r->mutable_bundle()->set_trigger_sku(f.trigger);
    r->mutable_bundle()->set_trigger_quantity(a);
    r->mutable_bundle()->set_discounted_quantity(b);
    r->mutable_bundle()->set_basis_points(f.bp);
  }
  if (type == pb::PRICE_RULE_TYPE_PRICE_ENDING) {
    std::vector<std::string> e = absl::StrSplit(f.ending, ':');
    int64_t step = 0, ending = 0;
    if (e.size() != 2 || !absl::SimpleAtoi(e[0], &step) ||
        !absl::SimpleAtoi(e[1], &ending)) {
      return Bad("--ending", "STEP:ENDING in fen, e.g. 100:99");
    }
    r->mutable_ending()->set_step(step);
    r->mutable_ending()->set_ending(ending);
  }
  if (type == pb::PRICE_RULE_TYPE_FLOOR) {
    pb::FloorParams* fl = r->mutable_floor();
    if (f.floor_margin >= 0) {
      fl->set_kind(pb::FLOOR_KIND_MIN_MARGIN_OVER_COST);
      fl->set_min_margin_basis_points(f.floor_margin);
    } else if (!ToMoney(f.currency, f.floor_min, "--floor_min",
                        fl->mutable_min_net_unit_price())) {
      return false;
    }
    if (f.reject) fl->set_action(pb::FLOOR_ACTION_REJECT);
  }
  return true;
}

void AddRuleCommands(CLI::App* price, int* exit_code) {
  auto* rules = price->add_subcommand(
      "rules", "price rules: drafts, publication (four eyes), retirement");
  rules->require_subcommand(1);

  ClientCommand list = NewClientCommand(rules, "list", "price rules by id");
  auto list_req = std::make_shared<pb::ListPriceRulesRequest>();
  auto state = std::make_shared<std::string>();
  list.cmd->add_option("--state", *state, "draft, active or retired");
  list.cmd->add_option("--page_token", *list_req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, list_req, state, exit_code] {
    if (!state->empty()) {
      pb::PriceRuleState s;
      if (!pb::PriceRuleState_Parse(
              absl::StrCat("PRICE_RULE_STATE_", absl::AsciiStrToUpper(*state)),
              &s)) {
        std::cerr << "--state: draft, active or retired\n";
        *exit_code = 2;
        return;
      }
      list_req->set_state(s);
    }
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::ListPriceRules, *stub, *list_req,
        [&o](const pb::ListPriceRulesResponse& r) {
          PrintList(*o, r, "price_rules",
                    {"rule_id", "type", "state", "priority", "valid_from",
                     "valid_until", "basis_points", "version", "description"});
        });
  });

  ClientCommand show =
      NewClientCommand(rules, "show", "one rule with its revisions");
  auto show_req = std::make_shared<pb::GetPriceRuleRequest>();
  show_req->set_with_revisions(true);
  show.cmd->add_option("rule_id", *show_req->mutable_rule_id(), "")->required();
  show.cmd->callback([o = show.options, show_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetPriceRule, *stub, *show_req,
                 [&o](const pb::GetPriceRuleResponse& r) {
                   if (o->output == "json") {
                     PrintResource(*o, r);
                     return;
                   }
                   PrintResource(*o, r.price_rule());
                   std::cout << "\nrevisions:\n";
                   PrintList(
                       *o, r, "revisions",
                       {"version", "change", "changed_by", "change_time"});
                 });
  });

  ClientCommand create = NewClientCommand(
      rules, "create", "a draft rule (publish it as another pricing manager)");
  auto f = std::make_shared<RuleFlags>();
  create.cmd->add_option("--json", f->json,
                         "a PriceRule as JSON (instead of the flags below)");
  create.cmd->add_option("--id", f->id, "rule id (default: made up)");
  create.cmd->add_option("--type", f->type,
                         "channel_margin, seasonal, quantity, "
                         "cumulative_volume, bundle, price_ending, floor, "
                         "rebate");
  create.cmd
      ->add_option("--dealers", f->dealers,
                   "all, level:distributor, abc:A, zone:EAST, "
                   "dealer:dlr_…")
      ->capture_default_str();
  create.cmd->add_option("--products", f->products, "all, group:CODE, sku:SKU")
      ->capture_default_str();
  create.cmd->add_option("--from", f->from, "first day, YYYY-MM-DD");
  create.cmd->add_option("--until", f->until, "first day no longer (optional)");
  create.cmd->add_option("--priority", f->priority, "higher wins");
  create.cmd->add_option("--bp", f->bp,
                         "basis points (margin, seasonal, rebate, bundle)");
  create.cmd->add_option("--tiers", f->tiers,
                         "threshold:bp,… (quantity, cumulative_volume)");
  create.cmd->add_option("--basis", f->basis, "quantity: line or order");
  create.cmd->add_option("--measure", f->measure, "cumulative: units|amount");
  create.cmd->add_option("--period", f->period,
                         "cumulative: month|quarter|year");
  create.cmd->add_option("--currency", f->currency, "for amounts")
      ->capture_default_str();
  create.cmd->add_option("--trigger", f->trigger, "bundle: the A SKU");
  create.cmd->add_option("--ratio", f->ratio, "bundle: A:B");
  create.cmd->add_option("--ending", f->ending, "price ending: STEP:ENDING");
  create.cmd->add_option("--floor_min", f->floor_min,
                         "floor: minimum net unit price");
  create.cmd->add_option("--floor_margin", f->floor_margin,
                         "floor: minimum margin over cost, bp");
  create.cmd->add_flag("--reject", f->reject,
                       "floor: fail the line instead of raising it");
  create.cmd->add_option("--description", f->description, "what it is for");
  create.cmd->add_option("--request_id", f->request_id, "idempotency key");
  create.cmd->callback([o = create.options, f, exit_code] {
    pb::CreatePriceRuleRequest req;
    if (!BuildRule(*f, req.mutable_price_rule())) {
      *exit_code = 2;
      return;
    }
    req.set_request_id(f->request_id);
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::CreatePriceRule, *stub, req,
                 [&o](const pb::PriceRule& r) { PrintResource(*o, r); });
  });

  ClientCommand publish = NewClientCommand(
      rules, "publish", "make a draft active (not its author)");
  auto pub_req = std::make_shared<pb::PublishPriceRuleRequest>();
  publish.cmd->add_option("rule_id", *pub_req->mutable_rule_id(), "")
      ->required();
  publish.cmd->add_option("--etag", *pub_req->mutable_etag(),
                          "the etag you reviewed");
  publish.cmd->callback([o = publish.options, pub_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::PublishPriceRule, *stub, *pub_req,
                 [&o](const pb::PriceRule& r) { PrintResource(*o, r); });
  });

  ClientCommand retire =
      NewClientCommand(rules, "retire", "retire an active rule");
  auto ret_req = std::make_shared<pb::RetirePriceRuleRequest>();
  retire.cmd->add_option("rule_id", *ret_req->mutable_rule_id(), "")
      ->required();
  retire.cmd->add_option("--reason", *ret_req->mutable_reason(), "why")
      ->required();
  retire.cmd->callback([o = retire.options, ret_req, exit_code] {
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RetirePriceRule, *stub, *ret_req,
                 [&o](const pb::PriceRule& r) { PrintResource(*o, r); });
  });
}

// The waterfall for a person.
// A step in words: WATERFALL_STEP_KIND_CHANNEL_MARGIN → "channel margin".
// A step this CLI does not know (a newer server's) prints as its number.
std::string StepWords(pb::WaterfallStepKind step) {
  const std::string& name = pb::WaterfallStepKind_Name(step);
  if (name.empty()) return absl::StrCat("step ", static_cast<int>(step));
  std::string words =
      absl::AsciiStrToLower(absl::StripPrefix(name, "WATERFALL_STEP_KIND_"));
  absl::StrReplaceAll({{"_", " "}}, &words);
  return words;
}

// LOWER_PRIORITY, …; one this CLI does not know as its number.
std::string ReasonWords(pb::NotAppliedReason reason) {
  const std::string& name = pb::NotAppliedReason_Name(reason);
  if (name.empty()) return absl::StrCat("reason ", static_cast<int>(reason));
  return std::string(absl::StripPrefix(name, "NOT_APPLIED_REASON_"));
}

void PrintQuote(const pb::Quote& q) {
  if (!q.quote_id().empty()) {
    std::cout << "quote " << q.quote_id() << " (expires "
              << TimeFromProto(q.expire_time()) << ")\n";
  }
  std::cout << "dealer " << q.dealer_id() << ", " << q.quote_day() << ", to "
            << q.destination_province() << " " << q.destination_city() << ", "
            << FormatPaymentTerm({q.payment_term().net_days(),
                                  q.payment_term().discount_basis_points(),
                                  q.payment_term().discount_days()})
            << "\n";
  const pb::Waterfall& w = q.waterfall();
  for (const pb::LineWaterfall& l : w.lines()) {
    std::cout << "\nline " << l.line() << ": " << l.sku() << " × "
              << l.quantity() << " at " << Amount(l.list_price())
              << " (price list v" << l.list_version() << ")";
    if (l.has_standard_cost()) {
      std::cout << ", cost " << Amount(l.standard_cost()) << " (v"
                << l.cost_version() << ")";
    }
    std::cout << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const pb::WaterfallStep& s : l.steps()) {
      rows.push_back({StepWords(s.step()), s.rule_id(), Amount(s.amount()),
                      Amount(s.running_after()), s.note()});
    }
    PrintTable({"step", "rule", "amount", "running", "how"}, rows);
    for (const pb::RuleNotApplied& n : l.not_applied()) {
      std::cout << "  not applied: " << n.rule_id() << " ("
                << StepWords(n.step()) << ") " << ReasonWords(n.reason())
                << ": " << n.explanation() << "\n";
    }
    for (const pb::FloorClamp& c : l.clamps()) {
      std::cout << "  floor " << c.floor() << " raised it by "
                << Amount(c.raised_by()) << ": " << c.explanation() << "\n";
    }
    if (!l.failure_reason().empty()) {
      std::cout << "  FAILED " << l.failure_reason() << ": "
                << l.failure_message() << "\n";
    }
    std::cout << "  net " << Amount(l.net_amount()) << " ("
              << Amount(l.net_unit_price()) << " a unit, "
              << Amount(l.tax_inclusive_unit_price()) << " with VAT)";
    if (!l.rebate_rule_id().empty()) {
      std::cout << "; rebate " << l.rebate_rule_id() << " accrues "
                << Amount(l.rebate_accrual());
    }
    std::cout << "\n";
  }
  std::cout << "\ngoods     " << Amount(w.goods_total()) << "\n";
  std::cout << "freight   " << Amount(w.freight().freight()) << "  ("
            << w.freight().explanation() << ")\n";
  if (w.freight().zone_adjustment().minor_units() != 0) {
    std::cout << "zone      " << Amount(w.freight().zone_adjustment()) << "\n";
  }
  std::cout << "VAT       " << Amount(w.vat()) << " (" << w.vat_basis_points()
            << " bp)\n";
  std::cout << "total     " << Amount(w.total()) << "\n";
  if (w.has_cash_discount()) {
    std::cout << "or        " << w.cash_discount().text() << "\n";
  }
  if (w.rebate_total().minor_units() != 0) {
    std::cout << "rebates   " << Amount(w.rebate_total())
              << " accrued (paid later)\n";
  }
  for (const pb::VolumeCounted& v : w.volumes()) {
    std::cout << "volume    " << v.rule_id() << " " << v.period() << ": "
              << (v.prior_given() ? "" : "(prior unknown) ")
              << (v.measure() == "units"
                      ? absl::StrCat(v.counted_units(), " units")
                      : Amount(v.counted_amount()))
              << (v.tier_reached()
                      ? absl::StrCat(", tier ", v.tier_basis_points(), " bp")
                      : ", below the first tier")
              << "\n";
  }
  std::vector<std::string> used;
  for (const pb::RuleVersionUsed& r : w.rules()) {
    used.push_back(absl::StrCat(r.rule_id(), " v", r.version()));
  }
  std::cout << "rules     "
            << (used.empty() ? "none" : absl::StrJoin(used, ", ")) << "\n";
}

struct QuoteFlags {
  std::string dealer, currency = "CNY", destination, term = "net 30",
                      request_id;
  std::vector<std::string> lines;
  bool store = false;
  int validity = 0;
};

void AddQuoteCommand(CLI::App* price, int* exit_code) {
  ClientCommand quote = NewClientCommand(
      price, "quote", "price a basket for a dealer (--store: a stored quote)");
  auto f = std::make_shared<QuoteFlags>();
  quote.cmd->add_option("--dealer", f->dealer, "dlr_…")->required();
  quote.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  quote.cmd->add_option("--line", f->lines, "SKU=QTY (repeat)")->required();
  quote.cmd->add_option("--destination", f->destination,
                        "PROVINCE or PROVINCE/CITY (default: the dealer's)");
  quote.cmd->add_option("--term", f->term, "e.g. \"2/10 net 30\"")
      ->capture_default_str();
  quote.cmd->add_flag("--store", f->store, "store it as a quote");
  quote.cmd->add_option("--validity", f->validity, "days (1..90, default 14)");
  quote.cmd->add_option("--request_id", f->request_id, "idempotency key");
  quote.cmd->callback([o = quote.options, f, exit_code] {
    pb::Basket basket;
    basket.set_currency_code(f->currency);
    std::vector<std::string> dest =
        absl::StrSplit(f->destination, absl::MaxSplits('/', 1));
    if (!f->destination.empty()) {
      basket.set_destination_province(dest[0]);
      if (dest.size() > 1) basket.set_destination_city(dest[1]);
    }
    absl::StatusOr<PaymentTerm> term = ParsePaymentTerm(f->term);
    if (!term.ok()) {
      std::cerr << "--term: " << term.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    *basket.mutable_payment_term() = PaymentTermToProto(*term);
    for (const std::string& line : f->lines) {
      std::vector<std::string> p = absl::StrSplit(line, '=');
      int64_t qty = 0;
      if (p.size() != 2 || !absl::SimpleAtoi(p[1], &qty)) {
        std::cerr << "--line: SKU=QTY, e.g. PUMP-100=10 (got " << line << ")\n";
        *exit_code = 2;
        return;
      }
      pb::BasketLineInput* l = basket.add_lines();
      l->set_sku(p[0]);
      l->set_quantity(qty);
    }
    auto stub = NewStub<pb::PricingService>(*o);
    auto print = [&o](const pb::Quote& q) {
      if (o->output == "json") {
        PrintResource(*o, q);
      } else {
        PrintQuote(q);
      }
    };
    if (f->store) {
      pb::CreateQuoteRequest req;
      req.set_dealer_id(f->dealer);
      *req.mutable_basket() = basket;
      req.set_validity_days(f->validity);
      req.set_request_id(f->request_id);
      CallAndPrint(*o, exit_code, &Stub::CreateQuote, *stub, req, print);
    } else {
      pb::PriceBasketRequest req;
      req.set_dealer_id(f->dealer);
      *req.mutable_basket() = basket;
      CallAndPrint(*o, exit_code, &Stub::PriceBasket, *stub, req, print);
    }
  });
}

void AddSimulateCommand(CLI::App* price, int* exit_code) {
  ClientCommand sim = NewClientCommand(
      price, "simulate",
      "what draft rules would change in stored quotes and orders (nothing "
      "stored)");
  auto req = std::make_shared<pb::SimulateRuleChangeRequest>();
  auto drafts = std::make_shared<std::vector<std::string>>();
  auto quotes = std::make_shared<std::vector<std::string>>();
  auto orders = std::make_shared<std::vector<std::string>>();
  sim.cmd->add_option("--draft", *drafts, "draft rule id (repeat)")->required();
  sim.cmd->add_option("--quote", *quotes, "quote id (repeat)");
  sim.cmd->add_option("--order", *orders,
                      "order id (repeat): priced as its quote at the "
                      "quantities not cancelled");
  sim.cmd->callback([o = sim.options, req, drafts, quotes, orders, exit_code] {
    for (const std::string& d : *drafts) req->add_draft_rule_ids(d);
    for (const std::string& q : *quotes) req->add_quote_ids(q);
    for (const std::string& id : *orders) req->add_order_ids(id);
    auto stub = NewStub<pb::PricingService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::SimulateRuleChange, *stub, *req,
        [&o](const pb::SimulateRuleChangeResponse& r) {
          if (o->output == "json") {
            PrintResource(*o, r);
            return;
          }
          std::vector<std::vector<std::string>> rows;
          for (const pb::SimulatedLine& l : r.lines()) {
            rows.push_back({l.order_id(), l.quote_id(), absl::StrCat(l.line()),
                            l.sku(), Amount(l.old_net()), Amount(l.new_net()),
                            Amount(l.difference()), l.new_failure_reason()});
          }
          PrintTable({"order", "quote", "line", "sku", "old net", "new net",
                      "difference", "new failure"},
                     rows);
          std::cout << "\n";
          rows.clear();
          for (const pb::SimulatedDealerTotal& t : r.dealer_totals()) {
            rows.push_back({t.dealer_id(), Amount(t.old_goods()),
                            Amount(t.new_goods()), Amount(t.difference())});
          }
          PrintTable({"dealer", "old goods", "new goods", "difference"}, rows);
        });
  });
}

}  // namespace

void AddPriceRuleCommands(CLI::App* price, int* exit_code) {
  AddRuleCommands(price, exit_code);
  AddQuoteCommand(price, exit_code);
  AddSimulateCommand(price, exit_code);
}

}  // namespace qudao::cli
