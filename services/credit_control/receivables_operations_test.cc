// The receivables ledger on SQLite and on a real PostgreSQL, without gRPC:
// invoices converting reservations, payments with cash discounts, credit on
// account, credit notes, restrictions and overdue holds, the consistency
// check, aging and the revenue summary.
#include "services/credit_control/receivables_operations.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_operations.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/customer_records_testing.h"

namespace qudao::credit {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

Money Cny(int64_t fen) { return Money::Create("CNY", fen).value(); }

template <typename B>
class ReceivablesTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("credit_control", CreditAccountStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Mingda Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    const std::string target = customers_->target();
    directory_ = std::make_unique<customer::CustomerRecordsClient>(
        [target] { return target; });
    credit_ = std::make_unique<CreditOperations>(
        this->db_.get(), directory_.get(), &this->clock_);
    ledger_ = std::make_unique<ReceivablesOperations>(
        this->db_.get(), directory_.get(), &this->clock_,
        &BusinessCalendar::Default());
    controller_.subject = "credit.li";
    controller_.roles = {auth::Role::kCreditController};
    manager_.subject = "credit.boss";
    manager_.roles = {auth::Role::kCreditManager};
    order_flow_.subject = "svc.pricing";
    order_flow_.roles = {auth::Role::kPricingService};
    // A limit of CNY 100,000 (a credit manager: no assessment on file).
    absl::StatusOr<CreditPosition> set = credit_->SetLimit(
        Call(), manager_, {dealer_, Cny(10000000), "opening limit"}, {});
    for (int i = 0; i < 30 && absl::IsUnavailable(set.status()); ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      set = credit_->SetLimit(Call(), manager_,
                              {dealer_, Cny(10000000), "opening limit"}, {});
    }
    ASSERT_TRUE(set.ok()) << set.status();
  }

  static CallContext Call() {
    CallContext call;
    call.authorization =
        testing::TestIdentity::Get().Token("credit.li", {"credit_controller"});
    return call;
  }

  absl::StatusOr<Reservation> Reserve(const std::string& order, int64_t fen,
                                      int term_days = 30) {
    return credit_->Reserve(Call(), order_flow_,
                            {order, dealer_, Cny(fen), term_days}, {});
  }

  // One line of `fen` (quantity 1, cost half), no freight or VAT.
  absl::StatusOr<Invoice> InvoiceOf(const std::string& order, int64_t fen,
                                    const char* term = "net 30",
                                    const IdempotentRequest& request = {}) {
    InvoiceInput in;
    in.order_id = order;
    InvoiceLine line;
    line.sku = "pm-100";
    line.product_group = "pumps";
    line.quantity = 1;
    line.net_price = Cny(fen);
    line.unit_cost = Cny(fen / 2);
    in.lines = {line};
    in.freight = Cny(0);
    in.vat = Cny(0);
    in.term = ParsePaymentTerm(term).value();
    return ledger_->IssueInvoice(order_flow_, in, request);
  }

  absl::StatusOr<Payment> Pay(int64_t fen, absl::CivilDay received,
                              std::vector<std::string> invoices = {},
                              const IdempotentRequest& request = {}) {
    Payment p;
    p.payer_dealer_id = dealer_;
    p.amount = Cny(fen);
    p.received_day = received;
    p.reference = "BOC 1";
    p.invoice_ids = std::move(invoices);
    return ledger_->RecordPayment(Call(), controller_, p, request);
  }

  absl::CivilDay Today() const {
    return BusinessCalendar::Default().DayOf(this->clock_.Now());
  }

  CreditPosition Position() { return credit_->GetPosition(dealer_).value(); }

  void ExpectConsistent() {
    auto diff = ledger_->CheckConsistency();
    ASSERT_THAT(diff, IsOk());
    for (const auto& d : *diff) {
      ADD_FAILURE() << d.what << " stored " << d.stored_minor
                    << " from entries " << d.from_entries_minor;
    }
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<customer::CustomerRecordsClient> directory_;
  std::string dealer_;
  std::unique_ptr<CreditOperations> credit_;
  std::unique_ptr<ReceivablesOperations> ledger_;
  auth::Principal controller_, manager_, order_flow_;
};

TYPED_TEST_SUITE(ReceivablesTest, testing::BothBackends);

TYPED_TEST(ReceivablesTest, APartialShipmentConvertsPartAndKeepsTheRest) {
  auto r = this->Reserve("ord_1", 5000000);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->status, ReservationStatus::kApproved);
  auto first = this->InvoiceOf("ord_1", 2000000);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->payer_dealer_id, this->dealer_);
  EXPECT_EQ(first->reservation_id, r->reservation_id);
  EXPECT_EQ(first->due_day, this->Today() + 30);
  CreditPosition p = this->Position();
  EXPECT_EQ(p.open_receivables, Cny(2000000));
  EXPECT_EQ(p.approved_uninvoiced, Cny(3000000));
  EXPECT_EQ(p.exposure, Cny(5000000));
  auto still = this->credit_->GetReservation(r->reservation_id);
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(still->status, ReservationStatus::kApproved);
  EXPECT_EQ(still->invoiced, Cny(2000000));

  ASSERT_THAT(this->InvoiceOf("ord_1", 3000000), IsOk());
  p = this->Position();
  EXPECT_EQ(p.open_receivables, Cny(5000000));
  EXPECT_TRUE(p.approved_uninvoiced.is_zero());
  still = this->credit_->GetReservation(r->reservation_id);
  EXPECT_EQ(still->status, ReservationStatus::kInvoiced);
  // Invoiced in full: nothing is left to cancel.
  EXPECT_THAT(this->credit_->CancelReservation(r->reservation_id, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       kReasonReservationClosed));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, CancellingAfterAPartialShipmentReleasesTheRest) {
  auto r = this->Reserve("ord_1", 5000000);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(this->InvoiceOf("ord_1", 2000000), IsOk());
  ASSERT_THAT(this->credit_->CancelReservation(r->reservation_id, {}), IsOk());
  const CreditPosition p = this->Position();
  EXPECT_EQ(p.open_receivables, Cny(2000000));
  EXPECT_TRUE(p.approved_uninvoiced.is_zero());
  // A re-priced order never falls below what is invoiced.
  auto r2 = this->Reserve("ord_2", 1000000);
  ASSERT_THAT(this->InvoiceOf("ord_2", 600000), IsOk());
  EXPECT_THAT(
      this->credit_->AdjustReservation(r2->reservation_id, Cny(500000), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, InvoicingMoreThanReservedIsCheckedAgainstTheLimit) {
  ASSERT_THAT(this->Reserve("ord_1", 9000000), IsOk());
  // 5,000 more than reserved still fits the 100,000 limit.
  ASSERT_THAT(this->InvoiceOf("ord_1", 9500000), IsOk());
  ASSERT_THAT(this->Reserve("ord_2", 500000), IsOk());
  EXPECT_EQ(this->Position().exposure, Cny(10000000));
  // 10,000 for an order that reserved 5,000: the excess does not fit.
  auto over = this->InvoiceOf("ord_2", 1000000);
  EXPECT_THAT(
      over, StatusIs(absl::StatusCode::kFailedPrecondition, kReasonOverLimit));
  EXPECT_THAT(std::string(over.status().message()),
              ::testing::HasSubstr("by CNY 5000.00"));
  EXPECT_EQ(this->CountRows("credit_invoices"), 1);
  EXPECT_EQ(this->Position().exposure, Cny(10000000));
  // An order is invoiced on the term it was reserved on.
  ASSERT_THAT(this->Reserve("ord_3", 1000, 0), IsOk());
  EXPECT_THAT(this->InvoiceOf("ord_3", 1000, "net 60"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "TERM_MISMATCH"));
  EXPECT_THAT(this->InvoiceOf("ord_2", 100, "net 60"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "TERM_MISMATCH"));
  // No approved reservation, no invoice.
  EXPECT_THAT(
      this->InvoiceOf("ord_none", 100),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonNoReservation));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, TheCashDiscountHoldsOnDayTenNotDayEleven) {
  ASSERT_THAT(this->Reserve("ord_1", 2000000), IsOk());
  const absl::CivilDay invoiced = this->Today();
  auto a = this->InvoiceOf("ord_1", 1000000, "2/10 net 30");
  auto b = this->InvoiceOf("ord_1", 1000000, "2/10 net 30");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->discount_until, invoiced + 10);
  this->clock_.Advance(absl::Hours(24 * 12));
  // Money that arrived on day 10 settles A at 9,800.00.
  auto paid = this->Pay(980000, invoiced + 10, {a->invoice_id});
  ASSERT_THAT(paid, IsOk());
  ASSERT_EQ(paid->plan.allocations.size(), 1u);
  EXPECT_EQ(paid->plan.allocations[0].discount, Cny(20000));
  auto got = this->ledger_->GetInvoice(a->invoice_id);
  ASSERT_THAT(got, IsOk());
  EXPECT_TRUE(got->invoice.outstanding.is_zero());
  EXPECT_EQ(got->invoice.settled_day, invoiced + 10);
  ASSERT_EQ(got->entries.size(), 3u);  // invoice, payment, discount
  EXPECT_EQ(got->entries[0].kind, EntryKind::kInvoice);
  // The same money on day 11 leaves 200.00 owing on B.
  paid = this->Pay(980000, invoiced + 11, {b->invoice_id});
  ASSERT_THAT(paid, IsOk());
  EXPECT_TRUE(paid->plan.allocations[0].discount.is_zero());
  got = this->ledger_->GetInvoice(b->invoice_id);
  EXPECT_EQ(got->invoice.outstanding, Cny(20000));
  EXPECT_EQ(this->Position().open_receivables, Cny(20000));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, OverpaymentIsCreditOnAccountForTheNextInvoice) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000), IsOk());
  ASSERT_THAT(this->InvoiceOf("ord_1", 1000000), IsOk());
  auto paid = this->Pay(1500000, this->Today());
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->plan.unapplied, Cny(500000));
  CreditPosition p = this->Position();
  EXPECT_EQ(p.unapplied_credit, Cny(500000));
  EXPECT_EQ(p.exposure, Cny(-500000));
  ASSERT_THAT(this->Reserve("ord_2", 800000), IsOk());
  auto next = this->InvoiceOf("ord_2", 800000);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->outstanding, Cny(300000));
  p = this->Position();
  EXPECT_TRUE(p.unapplied_credit.is_zero());
  EXPECT_EQ(p.open_receivables, Cny(300000));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, PaymentsGoOldestDueFirstAndReplayOnce) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000, 60), IsOk());
  ASSERT_THAT(this->Reserve("ord_2", 1000000, 15), IsOk());
  auto a = this->InvoiceOf("ord_1", 1000000, "net 60");
  auto b = this->InvoiceOf("ord_2", 1000000, "net 15");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  const auto request =
      IdempotentRequest::FromCaller("RecordPayment", "credit.li", "p1", "fp");
  auto paid = this->Pay(1200000, this->Today(), {}, request);
  ASSERT_THAT(paid, IsOk());
  ASSERT_EQ(paid->plan.allocations.size(), 2u);
  EXPECT_EQ(paid->plan.allocations[0].invoice_id, b->invoice_id);  // due first
  EXPECT_EQ(paid->plan.allocations[0].applied, Cny(1000000));
  EXPECT_EQ(paid->plan.allocations[1].applied, Cny(200000));
  auto again = this->Pay(1200000, this->Today(), {}, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->payment_id, paid->payment_id);
  EXPECT_EQ(this->CountRows("credit_payments"), 1);
  EXPECT_EQ(this->Position().open_receivables, Cny(800000));
  // Another payer's invoice cannot be named.
  EXPECT_THAT(this->Pay(100, this->Today(), {"inv_00000000000000000000"}),
              StatusIs(absl::StatusCode::kNotFound));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, TheConsistencyCheckFindsACorruptedBalance) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000), IsOk());
  auto inv = this->InvoiceOf("ord_1", 1000000);
  ASSERT_THAT(inv, IsOk());
  ASSERT_THAT(this->Pay(400000, this->Today()), IsOk());
  this->ExpectConsistent();
  ASSERT_TRUE(
      this->db_
          ->RunInTransaction(storage::TransactionMode::kReadWrite,
                             [&](storage::Transaction& tx) -> absl::Status {
                               return tx
                                   .Execute(
                                       "UPDATE credit_accounts SET "
                                       "open_receivables_minor = "
                                       "open_receivables_minor + 1")
                                   .status();
                             })
          .ok());
  auto diff = this->ledger_->CheckConsistency();
  ASSERT_THAT(diff, IsOk());
  ASSERT_EQ(diff->size(), 1u);
  EXPECT_EQ((*diff)[0].what,
            absl::StrCat("account open_receivables ", this->dealer_));
  EXPECT_EQ((*diff)[0].stored_minor, 600001);
  EXPECT_EQ((*diff)[0].from_entries_minor, 600000);
  // The entries themselves cannot be rewritten.
  EXPECT_FALSE(
      this->db_
          ->RunInTransaction(storage::TransactionMode::kReadWrite,
                             [&](storage::Transaction& tx) -> absl::Status {
                               return tx
                                   .Execute(
                                       "UPDATE credit_ledger_entries SET "
                                       "amount_minor = 0")
                                   .status();
                             })
          .ok());
}

TYPED_TEST(ReceivablesTest, OverdueDebtHoldsOrdersBeyondTheClassPolicy) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000), IsOk());
  ASSERT_THAT(this->InvoiceOf("ord_1", 1000000, "net 30"), IsOk());
  // Due today: not overdue yet (class C holds from the first day over).
  this->clock_.Advance(absl::Hours(24 * 30));
  auto on_due = this->Reserve("ord_2", 1000);
  ASSERT_THAT(on_due, IsOk());
  EXPECT_EQ(on_due->status, ReservationStatus::kApproved);
  this->clock_.Advance(absl::Hours(24));
  auto late = this->Reserve("ord_3", 1000);
  ASSERT_THAT(late, IsOk());
  EXPECT_EQ(late->status, ReservationStatus::kHeld);
  ASSERT_EQ(late->reasons.size(), 1u);
  EXPECT_EQ(late->reasons[0].issue, ReservationIssue::kOverdue);
  EXPECT_THAT(late->reasons[0].detail, ::testing::HasSubstr("1 days overdue"));
  // The release queue shows the overdue facts beside the order.
  auto queue = this->credit_->HoldQueue("", {10, ""});
  ASSERT_THAT(queue, IsOk());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].payer_overdue, Cny(1000000));
  EXPECT_EQ((*queue)[0].payer_oldest_overdue_days, 1);
  // Cash in advance needs no credit: overdue debt does not hold it.
  auto cash = this->Reserve("ord_4", 1000, 0);
  ASSERT_THAT(cash, IsOk());
  EXPECT_EQ(cash->status, ReservationStatus::kApproved);
  // A controller may override OVERDUE (recorded).
  auto released = this->credit_->ReleaseReservation(
      this->Call(), this->controller_, late->reservation_id, "agreed plan", {});
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(released->overridden,
              ::testing::Contains(ReservationIssue::kOverdue));
  this->ExpectConsistent();
}

TYPED_TEST(ReceivablesTest, SuspensionRejectsAndAShipmentHoldHolds) {
  auto approved = this->Reserve("ord_1", 100000);
  ASSERT_THAT(approved, IsOk());
  Restriction hold;
  hold.payer_dealer_id = this->dealer_;
  hold.kind = RestrictionKind::kShipmentHold;
  hold.reason = "cheque bounced";
  auto placed = this->ledger_->PlaceRestriction(this->Call(), this->controller_,
                                                hold, {});
  ASSERT_THAT(placed, IsOk());
  auto held = this->Reserve("ord_2", 100000);
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(held->status, ReservationStatus::kHeld);
  EXPECT_EQ(held->reasons[0].issue, ReservationIssue::kShipmentHold);
  // Nothing ships under the hold, and it cannot be released past it.
  EXPECT_THAT(
      this->InvoiceOf("ord_1", 100000),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonShipmentHold));
  EXPECT_THAT(
      this->credit_->ReleaseReservation(this->Call(), this->controller_,
                                        held->reservation_id, "please", {}),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(this->ledger_->LiftRestriction(
                  this->manager_, placed->restriction_id, "cheque cleared", {}),
              IsOk());
  EXPECT_THAT(this->InvoiceOf("ord_1", 100000), IsOk());
  EXPECT_THAT(this->ledger_->LiftRestriction(
                  this->manager_, placed->restriction_id, "again", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  Restriction stop = hold;
  stop.kind = RestrictionKind::kTradeSuspension;
  stop.reason = "legal dispute";
  ASSERT_THAT(this->ledger_->PlaceRestriction(this->Call(), this->controller_,
                                              stop, {}),
              IsOk());
  auto rejected = this->Reserve("ord_3", 100);
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->status, ReservationStatus::kRejected);
  EXPECT_EQ(rejected->reasons[0].issue, ReservationIssue::kSuspended);
  auto listed = this->ledger_->ListRestrictions(this->dealer_, true);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  // A restriction that ended yesterday is no longer in force.
  Restriction past = hold;
  past.until = this->Today() - 1;
  EXPECT_THAT(this->ledger_->PlaceRestriction(this->Call(), this->controller_,
                                              past, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST(ReceivablesTest, AgingBucketsByDueDateAsOfAnyDay) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000, 30), IsOk());
  ASSERT_THAT(this->Reserve("ord_2", 2000000, 1), IsOk());
  const absl::CivilDay day0 = this->Today();
  // Due day0+30 and day0+1.
  auto a = this->InvoiceOf("ord_1", 1000000, "net 30");
  auto b = this->InvoiceOf("ord_2", 2000000, "net 1");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  // 31 days later: A is 1 day overdue, B 30 days.
  this->clock_.Advance(absl::Hours(24 * 31));
  ReceivablesStore::AgingQuery q;
  q.as_of = this->Today();
  auto report = this->ledger_->Aging(
      this->Call(), q, ReceivablesOperations::AgingGroup::kDealer);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rows.size(), 1u);
  const auto& row = report->rows[0];
  EXPECT_EQ(row.group, this->dealer_);
  EXPECT_EQ(row.buckets[1], Cny(3000000));  // 1-30
  EXPECT_TRUE(row.buckets[0].is_zero());
  EXPECT_EQ(row.max_days_overdue, 30);
  // One more day: B moves to 31-60.
  q.as_of = this->Today() + 1;
  report = this->ledger_->Aging(this->Call(), q,
                                ReceivablesOperations::AgingGroup::kPayer);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->rows[0].buckets[1], Cny(1000000));
  EXPECT_EQ(report->rows[0].buckets[2], Cny(2000000));
  // Paid today, B is gone from today's aging but still in yesterday's.
  ASSERT_THAT(this->Pay(2000000, this->Today(), {b->invoice_id}), IsOk());
  q.as_of = this->Today();
  report = this->ledger_->Aging(this->Call(), q,
                                ReceivablesOperations::AgingGroup::kDealer);
  EXPECT_EQ(report->rows[0].total, Cny(1000000));
  q.as_of = this->Today() - 1;
  report = this->ledger_->Aging(this->Call(), q,
                                ReceivablesOperations::AgingGroup::kDealer);
  EXPECT_EQ(report->rows[0].total, Cny(3000000));
  // Before anything was invoiced there was nothing.
  q.as_of = day0 - 1;
  report = this->ledger_->Aging(this->Call(), q,
                                ReceivablesOperations::AgingGroup::kDealer);
  EXPECT_TRUE(report->rows.empty());
  // By invoice date, everything is 31 days old.
  q.as_of = this->Today();
  q.by_invoice_date = true;
  report = this->ledger_->Aging(this->Call(), q,
                                ReceivablesOperations::AgingGroup::kTerritory);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->rows[0].buckets[2], Cny(1000000));
}

TYPED_TEST(ReceivablesTest, RevenueCountsReturnsButNotIncentives) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000), IsOk());
  InvoiceInput in;
  in.order_id = "ord_1";
  InvoiceLine pump{"PM-100", "pumps", 4, Cny(100000), Cny(60000), {}};
  InvoiceLine valve{"VL-7", "valves", 10, Cny(20000), Cny(5000), {}};
  in.lines = {pump, valve};
  in.freight = Cny(10000);
  in.vat = Cny(78000);
  in.term = ParsePaymentTerm("net 30").value();
  auto inv = this->ledger_->IssueInvoice(this->order_flow_, in, {});
  ASSERT_THAT(inv, IsOk());
  EXPECT_EQ(inv->total, Cny(600000 + 10000 + 78000));
  CreditNote ret;
  ret.kind = CreditNoteKind::kReturn;
  ret.dealer_id = this->dealer_;
  ret.invoice_id = inv->invoice_id;
  ret.source = "order ord_1 return 1";
  ret.lines = {{"pm-100", "pumps", 1, Cny(100000), Cny(60000)}};
  ret.vat = Cny(13000);
  ASSERT_THAT(
      this->ledger_->IssueCreditNote(this->Call(), this->order_flow_, ret, {}),
      IsOk());
  CreditNote payout;
  payout.kind = CreditNoteKind::kContestPayout;
  payout.dealer_id = this->dealer_;
  payout.source = "contest 2026-Q1";
  payout.net_amount = Cny(50000);
  payout.vat = Cny(0);
  ASSERT_THAT(this->ledger_->IssueCreditNote(this->Call(), this->controller_,
                                             payout, {}),
              IsOk());
  const absl::CivilDay today = this->Today();
  auto report = this->ledger_->Revenue(today - 30, today, "",
                                       ReceivablesStore::RevenueKey::kNone);
  ASSERT_THAT(report, IsOk()) << report.status();
  ASSERT_EQ(report->rows.size(), 1u);
  const auto& row = report->rows[0];
  EXPECT_EQ(row.cell.invoiced_net_minor, 600000);
  EXPECT_EQ(row.cell.returns_minor, 100000);
  EXPECT_EQ(row.net_revenue, Cny(500000));
  EXPECT_EQ(row.net_cost, Cny(240000 + 50000 - 60000));
  EXPECT_EQ(row.margin, Cny(500000 - 230000));
  EXPECT_EQ(row.cell.units - row.cell.returned_units, 13);
  EXPECT_EQ(row.cell.invoices, 1);
  ASSERT_EQ(report->incentives.size(), 1u);
  EXPECT_EQ(report->incentives[0].kind, CreditNoteKind::kContestPayout);
  EXPECT_EQ(report->incentives[0].amount_minor, 50000);
  // Per SKU.
  report = this->ledger_->Revenue(today, today, this->dealer_,
                                  ReceivablesStore::RevenueKey::kSku);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rows.size(), 2u);
  EXPECT_EQ(report->rows[0].cell.key, "PM-100");
  EXPECT_EQ(report->rows[0].net_revenue, Cny(300000));
  EXPECT_EQ(report->rows[1].cell.key, "VL-7");
  // A return larger than the invoice is refused.
  ret.lines = {{"PM-100", "pumps", 9, Cny(900000), Cny(0)}};
  EXPECT_THAT(
      this->ledger_->IssueCreditNote(this->Call(), this->order_flow_, ret, {}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               kReasonCreditNoteTooLarge));
  // The receivable fell by both credit notes: 688,000 − 113,000 − 50,000.
  EXPECT_EQ(this->Position().open_receivables, Cny(525000));
  this->ExpectConsistent();
}

// Invoicing and cancelling one reservation at the same time, and two
// returns against one invoice: they apply one at a time (the payer's
// account is locked first), so the books agree and no invoice is credited
// beyond its total.
TYPED_TEST(ReceivablesTest, ConcurrentMovementsOfOneReservationApplyInTurn) {
  constexpr int kOrders = 8;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_THAT(this->Reserve(absl::StrCat("ord_", i), 100000), IsOk());
  }
  std::vector<std::thread> threads;
  std::atomic<int> invoiced{0}, cancelled{0};
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i) {
    auto rows = this->Query(absl::StrCat(
        "SELECT reservation_id FROM credit_reservations WHERE order_id = "
        "'ord_",
        i, "'"));
    ASSERT_EQ(rows.size(), 1u);
    ids.push_back(rows[0].Text(0));
  }
  for (int i = 0; i < kOrders; ++i) {
    threads.emplace_back([&, i] {
      if (this->InvoiceOf(absl::StrCat("ord_", i), 30000).ok()) ++invoiced;
    });
    threads.emplace_back([&, i] {
      if (this->credit_->CancelReservation(ids[i], {}).ok()) ++cancelled;
    });
  }
  for (std::thread& t : threads) t.join();
  // Each order: invoiced then cancelled (the rest released), or cancelled
  // first (then nothing is invoiced).
  EXPECT_EQ(cancelled.load(), kOrders);
  EXPECT_EQ(this->CountRows("credit_invoices"), invoiced.load());
  this->ExpectConsistent();
  EXPECT_TRUE(this->Position().approved_uninvoiced.is_zero());

  // Two returns of 800 against an invoice of 1,000: one is refused.
  ASSERT_THAT(this->Reserve("ord_r", 100000), IsOk());
  auto inv = this->InvoiceOf("ord_r", 100000);
  ASSERT_THAT(inv, IsOk());
  std::atomic<int> accepted{0};
  threads.clear();
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      CreditNote ret;
      ret.kind = CreditNoteKind::kReturn;
      ret.dealer_id = this->dealer_;
      ret.invoice_id = inv->invoice_id;
      ret.source = "return";
      ret.lines = {{"PM-100", "", 1, Cny(80000), Cny(0)}};
      ret.vat = Cny(0);
      if (this->ledger_
              ->IssueCreditNote(this->Call(), this->order_flow_, ret, {})
              .ok()) {
        ++accepted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  this->ExpectConsistent();
}

}  // namespace
}  // namespace qudao::credit
