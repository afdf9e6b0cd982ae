// The credit control client against the real module (in-process, over real
// gRPC), with the real customer records behind it: the order flow's calls
// land once, answers and refusals keep credit control's codes and reasons.
#include "services/credit_control/client/credit_control_client.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_control_testing.h"
#include "services/customer_records/customer_records_testing.h"

namespace qudao::credit {
namespace {

using ::testing::HasSubstr;

type::v1::Money Cny(int64_t minor) {
  type::v1::Money m;
  m.set_currency_code("CNY");
  m.set_minor_units(minor);
  return m;
}

class CreditControlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Hengtai Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    auto credit = CreditControlForTest::Start(customers_->target());
    ASSERT_TRUE(credit.ok()) << credit.status();
    credit_ = std::move(*credit);
    absl::Status limit = credit_->SetCreditLimit(dealer_, 100000);
    ASSERT_TRUE(limit.ok()) << limit;
    client_ = credit_->ClientAs("pricing");
  }

  CallContext Call() const {
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(10);
    call.correlation_id = "client-test";
    return call;
  }

  v1::ReserveCreditRequest Reserve(const std::string& order, int64_t minor) {
    v1::ReserveCreditRequest req;
    req.set_order_id(order);
    req.set_dealer_id(dealer_);
    *req.mutable_amount() = Cny(minor);
    req.set_payment_term_days(30);
    req.set_request_id(absl::StrCat("reserve-", order));
    return req;
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<CreditControlForTest> credit_;
  std::unique_ptr<CreditControlClient> client_;
  std::string dealer_;
};

TEST_F(CreditControlClientTest, AnOrderIsReservedInvoicedCreditedAndCounted) {
  auto reserved = client_->ReserveCredit(Call(), Reserve("ord_1", 60000));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  EXPECT_EQ(reserved->status(), v1::RESERVATION_STATUS_APPROVED);
  // The same request again is the same reservation, reserved once.
  auto again = client_->ReserveCredit(Call(), Reserve("ord_1", 60000));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->reservation_id(), reserved->reservation_id());
  // Only 40,000 is left: a second order of 60,000 is held, not refused.
  auto held = client_->ReserveCredit(Call(), Reserve("ord_2", 60000));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->status(), v1::RESERVATION_STATUS_HELD);

  v1::AdjustCreditReservationRequest adjust;
  adjust.set_reservation_id(reserved->reservation_id());
  *adjust.mutable_amount() = Cny(50000);
  adjust.set_reason("re-priced: one line dropped");
  adjust.set_request_id("adjust-ord_1");
  auto adjusted = client_->AdjustCreditReservation(Call(), adjust);
  ASSERT_TRUE(adjusted.ok()) << adjusted.status();
  EXPECT_EQ(adjusted->amount().minor_units(), 50000);

  v1::IssueInvoiceRequest invoice;
  invoice.set_order_id("ord_1");
  v1::InvoiceLine* line = invoice.add_lines();
  line->set_sku("PUMP-100");
  line->set_product_group("PUMPS");
  line->set_quantity(2);
  *line->mutable_net_price() = Cny(10000);
  *line->mutable_unit_cost() = Cny(6000);
  invoice.mutable_payment_term()->set_net_days(30);
  invoice.set_request_id("invoice-ord_1-1");
  auto issued = client_->IssueInvoice(Call(), invoice);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->net_amount().minor_units(), 20000);
  auto issued_again = client_->IssueInvoice(Call(), invoice);
  ASSERT_TRUE(issued_again.ok()) << issued_again.status();
  EXPECT_EQ(issued_again->invoice_id(), issued->invoice_id());

  v1::IssueCreditNoteRequest note;
  v1::CreditNote* n = note.mutable_credit_note();
  n->set_kind(v1::CREDIT_NOTE_KIND_RETURN);
  n->set_dealer_id(dealer_);
  n->set_invoice_id(issued->invoice_id());
  n->set_source("return of order ord_1");
  n->set_reason("one pump damaged in transit");
  v1::CreditNoteLine* returned = n->add_lines();
  returned->set_sku("PUMP-100");
  returned->set_product_group("PUMPS");
  returned->set_quantity(1);
  *returned->mutable_net_amount() = Cny(10000);
  *returned->mutable_cost() = Cny(6000);
  *n->mutable_net_amount() = Cny(10000);
  note.set_request_id("return-ord_1-1");
  auto credited = client_->IssueCreditNote(Call(), note);
  ASSERT_TRUE(credited.ok()) << credited.status();

  v1::GetRevenueSummaryRequest revenue;
  revenue.set_dealer_id(dealer_);
  revenue.set_from_date("2000-01-01");
  revenue.set_to_date("2099-12-31");
  auto summary = client_->GetRevenueSummary(Call(), revenue);
  // The period is at most three years: credit control says so, by field.
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(FieldOf(summary.status()).empty()) << summary.status();
  const std::string today = issued->invoice_date();
  revenue.set_from_date(today);
  revenue.set_to_date(today);
  summary = client_->GetRevenueSummary(Call(), revenue);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->rows_size(), 1);
  EXPECT_EQ(summary->rows(0).invoiced_net().minor_units(), 20000);
  EXPECT_EQ(summary->rows(0).returns().minor_units(), 10000);
  EXPECT_EQ(summary->rows(0).net_revenue().minor_units(), 10000);
  EXPECT_EQ(summary->rows(0).units(), 1);

  type::v1::ListChangesRequest changes;
  changes.set_page_size(100);
  auto feed = client_->ListChanges(Call(), changes);
  ASSERT_TRUE(feed.ok()) << feed.status();
  std::vector<std::string> topics;
  for (const auto& e : feed->events()) topics.push_back(e.topic());
  EXPECT_THAT(topics, ::testing::IsSupersetOf(
                          {"reservation.created", "reservation.adjusted",
                           "invoice.issued", "credit_note.issued"}));
}

TEST_F(CreditControlClientTest, RefusalsKeepCreditControlsCodesAndReasons) {
  auto unknown = client_->ReserveCredit(Call(), [&] {
    auto req = Reserve("ord_x", 100);
    req.set_dealer_id("dlr_0190f3c2a1b24e8f0a1b");
    return req;
  }());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound)
      << unknown.status();
  auto negative = client_->ReserveCredit(Call(), Reserve("ord_y", -5));
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldOf(negative.status()), HasSubstr("amount"));
  auto cancel_unknown = client_->CancelCreditReservation(Call(), [] {
    v1::CancelCreditReservationRequest req;
    req.set_reservation_id("crs_0190f3c2a1b24e8f0a1b");
    req.set_reason("order cancelled");
    req.set_request_id("cancel-missing");
    return req;
  }());
  EXPECT_EQ(cancel_unknown.status().code(), absl::StatusCode::kNotFound);
  // Nothing was reserved by any of them.
  auto fits = client_->ReserveCredit(Call(), Reserve("ord_z", 100000));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->status(), v1::RESERVATION_STATUS_APPROVED);
}

TEST_F(CreditControlClientTest, AStoppedCreditControlIsUnavailable) {
  credit_->Stop();
  auto reserved = client_->ReserveCredit(Call(), Reserve("ord_1", 100));
  EXPECT_EQ(reserved.status().code(), absl::StatusCode::kUnavailable)
      << reserved.status();
}

}  // namespace
}  // namespace qudao::credit
