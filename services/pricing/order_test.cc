// The order rules: shipments, back-orders, cancellations, returns split
// per shipment, invoices and re-pricing checks.
#include "services/pricing/order.h"

#include "common/status/status.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

Order TwoLines() {
  Order o;
  o.order_id = "ord_1";
  o.dealer_id = "dlr_1";
  o.currency = "CNY";
  o.state = OrderState::kAccepted;
  o.vat_basis_points = 1300;
  o.freight = Cny(5000);
  o.payment_term.net_days = 30;
  OrderLine a;
  a.line = 0;
  a.sku = "PUMP-100";
  a.product_group = "PUMPS";
  a.quantity = 10;
  a.net_unit_price = Cny(10000);
  a.net_amount = Cny(100000);
  a.unit_cost = Cny(6000);
  a.rebate_rule_id = "rr_1";
  a.rebate_accrual = Cny(3000);
  OrderLine b = a;
  b.line = 1;
  b.sku = "VALVE-2";
  b.quantity = 4;
  b.net_unit_price = Cny(2500);
  b.rebate_rule_id.clear();
  b.rebate_accrual = Cny(0);
  o.lines = {a, b};
  return o;
}

TEST(OrderTest, APartialShipmentBackOrdersTheRestAndTheLastInvoicesAll) {
  Order o = TwoLines();
  ASSERT_TRUE(CheckShipment(o, {{0, 4}}).ok());
  ApplyShipment(o, 1, {{0, 4}}, "wh", absl::Now());
  EXPECT_EQ(o.state, OrderState::kPartiallyShipped);
  EXPECT_EQ(o.lines[0].state(), LineState::kBackOrdered);
  EXPECT_EQ(o.lines[1].state(), LineState::kOpen);
  auto inv = ShipmentInvoice(o, o.shipments[0]);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->net.minor_units(), 40000);
  EXPECT_EQ(inv->freight.minor_units(), 5000);  // all freight on the first
  EXPECT_EQ(inv->vat.minor_units(), 5850);      // 13% of 45,000
  EXPECT_EQ(inv->total.minor_units(), 50850);
  auto accruals = ShipmentAccruals(o, o.shipments[0]);
  ASSERT_TRUE(accruals.ok());
  ASSERT_EQ(accruals->size(), 1u);
  EXPECT_EQ((*accruals)[0].amount.minor_units(), 1200);  // 3000 × 4/10

  EXPECT_EQ(ReasonOf(CheckShipment(o, {{0, 7}})), kReasonShipsMoreThanOrdered);
  ASSERT_TRUE(CheckShipment(o, {{0, 6}, {1, 4}}).ok());
  ApplyShipment(o, 2, {{0, 6}, {1, 4}}, "wh", absl::Now());
  EXPECT_EQ(o.state, OrderState::kInvoiced);
  inv = ShipmentInvoice(o, o.shipments[1]);
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->freight.minor_units(), 0);
  EXPECT_EQ(inv->net.minor_units(), 70000);
  EXPECT_EQ(ReasonOf(CheckShipment(o, {{0, 1}})), kReasonOrderNotShippable);
}

TEST(OrderTest, BadLinesAreInvalidArgumentNamingTheField) {
  Order o = TwoLines();
  EXPECT_EQ(FieldOf(CheckShipment(o, {})), "lines");
  EXPECT_EQ(FieldOf(CheckShipment(o, {{7, 1}})), "lines[0].line");
  EXPECT_EQ(FieldOf(CheckShipment(o, {{0, 1}, {0, 1}})), "lines[1].line");
  EXPECT_EQ(FieldOf(CheckShipment(o, {{0, 0}})), "lines[0].quantity");
}

TEST(OrderTest, CancelLeavesShippedUnitsAndRefusesMore) {
  Order o = TwoLines();
  o.reservation_id = "crs_1";
  ApplyShipment(o, 1, {{0, 4}}, "wh", absl::Now());
  ASSERT_TRUE(CheckCancel(o).ok());
  ApplyCancel(o, "dealer changed its mind", absl::Now());
  EXPECT_EQ(o.state, OrderState::kCancelled);
  EXPECT_TRUE(o.release_pending);
  EXPECT_EQ(o.lines[0].cancelled, 6);
  EXPECT_EQ(o.lines[1].cancelled, 4);
  EXPECT_EQ(o.lines[0].state(), LineState::kCancelled);
  EXPECT_EQ(ReasonOf(CheckCancel(o)), kReasonOrderClosed);
  EXPECT_EQ(ReasonOf(CheckShipment(o, {{1, 1}})), kReasonOrderNotShippable);
  Order pending = TwoLines();
  pending.state = OrderState::kPending;
  EXPECT_EQ(ReasonOf(CheckCancel(pending)), kReasonOrderPending);
}

TEST(OrderTest, ReturnsComeOffTheEarliestShipmentsOnePartPerInvoice) {
  Order o = TwoLines();
  ApplyShipment(o, 1, {{0, 4}}, "wh", absl::Now());
  ApplyShipment(o, 2, {{0, 6}, {1, 4}}, "wh", absl::Now());
  EXPECT_EQ(ReasonOf(CheckReturn(o, {{1, 5}})), kReasonReturnsMoreThanShipped);
  ASSERT_TRUE(CheckReturn(o, {{0, 3}}).ok());
  ASSERT_TRUE(ApplyReturn(o, 1, {{0, 3}}, "damaged", "mgr", absl::Now()).ok());
  ASSERT_TRUE(CheckReturn(o, {{0, 2}, {1, 1}}).ok());
  ASSERT_TRUE(
      ApplyReturn(o, 2, {{0, 2}, {1, 1}}, "damaged", "mgr", absl::Now()).ok());
  const OrderReturn& second = o.returns[1];
  ASSERT_EQ(second.parts.size(), 2u);
  EXPECT_EQ(second.parts[0].shipment, 1);
  EXPECT_EQ(second.parts[0].lines, (std::vector<LineQuantity>{{0, 1}}));
  EXPECT_EQ(second.parts[1].shipment, 2);
  EXPECT_EQ(second.parts[1].lines, (std::vector<LineQuantity>{{0, 1}, {1, 1}}));
  EXPECT_EQ(second.net_amount.minor_units(), 22500);
  auto note = ReturnCreditNote(o, second.parts[1]);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->net.minor_units(), 12500);
  EXPECT_EQ(note->line_cost[0].minor_units(), 6000);
  EXPECT_EQ(note->vat.minor_units(), 1625);
  EXPECT_EQ(ReasonOf(CheckReturn(o, {{0, 6}})), kReasonReturnsMoreThanShipped);
}

TEST(OrderTest, RepricingNeedsTheSameBasketAndNothingShipped) {
  Order o = TwoLines();
  Order q = TwoLines();
  q.quote_id = "quo_2";
  q.lines[0].net_unit_price = Cny(9000);
  EXPECT_TRUE(CheckReprice(o, q).ok());
  q.lines[1].quantity = 5;
  EXPECT_EQ(ReasonOf(CheckReprice(o, q)), kReasonQuoteMismatch);
  q = TwoLines();
  q.dealer_id = "dlr_2";
  EXPECT_EQ(ReasonOf(CheckReprice(o, q)), kReasonQuoteMismatch);
  ApplyShipment(o, 1, {{0, 1}}, "wh", absl::Now());
  EXPECT_EQ(ReasonOf(CheckReprice(o, TwoLines())), kReasonAlreadyShipped);
}

TEST(OrderTest, StepRetriesBackOffToAnHour) {
  EXPECT_EQ(StepRetryDelay(0), absl::Minutes(1));
  EXPECT_EQ(StepRetryDelay(1), absl::Minutes(1));
  EXPECT_EQ(StepRetryDelay(2), absl::Minutes(2));
  EXPECT_EQ(StepRetryDelay(3), absl::Minutes(4));
  EXPECT_EQ(StepRetryDelay(6), absl::Minutes(32));
  EXPECT_EQ(StepRetryDelay(7), absl::Hours(1));
  EXPECT_EQ(StepRetryDelay(1000), absl::Hours(1));
  EXPECT_EQ(StepRetryDelay(3, absl::Seconds(1)), absl::Seconds(4));
}

}  // namespace
}  // namespace qudao::pricing
