// OrderService over real gRPC, with the real credit control and customer
// records behind the pricing module: every RPC refuses bad input naming
// the field and writes nothing; roles and partner scoping are enforced
// (another dealer's order is NOT_FOUND); an order is placed, shipped,
// listed, re-priced only by who may.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/service_fixture.h"
#include "gtest/gtest.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "services/credit_control/credit_control_testing.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/pricing/pricing_module.h"
#include "services/pricing/quote_store.h"

namespace qudao::pricing {
namespace {

using testing::TestIdentity;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

class OrderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    dealer_ = customers_->CreateDealer("Hengtai Distribution").value();
    other_ = customers_->CreateDealer("Mingda Trading").value();
    auto credit = credit::CreditControlForTest::Start(customers_->target());
    ASSERT_TRUE(credit.ok()) << credit.status();
    credit_ = std::move(*credit);
    ASSERT_TRUE(credit_->SetCreditLimit(dealer_, 1000000).ok());
    auto pricing = testing::ServiceFixture::Start(
        NewPricingModule, &Clock::Real(), "", nullptr,
        {{"credit_control", credit_->target()}});
    ASSERT_TRUE(pricing.ok()) << pricing.status();
    pricing_ = std::move(*pricing);
    stub_ = v1::OrderService::NewStub(pricing_->channel());
    auto db = storage::OpenDatabase(pricing_->database_url());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    InsertQuote("qt_1", dealer_);
  }

  void InsertQuote(const std::string& id, const std::string& dealer) {
    Quote q;
    q.quote_id = id;
    q.dealer_id = dealer;
    q.currency = "CNY";
    q.payment_term = {30, 0, 0};
    q.quote_day = absl::CivilDay(2026, 11, 27);
    q.create_time = absl::Now();
    q.expire_time = q.create_time + absl::Hours(24);
    q.created_by = "rep.wang";
    QuoteLine a;
    a.line = 0;
    a.sku = "PUMP-100";
    a.product_group = "PUMPS";
    a.quantity = 10;
    a.list_price = Cny(10000);
    a.list_version = 1;
    a.net_unit_price = Cny(9000);
    a.net_amount = Cny(90000);
    a.standard_cost = Cny(6000);
    a.cost_version = 1;
    a.rebate_accrual = Cny(0);
    q.lines = {a};
    q.goods_total = Cny(90000);
    q.freight = Cny(0);
    q.zone_adjustment = Cny(0);
    q.vat_basis_points = 1300;
    q.vat = Cny(11700);
    q.total = Cny(101700);
    q.rebate_total = Cny(0);
    ASSERT_TRUE(db_->RunInTransaction(storage::TransactionMode::kReadWrite,
                                      [&](storage::Transaction& tx) {
                                        return QuoteStore().Insert(tx, q);
                                      })
                    .ok());
  }

  int64_t Orders() {
    return testing::QueryInt(
        *db_,
        "SELECT (SELECT COUNT(*) FROM orders) + (SELECT COUNT(*) FROM "
        "order_shipments) + (SELECT COUNT(*) FROM order_returns)");
  }

  static void As(grpc::ClientContext& ctx, const std::string& subject,
                 const std::string& role) {
    ctx.AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().Token(subject, {role})));
  }
  static void AsPartner(grpc::ClientContext& ctx, const std::string& dealer) {
    ctx.AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().ServiceToken("gateway")));
    ctx.AddMetadata("x-qudao-partner-dealer", dealer);
  }

  static void ExpectInvalidField(const grpc::Status& s,
                                 const grpc::ClientContext& ctx,
                                 const std::string& field) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), field) << s.error_message();
  }

  v1::Order Place(const std::string& request_id) {
    grpc::ClientContext ctx;
    As(ctx, "rep.wang", "sales_rep");
    v1::PlaceOrderRequest req;
    req.set_quote_id("qt_1");
    req.set_request_id(request_id);
    v1::Order out;
    grpc::Status s = stub_->PlaceOrder(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<credit::CreditControlForTest> credit_;
  std::unique_ptr<testing::ServiceFixture> pricing_;
  std::unique_ptr<v1::OrderService::Stub> stub_;
  std::unique_ptr<storage::Database> db_;
  std::string dealer_;
  std::string other_;
};

TEST_F(OrderServiceTest,
       BadInputIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  const v1::Order placed = Place("place-1");
  ASSERT_EQ(placed.state(), v1::ORDER_STATE_ACCEPTED);
  const int64_t before = Orders();
  {
    v1::PlaceOrderRequest req;
    req.set_request_id("r1");
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->PlaceOrder(&ctx, req, &out), ctx, "quote_id");
    req.set_quote_id("qt_1");
    req.clear_request_id();
    grpc::ClientContext ctx2;
    ExpectInvalidField(stub_->PlaceOrder(&ctx2, req, &out), ctx2, "request_id");
  }
  {
    v1::GetOrderRequest req;
    req.set_order_id("not-an-order");
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->GetOrder(&ctx, req, &out), ctx, "order_id");
  }
  {
    v1::ListOrdersRequest req;
    req.set_dealer_id(dealer_);
    req.set_page_size(-1);
    grpc::ClientContext ctx;
    v1::ListOrdersResponse out;
    ExpectInvalidField(stub_->ListOrders(&ctx, req, &out), ctx, "page_size");
  }
  {
    v1::ShipOrderRequest req;
    req.set_order_id(placed.order_id());
    req.set_request_id("s1");
    v1::LineQuantity* l = req.add_lines();
    l->set_line(0);
    l->set_quantity(0);
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->ShipOrder(&ctx, req, &out), ctx,
                       "lines[0].quantity");
    l->set_quantity(1);
    l->set_line(9);
    grpc::ClientContext ctx2;
    ExpectInvalidField(stub_->ShipOrder(&ctx2, req, &out), ctx2,
                       "lines[0].line");
  }
  {
    v1::CancelOrderRequest req;
    req.set_order_id(placed.order_id());
    req.set_request_id("c1");
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->CancelOrder(&ctx, req, &out), ctx, "reason");
  }
  {
    v1::ReturnOrderLinesRequest req;
    req.set_order_id(placed.order_id());
    req.set_reason("damaged");
    req.set_request_id("r1");
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->ReturnOrderLines(&ctx, req, &out), ctx, "lines");
  }
  {
    v1::RepriceOrderRequest req;
    req.set_order_id(placed.order_id());
    req.set_quote_id("qt 2");
    req.set_request_id("p1");
    grpc::ClientContext ctx;
    v1::Order out;
    ExpectInvalidField(stub_->RepriceOrder(&ctx, req, &out), ctx, "quote_id");
  }
  EXPECT_EQ(Orders(), before);
}

TEST_F(OrderServiceTest, RolesAndPartnersAreScoped) {
  const v1::Order placed = Place("place-1");
  ASSERT_EQ(placed.state(), v1::ORDER_STATE_ACCEPTED);
  // The replay is the same order.
  EXPECT_EQ(Place("place-1").order_id(), placed.order_id());
  const int64_t before = Orders();
  {
    // A sales rep does not ship.
    grpc::ClientContext ctx;
    As(ctx, "rep.wang", "sales_rep");
    v1::ShipOrderRequest req;
    req.set_order_id(placed.order_id());
    req.set_request_id("s1");
    v1::LineQuantity* l = req.add_lines();
    l->set_line(0);
    l->set_quantity(1);
    v1::Order out;
    EXPECT_EQ(stub_->ShipOrder(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // Another dealer's partner sees no such order, nor can cancel it.
    grpc::ClientContext ctx;
    AsPartner(ctx, other_);
    v1::GetOrderRequest req;
    req.set_order_id(placed.order_id());
    v1::Order out;
    EXPECT_EQ(stub_->GetOrder(&ctx, req, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
    grpc::ClientContext cancel_ctx;
    AsPartner(cancel_ctx, other_);
    v1::CancelOrderRequest cancel;
    cancel.set_order_id(placed.order_id());
    cancel.set_reason("not mine");
    cancel.set_request_id("c1");
    EXPECT_EQ(stub_->CancelOrder(&cancel_ctx, cancel, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
    grpc::ClientContext place_ctx;
    AsPartner(place_ctx, other_);
    v1::PlaceOrderRequest place;
    place.set_quote_id("qt_1");
    place.set_request_id("p1");
    EXPECT_EQ(stub_->PlaceOrder(&place_ctx, place, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Orders(), before);
  {
    // The dealer's own partner does see it.
    grpc::ClientContext ctx;
    AsPartner(ctx, dealer_);
    v1::GetOrderRequest req;
    req.set_order_id(placed.order_id());
    v1::Order out;
    grpc::Status s = stub_->GetOrder(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  {
    // The warehouse ships 4; the order lists as partially shipped.
    grpc::ClientContext ctx;
    As(ctx, "svc-warehouse", "warehouse");
    v1::ShipOrderRequest req;
    req.set_order_id(placed.order_id());
    req.set_request_id("s1");
    v1::LineQuantity* l = req.add_lines();
    l->set_line(0);
    l->set_quantity(4);
    v1::Order out;
    grpc::Status s = stub_->ShipOrder(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.state(), v1::ORDER_STATE_PARTIALLY_SHIPPED);
    ASSERT_EQ(out.shipments_size(), 1);
    EXPECT_FALSE(out.shipments(0).invoice_id().empty());
    EXPECT_EQ(out.lines(0).state(), v1::ORDER_LINE_STATE_BACK_ORDERED);
  }
  {
    grpc::ClientContext ctx;
    As(ctx, "mgr.qian", "sales_manager");
    v1::ListOrdersRequest req;
    req.set_dealer_id(dealer_);
    req.set_state(v1::ORDER_STATE_PARTIALLY_SHIPPED);
    v1::ListOrdersResponse out;
    grpc::Status s = stub_->ListOrders(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(out.orders_size(), 1);
    EXPECT_EQ(out.orders(0).order_id(), placed.order_id());
  }
}

// The module follows credit control's reservation feed itself: a held
// order becomes ACCEPTED when a controller releases it there, with no
// call from credit control to pricing.
TEST_F(OrderServiceTest, TheModuleFollowsCreditControlsDecisions) {
  InsertQuote("qt_big", other_);  // `other_` has no credit limit: held
  grpc::ClientContext ctx;
  As(ctx, "rep.wang", "sales_rep");
  v1::PlaceOrderRequest req;
  req.set_quote_id("qt_big");
  req.set_request_id("place-held");
  v1::Order held;
  grpc::Status s = stub_->PlaceOrder(&ctx, req, &held);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(held.state(), v1::ORDER_STATE_HELD);
  ASSERT_TRUE(credit_->SetCreditLimit(other_, 1000000).ok());
  absl::Status released = credit_->ReleaseReservation(
      held.reservation_id(), "limit set after review", "release-held");
  ASSERT_TRUE(released.ok()) << released;
  v1::Order now;
  for (int i = 0; i < 100; ++i) {  // the follower polls every 2 s
    grpc::ClientContext get_ctx;
    v1::GetOrderRequest get;
    get.set_order_id(held.order_id());
    ASSERT_TRUE(stub_->GetOrder(&get_ctx, get, &now).ok());
    if (now.state() != v1::ORDER_STATE_HELD) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(now.state(), v1::ORDER_STATE_ACCEPTED);
}

}  // namespace
}  // namespace qudao::pricing
