// The order flow on SQLite and PostgreSQL against the REAL credit control
// and customer records, in-process over gRPC (no fakes of either): orders
// are accepted, held and released through the feed, rejected; shipped in
// parts and invoiced; cancelled with their credit released; returned as
// credit notes that lower revenue; re-priced; every step replayed changes
// nothing; a crash between the services is finished by the reconciler;
// rebates are paid once per period.
#include "services/pricing/order_operations.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/testing/database_fixture.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_control_testing.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/pricing/product_store.h"
#include "services/pricing/quote_store.h"

namespace qudao::pricing {
namespace {

using storage::IdempotentRequest;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

template <typename B>
class OrderOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
    if (this->db_ == nullptr) return;
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Hengtai Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    auto credit = credit::CreditControlForTest::Start(customers_->target());
    ASSERT_TRUE(credit.ok()) << credit.status();
    credit_ = std::move(*credit);
    ASSERT_TRUE(credit_->SetCreditLimit(dealer_, 1000000).ok());
    client_ = credit_->ClientAs("pricing");
    clock_.Set(absl::Now());
    orders_ = std::make_unique<OrderOperations>(this->db_.get(), client_.get(),
                                                &clock_);
    rep_.subject = "rep.wang";
    rep_.roles = {auth::Role::kSalesRep};
    warehouse_.subject = "svc-warehouse";
    warehouse_.roles = {auth::Role::kWarehouseService};
  }

  CallContext Call() const {
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(10);
    return call;
  }

  // A quote of 10 × PUMP-100 at 90.00 (rebate 9.00 under REB-1) and 3 ×
  // VALVE-7 at 33.33, freight 15.00, VAT 13%: total 1,146.94.
  Quote MakeQuote(const std::string& id, const std::string& dealer,
                  int64_t pump_unit = 9000) {
    Quote q;
    q.quote_id = id;
    q.dealer_id = dealer;
    q.currency = "CNY";
    q.destination_province = "Zhejiang";
    q.destination_city = "Hangzhou";
    q.payment_term = {30, 0, 0};
    q.quote_day = absl::CivilDay(2026, 11, 27);
    q.create_time = clock_.Now();
    q.expire_time = q.create_time + absl::Hours(24 * 14);
    q.created_by = "rep.wang";
    QuoteLine a;
    a.line = 0;
    a.sku = "PUMP-100";
    a.product_group = "PUMPS";
    a.quantity = 10;
    a.list_price = Cny(10000);
    a.list_version = 1;
    a.net_unit_price = Cny(pump_unit);
    a.net_amount = Cny(pump_unit * 10);
    a.standard_cost = Cny(6000);
    a.cost_version = 1;
    a.rebate_rule_id = "REB-1";
    a.rebate_accrual = Cny(900);
    QuoteLine b;
    b.line = 1;
    b.sku = "VALVE-7";
    b.product_group = "VALVES";
    b.quantity = 3;
    b.list_price = Cny(3333);
    b.list_version = 1;
    b.net_amount = Cny(9999);
    b.net_unit_price = Cny(3333);
    b.rebate_accrual = Cny(0);
    q.lines = {a, b};
    q.goods_total = Cny(pump_unit * 10 + 9999);
    q.freight = Cny(1500);
    q.zone_adjustment = Cny(0);
    q.vat_basis_points = 1300;
    q.vat = q.goods_total.Add(q.freight)->ApplyBasisPoints(1300).value();
    q.total = q.goods_total.Add(q.freight)->Add(q.vat).value();
    q.rebate_total = Cny(900);
    q.explanation = "waterfall";
    EXPECT_TRUE(this->db_
                    ->RunInTransaction(storage::TransactionMode::kReadWrite,
                                       [&](storage::Transaction& tx) {
                                         return QuoteStore().Insert(tx, q);
                                       })
                    .ok());
    return q;
  }

  absl::StatusOr<Order> Place(const std::string& quote_id,
                              const std::string& request_id) {
    return orders_->Place(
        Call(), rep_, "", quote_id,
        IdempotentRequest::FromCaller("PlaceOrder", rep_.subject, request_id,
                                      quote_id));
  }
  absl::StatusOr<Order> Ship(const std::string& order_id,
                             const std::vector<LineQuantity>& lines,
                             const std::string& request_id) {
    std::string fp = order_id;
    for (const auto& l : lines)
      absl::StrAppend(&fp, ";", l.line, ":", l.quantity);
    return orders_->Ship(Call(), warehouse_, order_id, lines,
                         IdempotentRequest::FromCaller(
                             "ShipOrder", warehouse_.subject, request_id, fp));
  }
  absl::StatusOr<Order> Cancel(const std::string& order_id,
                               const std::string& request_id) {
    return orders_->Cancel(
        Call(), rep_, "", order_id, "dealer changed its mind",
        IdempotentRequest::FromCaller("CancelOrder", rep_.subject, request_id,
                                      order_id));
  }

  credit::v1::CreditReservation Reservation(const std::string& id) {
    auto r = client_->GetCreditReservation(Call(), id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : credit::v1::CreditReservation();
  }

  int64_t Exposure(const std::string& dealer) {
    grpc::ClientContext ctx;
    credit::v1::GetCreditPositionRequest req;
    req.set_dealer_id(dealer);
    credit::v1::CreditPosition out;
    grpc::Status s = credit_->stub().GetCreditPosition(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.exposure().minor_units();
  }

  int CountOrders() {
    int n = 0;
    EXPECT_TRUE(this->db_
                    ->RunInTransaction(
                        storage::TransactionMode::kReadOnly,
                        [&](storage::Transaction& tx) -> absl::Status {
                          auto rows = tx.Query("SELECT COUNT(*) FROM orders");
                          if (!rows.ok()) return rows.status();
                          n = static_cast<int>((*rows)[0].Int(0));
                          return absl::OkStatus();
                        })
                    .ok());
    return n;
  }

  FakeClock clock_;
  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<credit::CreditControlForTest> credit_;
  std::unique_ptr<credit::CreditControlClient> client_;
  std::unique_ptr<OrderOperations> orders_;
  std::string dealer_;
  auth::Principal rep_;
  auth::Principal warehouse_;
};
TYPED_TEST_SUITE(OrderOperationsTest, testing::BothBackends);

TYPED_TEST(OrderOperationsTest, PlacedShippedInPartsAndInvoicedOnce) {
  if (this->db_ == nullptr) GTEST_SKIP();
  const Quote q = this->MakeQuote("qt_1", this->dealer_);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->state, OrderState::kAccepted);
  EXPECT_EQ(placed->total, q.total);
  ASSERT_FALSE(placed->reservation_id.empty());
  EXPECT_EQ(this->Reservation(placed->reservation_id).amount().minor_units(),
            q.total.minor_units());
  // The same request again: the same order, nothing new anywhere.
  auto again = this->Place("qt_1", "place-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->order_id, placed->order_id);
  EXPECT_EQ(this->CountOrders(), 1);
  EXPECT_EQ(this->Exposure(this->dealer_), q.total.minor_units());

  auto shipped = this->Ship(placed->order_id, {{0, 4}}, "ship-1");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->state, OrderState::kPartiallyShipped);
  ASSERT_EQ(shipped->shipments.size(), 1u);
  EXPECT_FALSE(shipped->shipments[0].invoice_id.empty());
  // 4 × 90.00 + freight 15.00, plus 13% VAT.
  EXPECT_EQ(shipped->shipments[0].invoice_total->minor_units(),
            (36000 + 1500) * 113 / 100);
  EXPECT_EQ(shipped->lines[0].state(), LineState::kBackOrdered);
  auto replay = this->Ship(placed->order_id, {{0, 4}}, "ship-1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->shipments.size(), 1u);
  EXPECT_EQ(replay->shipments[0].invoice_id, shipped->shipments[0].invoice_id);

  // More than is left, and a line it does not have.
  auto too_many = this->Ship(placed->order_id, {{0, 7}}, "ship-x");
  EXPECT_EQ(ReasonOf(too_many.status()), kReasonShipsMoreThanOrdered);
  auto no_line = this->Ship(placed->order_id, {{5, 1}}, "ship-y");
  EXPECT_EQ(FieldOf(no_line.status()), "lines[0].line");

  auto rest = this->Ship(placed->order_id, {{0, 6}, {1, 3}}, "ship-2");
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->state, OrderState::kInvoiced);
  ASSERT_EQ(rest->shipments.size(), 2u);
  EXPECT_NE(rest->shipments[1].invoice_id, rest->shipments[0].invoice_id);

  // Revenue counts exactly the goods shipped.
  credit::v1::GetRevenueSummaryRequest revenue;
  revenue.set_dealer_id(this->dealer_);
  const std::string today =
      BusinessCalendar::Key(BusinessCalendar::Default().DayOf(absl::Now()));
  revenue.set_from_date(today);
  revenue.set_to_date(today);
  auto summary = this->client_->GetRevenueSummary(this->Call(), revenue);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->rows_size(), 1);
  EXPECT_EQ(summary->rows(0).invoiced_net().minor_units(), 99999);

  // Returns: no more than shipped; 2 pumps back lower revenue.
  auto over = this->orders_->Return(
      this->Call(), this->rep_, placed->order_id, {{1, 4}}, "damaged",
      IdempotentRequest::FromCaller("Return", "mgr", "ret-x", "x"));
  EXPECT_EQ(ReasonOf(over.status()), kReasonReturnsMoreThanShipped);
  for (int i = 0; i < 2; ++i) {  // the second time is a replay
    auto returned = this->orders_->Return(
        this->Call(), this->rep_, placed->order_id, {{0, 5}}, "damaged",
        IdempotentRequest::FromCaller("Return", "mgr", "ret-1", "ret-1"));
    ASSERT_TRUE(returned.ok()) << returned.status();
    ASSERT_EQ(returned->returns.size(), 1u);
    // 4 from the first shipment, 1 from the second: two credit notes.
    ASSERT_EQ(returned->returns[0].parts.size(), 2u);
    EXPECT_TRUE(returned->returns[0].done());
  }
  summary = this->client_->GetRevenueSummary(this->Call(), revenue);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows(0).returns().minor_units(), 45000);
  EXPECT_EQ(summary->rows(0).net_revenue().minor_units(), 99999 - 45000);

  // Rebates: REB-1 accrued 9.00 on the 10 pumps invoiced, the 5 returned
  // clawed back 4.50 (3.60 + 0.90 by shipment); 4.50 paid, once.
  const std::string month = BusinessCalendar::Key(
      absl::CivilMonth(BusinessCalendar::Default().DayOf(this->clock_.Now())));
  auto paid = this->orders_->SettleRebates(month);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 1);
  EXPECT_EQ(testing::QueryInt(
                *this->db_, "SELECT SUM(amount_minor) FROM rebate_settlements"),
            450);
  paid = this->orders_->SettleRebates(month);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 0);
}

TYPED_TEST(OrderOperationsTest, HeldOverTheLimitUntilReleasedThroughTheFeed) {
  if (this->db_ == nullptr) GTEST_SKIP();
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 50000).ok());
  this->MakeQuote("qt_1", this->dealer_);
  auto follower = this->orders_->FollowReservations(nullptr);
  ASSERT_TRUE(follower->CatchUp().ok());
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->state, OrderState::kHeld);
  ASSERT_FALSE(placed->credit_reasons.empty());
  EXPECT_EQ(placed->credit_reasons[0].issue, "OVER_LIMIT");
  // A held order does not ship.
  EXPECT_EQ(ReasonOf(this->Ship(placed->order_id, {{0, 1}}, "s").status()),
            kReasonOrderNotShippable);

  // The credit manager raises the limit and a controller releases it in
  // credit control; pricing hears of it from the feed alone.
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 1000000).ok());
  absl::Status released = this->credit_->ReleaseReservation(
      placed->reservation_id, "limit raised after review", "release-1");
  ASSERT_TRUE(released.ok()) << released;
  ASSERT_TRUE(follower->CatchUp().ok());
  follower->Stop();
  auto after = this->orders_->Get(this->rep_, "", placed->order_id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->state, OrderState::kAccepted);
  EXPECT_TRUE(after->credit_reasons.empty());
}

TYPED_TEST(OrderOperationsTest, ASuspendedDealersOrderIsRejected) {
  if (this->db_ == nullptr) GTEST_SKIP();
  auto suspended = this->customers_->CreateDealer("Shaky Trading");
  ASSERT_TRUE(suspended.ok());
  ASSERT_TRUE(this->customers_
                  ->SetStatus(*suspended, customer::v1::DEALER_STATUS_SUSPENDED)
                  .ok());
  this->MakeQuote("qt_s", *suspended);
  auto placed = this->Place("qt_s", "place-s");
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->state, OrderState::kRejected);
  ASSERT_FALSE(placed->credit_reasons.empty());
  EXPECT_EQ(placed->credit_reasons[0].issue, "DEALER_SUSPENDED");
  EXPECT_EQ(ReasonOf(this->Cancel(placed->order_id, "c").status()),
            kReasonOrderClosed);
}

TYPED_TEST(OrderOperationsTest, AnExpiredOrForeignQuoteWritesNothing) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  auth::Principal partner;
  partner.subject = "svc-gateway";
  partner.roles = {auth::Role::kGatewayService};
  partner.partner_dealer_id = "dlr_0190f3c2a1b24e8f0a1b";
  auto foreign = this->orders_->Place(
      this->Call(), partner, "", "qt_1",
      IdempotentRequest::FromCaller("PlaceOrder", "p", "r", "qt_1"));
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kNotFound);
  this->clock_.Advance(absl::Hours(24 * 15));
  auto expired = this->Place("qt_1", "place-1");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(expired.status()), kReasonQuoteExpired);
  EXPECT_EQ(this->CountOrders(), 0);
}

TYPED_TEST(OrderOperationsTest, CancelReleasesTheRestOfTheCredit) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  auto shipped = this->Ship(placed->order_id, {{0, 4}}, "ship-1");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  const int64_t invoiced = shipped->shipments[0].invoice_total->minor_units();
  for (int i = 0; i < 2; ++i) {  // the second time is a replay
    auto cancelled = this->Cancel(placed->order_id, "cancel-1");
    ASSERT_TRUE(cancelled.ok()) << cancelled.status();
    EXPECT_EQ(cancelled->state, OrderState::kCancelled);
    EXPECT_FALSE(cancelled->release_pending);
    EXPECT_EQ(cancelled->lines[0].cancelled, 6);
    EXPECT_EQ(cancelled->lines[1].cancelled, 3);
  }
  EXPECT_EQ(this->Reservation(placed->reservation_id).status(),
            credit::v1::RESERVATION_STATUS_CANCELLED);
  // Exposure is what was invoiced, nothing more.
  EXPECT_EQ(this->Exposure(this->dealer_), invoiced);
  EXPECT_EQ(ReasonOf(this->Ship(placed->order_id, {{1, 1}}, "s").status()),
            kReasonOrderNotShippable);
}

TYPED_TEST(OrderOperationsTest, RepricingAdjustsTheReservation) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  const Quote cheaper = this->MakeQuote("qt_2", this->dealer_, 8000);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  auth::Principal manager;
  manager.subject = "mgr.qian";
  manager.roles = {auth::Role::kSalesManager};
  auto repriced = this->orders_->Reprice(
      this->Call(), manager, placed->order_id, "qt_2",
      IdempotentRequest::FromCaller("RepriceOrder", "mgr", "rp-1", "qt_2"));
  ASSERT_TRUE(repriced.ok()) << repriced.status();
  EXPECT_EQ(repriced->quote_id, "qt_2");
  EXPECT_EQ(repriced->total, cheaper.total);
  EXPECT_EQ(repriced->lines[0].net_unit_price, Cny(8000));
  EXPECT_EQ(this->Reservation(placed->reservation_id).amount().minor_units(),
            cheaper.total.minor_units());
  // The same request again changes nothing, in pricing or credit control.
  auto again = this->orders_->Reprice(
      this->Call(), manager, placed->order_id, "qt_2",
      IdempotentRequest::FromCaller("RepriceOrder", "mgr", "rp-1", "qt_2"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->total, cheaper.total);
  EXPECT_EQ(again->reprice_count, 1);
  EXPECT_EQ(this->Exposure(this->dealer_), cheaper.total.minor_units());
  // Once shipped, the prices stay as invoiced.
  ASSERT_TRUE(this->Ship(placed->order_id, {{0, 1}}, "ship-1").ok());
  auto late = this->orders_->Reprice(
      this->Call(), manager, placed->order_id, "qt_1",
      IdempotentRequest::FromCaller("RepriceOrder", "mgr", "rp-2", "qt_1"));
  EXPECT_EQ(ReasonOf(late.status()), kReasonAlreadyShipped);
}

// A crash between the services: the order was written PENDING and credit
// control never asked; a cancellation's release never sent. The
// reconciler finishes both after a minute, with the same request ids.
TYPED_TEST(OrderOperationsTest, TheReconcilerFinishesWhatACrashLeft) {
  if (this->db_ == nullptr) GTEST_SKIP();
  const Quote q = this->MakeQuote("qt_1", this->dealer_);
  Order pending;
  pending.order_id = "ord_0190f3c2a1b24e8f0a1b";
  pending.quote_id = q.quote_id;
  pending.dealer_id = q.dealer_id;
  pending.currency = "CNY";
  pending.state = OrderState::kPending;
  OrderLine line;
  line.line = 0;
  line.sku = "PUMP-100";
  line.product_group = "PUMPS";
  line.quantity = 10;
  line.net_unit_price = Cny(9000);
  line.net_amount = Cny(90000);
  line.unit_cost = Cny(6000);
  line.rebate_accrual = Cny(0);
  pending.lines = {line};
  pending.goods_total = Cny(90000);
  pending.freight = Cny(0);
  pending.vat_basis_points = 1300;
  pending.vat = Cny(11700);
  pending.total = Cny(101700);
  pending.payment_term = {30, 0, 0};
  pending.placed_by = "rep.wang";
  pending.create_time = this->clock_.Now();
  pending.update_time = this->clock_.Now();
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(storage::TransactionMode::kReadWrite,
                                     [&](storage::Transaction& tx) {
                                       return OrderStore().Insert(tx, pending);
                                     })
                  .ok());
  // Not yet: within its minute the order may still be finishing.
  auto early = this->orders_->Reconcile();
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, 0);
  this->clock_.Advance(absl::Minutes(2));
  for (int i = 0; i < 2; ++i) {  // running again changes nothing
    ASSERT_TRUE(this->orders_->Reconcile().ok());
  }
  auto finished = this->orders_->Get(this->rep_, "", pending.order_id);
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(finished->state, OrderState::kAccepted);
  ASSERT_FALSE(finished->reservation_id.empty());
  EXPECT_EQ(this->Exposure(this->dealer_), 101700);

  // Cancelled, but the release never reached credit control.
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      storage::TransactionMode::kReadWrite,
                      [&](storage::Transaction& tx) -> absl::Status {
                        auto o = OrderStore().Find(tx, pending.order_id);
                        if (!o.ok()) return o.status();
                        ApplyCancel(**o, "crash test", this->clock_.Now());
                        return OrderStore().Update(tx, **o);
                      })
                  .ok());
  EXPECT_EQ(this->Reservation(finished->reservation_id).status(),
            credit::v1::RESERVATION_STATUS_APPROVED);
  this->clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(this->orders_->Reconcile().ok());
  EXPECT_EQ(this->Reservation(finished->reservation_id).status(),
            credit::v1::RESERVATION_STATUS_CANCELLED);
  EXPECT_EQ(this->Exposure(this->dealer_), 0);
  auto closed = this->orders_->Get(this->rep_, "", pending.order_id);
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE(closed->release_pending);
}

// A crash after a shipment (and a return) was recorded but before credit
// control was asked: the reconciler invoices the shipment and credits the
// return, once, with the request ids the lost calls would have used.
TYPED_TEST(OrderOperationsTest, TheReconcilerInvoicesAndCreditsWhatACrashLeft) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  auto shipped = this->Ship(placed->order_id, {{0, 4}}, "ship-1");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  auto crash = [&](const std::function<absl::Status(Order&)>& step) {
    ASSERT_TRUE(this->db_
                    ->RunInTransaction(
                        storage::TransactionMode::kReadWrite,
                        [&](storage::Transaction& tx) -> absl::Status {
                          auto o = OrderStore().Find(tx, placed->order_id);
                          if (!o.ok()) return o.status();
                          absl::Status s = step(**o);
                          if (!s.ok()) return s;
                          return OrderStore().Update(tx, **o);
                        })
                    .ok());
  };
  crash([&](Order& o) {
    ApplyShipment(o, 2, {{1, 3}}, "svc-warehouse", this->clock_.Now());
    return ApplyReturn(o, 1, {{0, 1}}, "damaged", "mgr", this->clock_.Now());
  });
  this->clock_.Advance(absl::Minutes(2));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(this->orders_->Reconcile().ok());
  auto done = this->orders_->Get(this->rep_, "", placed->order_id);
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->shipments.size(), 2u);
  EXPECT_FALSE(done->shipments[1].invoice_id.empty());
  ASSERT_EQ(done->returns.size(), 1u);
  EXPECT_TRUE(done->returns[0].done());
  credit::v1::GetRevenueSummaryRequest revenue;
  revenue.set_dealer_id(this->dealer_);
  const std::string today =
      BusinessCalendar::Key(BusinessCalendar::Default().DayOf(absl::Now()));
  revenue.set_from_date(today);
  revenue.set_to_date(today);
  auto summary = this->client_->GetRevenueSummary(this->Call(), revenue);
  ASSERT_TRUE(summary.ok()) << summary.status();
  // 4 pumps + 3 valves invoiced once each, 1 pump returned once.
  EXPECT_EQ(summary->rows(0).invoiced_net().minor_units(), 36000 + 9999);
  EXPECT_EQ(summary->rows(0).returns().minor_units(), 9000);
}

// Credit control down: the order stays PENDING (UNAVAILABLE to the
// caller), and nothing else.
TYPED_TEST(OrderOperationsTest, CreditControlDownLeavesTheOrderPending) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  this->credit_->Stop();
  auto placed = this->Place("qt_1", "place-1");
  EXPECT_EQ(placed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(this->CountOrders(), 1);
}

// A held order is asked after about: 1 minute, then 2, 4, … (at most an
// hour apart), so long-held orders do not take every run; a failed try
// says why on the order; the order moving on clears it.
TYPED_TEST(OrderOperationsTest, TheReconcilerBacksOffAndSaysWhy) {
  if (this->db_ == nullptr) GTEST_SKIP();
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 50000).ok());
  this->MakeQuote("qt_1", this->dealer_);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  ASSERT_EQ(placed->state, OrderState::kHeld);
  auto order = [&] {
    auto o = this->orders_->Get(this->rep_, "", placed->order_id);
    EXPECT_TRUE(o.ok()) << o.status();
    return o.ok() ? *o : Order();
  };
  // Within the grace minute the reconciler leaves it alone.
  EXPECT_EQ(*this->orders_->Reconcile(), 0);
  EXPECT_EQ(order().step_attempts, 0);

  this->clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*this->orders_->Reconcile(), 1);
  Order o = order();
  EXPECT_EQ(o.state, OrderState::kHeld);
  EXPECT_EQ(o.step_attempts, 1);
  EXPECT_EQ(o.last_step_error, "");  // credit control simply holds it
  EXPECT_EQ(absl::ToUnixMicros(o.next_attempt_time),
            absl::ToUnixMicros(this->clock_.Now() + absl::Minutes(1)));
  // Not due yet: not asked again.
  EXPECT_EQ(*this->orders_->Reconcile(), 0);
  EXPECT_EQ(order().step_attempts, 1);
  this->clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(*this->orders_->Reconcile(), 1);
  o = order();
  EXPECT_EQ(o.step_attempts, 2);
  EXPECT_EQ(absl::ToUnixMicros(o.next_attempt_time),
            absl::ToUnixMicros(this->clock_.Now() + absl::Minutes(2)));

  // The limit raised and the reservation released in credit control: the
  // next due try finds it approved, and the order's write clears the
  // attempts.
  ASSERT_TRUE(this->credit_->SetCreditLimit(this->dealer_, 1000000).ok());
  absl::Status released = this->credit_->ReleaseReservation(
      placed->reservation_id, "limit raised after review", "release-1");
  ASSERT_TRUE(released.ok()) << released;
  this->clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*this->orders_->Reconcile(), 1);
  o = order();
  EXPECT_EQ(o.state, OrderState::kAccepted);
  EXPECT_EQ(o.step_attempts, 0);
  EXPECT_EQ(o.next_attempt_time, absl::UnixEpoch());

  // A shipment whose invoice credit control cannot take: each failed try
  // is counted with its error, and the order still ships later.
  this->clock_.Advance(absl::Minutes(2));
  this->credit_->Stop();
  auto shipped = this->Ship(placed->order_id, {{0, 1}}, "ship-1");
  EXPECT_FALSE(shipped.ok());
  this->clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*this->orders_->Reconcile(), 0);
  o = order();
  EXPECT_EQ(o.step_attempts, 1);
  EXPECT_EQ(o.step_failures, 1);
  EXPECT_FALSE(o.last_step_error.empty());
  ASSERT_EQ(o.shipments.size(), 1u);
  EXPECT_TRUE(o.shipments[0].invoice_id.empty());
  // Unreachable, not refusing: tried again at most two periods apart.
  for (int i = 2; i <= 4; ++i) {
    this->clock_.Advance(absl::Minutes(2));
    EXPECT_EQ(*this->orders_->Reconcile(), 0);
    o = order();
    EXPECT_EQ(o.step_failures, i);
    EXPECT_LE(o.next_attempt_time, this->clock_.Now() + absl::Minutes(2));
  }
}

// A month's rebate is decided (recorded) before its credit note is
// issued: a retry after a crash in between pays the decided amount, even
// if more was accrued meanwhile, and the rest stays owed.
TYPED_TEST(OrderOperationsTest, ARebateIsPaidAsDecidedAcrossACrash) {
  if (this->db_ == nullptr) GTEST_SKIP();
  this->MakeQuote("qt_1", this->dealer_);
  auto placed = this->Place("qt_1", "place-1");
  ASSERT_TRUE(placed.ok()) << placed.status();
  auto shipped = this->Ship(placed->order_id, {{0, 10}, {1, 3}}, "ship-1");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  const std::string month = BusinessCalendar::Key(
      absl::CivilMonth(BusinessCalendar::Default().DayOf(this->clock_.Now())));
  // What a run that crashed after deciding left: 1.00 decided, no note.
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(storage::TransactionMode::kReadWrite,
                                     [&](storage::Transaction& tx) {
                                       return OrderStore().InsertSettlement(
                                           tx,
                                           {this->dealer_, "REB-1", Cny(100)},
                                           month, "", this->clock_.Now());
                                     })
                  .ok());
  auto paid = this->orders_->SettleRebates(month);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 1);
  EXPECT_EQ(
      testing::QueryInt(*this->db_,
                        "SELECT SUM(amount_minor) FROM rebate_settlements "
                        "WHERE credit_note_id <> ''"),
      100);
  // Done for the month; the other 8.00 is owed and paid next month.
  paid = this->orders_->SettleRebates(month);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 0);
  const std::string next = BusinessCalendar::Key(
      absl::CivilMonth(BusinessCalendar::Default().DayOf(this->clock_.Now())) +
      1);
  paid = this->orders_->SettleRebates(next);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 1);
  EXPECT_EQ(testing::QueryInt(
                *this->db_, "SELECT SUM(amount_minor) FROM rebate_settlements"),
            900);
}

}  // namespace
}  // namespace qudao::pricing
