// OrderStore's contract on SQLite and on a real PostgreSQL: an order reads
// back as written (lines, shipments, returns and their parts, reasons),
// a stale version is a retryable conflict, a dealer's orders page newest
// first by state, unfinished steps are found once their minute passed, and
// rebates owed net claw-backs and earlier payments, carrying a negative
// balance into the next period.
#include "services/pricing/order_store.h"

#include <string>

#include "common/testing/database_fixture.h"
#include "gtest/gtest.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {
namespace {

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

Order MakeOrder(const std::string& id, const std::string& dealer,
                absl::Time now) {
  Order o;
  o.order_id = id;
  o.quote_id = "qt_1";
  o.dealer_id = dealer;
  o.currency = "CNY";
  o.state = OrderState::kAccepted;
  OrderLine l;
  l.line = 0;
  l.sku = "PUMP-100";
  l.product_group = "PUMPS";
  l.quantity = 10;
  l.net_unit_price = Cny(9000);
  l.net_amount = Cny(90000);
  l.unit_cost = Cny(6000);
  l.rebate_rule_id = "REB-1";
  l.rebate_accrual = Cny(900);
  o.lines = {l};
  o.goods_total = Cny(90000);
  o.freight = Cny(1500);
  o.vat_basis_points = 1300;
  o.vat = Cny(11895);
  o.total = Cny(103395);
  o.payment_term = {30, 200, 10};
  o.reservation_id = "crs_1";
  o.credit_reasons = {{"OVER_LIMIT", "exposure | too high"}};
  o.placed_by = "rep.wang";
  o.create_time = now;
  o.update_time = now;
  return o;
}

template <typename B>
class OrderStoreTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
  }
  absl::Status Write(
      const std::function<absl::Status(storage::Transaction&)>& body) {
    return this->db_->RunInTransaction(storage::TransactionMode::kReadWrite,
                                       body);
  }
  std::optional<Order> Find(const std::string& id) {
    std::optional<Order> out;
    EXPECT_TRUE(
        this->db_
            ->RunInTransaction(storage::TransactionMode::kReadOnly,
                               [&](storage::Transaction& tx) -> absl::Status {
                                 auto f = store_.Find(tx, id);
                                 if (!f.ok()) return f.status();
                                 out = *std::move(f);
                                 return absl::OkStatus();
                               })
            .ok());
    return out;
  }
  OrderStore store_;
};
TYPED_TEST_SUITE(OrderStoreTest, testing::BothBackends);

TYPED_TEST(OrderStoreTest, AnOrderReadsBackAsWrittenAndUpdatesByVersion) {
  if (this->db_ == nullptr) GTEST_SKIP();
  const absl::Time now = absl::FromUnixMicros(1795000000123456);
  Order o = MakeOrder("ord_a", "dlr_1", now);
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.Insert(tx, o);
                  })
                  .ok());
  EXPECT_EQ(this->Write([&](storage::Transaction& tx) {
                  return this->store_.Insert(tx, o);
                })
                .code(),
            absl::StatusCode::kAlreadyExists);
  ApplyShipment(o, 1, {{0, 4}}, "wh", now);
  o.shipments[0].invoice_id = "inv_1";
  o.shipments[0].invoice_total = Cny(42375);
  ASSERT_TRUE(ApplyReturn(o, 1, {{0, 1}}, "damaged", "mgr", now).ok());
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.Update(tx, o);
                  })
                  .ok());
  std::optional<Order> got = this->Find("ord_a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->state, OrderState::kPartiallyShipped);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->lines[0].shipped, 4);
  EXPECT_EQ(got->lines[0].returned, 1);
  EXPECT_EQ(got->lines[0].rebate_accrual, Cny(900));
  EXPECT_EQ(got->payment_term, o.payment_term);
  ASSERT_EQ(got->credit_reasons.size(), 1u);
  EXPECT_EQ(got->credit_reasons[0].detail, "exposure | too high");
  ASSERT_EQ(got->shipments.size(), 1u);
  EXPECT_EQ(got->shipments[0].lines, (std::vector<LineQuantity>{{0, 4}}));
  EXPECT_EQ(got->shipments[0].invoice_total, Cny(42375));
  ASSERT_EQ(got->returns.size(), 1u);
  ASSERT_EQ(got->returns[0].parts.size(), 1u);
  EXPECT_EQ(got->returns[0].parts[0].shipment, 1);
  EXPECT_EQ(got->create_time, now);
  // A writer that read version 0 comes second: a retryable conflict.
  Order stale = MakeOrder("ord_a", "dlr_1", now);
  absl::Status s = this->Write(
      [&](storage::Transaction& tx) { return this->store_.Update(tx, stale); });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(this->Find("ord_missing").has_value());
}

TYPED_TEST(OrderStoreTest, ListsNewestFirstAndFindsUnfinishedSteps) {
  if (this->db_ == nullptr) GTEST_SKIP();
  const absl::Time now = absl::FromUnixMicros(1795000000123456);
  for (const char* id : {"ord_1", "ord_2", "ord_3"}) {
    Order o = MakeOrder(id, "dlr_1", now);
    if (std::string(id) == "ord_2") o.state = OrderState::kPending;
    ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                      return this->store_.Insert(tx, o);
                    })
                    .ok());
  }
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.Insert(
                        tx, MakeOrder("ord_4", "dlr_2", now));
                  })
                  .ok());
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      storage::TransactionMode::kReadOnly,
                      [&](storage::Transaction& tx) -> absl::Status {
                        PageRequest page;
                        page.limit = 1;
                        auto first =
                            this->store_.List(tx, "dlr_1", std::nullopt, page);
                        EXPECT_TRUE(first.ok());
                        EXPECT_EQ(first->orders[0].order_id, "ord_3");
                        EXPECT_FALSE(first->next_page_token.empty());
                        auto accepted = this->store_.List(
                            tx, "dlr_1", OrderState::kAccepted, PageRequest{});
                        EXPECT_EQ(accepted->orders.size(), 2u);
                        auto early = this->store_.Unfinished(tx, now, now, 10);
                        EXPECT_TRUE(early->empty());
                        auto late = this->store_.Unfinished(
                            tx, now + absl::Minutes(2), now, 10);
                        EXPECT_EQ(*late, std::vector<std::string>{"ord_2"});
                        return absl::OkStatus();
                      })
                  .ok());
}

// November: 9.00 accrued, 4.50 clawed back by a return → 4.50 owed, paid.
// December: a return of the rest claws back 4.50 more and nothing new is
// earned → −4.50, nothing to pay. January: 9.00 earned → 4.50 owed. A
// recorded accrual or claw-back is kept once.
TYPED_TEST(OrderStoreTest, RebatesOwedNetClawbacksAndPaymentsAcrossPeriods) {
  if (this->db_ == nullptr) GTEST_SKIP();
  const absl::Time now = absl::FromUnixMicros(1795000000123456);
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.Insert(
                        tx, MakeOrder("ord_1", "dlr_1", now));
                  })
                  .ok());
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.Insert(
                        tx, MakeOrder("ord_2", "dlr_1", now));
                  })
                  .ok());
  auto record = [&](const StoredAccrual& a) {
    ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                      return this->store_.InsertAccrual(tx, a);
                    })
                    .ok());
  };
  auto owed = [&](const std::string& period) -> int64_t {
    int64_t n = -1;
    EXPECT_TRUE(this->db_
                    ->RunInTransaction(
                        storage::TransactionMode::kReadOnly,
                        [&](storage::Transaction& tx) -> absl::Status {
                          auto totals = this->store_.RebateTotals(tx, period);
                          if (!totals.ok()) return totals.status();
                          // Nothing recorded up to `period`: nothing owed.
                          n = 0;
                          if (totals->empty()) return absl::OkStatus();
                          EXPECT_EQ(totals->size(), 1u);
                          EXPECT_EQ((*totals)[0].rule_id, "REB-1");
                          n = (*totals)[0].amount.minor_units();
                          return absl::OkStatus();
                        })
                    .ok());
    return n;
  };
  const StoredAccrual earned{"ord_1", 1,       0,        0,
                             "dlr_1", "REB-1", Cny(900), "2026-11"};
  record(earned);
  record(earned);  // kept once
  const StoredAccrual back{"ord_1", 1,       0,         1,
                           "dlr_1", "REB-1", Cny(-450), "2026-11"};
  record(back);
  record(back);  // kept once
  EXPECT_EQ(owed("2026-10"), 0);
  EXPECT_EQ(owed("2026-11"), 450);
  ASSERT_TRUE(this->Write([&](storage::Transaction& tx) {
                    return this->store_.InsertSettlement(
                        tx, {"dlr_1", "REB-1", Cny(450)}, "2026-11", "cn_1",
                        now);
                  })
                  .ok());
  record({"ord_1", 1, 0, 2, "dlr_1", "REB-1", Cny(-450), "2026-12"});
  EXPECT_EQ(owed("2026-12"), -450);
  record({"ord_2", 1, 0, 0, "dlr_1", "REB-1", Cny(900), "2027-01"});
  EXPECT_EQ(owed("2027-01"), 450);
  // A positive claw-back is refused by the table.
  EXPECT_FALSE(
      this->Write([&](storage::Transaction& tx) {
            return this->store_.InsertAccrual(
                tx, {"ord_2", 1, 0, 1, "dlr_1", "REB-1", Cny(10), "2027-01"});
          })
          .ok());
}

}  // namespace
}  // namespace qudao::pricing
