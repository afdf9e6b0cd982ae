// Price rules, freight settings and quotes over real gRPC (in-process
// server, port 0), on SQLite and on a real PostgreSQL. Pricing calls the
// real customer records (dealer facts) and the real credit control
// (cumulative volumes, GetRevenueSummary), both in-process: no fakes.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/storage/database.h"
#include "common/testing/database_fixture.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/credit_control/credit_control_testing.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/pricing/pricing_module.h"

namespace qudao::pricing {
namespace {

namespace pb = ::qudao::pricing::v1;
using ::qudao::testing::TestIdentity;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

type::v1::Money Cny(int64_t minor) {
  type::v1::Money m;
  m.set_currency_code("CNY");
  m.set_minor_units(minor);
  return m;
}

template <typename B>
class QuoteServiceTest : public testing::ServiceTest<B, pb::PricingService> {
 protected:
  void SetUp() override {
    // 2026-11-27 12:00 Shanghai: "today" is 2026-11-27.
    this->clock_.Set(absl::FromUnixSeconds(1795752000));
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    // On the same day as pricing: its invoices fall in the quote's periods.
    auto credit = credit::CreditControlForTest::Start(customers_->target(),
                                                      &this->clock_);
    ASSERT_TRUE(credit.ok()) << credit.status();
    credit_ = std::move(*credit);
    this->StartService(NewPricingModule,
                       {{"customer_records", customers_->target()},
                        {"credit_control", credit_->target()}});
    if (::testing::Test::HasFatalFailure()) return;
    auto db = storage::OpenDatabase(this->fixture_->database_url());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto dealer = customers_->CreateDealer("Mingda Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    auto other = customers_->CreateDealer("Huadong Retail");
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = *other;
    Catalogue();
  }

  // PUMP-100 at 1,299.00 (cost 800.00), PUMP-200 at 1,599.00.
  void Catalogue() {
    {
      pb::CreateProductGroupRequest req;
      req.mutable_product_group()->set_group_code("PUMPS-CENTRIFUGAL");
      req.mutable_product_group()->set_product_line("PUMPS");
      req.mutable_product_group()->set_name("离心泵");
      pb::ProductGroup out;
      grpc::ClientContext ctx;
      ASSERT_TRUE(this->stub_->CreateProductGroup(&ctx, req, &out).ok());
    }
    for (const char* sku : {"PUMP-100", "PUMP-200"}) {
      pb::CreateProductRequest req;
      req.mutable_product()->set_sku(sku);
      req.mutable_product()->set_name("Pump");
      req.mutable_product()->set_product_group("PUMPS-CENTRIFUGAL");
      pb::Product out;
      grpc::ClientContext ctx;
      ASSERT_TRUE(this->stub_->CreateProduct(&ctx, req, &out).ok());
    }
    pb::PublishPriceListRequest req;
    pb::PriceListVersion* v = req.mutable_price_list();
    v->set_currency_code("CNY");
    v->set_valid_from("2026-11-01");
    for (const auto& [sku, minor] :
         std::vector<std::pair<std::string, int64_t>>{{"PUMP-100", 129900},
                                                      {"PUMP-200", 159900}}) {
      pb::PriceListEntry* e = v->add_entries();
      e->set_sku(sku);
      *e->mutable_list_price() = Cny(minor);
    }
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->PublishPriceList(&ctx, req, &out).ok());
    pb::SetStandardCostRequest cost;
    cost.mutable_standard_cost()->set_sku("PUMP-100");
    *cost.mutable_standard_cost()->mutable_cost() = Cny(80000);
    cost.mutable_standard_cost()->set_effective_from("2026-01-01");
    pb::StandardCost set;
    grpc::ClientContext cctx;
    ASSERT_TRUE(this->stub_->SetStandardCost(&cctx, cost, &set).ok());
  }

  static void As(grpc::ClientContext* ctx, const std::string& who,
                 const std::string& role) {
    ctx->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().Token(who, {role})));
  }
  static void AsPartner(grpc::ClientContext* ctx, const std::string& dealer) {
    ctx->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().ServiceToken("gateway")));
    ctx->AddMetadata(kPartnerDealerKey, dealer);
  }

  // A 10% channel margin for distributors, valid from 2026-11-01.
  static pb::PriceRule Margin(const std::string& id, int64_t bp = 1000) {
    pb::PriceRule r;
    r.set_rule_id(id);
    r.set_type(pb::PRICE_RULE_TYPE_CHANNEL_MARGIN);
    r.mutable_dealer_scope()->set_kind(pb::DEALER_SCOPE_KIND_CHANNEL_LEVEL);
    r.mutable_dealer_scope()->set_channel_level(
        pb::PRICING_CHANNEL_LEVEL_DISTRIBUTOR);
    r.set_valid_from("2026-11-01");
    r.set_basis_points(bp);
    r.set_description("distributor margin");
    return r;
  }

  // A 5% seasonal discount for everyone, Nov 2026 – Feb 2027 (a draft
  // once created).
  static pb::PriceRule Winter() {
    pb::PriceRule r;
    r.set_rule_id("WINTER");
    r.set_type(pb::PRICE_RULE_TYPE_SEASONAL);
    r.set_valid_from("2026-11-01");
    r.set_valid_until("2027-03-01");
    r.set_basis_points(500);
    return r;
  }

  grpc::Status CreateRule(const pb::PriceRule& rule, pb::PriceRule* out,
                          const std::string& who = "ana.pm") {
    pb::CreatePriceRuleRequest req;
    *req.mutable_price_rule() = rule;
    grpc::ClientContext ctx;
    As(&ctx, who, "pricing_manager");
    return this->stub_->CreatePriceRule(&ctx, req, out);
  }

  grpc::Status Publish(const std::string& id, const std::string& who,
                       pb::PriceRule* out) {
    pb::PublishPriceRuleRequest req;
    req.set_rule_id(id);
    grpc::ClientContext ctx;
    As(&ctx, who, "pricing_manager");
    return this->stub_->PublishPriceRule(&ctx, req, out);
  }

  // Creates `rule` as ana and publishes it as bo.
  void Activate(const pb::PriceRule& rule) {
    pb::PriceRule out;
    grpc::Status s = CreateRule(rule, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    s = Publish(rule.rule_id(), "bo.pm", &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  pb::Basket Basket(int64_t qty100 = 10, int64_t qty200 = 0) {
    pb::Basket b;
    b.set_currency_code("CNY");
    b.mutable_payment_term()->set_net_days(30);
    b.mutable_payment_term()->set_discount_basis_points(200);
    b.mutable_payment_term()->set_discount_days(10);
    pb::BasketLineInput* l = b.add_lines();
    l->set_sku("pump-100");
    l->set_quantity(qty100);
    if (qty200 > 0) {
      l = b.add_lines();
      l->set_sku("PUMP-200");
      l->set_quantity(qty200);
    }
    return b;
  }

  grpc::Status CreateQuote(const pb::Basket& basket, pb::Quote* out,
                           grpc::ClientContext* ctx = nullptr,
                           const std::string& dealer = "") {
    pb::CreateQuoteRequest req;
    req.set_dealer_id(dealer.empty() ? dealer_ : dealer);
    *req.mutable_basket() = basket;
    grpc::ClientContext local;
    return this->stub_->CreateQuote(ctx ? ctx : &local, req, out);
  }

  // Prices `basket` for the fixture's dealer (nothing stored).
  grpc::Status PriceBasket(const pb::Basket& basket, pb::Quote* out,
                           grpc::ClientContext* ctx = nullptr) {
    pb::PriceBasketRequest req;
    req.set_dealer_id(dealer_);
    *req.mutable_basket() = basket;
    grpc::ClientContext local;
    return this->stub_->PriceBasket(ctx ? ctx : &local, req, out);
  }

  // Places an order from `quote_id` (as the fixture's caller).
  grpc::Status PlaceOrder(const std::string& quote_id,
                          const std::string& request_id, pb::Order* out) {
    pb::PlaceOrderRequest req;
    req.set_quote_id(quote_id);
    req.set_request_id(request_id);
    grpc::ClientContext ctx;
    return pb::OrderService::NewStub(this->fixture_->channel())
        ->PlaceOrder(&ctx, req, out);
  }
  // Ships `quantity` of the order's `line`.
  grpc::Status ShipLine(const std::string& order_id, int line, int64_t quantity,
                        const std::string& request_id, pb::Order* out) {
    pb::ShipOrderRequest req;
    req.set_order_id(order_id);
    pb::LineQuantity* shipped = req.add_lines();
    shipped->set_line(line);
    shipped->set_quantity(quantity);
    req.set_request_id(request_id);
    grpc::ClientContext ctx;
    return pb::OrderService::NewStub(this->fixture_->channel())
        ->ShipOrder(&ctx, req, out);
  }

  int64_t CountRows(const std::string& table) {
    return testing::CountRows(*db_, table);
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<credit::CreditControlForTest> credit_;
  std::unique_ptr<storage::Database> db_;
  std::string dealer_;
  std::string other_;
};
using Backends = testing::BothBackends;
TYPED_TEST_SUITE(QuoteServiceTest, Backends);

TYPED_TEST(QuoteServiceTest, RulesAreDraftedPublishedByAnotherAndRetired) {
  pb::PriceRule draft;
  grpc::Status s = this->CreateRule(this->Margin("CM-DIST"), &draft);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(draft.state(), pb::PRICE_RULE_STATE_DRAFT);
  EXPECT_EQ(draft.version(), 1);
  EXPECT_EQ(draft.created_by(), "ana.pm");

  // The author changes the draft (etag checked) ...
  pb::UpdatePriceRuleRequest update;
  *update.mutable_price_rule() = this->Margin("CM-DIST", 1200);
  update.mutable_price_rule()->set_etag(draft.etag());
  pb::PriceRule updated;
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "ana.pm", "pricing_manager");
    s = this->stub_->UpdatePriceRule(&ctx, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(updated.basis_points(), 1200);
    EXPECT_EQ(updated.version(), 2);
  }
  {
    // ... a stale etag is ABORTED.
    grpc::ClientContext ctx;
    pb::PriceRule out;
    EXPECT_EQ(this->stub_->UpdatePriceRule(&ctx, update, &out).error_code(),
              grpc::StatusCode::ABORTED);
  }
  // ... and may not publish it: four eyes.
  {
    pb::PublishPriceRuleRequest req;
    req.set_rule_id("CM-DIST");
    grpc::ClientContext ctx;
    this->As(&ctx, "ana.pm", "pricing_manager");
    pb::PriceRule out;
    s = this->stub_->PublishPriceRule(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "FOUR_EYES");
    EXPECT_THAT(s.error_message(), HasSubstr("another pricing manager"));
  }
  pb::PriceRule active;
  s = this->Publish("CM-DIST", "bo.pm", &active);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(active.state(), pb::PRICE_RULE_STATE_ACTIVE);
  EXPECT_EQ(active.published_by(), "bo.pm");
  {
    // An active rule no longer changes.
    *update.mutable_price_rule() = this->Margin("CM-DIST", 1500);
    update.mutable_price_rule()->set_etag(active.etag());
    grpc::ClientContext ctx;
    pb::PriceRule out;
    s = this->stub_->UpdatePriceRule(&ctx, update, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "RULE_NOT_DRAFT");
  }
  {
    pb::RetirePriceRuleRequest req;
    req.set_rule_id("CM-DIST");
    grpc::ClientContext ctx;
    pb::PriceRule out;
    this->ExpectInvalidField(this->stub_->RetirePriceRule(&ctx, req, &out), ctx,
                             "reason");
  }
  {
    pb::RetirePriceRuleRequest req;
    req.set_rule_id("CM-DIST");
    req.set_reason("replaced by the 2027 margins");
    grpc::ClientContext ctx;
    pb::PriceRule out;
    s = this->stub_->RetirePriceRule(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.state(), pb::PRICE_RULE_STATE_RETIRED);
    EXPECT_EQ(out.retire_reason(), "replaced by the 2027 margins");
  }
  // Retired rules stay readable, with every revision.
  pb::GetPriceRuleRequest get;
  get.set_rule_id("CM-DIST");
  get.set_with_revisions(true);
  pb::GetPriceRuleResponse got;
  grpc::ClientContext ctx;
  s = this->stub_->GetPriceRule(&ctx, get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.price_rule().state(), pb::PRICE_RULE_STATE_RETIRED);
  std::vector<std::string> changes;
  for (const auto& r : got.revisions()) {
    changes.push_back(
        absl::StrCat(r.change(), "@", r.version(), " by ", r.changed_by()));
  }
  EXPECT_THAT(changes, ::testing::ElementsAre(
                           "created@1 by ana.pm", "updated@2 by ana.pm",
                           "published@3 by bo.pm", "retired@4 by qudao-test"));
  EXPECT_EQ(this->CountRows("price_rule_revisions"), 4);

  // Listing filters by state.
  pb::ListPriceRulesRequest list;
  list.set_state(pb::PRICE_RULE_STATE_ACTIVE);
  pb::ListPriceRulesResponse listed;
  grpc::ClientContext lctx;
  ASSERT_TRUE(this->stub_->ListPriceRules(&lctx, list, &listed).ok());
  EXPECT_EQ(listed.price_rules_size(), 0);
  list.set_state(pb::PRICE_RULE_STATE_RETIRED);
  grpc::ClientContext lctx2;
  ASSERT_TRUE(this->stub_->ListPriceRules(&lctx2, list, &listed).ok());
  EXPECT_EQ(listed.price_rules_size(), 1);
}

TYPED_TEST(QuoteServiceTest, AQuoteIsPricedFromStoredRulesFreightAndVolumes) {
  this->Activate(this->Margin("CM-DIST"));
  // 2% more off from 20 units this quarter (the dealer has no invoices:
  // credit control answers zero).
  pb::PriceRule volume;
  volume.set_rule_id("VOL-Q");
  volume.set_type(pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
  volume.set_valid_from("2026-01-01");
  volume.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_QUARTER);
  pb::Tier* t = volume.mutable_cumulative()->add_tiers();
  t->set_min_quantity(20);
  t->set_basis_points(200);
  this->Activate(volume);
  // Another dealer's margin: not this quote's business, not listed.
  pb::PriceRule theirs = this->Margin("CM-OTHER", 1500);
  theirs.mutable_dealer_scope()->set_kind(pb::DEALER_SCOPE_KIND_DEALER);
  theirs.mutable_dealer_scope()->set_code(this->other_);
  this->Activate(theirs);
  // FOB from the Wuxi plant: 50.00 per order + 2.00 per unit to Zhejiang.
  {
    pb::SetFreightAssignmentRequest req;
    req.mutable_assignment()->set_dealer_id(this->dealer_);
    req.mutable_assignment()->set_method(pb::FREIGHT_METHOD_FOB_ORIGIN);
    req.mutable_assignment()->set_origin_plant("WUXI");
    pb::FreightAssignment out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->SetFreightAssignment(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pb::SetFreightRateRequest rate;
    rate.mutable_rate()->set_origin("WUXI");
    rate.mutable_rate()->set_province("Zhejiang");
    *rate.mutable_rate()->mutable_per_order() = Cny(5000);
    *rate.mutable_rate()->mutable_per_unit() = Cny(200);
    *rate.mutable_rate()->mutable_per_kg() = Cny(0);
    pb::FreightRate set;
    grpc::ClientContext rctx;
    s = this->stub_->SetFreightRate(&rctx, rate, &set);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  pb::Quote quote;
  grpc::Status s = this->CreateQuote(this->Basket(10), &quote);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(quote.quote_id(), ::testing::StartsWith("qt_"));
  EXPECT_EQ(quote.quote_day(), "2026-11-27");
  EXPECT_EQ(quote.destination_province(), "Zhejiang");
  // 10 × 1,299.00 = 12,990.00 − 10% = 11,691.00; 10 units this quarter do
  // not reach the volume tier.
  EXPECT_EQ(quote.goods_total().minor_units(), 1169100);
  EXPECT_EQ(quote.freight().minor_units(), 5000 + 10 * 200);
  EXPECT_EQ(quote.vat_basis_points(), 1300);
  EXPECT_EQ(quote.total().minor_units(), quote.goods_total().minor_units() +
                                             quote.freight().minor_units() +
                                             quote.vat().minor_units());
  const pb::Waterfall& w = quote.waterfall();
  ASSERT_EQ(w.lines_size(), 1);
  EXPECT_EQ(w.lines(0).list_version(), 1);
  EXPECT_EQ(w.lines(0).steps(1).rule_id(), "CM-DIST");
  EXPECT_EQ(w.freight().method(), pb::FREIGHT_METHOD_FOB_ORIGIN);
  ASSERT_EQ(w.volumes_size(), 1);
  EXPECT_TRUE(w.volumes(0).prior_given());
  EXPECT_EQ(w.volumes(0).prior_units(), 0);
  EXPECT_EQ(w.volumes(0).counted_units(), 10);
  EXPECT_FALSE(w.volumes(0).tier_reached());
  EXPECT_TRUE(w.has_cash_discount());
  // The two rules in scope, with their versions; the other dealer's is
  // counted as a scope mismatch only. The rule set's version: 3 rules
  // created and published, 6 writes at least.
  ASSERT_EQ(w.rules_size(), 2);
  for (const auto& r : w.rules()) EXPECT_NE(r.rule_id(), "CM-OTHER");
  EXPECT_GE(w.rule_set_version(), 6);
  EXPECT_GE(w.lines(0).scope_mismatches(), 1);
  // The default caller holds every staff role (costs included).
  EXPECT_EQ(w.lines(0).standard_cost().minor_units(), 80000);
  EXPECT_EQ(this->CountRows("quotes"), 1);
  EXPECT_EQ(this->CountRows("quote_lines"), 1);

  // Read back: the same, for a sales rep without costs.
  pb::GetQuoteRequest get;
  get.set_quote_id(quote.quote_id());
  pb::Quote got;
  grpc::ClientContext ctx;
  this->As(&ctx, "rep.li", "sales_rep");
  s = this->stub_->GetQuote(&ctx, get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.total().minor_units(), quote.total().minor_units());
  EXPECT_EQ(got.waterfall().lines(0).steps_size(),
            quote.waterfall().lines(0).steps_size());
  EXPECT_FALSE(got.waterfall().lines(0).has_standard_cost());

  pb::ListQuotesRequest list;
  list.set_dealer_id(this->dealer_);
  pb::ListQuotesResponse listed;
  grpc::ClientContext lctx;
  ASSERT_TRUE(this->stub_->ListQuotes(&lctx, list, &listed).ok());
  ASSERT_EQ(listed.quotes_size(), 1);
  EXPECT_EQ(listed.quotes(0).quote_id(), quote.quote_id());
  EXPECT_FALSE(listed.quotes(0).has_waterfall());
}

// The two halves meet over the module's own gRPC: a stored quote is
// ordered, the price list goes up, and the order is still invoiced at the
// quote's prices (the price lock), while a new quote sees the new price.
TYPED_TEST(QuoteServiceTest, AnOrderKeepsItsQuotesPricesThroughANewPriceList) {
  absl::Status limit = this->credit_->SetCreditLimit(this->dealer_, 100000000);
  ASSERT_TRUE(limit.ok()) << limit;
  pb::Quote quote;
  grpc::Status s = this->CreateQuote(this->Basket(10), &quote);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // 10 × 1,299.00, no rules.
  ASSERT_EQ(quote.goods_total().minor_units(), 1299000);

  pb::Order order;
  s = this->PlaceOrder(quote.quote_id(), "place-1", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order.state(), pb::ORDER_STATE_ACCEPTED);
  ASSERT_EQ(order.lines_size(), 1);
  EXPECT_EQ(order.lines(0).net_unit_price().minor_units(), 129900);

  // Version 2 of the list: PUMP-100 at 1,499.00 from today.
  {
    pb::PublishPriceListRequest req;
    pb::PriceListVersion* v = req.mutable_price_list();
    v->set_currency_code("CNY");
    v->set_valid_from("2026-11-27");
    pb::PriceListEntry* e = v->add_entries();
    e->set_sku("PUMP-100");
    *e->mutable_list_price() = Cny(149900);
    req.set_request_id("list-v2");
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    s = this->stub_->PublishPriceList(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.version(), 2);
  }
  pb::Quote fresh;
  s = this->CreateQuote(this->Basket(10), &fresh);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(fresh.goods_total().minor_units(), 1499000);
  EXPECT_EQ(fresh.waterfall().lines(0).list_version(), 2);

  // Shipped in full: invoiced at the locked 1,299.00.
  s = this->ShipLine(order.order_id(), 0, 10, "ship-1", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order.state(), pb::ORDER_STATE_INVOICED);
  credit::v1::ListInvoicesRequest list;
  list.set_dealer_id(this->dealer_);
  credit::v1::ListInvoicesResponse invoices;
  grpc::ClientContext ctx;
  s = this->credit_->stub().ListInvoices(&ctx, list, &invoices);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(invoices.invoices_size(), 1);
  EXPECT_EQ(invoices.invoices(0).net_amount().minor_units(), 1299000);
  EXPECT_EQ(invoices.invoices(0).order_id(), order.order_id());
}

TYPED_TEST(QuoteServiceTest, PriceBasketStoresNothingAndNamesMissingPrices) {
  this->Activate(this->Margin("CM-DIST"));
  pb::Basket basket = this->Basket(2, 3);
  pb::Quote out;
  grpc::Status s = this->PriceBasket(basket, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(out.quote_id().empty());
  EXPECT_EQ(out.waterfall().lines_size(), 2);
  EXPECT_EQ(this->CountRows("quotes"), 0);

  basket.add_lines()->set_sku("PUMP-999");
  basket.mutable_lines(2)->set_quantity(1);
  grpc::ClientContext ctx2;
  s = this->PriceBasket(basket, &out, &ctx2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(TrailingValue(ctx2, kErrorReasonKey), "NO_LIST_PRICE");
  EXPECT_THAT(s.error_message(), HasSubstr("PUMP-999"));
}

TYPED_TEST(QuoteServiceTest, ABasketBelowARejectingFloorIsNotStored) {
  this->Activate(this->Margin("CM-DIST", 5000));
  pb::PriceRule floor;
  floor.set_rule_id("FLOOR-MARGIN");
  floor.set_type(pb::PRICE_RULE_TYPE_FLOOR);
  floor.set_valid_from("2026-01-01");
  floor.mutable_floor()->set_kind(pb::FLOOR_KIND_MIN_MARGIN_OVER_COST);
  floor.mutable_floor()->set_min_margin_basis_points(1000);
  floor.mutable_floor()->set_action(pb::FLOOR_ACTION_REJECT);
  this->Activate(floor);
  pb::Quote out;
  grpc::ClientContext ctx;
  grpc::Status s = this->CreateQuote(this->Basket(10), &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "PRICE_BELOW_FLOOR");
  EXPECT_THAT(s.error_message(), HasSubstr("line 0 (PUMP-100)"));
  EXPECT_EQ(this->CountRows("quotes"), 0);
  EXPECT_EQ(this->CountRows("quote_lines"), 0);
}

// The rules listed OUT_OF_WINDOW on a line, by id.
std::vector<std::string> OutOfWindow(const pb::LineWaterfall& line) {
  std::vector<std::string> ids;
  for (const pb::RuleNotApplied& n : line.not_applied()) {
    if (n.reason() == pb::NOT_APPLIED_REASON_OUT_OF_WINDOW) {
      ids.push_back(n.rule_id());
    }
  }
  return ids;
}

// A quote on 2026-11-27 lists active rules whose window ended or begins
// within 30 days OUT_OF_WINDOW, with their window, for staff; not those
// further away; a partner sees only the rules in force; none of them
// changes an amount or is among the rules the quote priced with.
TYPED_TEST(QuoteServiceTest, RulesNearTheirWindowAreListedForStaffOnly) {
  this->Activate(this->Margin("CM-DIST"));
  pb::Quote before;
  ASSERT_TRUE(this->CreateQuote(this->Basket(10), &before).ok());
  const auto seasonal = [](const std::string& id, const std::string& from,
                           const std::string& until) {
    pb::PriceRule r = TestFixture::Winter();
    r.set_rule_id(id);
    r.set_valid_from(from);
    r.set_valid_until(until);
    return r;
  };
  // Ended yesterday (the end is exclusive), begins in 10 days; ended 87
  // days ago, begins in 94 days.
  this->Activate(seasonal("AUTUMN", "2026-09-01", "2026-11-27"));
  this->Activate(seasonal("XMAS", "2026-12-07", "2027-01-01"));
  this->Activate(seasonal("SUMMER", "2026-06-01", "2026-09-01"));
  this->Activate(seasonal("SPRING", "2027-03-01", "2027-05-01"));

  pb::Quote staff;
  grpc::Status s = this->PriceBasket(this->Basket(10), &staff);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const pb::LineWaterfall& line = staff.waterfall().lines(0);
  EXPECT_THAT(OutOfWindow(line), ElementsAre("AUTUMN", "XMAS"));
  for (const pb::RuleNotApplied& n : line.not_applied()) {
    if (n.rule_id() == "AUTUMN") {
      EXPECT_EQ(n.explanation(),
                "valid [2026-09-01, 2026-11-27), the quote is dated "
                "2026-11-27");
      EXPECT_EQ(n.step(), pb::WATERFALL_STEP_KIND_SEASONAL);
    }
  }
  EXPECT_EQ(line.net_amount().minor_units(),
            before.waterfall().lines(0).net_amount().minor_units());
  EXPECT_EQ(staff.total().minor_units(), before.total().minor_units());
  for (const pb::RuleVersionUsed& r : staff.waterfall().rules()) {
    EXPECT_THAT(r.rule_id(), Not(AnyOf("AUTUMN", "XMAS", "SUMMER", "SPRING")));
  }

  // A partner pricing the same basket, reading a staff quote, creating
  // one: the rules in force only, the same amounts.
  pb::Quote partner;
  {
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    s = this->PriceBasket(this->Basket(10), &partner, &ctx);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_THAT(OutOfWindow(partner.waterfall().lines(0)), IsEmpty());
  EXPECT_EQ(partner.waterfall().lines(0).not_applied_size() + 2,
            line.not_applied_size());
  EXPECT_EQ(partner.total().minor_units(), staff.total().minor_units());
  pb::Quote stored;
  ASSERT_TRUE(this->CreateQuote(this->Basket(10), &stored).ok());
  EXPECT_THAT(OutOfWindow(stored.waterfall().lines(0)),
              ElementsAre("AUTUMN", "XMAS"));
  {
    pb::GetQuoteRequest get;
    get.set_quote_id(stored.quote_id());
    pb::Quote read;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    s = this->stub_->GetQuote(&ctx, get, &read);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_THAT(OutOfWindow(read.waterfall().lines(0)), IsEmpty());
    // Staff reading the same stored quote still see them.
    grpc::ClientContext staff_ctx;
    s = this->stub_->GetQuote(&staff_ctx, get, &read);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_THAT(OutOfWindow(read.waterfall().lines(0)),
                ElementsAre("AUTUMN", "XMAS"));
  }
  {
    pb::Quote created;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    s = this->CreateQuote(this->Basket(10), &created, &ctx, "");
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_THAT(OutOfWindow(created.waterfall().lines(0)), IsEmpty());
  }
}

TYPED_TEST(QuoteServiceTest, PartnersQuoteOnlyForTheirOwnDealer) {
  pb::Quote mine;
  {
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    grpc::Status s = this->CreateQuote(this->Basket(1), &mine, &ctx, "");
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(mine.dealer_id(), this->dealer_);
    EXPECT_FALSE(mine.waterfall().lines(0).has_standard_cost());
  }
  pb::Quote theirs;
  ASSERT_TRUE(
      this->CreateQuote(this->Basket(1), &theirs, nullptr, this->other_).ok());
  {
    pb::GetQuoteRequest req;
    req.set_quote_id(mine.quote_id());
    pb::Quote out;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    EXPECT_TRUE(this->stub_->GetQuote(&ctx, req, &out).ok());
  }
  {
    pb::GetQuoteRequest req;
    req.set_quote_id(theirs.quote_id());
    pb::Quote out;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    EXPECT_EQ(this->stub_->GetQuote(&ctx, req, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    pb::ListQuotesRequest req;
    req.set_dealer_id(this->other_);
    pb::ListQuotesResponse out;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    EXPECT_EQ(this->stub_->ListQuotes(&ctx, req, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    pb::SimulateRuleChangeRequest req;
    req.add_quote_ids(mine.quote_id());
    *req.add_inline_rules() = this->Margin("CM-NEW");
    pb::SimulateRuleChangeResponse out;
    grpc::ClientContext ctx;
    this->AsPartner(&ctx, this->dealer_);
    EXPECT_EQ(this->stub_->SimulateRuleChange(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TYPED_TEST(QuoteServiceTest, SimulationRepricesStoredQuotesWithTheDrafts) {
  this->Activate(this->Margin("CM-DIST"));
  pb::Quote a, b;
  ASSERT_TRUE(this->CreateQuote(this->Basket(10, 2), &a).ok());
  ASSERT_TRUE(this->CreateQuote(this->Basket(1), &b).ok());
  pb::PriceRule draft;
  ASSERT_TRUE(this->CreateRule(this->Winter(), &draft).ok());

  pb::SimulateRuleChangeRequest req;
  req.add_draft_rule_ids("WINTER");
  req.add_quote_ids(a.quote_id());
  req.add_quote_ids(b.quote_id());
  pb::SimulateRuleChangeResponse out;
  grpc::ClientContext ctx;
  this->As(&ctx, "bo.pm", "pricing_manager");
  grpc::Status s = this->stub_->SimulateRuleChange(&ctx, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.lines_size(), 3);
  // 10 × 1,299.00 − 10% = 11,691.00; − 5% = 11,106.45.
  EXPECT_EQ(out.lines(0).old_net().minor_units(), 1169100);
  EXPECT_EQ(out.lines(0).new_net().minor_units(), 1110645);
  EXPECT_EQ(out.lines(0).difference().minor_units(), -58455);
  ASSERT_EQ(out.dealer_totals_size(), 1);
  int64_t sum = 0;
  for (const auto& l : out.lines()) sum += l.difference().minor_units();
  EXPECT_EQ(out.dealer_totals(0).difference().minor_units(), sum);
  EXPECT_EQ(out.dealer_totals(0).old_goods().minor_units(),
            a.goods_total().minor_units() + b.goods_total().minor_units());
  // Nothing changed: the draft is still a draft.
  pb::GetPriceRuleRequest get;
  get.set_rule_id("WINTER");
  pb::GetPriceRuleResponse got;
  grpc::ClientContext gctx;
  ASSERT_TRUE(this->stub_->GetPriceRule(&gctx, get, &got).ok());
  EXPECT_EQ(got.price_rule().state(), pb::PRICE_RULE_STATE_DRAFT);
}

// An order is simulated as its quote at what it still bills: a shipped
// part stays, what was cancelled is left out (a line cancelled in full is
// not listed).
TYPED_TEST(QuoteServiceTest, SimulationRepricesOrdersAtWhatTheyStillBill) {
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 100000000).ok());
  this->Activate(this->Margin("CM-DIST"));
  pb::Quote quote;
  grpc::Status s = this->CreateQuote(this->Basket(10, 2), &quote);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto orders = pb::OrderService::NewStub(this->fixture_->channel());
  pb::Order order;
  s = this->PlaceOrder(quote.quote_id(), "place-sim", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(order.state(), pb::ORDER_STATE_ACCEPTED);
  s = this->ShipLine(order.order_id(), 0, 4, "ship-sim", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  {
    pb::CancelOrderRequest req;
    req.set_order_id(order.order_id());
    req.set_reason("the dealer needs no more this season");
    req.set_request_id("cancel-sim");
    grpc::ClientContext ctx;
    s = orders->CancelOrder(&ctx, req, &order);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  pb::PriceRule draft;
  ASSERT_TRUE(this->CreateRule(this->Winter(), &draft).ok());

  pb::SimulateRuleChangeRequest req;
  req.add_draft_rule_ids("WINTER");
  req.add_order_ids(order.order_id());
  req.add_order_ids(order.order_id());  // counted once
  req.add_quote_ids(quote.quote_id());
  pb::SimulateRuleChangeResponse out;
  grpc::ClientContext ctx;
  this->As(&ctx, "bo.pm", "pricing_manager");
  s = this->stub_->SimulateRuleChange(&ctx, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // The quote's two lines, then the order's one line still billed.
  ASSERT_EQ(out.lines_size(), 3);
  EXPECT_EQ(out.lines(0).order_id(), "");
  EXPECT_EQ(out.lines(1).order_id(), "");
  const pb::SimulatedLine& o = out.lines(2);
  EXPECT_EQ(o.order_id(), order.order_id());
  EXPECT_EQ(o.quote_id(), quote.quote_id());
  EXPECT_EQ(o.line(), 0);
  EXPECT_EQ(o.sku(), "PUMP-100");
  // 4 × 1,299.00 − 10% = 4,676.40; − 5% = 4,442.58.
  EXPECT_EQ(o.old_net().minor_units(), 467640);
  EXPECT_EQ(o.new_net().minor_units(), 444258);
  EXPECT_EQ(o.difference().minor_units(), -23382);
  ASSERT_EQ(out.dealer_totals_size(), 1);
  int64_t sum = 0;
  for (const auto& l : out.lines()) sum += l.difference().minor_units();
  EXPECT_EQ(out.dealer_totals(0).difference().minor_units(), sum);

  // An unknown order is NOT_FOUND, a malformed id INVALID_ARGUMENT naming
  // it, and more than 100 documents in all are refused.
  {
    pb::SimulateRuleChangeRequest bad;
    bad.add_draft_rule_ids("WINTER");
    bad.add_order_ids("ord_0000000000000000000f");
    grpc::ClientContext c;
    this->As(&c, "bo.pm", "pricing_manager");
    EXPECT_EQ(this->stub_->SimulateRuleChange(&c, bad, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    pb::SimulateRuleChangeRequest bad;
    bad.add_draft_rule_ids("WINTER");
    bad.add_order_ids(quote.quote_id());
    grpc::ClientContext c;
    this->As(&c, "bo.pm", "pricing_manager");
    this->ExpectInvalidField(this->stub_->SimulateRuleChange(&c, bad, &out), c,
                             "order_ids[0]");
  }
  {
    pb::SimulateRuleChangeRequest bad;
    bad.add_draft_rule_ids("WINTER");
    for (int i = 0; i < 50; ++i) bad.add_quote_ids(quote.quote_id());
    for (int i = 0; i < 51; ++i) bad.add_order_ids(order.order_id());
    grpc::ClientContext c;
    this->As(&c, "bo.pm", "pricing_manager");
    this->ExpectInvalidField(this->stub_->SimulateRuleChange(&c, bad, &out), c,
                             "order_ids");
  }
}

TYPED_TEST(QuoteServiceTest, OnlyPricingManagersWriteRulesAndFreight) {
  auto denied =
      [&](const std::function<grpc::Status(grpc::ClientContext*)>& call,
          const std::string& role) {
        grpc::ClientContext ctx;
        this->As(&ctx, "someone", role);
        EXPECT_EQ(call(&ctx).error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role;
      };
  pb::PriceRule out;
  for (const char* role : {"sales_rep", "sales_manager", "credit_manager"}) {
    denied(
        [&](grpc::ClientContext* ctx) {
          pb::CreatePriceRuleRequest req;
          *req.mutable_price_rule() = this->Margin("X");
          return this->stub_->CreatePriceRule(ctx, req, &out);
        },
        role);
    denied(
        [&](grpc::ClientContext* ctx) {
          pb::PublishPriceRuleRequest req;
          req.set_rule_id("X");
          return this->stub_->PublishPriceRule(ctx, req, &out);
        },
        role);
    denied(
        [&](grpc::ClientContext* ctx) {
          pb::SetFreightRateRequest req;
          pb::FreightRate r;
          return this->stub_->SetFreightRate(ctx, req, &r);
        },
        role);
    denied(
        [&](grpc::ClientContext* ctx) {
          pb::SimulateRuleChangeRequest req;
          pb::SimulateRuleChangeResponse r;
          return this->stub_->SimulateRuleChange(ctx, req, &r);
        },
        role);
  }
  // Quotes are for sales: a credit controller may not price a basket.
  denied(
      [&](grpc::ClientContext* ctx) {
        pb::PriceBasketRequest req;
        req.set_dealer_id(this->dealer_);
        *req.mutable_basket() = this->Basket(1);
        pb::Quote q;
        return this->stub_->PriceBasket(ctx, req, &q);
      },
      "credit_controller");
  EXPECT_EQ(this->CountRows("price_rules"), 0);
  EXPECT_EQ(this->CountRows("freight_rates"), 0);
}

// Bad input names its field, INVALID_ARGUMENT, and writes nothing.
TYPED_TEST(QuoteServiceTest, BadInputNamesTheFieldAndWritesNothing) {
  using RuleSpoil = std::function<void(pb::PriceRule&)>;
  for (const auto& [spoil, field] :
       std::vector<std::pair<RuleSpoil, std::string>>{
           {[](pb::PriceRule& r) {
              r.set_type(pb::PRICE_RULE_TYPE_UNSPECIFIED);
            },
            "price_rule.type"},
           {[](pb::PriceRule& r) { r.set_valid_from("27-11-2026"); },
            "price_rule.valid_from"},
           {[](pb::PriceRule& r) { r.set_basis_points(10001); },
            "price_rule.basis_points"},
           {[](pb::PriceRule& r) { r.set_rule_id("bad id!"); },
            "price_rule.rule_id"},
           {[](pb::PriceRule& r) {
              r.mutable_dealer_scope()->set_kind(
                  static_cast<pb::DealerScopeKind>(9));
            },
            "price_rule.dealer_scope.kind"}}) {
    pb::PriceRule rule = this->Margin("CM-BAD");
    spoil(rule);
    pb::CreatePriceRuleRequest req;
    *req.mutable_price_rule() = rule;
    pb::PriceRule out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->CreatePriceRule(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(TrailingValue(ctx, kErrorFieldKey), HasSubstr(field))
        << s.error_message();
  }
  {
    pb::UpdatePriceRuleRequest req;
    *req.mutable_price_rule() = this->Margin("CM-BAD");
    pb::PriceRule out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->UpdatePriceRule(&ctx, req, &out), ctx,
                             "price_rule.etag");
  }
  {
    pb::PublishPriceRuleRequest req;
    pb::PriceRule out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->PublishPriceRule(&ctx, req, &out),
                             ctx, "rule_id");
  }
  {
    pb::SetFreightAssignmentRequest req;
    req.mutable_assignment()->set_dealer_id(this->dealer_);
    req.mutable_assignment()->set_method(pb::FREIGHT_METHOD_FOB_ORIGIN);
    pb::FreightAssignment out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->SetFreightAssignment(&ctx, req, &out),
                             ctx, "assignment.origin_plant");
  }
  {
    pb::SetFreightRateRequest req;
    req.mutable_rate()->set_origin("WUXI");
    req.mutable_rate()->set_province("Zhejiang");
    *req.mutable_rate()->mutable_per_order() = Cny(-1);
    *req.mutable_rate()->mutable_per_unit() = Cny(0);
    *req.mutable_rate()->mutable_per_kg() = Cny(0);
    pb::FreightRate out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->SetFreightRate(&ctx, req, &out), ctx,
                             "rate.per_order");
  }
  {
    pb::SetZoneAdjustmentRequest req;
    req.mutable_adjustment()->set_zone("EAST");
    *req.mutable_adjustment()->mutable_amount() = Cny(0);
    req.mutable_adjustment()->set_basis_points(20000);
    pb::ZoneAdjustment out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->SetZoneAdjustment(&ctx, req, &out),
                             ctx, "adjustment.basis_points");
  }
  using BasketSpoil = std::function<void(pb::CreateQuoteRequest&)>;
  for (const auto& [spoil, field] :
       std::vector<std::pair<BasketSpoil, std::string>>{
           {[](pb::CreateQuoteRequest& r) {
              r.mutable_basket()->clear_currency_code();
            },
            "basket.currency_code"},
           {[](pb::CreateQuoteRequest& r) {
              r.mutable_basket()->mutable_lines(0)->set_quantity(0);
            },
            "basket.lines[0].quantity"},
           {[](pb::CreateQuoteRequest& r) {
              r.mutable_basket()->clear_lines();
            },
            "basket.lines"},
           {[](pb::CreateQuoteRequest& r) {
              r.mutable_basket()->set_destination_city("Hangzhou");
            },
            "basket.destination_province"},
           {[](pb::CreateQuoteRequest& r) { r.set_validity_days(91); },
            "validity_days"},
           {[](pb::CreateQuoteRequest& r) { r.set_dealer_id("nobody"); },
            "dealer_id"}}) {
    pb::CreateQuoteRequest req;
    req.set_dealer_id(this->dealer_);
    *req.mutable_basket() = this->Basket(1);
    spoil(req);
    pb::Quote out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->CreateQuote(&ctx, req, &out), ctx,
                             field);
  }
  {
    pb::SimulateRuleChangeRequest req;
    req.add_draft_rule_ids("X");
    pb::SimulateRuleChangeResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->SimulateRuleChange(&ctx, req, &out),
                             ctx, "quote_ids");
  }
  {
    pb::GetQuoteRequest req;
    req.set_quote_id("not-a-quote");
    pb::Quote out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->GetQuote(&ctx, req, &out), ctx,
                             "quote_id");
  }
  {
    pb::GetPriceRuleRequest req;
    req.set_rule_id("no spaces allowed");
    pb::GetPriceRuleResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->GetPriceRule(&ctx, req, &out), ctx,
                             "rule_id");
  }
  {
    pb::ListPriceRulesRequest req;
    req.set_state(static_cast<pb::PriceRuleState>(7));
    pb::ListPriceRulesResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->ListPriceRules(&ctx, req, &out), ctx,
                             "state");
  }
  {
    pb::ListPriceRulesRequest req;
    req.set_page_size(-1);
    pb::ListPriceRulesResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->ListPriceRules(&ctx, req, &out), ctx,
                             "page_size");
  }
  {
    pb::ListFreightRatesRequest req;
    req.set_origin("WU\nXI");
    pb::ListFreightRatesResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->ListFreightRates(&ctx, req, &out),
                             ctx, "origin");
  }
  {
    pb::ListQuotesRequest req;
    req.set_dealer_id("D1");
    pb::ListQuotesResponse out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->ListQuotes(&ctx, req, &out), ctx,
                             "dealer_id");
  }
  {
    pb::PriceBasketRequest req;
    req.set_dealer_id(this->dealer_);
    *req.mutable_basket() = this->Basket(1);
    req.mutable_basket()->set_currency_code("XXQ");
    pb::Quote out;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->PriceBasket(&ctx, req, &out), ctx,
                             "basket.currency_code");
  }
  EXPECT_EQ(this->CountRows("price_rules"), 0);
  EXPECT_EQ(this->CountRows("freight_assignments"), 0);
  EXPECT_EQ(this->CountRows("freight_rates"), 0);
  EXPECT_EQ(this->CountRows("zone_adjustments"), 0);
  EXPECT_EQ(this->CountRows("quotes"), 0);
}

// Credit control that cannot be asked is UNAVAILABLE for a basket a
// cumulative rule could apply to, never a silent zero volume.
TYPED_TEST(QuoteServiceTest, NoVolumeFromCreditControlIsUnavailable) {
  pb::PriceRule volume;
  volume.set_rule_id("VOL-Y");
  volume.set_type(pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
  volume.set_valid_from("2026-01-01");
  volume.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_YEAR);
  volume.mutable_cumulative()->add_tiers()->set_min_quantity(5);
  volume.mutable_cumulative()->mutable_tiers(0)->set_basis_points(100);
  this->Activate(volume);
  this->credit_->Stop();
  pb::Quote out;
  grpc::ClientContext ctx;
  grpc::Status s = this->CreateQuote(this->Basket(1), &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(this->CountRows("quotes"), 0);
}

// The active rules' book is reused while the rule-set version holds
// (rule_book_cache.h): a rule published, or retired, through one replica
// is priced by the very next quote of another replica on the same
// database, with no wait.
TYPED_TEST(QuoteServiceTest, ARuleChangeIsSeenByTheNextQuoteOfEveryReplica) {
  auto second = testing::ServiceFixture::Start(
      NewPricingModule, &this->clock_, this->fixture_->database_url(), nullptr,
      {{"customer_records", this->customers_->target()},
       {"credit_control", this->credit_->target()}});
  ASSERT_TRUE(second.ok()) << second.status();
  auto other = pb::PricingService::NewStub((*second)->channel());
  auto goods = [&](pb::PricingService::Stub& stub) -> int64_t {
    pb::PriceBasketRequest req;
    req.set_dealer_id(this->dealer_);
    *req.mutable_basket() = this->Basket(10);
    pb::Quote out;
    grpc::ClientContext ctx;
    grpc::Status s = stub.PriceBasket(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.goods_total().minor_units();
  };
  // Both replicas have built their book of no rules.
  EXPECT_EQ(goods(*this->stub_), 1299000);
  EXPECT_EQ(goods(*other), 1299000);
  // Published through the first replica: 10% off on the second at once.
  this->Activate(this->Margin("CM-DIST"));
  EXPECT_EQ(goods(*other), 1169100);
  EXPECT_EQ(goods(*this->stub_), 1169100);
  // A draft changes nothing; its publication through the second replica
  // is seen by the first.
  pb::PriceRule deeper = this->Margin("CM-DIST-2", 2000);
  deeper.set_priority(10);
  pb::PriceRule out;
  grpc::Status s = this->CreateRule(deeper, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(goods(*this->stub_), 1169100);
  {
    pb::PublishPriceRuleRequest req;
    req.set_rule_id("CM-DIST-2");
    grpc::ClientContext ctx;
    this->As(&ctx, "bo.pm", "pricing_manager");
    s = other->PublishPriceRule(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(goods(*this->stub_), 1039200);
  // Retired through the first replica: the second prices without it.
  {
    pb::RetirePriceRuleRequest req;
    req.set_rule_id("CM-DIST-2");
    req.set_reason("promotion over");
    grpc::ClientContext ctx;
    this->As(&ctx, "bo.pm", "pricing_manager");
    s = this->stub_->RetirePriceRule(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(goods(*other), 1169100);
}

// Volumes are cached per dealer and dropped on credit control's invoice
// event (cached_volume_source.h): an invoice issued through the order flow
// is counted by a quote once its event has reached pricing (no bus here:
// the follower polls the feed), polled for with a deadline.
TYPED_TEST(QuoteServiceTest, AnInvoiceIsCountedByTheQuotesAfterItsEvent) {
  pb::PriceRule volume;
  volume.set_rule_id("VOL-Q");
  volume.set_type(pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
  volume.set_valid_from("2026-01-01");
  volume.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_QUARTER);
  pb::Tier* t = volume.mutable_cumulative()->add_tiers();
  t->set_min_quantity(15);
  t->set_basis_points(200);
  this->Activate(volume);
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 100000000).ok());
  auto prior_units = [&]() -> int64_t {
    pb::PriceBasketRequest req;
    req.set_dealer_id(this->dealer_);
    *req.mutable_basket() = this->Basket(10);
    pb::Quote out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->PriceBasket(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok() || out.waterfall().volumes_size() != 1) return -1;
    return out.waterfall().volumes(0).prior_units();
  };
  EXPECT_EQ(prior_units(), 0);
  EXPECT_EQ(prior_units(), 0);

  // Ordered and shipped: 10 units invoiced this quarter.
  pb::Quote quote;
  grpc::Status s = this->CreateQuote(this->Basket(10), &quote);
  ASSERT_TRUE(s.ok()) << s.error_message();
  pb::Order order;
  s = this->PlaceOrder(quote.quote_id(), "place-vol", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = this->ShipLine(order.order_id(), 0, 10, "ship-vol", &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(order.state(), pb::ORDER_STATE_INVOICED);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  int64_t seen = prior_units();
  while (seen != 10 && absl::Now() < deadline) {
    EXPECT_EQ(seen, 0);
    absl::SleepFor(absl::Milliseconds(50));
    seen = prior_units();
  }
  EXPECT_EQ(seen, 10);
  // And from then on: 10 invoiced + 10 quoted reach the 15-unit tier.
  pb::PriceBasketRequest req;
  req.set_dealer_id(this->dealer_);
  *req.mutable_basket() = this->Basket(10);
  pb::Quote out;
  grpc::ClientContext ctx;
  s = this->stub_->PriceBasket(&ctx, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.waterfall().volumes_size(), 1);
  EXPECT_EQ(out.waterfall().volumes(0).prior_units(), 10);
  EXPECT_TRUE(out.waterfall().volumes(0).tier_reached());
}

}  // namespace
}  // namespace qudao::pricing
