// The order flow across real processes over real gRPC: customer records,
// credit control and pricing on PostgreSQL, each its own binary, every
// outcome checked on credit control's side through its own RPCs.
//
//   - The flow: a quote is ordered and ACCEPTED (credit control holds an
//     approved reservation of its total); an order over the limit is HELD
//     with credit control's reasons and follows the reservation feed to
//     ACCEPTED once the limit is raised and a controller releases it; a
//     partial shipment is invoiced for exactly what shipped (the rest
//     back-ordered), the rest ships and the order is INVOICED; a return is
//     a RETURN credit note against the invoice; cancelling the other order
//     releases its reservation; the payer's exposure agrees throughout.
//   - kill -9 between the services (failpoints, see common/failpoint):
//     pricing dies after credit control reserved and before it recorded
//     the answer, after credit control invoiced a shipment and before it
//     recorded the invoice, and after it recorded a cancellation and
//     before credit control released the credit. A retry with the same
//     request id, or the reconciler alone, finishes each; nothing is
//     reserved, invoiced or left reserved twice or not at all.
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "tests/process_fixture.h"

namespace qudao {
namespace {

namespace cpb = ::qudao::customer::v1;
namespace cr = ::qudao::credit::v1;
namespace pb = ::qudao::pricing::v1;
using ::testing::HasSubstr;
using testing::RunningService;
using testing::TestIdentity;

// A context whose call carries `token` (empty: the channel's staff token).
std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto ctx = OutgoingContext(absl::Seconds(15));
  if (!token.empty()) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return ctx;
}

// Who does what, each with only their own role.
struct People {
  std::string rep = TestIdentity::Get().Token("rep.li", {"sales_rep"});
  std::string sales_manager =
      TestIdentity::Get().Token("sm.zhao", {"sales_manager"});
  std::string pricing_manager =
      TestIdentity::Get().Token("bo.pm", {"pricing_manager"});
  std::string credit_manager =
      TestIdentity::Get().Token("credit.boss", {"credit_manager"});
  std::string controller =
      TestIdentity::Get().Token("credit.zhou", {"credit_controller"});
  std::string warehouse = TestIdentity::Get().ServiceToken("warehouse");
};

class OrderFlowEndToEndTest : public testing::ProcessTest {
 protected:
  // Customer records and credit control on their own databases, and the
  // flags pricing needs to reach them as its own account.
  void StartPlatform(const std::string& prefix,
                     std::vector<std::string> shared_flags = {}) {
    auto pg = testing::SharedPostgres();
    ASSERT_TRUE(pg.ok()) << pg.status();
    for (const char* db : {"customers", "credit", "pricing"}) {
      ASSERT_TRUE((*pg)->CreateDatabase(absl::StrCat(prefix, "_", db)).ok());
    }
    std::vector<std::string> customer_flags = shared_flags;
    customers_ =
        Start(QUDAO_CUSTOMER_RECORDS_BIN, "customers",
              (*pg)->Uri(absl::StrCat(prefix, "_customers")), customer_flags);
    ASSERT_GT(customers_.port, 0);
    const std::string customers_target =
        absl::StrCat("--customer_records_target=127.0.0.1:", customers_.port);
    std::vector<std::string> credit_flags = shared_flags;
    credit_flags.push_back(customers_target);
    credit_flags.push_back(absl::StrCat("--service_token_file=",
                                        ServiceTokenFile("credit_control")));
    credit_ = Start(QUDAO_CREDIT_CONTROL_BIN, "credit",
                    (*pg)->Uri(absl::StrCat(prefix, "_credit")), credit_flags);
    ASSERT_GT(credit_.port, 0);
    credit_stub_ = cr::CreditControlService::NewStub(credit_.channel);
    pricing_db_ = (*pg)->Uri(absl::StrCat(prefix, "_pricing"));
    pricing_flags_ = shared_flags;
    pricing_flags_.push_back(customers_target);
    pricing_flags_.push_back(
        absl::StrCat("--credit_control_target=127.0.0.1:", credit_.port));
    pricing_flags_.push_back(
        absl::StrCat("--service_token_file=", ServiceTokenFile("pricing")));
  }

  // (Re)starts pricing on its database; `env` may arm failpoints.
  void StartPricing(const std::string& name,
                    std::vector<std::string> extra = {},
                    std::vector<std::string> env = {}) {
    std::vector<std::string> flags = pricing_flags_;
    flags.insert(flags.end(), extra.begin(), extra.end());
    pricing_ = std::make_unique<RunningService>(
        Start(QUDAO_PRICING_BIN, name, pricing_db_, flags, std::move(env)));
    ASSERT_GT(pricing_->port, 0);
    catalogue_ = pb::PricingService::NewStub(pricing_->channel);
    orders_ = pb::OrderService::NewStub(pricing_->channel);
  }

  // Waits for pricing to die of SIGKILL at `failpoint`.
  void ExpectKilledAt(const std::string& failpoint) {
    auto status = pricing_->process->Wait(absl::Seconds(10));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << pricing_->process->Log();
    EXPECT_THAT(pricing_->process->Log(),
                HasSubstr(absl::StrCat("\"failpoint\":\"", failpoint, "\"")));
  }

  // A distributor paying for itself, with a credit limit.
  void CreateDealer(int64_t limit_minor) {
    auto stub = cpb::CustomerRecordsService::NewStub(customers_.channel);
    cpb::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name("Order Flow Trading");
    req.mutable_dealer()->mutable_region()->set_province("Zhejiang");
    req.mutable_dealer()->mutable_region()->set_city("Hangzhou");
    req.mutable_dealer()->set_channel_level(cpb::CHANNEL_LEVEL_DISTRIBUTOR);
    req.mutable_dealer()->set_owner("rep.li");
    req.set_request_id("order-flow-dealer");
    cpb::Dealer out;
    grpc::Status s = stub->CreateDealer(As("").get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    dealer_ = out.dealer_id();
    SetLimit(limit_minor, "limit-1");
  }

  void SetLimit(int64_t minor, const std::string& request_id) {
    cr::SetCreditLimitRequest req;
    req.set_dealer_id(dealer_);
    req.mutable_credit_limit()->set_currency_code("CNY");
    req.mutable_credit_limit()->set_minor_units(minor);
    req.set_reason("order flow test");
    req.set_request_id(request_id);
    cr::CreditPosition out;
    grpc::Status s = credit_stub_->SetCreditLimit(
        As(people_.credit_manager).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // PUMP-100 listed at 1,000.00 (standard cost 600.00) and VALVE-7 at
  // 200.00, and a 10% promotion on everything: 900.00 and 180.00 net.
  void CreateCatalogue() {
    for (const auto& [group, line] :
         {std::pair<std::string, std::string>{"PUMPS", "FLUID"},
          {"VALVES", "FLUID"}}) {
      pb::CreateProductGroupRequest req;
      req.mutable_product_group()->set_group_code(group);
      req.mutable_product_group()->set_product_line(line);
      req.mutable_product_group()->set_name(group);
      pb::ProductGroup out;
      grpc::Status s = catalogue_->CreateProductGroup(As("").get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    pb::PublishPriceListRequest publish;
    publish.mutable_price_list()->set_currency_code("CNY");
    publish.mutable_price_list()->set_valid_from("2026-01-01");
    for (const auto& [sku, group, price] :
         {std::tuple<std::string, std::string, int64_t>{"PUMP-100", "PUMPS",
                                                        100000},
          {"VALVE-7", "VALVES", 20000}}) {
      pb::CreateProductRequest req;
      req.mutable_product()->set_sku(sku);
      req.mutable_product()->set_name(sku);
      req.mutable_product()->set_product_group(group);
      pb::Product out;
      grpc::Status s = catalogue_->CreateProduct(As("").get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
      pb::PriceListEntry* e = publish.mutable_price_list()->add_entries();
      e->set_sku(sku);
      e->mutable_list_price()->set_currency_code("CNY");
      e->mutable_list_price()->set_minor_units(price);
    }
    pb::PriceListVersion version;
    grpc::Status s =
        catalogue_->PublishPriceList(As("").get(), publish, &version);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pb::SetStandardCostRequest cost;
    cost.mutable_standard_cost()->set_sku("PUMP-100");
    cost.mutable_standard_cost()->mutable_cost()->set_currency_code("CNY");
    cost.mutable_standard_cost()->mutable_cost()->set_minor_units(60000);
    cost.mutable_standard_cost()->set_effective_from("2026-01-01");
    cost.set_request_id("cost-pump");
    pb::StandardCost cost_out;
    s = catalogue_->SetStandardCost(As("").get(), cost, &cost_out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    // Drafted by one pricing person, published by another (four eyes).
    pb::CreatePriceRuleRequest rule;
    rule.mutable_price_rule()->set_rule_id("PROMO-10");
    rule.mutable_price_rule()->set_type(pb::PRICE_RULE_TYPE_SEASONAL);
    rule.mutable_price_rule()->set_valid_from("2026-01-01");
    rule.mutable_price_rule()->set_basis_points(1000);
    rule.mutable_price_rule()->set_description("10% promotion");
    pb::PriceRule made;
    s = catalogue_->CreatePriceRule(As("").get(), rule, &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pb::PublishPriceRuleRequest pub;
    pub.set_rule_id("PROMO-10");
    s = catalogue_->PublishPriceRule(As(people_.pricing_manager).get(), pub,
                                     &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(made.state(), pb::PRICE_RULE_STATE_ACTIVE);
  }

  pb::Quote Quote(int64_t pumps, int64_t valves) {
    pb::CreateQuoteRequest req;
    req.set_dealer_id(dealer_);
    req.mutable_basket()->set_currency_code("CNY");
    req.mutable_basket()->mutable_payment_term()->set_net_days(30);
    if (pumps > 0) {
      auto* l = req.mutable_basket()->add_lines();
      l->set_sku("PUMP-100");
      l->set_quantity(pumps);
    }
    if (valves > 0) {
      auto* l = req.mutable_basket()->add_lines();
      l->set_sku("VALVE-7");
      l->set_quantity(valves);
    }
    pb::Quote out;
    grpc::Status s = catalogue_->CreateQuote(As(people_.rep).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    // The promotion applied: 900.00 and 180.00 a unit, then 13% VAT.
    const int64_t goods = pumps * 90000 + valves * 18000;
    EXPECT_EQ(out.goods_total().minor_units(), goods);
    EXPECT_EQ(out.total().minor_units(), goods + goods * 13 / 100);
    return out;
  }

  grpc::Status Place(const std::string& quote_id, const std::string& request_id,
                     pb::Order* out) {
    pb::PlaceOrderRequest req;
    req.set_quote_id(quote_id);
    req.set_request_id(request_id);
    return orders_->PlaceOrder(As(people_.rep).get(), req, out);
  }

  grpc::Status Ship(const std::string& order_id,
                    const std::vector<std::pair<int, int64_t>>& lines,
                    const std::string& request_id, pb::Order* out) {
    pb::ShipOrderRequest req;
    req.set_order_id(order_id);
    for (const auto& [line, quantity] : lines) {
      pb::LineQuantity* l = req.add_lines();
      l->set_line(line);
      l->set_quantity(quantity);
    }
    req.set_request_id(request_id);
    return orders_->ShipOrder(As(people_.warehouse).get(), req, out);
  }

  grpc::Status Cancel(const std::string& order_id,
                      const std::string& request_id, pb::Order* out) {
    pb::CancelOrderRequest req;
    req.set_order_id(order_id);
    req.set_reason("the dealer changed its mind");
    req.set_request_id(request_id);
    return orders_->CancelOrder(As(people_.rep).get(), req, out);
  }

  pb::Order GetOrder(const std::string& order_id) {
    pb::GetOrderRequest req;
    req.set_order_id(order_id);
    pb::Order out;
    grpc::Status s = orders_->GetOrder(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<pb::Order> ListOrders() {
    pb::ListOrdersRequest req;
    req.set_dealer_id(dealer_);
    req.set_page_size(500);
    pb::ListOrdersResponse out;
    grpc::Status s = orders_->ListOrders(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.orders().begin(), out.orders().end()};
  }

  // Credit control's side.
  cr::CreditReservation Reservation(const std::string& id) {
    cr::GetCreditReservationRequest req;
    req.set_reservation_id(id);
    cr::CreditReservation out;
    grpc::Status s =
        credit_stub_->GetCreditReservation(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    return out;
  }

  cr::CreditPosition Position() {
    cr::GetCreditPositionRequest req;
    req.set_dealer_id(dealer_);
    cr::CreditPosition out;
    grpc::Status s = credit_stub_->GetCreditPosition(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  cr::Invoice Invoice(const std::string& id) {
    cr::GetInvoiceRequest req;
    req.set_invoice_id(id);
    cr::Invoice out;
    grpc::Status s = credit_stub_->GetInvoice(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    return out;
  }

  // The dealer's invoices in credit control, by order.
  std::map<std::string, std::vector<cr::Invoice>> InvoicesByOrder() {
    cr::ListInvoicesRequest req;
    req.set_dealer_id(dealer_);
    req.set_page_size(500);
    cr::ListInvoicesResponse out;
    grpc::Status s = credit_stub_->ListInvoices(As("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::map<std::string, std::vector<cr::Invoice>> by_order;
    for (const cr::Invoice& i : out.invoices()) {
      by_order[i.order_id()].push_back(i);
    }
    return by_order;
  }

  // Every event on credit control's feed with `topic`, in order.
  std::vector<type::v1::ChangeEvent> Events(const std::string& topic) {
    std::vector<type::v1::ChangeEvent> out;
    std::string cursor;
    for (;;) {
      type::v1::ListChangesRequest req;
      req.set_after_cursor(cursor);
      req.set_page_size(1000);
      type::v1::ListChangesResponse resp;
      grpc::Status s = credit_stub_->ListChanges(As("").get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok() || resp.events_size() == 0) break;
      for (const type::v1::ChangeEvent& e : resp.events()) {
        if (e.topic() == topic) out.push_back(e);
      }
      cursor = resp.next_cursor();
    }
    return out;
  }

  // The reservations credit control ever made for `order_id`.
  std::vector<std::string> ReservationsOf(const std::string& order_id) {
    std::vector<std::string> ids;
    for (const auto& e : Events("reservation.created")) {
      cr::CreditReservation r;
      EXPECT_TRUE(e.payload().UnpackTo(&r));
      if (r.order_id() == order_id) ids.push_back(r.reservation_id());
    }
    return ids;
  }

  // Polls `done` every 200 ms for up to `timeout`.
  static bool Eventually(const std::function<bool()>& done,
                         absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return done();
  }

  void StopAll() {
    if (pricing_ != nullptr && pricing_->process->Running()) {
      pricing_->channel.reset();
      orders_.reset();
      catalogue_.reset();
      ExpectCleanExit(*pricing_);
    }
    credit_.channel.reset();
    credit_stub_.reset();
    ExpectCleanExit(credit_);
    customers_.channel.reset();
    ExpectCleanExit(customers_);
  }

  People people_;
  RunningService customers_;
  RunningService credit_;
  std::unique_ptr<cr::CreditControlService::Stub> credit_stub_;
  std::string pricing_db_;
  std::vector<std::string> pricing_flags_;
  std::unique_ptr<RunningService> pricing_;
  std::unique_ptr<pb::PricingService::Stub> catalogue_;
  std::unique_ptr<pb::OrderService::Stub> orders_;
  std::string dealer_;
};

TEST_F(OrderFlowEndToEndTest, AcceptedHeldShippedInPartsReturnedCancelled) {
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  // Events travel on Redis between the processes, as in production.
  StartPlatform("order_flow", {absl::StrCat("--redis=", (*redis)->Url())});
  StartPricing("pricing");
  CreateDealer(/*limit CNY 20,000.00*/ 2000000);
  CreateCatalogue();
  if (HasFatalFailure()) return;

  // 1. 10 pumps and 4 valves: 9,720.00 + VAT = 10,983.60, accepted.
  const pb::Quote quote1 = Quote(10, 4);
  pb::Order order1;
  grpc::Status s = Place(quote1.quote_id(), "place-1", &order1);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order1.state(), pb::ORDER_STATE_ACCEPTED);
  EXPECT_EQ(order1.total().minor_units(), 1098360);
  ASSERT_FALSE(order1.reservation_id().empty());
  {
    const cr::CreditReservation r = Reservation(order1.reservation_id());
    EXPECT_EQ(r.status(), cr::RESERVATION_STATUS_APPROVED);
    EXPECT_EQ(r.order_id(), order1.order_id());
    EXPECT_EQ(r.amount().minor_units(), 1098360);
    EXPECT_EQ(r.requested_by(), "svc-pricing");
    EXPECT_EQ(Position().approved_uninvoiced().minor_units(), 1098360);
  }

  // 2. 20 pumps, 20,340.00: over what is left of the limit, held with
  // credit control's reason.
  const pb::Quote quote2 = Quote(20, 0);
  pb::Order order2;
  s = Place(quote2.quote_id(), "place-2", &order2);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order2.state(), pb::ORDER_STATE_HELD);
  ASSERT_EQ(order2.credit_reasons_size(), 1);
  EXPECT_EQ(order2.credit_reasons(0).issue(), "OVER_LIMIT");
  {
    const cr::CreditReservation r = Reservation(order2.reservation_id());
    EXPECT_EQ(r.status(), cr::RESERVATION_STATUS_HELD);
    ASSERT_EQ(r.reasons_size(), 1);
    EXPECT_EQ(r.reasons(0).issue(), cr::RESERVATION_ISSUE_OVER_LIMIT);
    EXPECT_EQ(r.reasons(0).shortfall().minor_units(),
              1098360 + 2034000 - 2000000);
    cr::ListHoldQueueRequest req;
    req.set_payer_dealer_id(dealer_);
    cr::ListHoldQueueResponse queue;
    ASSERT_TRUE(
        credit_stub_->ListHoldQueue(As(people_.controller).get(), req, &queue)
            .ok());
    ASSERT_EQ(queue.entries_size(), 1);
    EXPECT_EQ(queue.entries(0).reservation().reservation_id(),
              order2.reservation_id());
    // Held credit is not exposure.
    EXPECT_EQ(Position().approved_uninvoiced().minor_units(), 1098360);
  }
  // A held order does not ship.
  {
    pb::Order ignored;
    EXPECT_EQ(
        Ship(order2.order_id(), {{0, 1}}, "ship-held", &ignored).error_code(),
        grpc::StatusCode::FAILED_PRECONDITION);
  }

  // The credit manager raises the limit to 50,000.00 and a controller
  // releases the reservation, in credit control only: pricing hears of it
  // on the reservation feed.
  SetLimit(5000000, "limit-2");
  {
    cr::ReleaseCreditReservationRequest req;
    req.set_reservation_id(order2.reservation_id());
    req.set_reason("limit raised after review");
    req.set_request_id("release-2");
    cr::CreditReservation out;
    s = credit_stub_->ReleaseCreditReservation(As(people_.controller).get(),
                                               req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.status(), cr::RESERVATION_STATUS_APPROVED);
  }
  EXPECT_TRUE(Eventually(
      [&] {
        return GetOrder(order2.order_id()).state() == pb::ORDER_STATE_ACCEPTED;
      },
      absl::Seconds(20)))
      << GetOrder(order2.order_id()).ShortDebugString();
  EXPECT_EQ(GetOrder(order2.order_id()).credit_reasons_size(), 0);
  EXPECT_EQ(Position().approved_uninvoiced().minor_units(), 1098360 + 2034000);

  // 3. Order 1 ships 6 of 10 pumps and all 4 valves: one invoice in credit
  // control for exactly that, the other 4 pumps back-ordered.
  pb::Order shipped;
  s = Ship(order1.order_id(), {{0, 6}, {1, 4}}, "ship-1", &shipped);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(shipped.state(), pb::ORDER_STATE_PARTIALLY_SHIPPED);
  ASSERT_EQ(shipped.lines_size(), 2);
  EXPECT_EQ(shipped.lines(0).state(), pb::ORDER_LINE_STATE_BACK_ORDERED);
  EXPECT_EQ(shipped.lines(0).shipped_quantity(), 6);
  EXPECT_EQ(shipped.lines(1).state(), pb::ORDER_LINE_STATE_SHIPPED);
  ASSERT_EQ(shipped.shipments_size(), 1);
  const std::string invoice1 = shipped.shipments(0).invoice_id();
  ASSERT_FALSE(invoice1.empty());
  {
    const cr::Invoice inv = Invoice(invoice1);
    EXPECT_EQ(inv.order_id(), order1.order_id());
    EXPECT_EQ(inv.reservation_id(), order1.reservation_id());
    EXPECT_EQ(inv.payer_dealer_id(), dealer_);
    ASSERT_EQ(inv.lines_size(), 2);
    EXPECT_EQ(inv.lines(0).sku(), "PUMP-100");
    EXPECT_EQ(inv.lines(0).product_group(), "PUMPS");
    EXPECT_EQ(inv.lines(0).quantity(), 6);
    EXPECT_EQ(inv.lines(0).net_price().minor_units(), 90000);
    EXPECT_EQ(inv.lines(0).unit_cost().minor_units(), 60000);
    EXPECT_EQ(inv.lines(1).sku(), "VALVE-7");
    EXPECT_EQ(inv.lines(1).quantity(), 4);
    EXPECT_EQ(inv.lines(1).net_price().minor_units(), 18000);
    EXPECT_EQ(inv.net_amount().minor_units(), 6 * 90000 + 4 * 18000);
    EXPECT_EQ(inv.vat().minor_units(), 79560);
    EXPECT_EQ(inv.total().minor_units(), 691560);
    EXPECT_EQ(inv.payment_term().net_days(), 30);
    EXPECT_EQ(shipped.shipments(0).invoice_total().minor_units(), 691560);
    const cr::CreditReservation r = Reservation(order1.reservation_id());
    EXPECT_EQ(r.status(), cr::RESERVATION_STATUS_APPROVED);
    EXPECT_EQ(r.invoiced().minor_units(), 691560);
    const cr::CreditPosition p = Position();
    EXPECT_EQ(p.open_receivables().minor_units(), 691560);
    EXPECT_EQ(p.approved_uninvoiced().minor_units(),
              1098360 - 691560 + 2034000);
    EXPECT_EQ(p.exposure().minor_units(), 1098360 + 2034000);
  }

  // The rest ships: order 1 is INVOICED, its reservation too, and its two
  // invoices add up to what was reserved.
  s = Ship(order1.order_id(), {{0, 4}}, "ship-2", &shipped);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(shipped.state(), pb::ORDER_STATE_INVOICED);
  ASSERT_EQ(shipped.shipments_size(), 2);
  const std::string invoice2 = shipped.shipments(1).invoice_id();
  {
    const cr::Invoice inv = Invoice(invoice2);
    ASSERT_EQ(inv.lines_size(), 1);
    EXPECT_EQ(inv.lines(0).sku(), "PUMP-100");
    EXPECT_EQ(inv.lines(0).quantity(), 4);
    EXPECT_EQ(inv.total().minor_units(), 406800);
    EXPECT_EQ(Reservation(order1.reservation_id()).status(),
              cr::RESERVATION_STATUS_INVOICED);
    auto invoices = InvoicesByOrder();
    ASSERT_EQ(invoices[order1.order_id()].size(), 2u);
    EXPECT_EQ(invoices.size(), 1u);  // nothing for order 2
    const cr::CreditPosition p = Position();
    EXPECT_EQ(p.open_receivables().minor_units(), 1098360);
    EXPECT_EQ(p.approved_uninvoiced().minor_units(), 2034000);
  }
  // Sent again, a shipment is the same shipment.
  {
    pb::Order again;
    s = Ship(order1.order_id(), {{0, 4}}, "ship-2", &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(again.shipments_size(), 2);
    EXPECT_EQ(InvoicesByOrder()[order1.order_id()].size(), 2u);
  }

  // 4. 2 pumps come back: a RETURN credit note in credit control against
  // the invoice they were on, lowering what the payer owes.
  pb::Order returned;
  {
    pb::ReturnOrderLinesRequest req;
    req.set_order_id(order1.order_id());
    pb::LineQuantity* l = req.add_lines();
    l->set_line(0);
    l->set_quantity(2);
    req.set_reason("damaged in transit");
    req.set_request_id("return-1");
    s = orders_->ReturnOrderLines(As(people_.sales_manager).get(), req,
                                  &returned);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(returned.returns_size(), 1);
  EXPECT_EQ(returned.lines(0).returned_quantity(), 2);
  const std::string note_id = returned.returns(0).credit_note_id();
  ASSERT_FALSE(note_id.empty());
  {
    const auto notes = Events("credit_note.issued");
    ASSERT_EQ(notes.size(), 1u);
    cr::CreditNote note;
    ASSERT_TRUE(notes[0].payload().UnpackTo(&note));
    EXPECT_EQ(note.credit_note_id(), note_id);
    EXPECT_EQ(note.kind(), cr::CREDIT_NOTE_KIND_RETURN);
    EXPECT_EQ(note.dealer_id(), dealer_);
    EXPECT_THAT(note.invoice_id(), ::testing::AnyOf(invoice1, invoice2));
    ASSERT_EQ(note.lines_size(), 1);
    EXPECT_EQ(note.lines(0).sku(), "PUMP-100");
    EXPECT_EQ(note.lines(0).quantity(), 2);
    EXPECT_EQ(note.net_amount().minor_units(), 180000);
    EXPECT_EQ(note.vat().minor_units(), 23400);
    EXPECT_EQ(note.total().minor_units(), 203400);
    int credited = 0;
    const cr::Invoice credited_invoice = Invoice(note.invoice_id());
    for (const cr::LedgerEntry& e : credited_invoice.entries()) {
      if (e.kind() == cr::LEDGER_ENTRY_KIND_CREDIT_NOTE &&
          e.document_id() == note_id) {
        credited += 1;
        EXPECT_EQ(e.amount().minor_units(), -203400);
      }
    }
    EXPECT_EQ(credited, 1);
    EXPECT_EQ(Position().open_receivables().minor_units(), 1098360 - 203400);
  }

  // 5. Order 2 is cancelled before it ships: credit control releases its
  // reservation and the payer's exposure is what it owes.
  pb::Order cancelled;
  s = Cancel(order2.order_id(), "cancel-2", &cancelled);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(cancelled.state(), pb::ORDER_STATE_CANCELLED);
  EXPECT_EQ(Reservation(order2.reservation_id()).status(),
            cr::RESERVATION_STATUS_CANCELLED);
  {
    const cr::CreditPosition p = Position();
    EXPECT_EQ(p.approved_uninvoiced().minor_units(), 0);
    EXPECT_EQ(p.open_receivables().minor_units(), 1098360 - 203400);
    EXPECT_EQ(p.exposure().minor_units(), 1098360 - 203400);
    EXPECT_EQ(p.available_credit().minor_units(), 5000000 - 1098360 + 203400);
  }
  // One reservation per order, ever.
  EXPECT_EQ(ReservationsOf(order1.order_id()).size(), 1u);
  EXPECT_EQ(ReservationsOf(order2.order_id()).size(), 1u);
  {
    cr::CheckLedgerConsistencyRequest req;
    cr::CheckLedgerConsistencyResponse out;
    s = credit_stub_->CheckLedgerConsistency(As(people_.credit_manager).get(),
                                             req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.differences_size(), 0);
  }
  StopAll();
}

TEST_F(OrderFlowEndToEndTest,
       KillNineBetweenTheServicesLosesAndDoublesNothing) {
  // No Redis: pricing follows credit control's feed by polling it.
  StartPlatform("order_crash");
  StartPricing("pricing_0");
  CreateDealer(/*limit CNY 1,000,000.00*/ 100000000);
  CreateCatalogue();
  if (HasFatalFailure()) return;
  const pb::Quote quote_a = Quote(10, 0);
  const pb::Quote quote_b = Quote(5, 5);
  const pb::Quote quote_c = Quote(2, 0);
  ExpectCleanExit(*pricing_);

  // 1. Killed after credit control reserved and before pricing recorded
  // it: the call fails; credit control holds a reservation pricing has
  // not seen.
  const std::string after_reserve = "QUDAO_FAILPOINTS=order.after_reserve";
  StartPricing("pricing_1", {}, {after_reserve});
  EXPECT_THAT(pricing_->process->Log(), HasSubstr("failpoints armed"));
  pb::Order order_a;
  EXPECT_FALSE(Place(quote_a.quote_id(), "place-a", &order_a).ok());
  ExpectKilledAt("order.after_reserve");
  ASSERT_EQ(Events("reservation.created").size(), 1u);

  // Restarted on the same database (the reconciler waits its default
  // minute, so this is the retry's doing): the same request id answers the
  // same order, ACCEPTED with the reservation already made.
  StartPricing("pricing_2");
  grpc::Status s = Place(quote_a.quote_id(), "place-a", &order_a);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order_a.state(), pb::ORDER_STATE_ACCEPTED);
  ASSERT_EQ(ReservationsOf(order_a.order_id()).size(), 1u);
  EXPECT_EQ(ReservationsOf(order_a.order_id())[0], order_a.reservation_id());
  {
    const cr::CreditReservation r = Reservation(order_a.reservation_id());
    EXPECT_EQ(r.status(), cr::RESERVATION_STATUS_APPROVED);
    EXPECT_EQ(r.amount().minor_units(), order_a.total().minor_units());
    EXPECT_EQ(Position().approved_uninvoiced().minor_units(),
              order_a.total().minor_units());
    pb::Order again;
    s = Place(quote_a.quote_id(), "place-a", &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(again.order_id(), order_a.order_id());
    EXPECT_EQ(again.reservation_id(), order_a.reservation_id());
    EXPECT_EQ(ListOrders().size(), 1u);
  }
  pb::Order order_c;
  s = Place(quote_c.quote_id(), "place-c", &order_c);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(order_c.state(), pb::ORDER_STATE_ACCEPTED);
  pricing_->channel.reset();
  orders_.reset();
  catalogue_.reset();
  ExpectCleanExit(*pricing_);

  // 2. Killed after recording order C's cancellation and before credit
  // control released its credit: the order is cancelled, its reservation
  // is not (yet).
  StartPricing("pricing_3", {}, {"QUDAO_FAILPOINTS=order.before_release"});
  pb::Order ignored;
  EXPECT_FALSE(Cancel(order_c.order_id(), "cancel-c", &ignored).ok());
  ExpectKilledAt("order.before_release");
  EXPECT_EQ(Reservation(order_c.reservation_id()).status(),
            cr::RESERVATION_STATUS_APPROVED);

  // 3. Killed after credit control invoiced 3 of order A's pumps and
  // before pricing recorded the invoice.
  StartPricing("pricing_4", {}, {"QUDAO_FAILPOINTS=order.after_invoice"});
  EXPECT_FALSE(Ship(order_a.order_id(), {{0, 3}}, "ship-a", &ignored).ok());
  ExpectKilledAt("order.after_invoice");
  ASSERT_EQ(InvoicesByOrder()[order_a.order_id()].size(), 1u);

  // 4. Killed again after reserving for order B, whose id the caller never
  // learns.
  StartPricing("pricing_5", {}, {after_reserve});
  EXPECT_FALSE(Place(quote_b.quote_id(), "place-b", &ignored).ok());
  ExpectKilledAt("order.after_reserve");

  // 5. Restarted with the reconciler every second and nobody retrying
  // anything: within its period it finishes B's reservation, records A's
  // invoice and releases C's credit, each with the request id first used.
  const absl::Time restarted = absl::Now();
  StartPricing("pricing_6",
               {"--order_reconcile_seconds=1", "--job_interval_seconds=1"});
  std::string order_b;
  const bool reconciled = Eventually(
      [&] {
        bool pending = false;
        for (const pb::Order& o : ListOrders()) {
          if (o.quote_id() == quote_b.quote_id()) order_b = o.order_id();
          if (o.state() == pb::ORDER_STATE_PENDING) pending = true;
        }
        const pb::Order a = GetOrder(order_a.order_id());
        return !order_b.empty() && !pending && a.shipments_size() == 1 &&
               !a.shipments(0).invoice_id().empty() &&
               Reservation(order_c.reservation_id()).status() ==
                   cr::RESERVATION_STATUS_CANCELLED;
      },
      absl::Seconds(30));
  ASSERT_TRUE(reconciled) << pricing_->process->Log();
  std::printf("reconciled %s after the restart\n",
              absl::FormatDuration(absl::Now() - restarted).c_str());

  // B: accepted, exactly one reservation, approved for its total.
  const pb::Order b = GetOrder(order_b);
  EXPECT_EQ(b.state(), pb::ORDER_STATE_ACCEPTED);
  ASSERT_EQ(ReservationsOf(order_b).size(), 1u);
  EXPECT_EQ(ReservationsOf(order_b)[0], b.reservation_id());
  EXPECT_EQ(Reservation(b.reservation_id()).status(),
            cr::RESERVATION_STATUS_APPROVED);
  EXPECT_EQ(Reservation(b.reservation_id()).amount().minor_units(),
            b.total().minor_units());
  // A: one invoice for its one shipment, the one credit control issued.
  const pb::Order a = GetOrder(order_a.order_id());
  EXPECT_EQ(a.state(), pb::ORDER_STATE_PARTIALLY_SHIPPED);
  auto invoices = InvoicesByOrder();
  ASSERT_EQ(invoices[order_a.order_id()].size(), 1u);
  const cr::Invoice& invoice_a = invoices[order_a.order_id()][0];
  EXPECT_EQ(a.shipments(0).invoice_id(), invoice_a.invoice_id());
  EXPECT_EQ(a.shipments(0).invoice_total().minor_units(),
            invoice_a.total().minor_units());
  EXPECT_EQ(invoice_a.total().minor_units(), 3 * 90000 + 3 * 90000 * 13 / 100);
  // C: cancelled, and no reservation outlives it.
  EXPECT_EQ(GetOrder(order_c.order_id()).state(), pb::ORDER_STATE_CANCELLED);
  // The payer's exposure is exactly A's uninvoiced rest, A's invoice and B.
  {
    const cr::CreditPosition p = Position();
    EXPECT_EQ(p.approved_uninvoiced().minor_units(),
              a.total().minor_units() - invoice_a.total().minor_units() +
                  b.total().minor_units());
    EXPECT_EQ(p.open_receivables().minor_units(),
              invoice_a.total().minor_units());
  }
  EXPECT_EQ(Events("reservation.created").size(), 3u);  // A, B, C once each
  EXPECT_EQ(ListOrders().size(), 3u);

  // The callers' retries, late: the same answers, nothing done twice.
  pb::Order again;
  s = Place(quote_b.quote_id(), "place-b", &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.order_id(), order_b);
  EXPECT_EQ(again.state(), pb::ORDER_STATE_ACCEPTED);
  s = Ship(order_a.order_id(), {{0, 3}}, "ship-a", &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.shipments_size(), 1);
  s = Cancel(order_c.order_id(), "cancel-c", &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.state(), pb::ORDER_STATE_CANCELLED);
  EXPECT_EQ(InvoicesByOrder()[order_a.order_id()].size(), 1u);
  EXPECT_EQ(Events("reservation.created").size(), 3u);
  EXPECT_EQ(Events("reservation.cancelled").size(), 1u);
  EXPECT_EQ(ListOrders().size(), 3u);
  StopAll();
}

}  // namespace
}  // namespace qudao
