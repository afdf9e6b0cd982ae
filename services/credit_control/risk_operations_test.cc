// Alerts, the daily check under an injected clock, collections and the
// review list, on SQLite and on a real PostgreSQL, without gRPC.
#include "services/credit_control/risk_operations.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_operations.h"
#include "services/credit_control/receivables_operations.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/customer_records_testing.h"

namespace qudao::credit {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;

Money Cny(int64_t fen) { return Money::Create("CNY", fen).value(); }

PaymentPromise Promise(int64_t fen, absl::CivilDay by) {
  PaymentPromise p;
  p.amount = Cny(fen);
  p.promised_day = by;
  return p;
}

template <typename B>
class RiskTest : public testing::DatabaseTest<B> {
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
    const BusinessCalendar* calendar = &BusinessCalendar::Default();
    credit_ = std::make_unique<CreditOperations>(
        this->db_.get(), directory_.get(), &this->clock_);
    ledger_ = std::make_unique<ReceivablesOperations>(
        this->db_.get(), directory_.get(), &this->clock_, calendar);
    risk_ = std::make_unique<RiskOperations>(this->db_.get(), directory_.get(),
                                             &this->clock_, calendar);
    controller_.subject = "credit.li";
    controller_.roles = {auth::Role::kCreditController};
    manager_.subject = "credit.boss";
    manager_.roles = {auth::Role::kCreditManager};
    order_flow_.subject = "svc.pricing";
    order_flow_.roles = {auth::Role::kPricingService};
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
  absl::CivilDay Today() const {
    return BusinessCalendar::Default().DayOf(this->clock_.Now());
  }
  void Advance(int days) { this->clock_.Advance(absl::Hours(24 * days)); }

  absl::StatusOr<Reservation> Reserve(const std::string& order, int64_t fen,
                                      int term_days = 30) {
    return credit_->Reserve(Call(), order_flow_,
                            {order, dealer_, Cny(fen), term_days}, {});
  }
  absl::StatusOr<Invoice> InvoiceOf(const std::string& order, int64_t fen,
                                    const char* term = "net 30") {
    InvoiceInput in;
    in.order_id = order;
    InvoiceLine line;
    line.sku = "PM-100";
    line.quantity = 1;
    line.net_price = Cny(fen);
    line.unit_cost = Cny(fen / 2);
    in.lines = {line};
    in.freight = Cny(0);
    in.vat = Cny(0);
    in.term = ParsePaymentTerm(term).value();
    return ledger_->IssueInvoice(order_flow_, in, {});
  }
  absl::StatusOr<Payment> Pay(int64_t fen,
                              std::vector<std::string> invoices = {}) {
    Payment p;
    p.payer_dealer_id = dealer_;
    p.amount = Cny(fen);
    p.received_day = Today();
    p.reference = "BOC";
    p.invoice_ids = std::move(invoices);
    return ledger_->RecordPayment(Call(), controller_, p, {});
  }
  std::vector<Alert> Alerts(bool open_only = false) {
    return risk_->ListAlerts(dealer_, open_only, {100, ""}).value();
  }
  int Count(AlertKind kind) {
    int n = 0;
    for (const Alert& a : Alerts()) n += a.kind == kind;
    return n;
  }
  OverdueCase OpenCase() {
    auto cases = risk_->ListCases(dealer_, true, {10, ""});
    EXPECT_THAT(cases, IsOk());
    EXPECT_EQ(cases->size(), 1u);
    return cases->empty() ? OverdueCase{} : (*cases)[0];
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<customer::CustomerRecordsClient> directory_;
  std::string dealer_;
  std::unique_ptr<CreditOperations> credit_;
  std::unique_ptr<ReceivablesOperations> ledger_;
  std::unique_ptr<RiskOperations> risk_;
  auth::Principal controller_, manager_, order_flow_;
};

TYPED_TEST_SUITE(RiskTest, testing::BothBackends);

TYPED_TEST(RiskTest, WatchAndBreachAlertsComeWithTheReservation) {
  // 89% of the limit: no alert; 90%: one, once a day.
  ASSERT_THAT(this->Reserve("ord_1", 8900000), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kWatchRatio), 0);
  ASSERT_THAT(this->Reserve("ord_2", 100000), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kWatchRatio), 1);
  ASSERT_THAT(this->Reserve("ord_3", 100000), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kWatchRatio), 1);
  // Over the limit: held, and a breach attempt is on record.
  auto held = this->Reserve("ord_4", 2000000);
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(held->status, ReservationStatus::kHeld);
  ASSERT_EQ(this->Count(AlertKind::kLimitBreachAttempted), 1);
  // Acknowledged once, by who, with a note.
  const std::vector<Alert> open = this->Alerts(true);
  ASSERT_EQ(open.size(), 2u);
  auto ack = this->risk_->AcknowledgeAlert(this->controller_, open[0].alert_id,
                                           "called", {});
  ASSERT_THAT(ack, IsOk());
  EXPECT_EQ(ack->acknowledged_by, "credit.li");
  EXPECT_THAT(this->risk_->AcknowledgeAlert(this->controller_, open[0].alert_id,
                                            "again", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(this->Alerts(true).size(), 1u);
}

TYPED_TEST(RiskTest, SixLatePaymentsRaiseSlowPayment) {
  ASSERT_THAT(this->Reserve("ord_1", 600000, 10), IsOk());
  std::vector<std::string> invoices;
  for (int i = 0; i < 6; ++i) {
    auto inv = this->InvoiceOf("ord_1", 100000, "net 10");
    ASSERT_THAT(inv, IsOk());
    invoices.push_back(inv->invoice_id);
  }
  // Paid 16 days beyond terms (policy: slow above 15).
  this->Advance(26);
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(this->Pay(100000, {invoices[i]}), IsOk());
  }
  EXPECT_EQ(this->Count(AlertKind::kSlowPayment), 0);  // only 5 settled
  ASSERT_THAT(this->Pay(100000, {invoices[5]}), IsOk());
  ASSERT_EQ(this->Count(AlertKind::kSlowPayment), 1);
  EXPECT_THAT(this->Alerts()[0].detail, HasSubstr("16 days beyond terms"));
}

TYPED_TEST(RiskTest, TheDailyCheckOpensAndResolvesCases) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000), IsOk());
  auto inv = this->InvoiceOf("ord_1", 1000000, "net 30");
  ASSERT_THAT(inv, IsOk());
  this->Advance(30);  // due today: not overdue
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_TRUE(this->risk_->ListCases(this->dealer_, true, {10, ""})->empty());
  this->Advance(1);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());  // repeat
  OverdueCase c = this->OpenCase();
  EXPECT_EQ(c.overdue_at_open, Cny(1000000));
  // The cause sets the strategy.
  auto caused = this->risk_->SetCause(
      this->controller_, c.case_id, OverdueCause::kOverstock,
      "warehouse full of last season's stock", {});
  ASSERT_THAT(caused, IsOk());
  EXPECT_EQ(caused->strategy, CollectionStrategy::kStockTransfer);
  CaseRecord transfer;
  transfer.kind = RecordKind::kStockTransfer;
  transfer.to_dealer_id = this->dealer_;
  transfer.sku = "PM-100";
  transfer.quantity = 40;
  transfer.value = Cny(400000);
  ASSERT_THAT(
      this->risk_->AddRecord(this->controller_, c.case_id, transfer, {}),
      IsOk());
  // Sales log actions, not agreements.
  auth::Principal rep;
  rep.subject = "rep.wang";
  rep.roles = {auth::Role::kSalesRep};
  CaseRecord escalate;
  escalate.kind = RecordKind::kEscalation;
  escalate.text = "formal demand letter";
  EXPECT_THAT(this->risk_->AddRecord(rep, c.case_id, escalate, {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  CaseRecord call;
  call.kind = RecordKind::kAction;
  call.action = ActionKind::kCall;
  call.outcome = "";  // an action says what it achieved
  EXPECT_THAT(this->risk_->AddRecord(this->controller_, c.case_id, call, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A promise of more than is owed; then the debt is paid: the resolved
  // case's promise is not judged broken when its day passes.
  ASSERT_THAT(
      this->risk_->RecordPromise(this->controller_, c.case_id,
                                 Promise(2000000, this->Today() + 1), {}),
      IsOk());
  // Paid: the next check resolves the case, which then takes nothing.
  ASSERT_THAT(this->Pay(1000000), IsOk());
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  this->Advance(3);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kBrokenPromise), 0);
  auto view = this->risk_->GetCase(c.case_id);
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->overdue_case.status, CaseStatus::kResolved);
  EXPECT_EQ(view->records.size(), 1u);
  call.outcome = "promised to pay";
  EXPECT_THAT(
      this->risk_->AddRecord(this->controller_, c.case_id, call, {}),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonCaseClosed));
}

TYPED_TEST(RiskTest, ABrokenPromiseAlertsAndEscalates) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000, 10), IsOk());
  ASSERT_THAT(this->InvoiceOf("ord_1", 1000000, "net 10"), IsOk());
  this->Advance(11);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  const OverdueCase c = this->OpenCase();
  const PaymentPromise kept = Promise(300000, this->Today() + 3);
  const PaymentPromise broken = Promise(500000, this->Today() + 5);
  ASSERT_THAT(
      this->risk_->RecordPromise(this->controller_, c.case_id, kept, {}),
      IsOk());
  ASSERT_THAT(
      this->risk_->RecordPromise(this->controller_, c.case_id, broken, {}),
      IsOk());
  const PaymentPromise past = Promise(1, this->Today() - 1);
  PaymentPromise dollars = Promise(100, this->Today() + 1);
  dollars.amount = Money::Create("USD", 100).value();
  EXPECT_THAT(
      this->risk_->RecordPromise(this->controller_, c.case_id, dollars, {}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      this->risk_->RecordPromise(this->controller_, c.case_id, past, {}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  this->Advance(2);
  ASSERT_THAT(this->Pay(300000), IsOk());
  // Day 5 itself: still open (inclusive).
  this->Advance(3);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kBrokenPromise), 0);
  this->Advance(1);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  // The 300 paid count towards both promises; 500 was not reached.
  EXPECT_EQ(this->Count(AlertKind::kBrokenPromise), 1);
  auto view = this->risk_->GetCase(c.case_id);
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->overdue_case.escalation_level, 1);
  ASSERT_EQ(view->promises.size(), 2u);
  // (Made at the same instant: their ids do not order them.)
  for (const PaymentPromise& p : view->promises) {
    EXPECT_EQ(p.status, p.amount == Cny(300000) ? PromiseStatus::kKept
                                                : PromiseStatus::kBroken);
  }
}

TYPED_TEST(RiskTest, AMissedInstalmentIsFlaggedOnce) {
  ASSERT_THAT(this->Reserve("ord_1", 1000000, 10), IsOk());
  ASSERT_THAT(this->InvoiceOf("ord_1", 1000000, "net 10"), IsOk());
  this->Advance(11);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  const OverdueCase c = this->OpenCase();
  CaseRecord plan;
  plan.kind = RecordKind::kInstalmentPlan;
  plan.text = "two instalments, agreed with the owner";
  plan.instalments = {{this->Today() + 7, Cny(400000), false},
                      {this->Today() + 37, Cny(600000), false}};
  auto added = this->risk_->AddRecord(this->controller_, c.case_id, plan, {});
  ASSERT_THAT(added, IsOk());
  CaseRecord bad = plan;
  bad.instalments = {{this->Today() + 9, Cny(1), false},
                     {this->Today() + 8, Cny(1), false}};
  EXPECT_THAT(this->risk_->AddRecord(this->controller_, c.case_id, bad, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  this->Advance(7);
  ASSERT_THAT(this->Pay(300000), IsOk());  // short of the first 4,000
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kMissedInstalment), 0);  // due today
  this->Advance(1);
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kMissedInstalment), 1);
  auto view = this->risk_->GetCase(c.case_id);
  ASSERT_THAT(view, IsOk());
  ASSERT_EQ(view->records.size(), 1u);
  EXPECT_TRUE(view->records[0].instalments[0].missed);
  EXPECT_FALSE(view->records[0].instalments[1].missed);
}

TYPED_TEST(RiskTest, GuaranteesAlertBeforeAndAfterExpiry) {
  Guarantee g;
  g.payer_dealer_id = this->dealer_;
  g.kind = GuaranteeKind::kBankGuarantee;
  g.provider = "Bank of China, Hefei";
  g.value = Cny(50000000);
  g.expiry = this->Today() + 45;
  ASSERT_THAT(
      this->risk_->RecordGuarantee(this->Call(), this->controller_, g, {}),
      IsOk());
  Guarantee expired = g;
  expired.expiry = this->Today() - 1;
  EXPECT_THAT(this->risk_->RecordGuarantee(this->Call(), this->controller_,
                                           expired, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kGuaranteeExpiry), 0);
  this->Advance(15);  // 30 days left
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kGuaranteeExpiry), 1);
  this->Advance(31);  // expired
  ASSERT_THAT(this->risk_->RunDailyCheck(this->Today()), IsOk());
  EXPECT_EQ(this->Count(AlertKind::kGuaranteeExpiry), 2);
  auto list = this->risk_->ListGuarantees(this->dealer_);
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->size(), 1u);
}

TYPED_TEST(RiskTest, InspectionsAreLoggedAndTheJobRunsOncePerDay) {
  Inspection i;
  i.payer_dealer_id = this->dealer_;
  i.inspection_day = this->Today();
  i.inspector = "credit.li";
  i.findings = "stock matches the books;\nwarehouse tidy";
  ASSERT_THAT(
      this->risk_->RecordInspection(this->Call(), this->controller_, i, {}),
      IsOk());
  i.findings = "";
  EXPECT_THAT(
      this->risk_->RecordInspection(this->Call(), this->controller_, i, {}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(this->risk_->ListInspections(this->dealer_)->size(), 1u);
  // As a leased job: once per business day whatever the number of runs.
  storage::LeasedJobs jobs(this->db_.get(), "test", &this->clock_);
  const storage::JobSpec job = this->risk_->DailyJob();
  EXPECT_EQ(*jobs.RunIfDue(job), storage::JobOutcome::kRan);
  EXPECT_EQ(*jobs.RunIfDue(job), storage::JobOutcome::kAlreadyDone);
  this->Advance(1);
  EXPECT_EQ(*jobs.RunIfDue(job), storage::JobOutcome::kRan);
}

TYPED_TEST(RiskTest, TheReviewListHasPayersWithAlertsNotYetReassessed) {
  std::string month;
  auto due = this->risk_->ReviewDue(this->Call(), &month);
  ASSERT_THAT(due, IsOk());
  EXPECT_TRUE(due->empty());  // not class A, no alerts
  ASSERT_THAT(this->Reserve("ord_1", 9500000), IsOk());  // watch alert
  due = this->risk_->ReviewDue(this->Call(), &month);
  ASSERT_THAT(due, IsOk());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_THAT((*due)[0].reasons, ::testing::ElementsAre("ALERTS"));
  EXPECT_EQ(month, "2026-01");
}

}  // namespace
}  // namespace qudao::credit
