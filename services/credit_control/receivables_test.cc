// The receivables rules: invoice totals, payment allocation with cash
// discounts, credit notes and aging buckets.
#include "services/credit_control/receivables.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::credit {
namespace {

Money Cny(int64_t fen) { return Money::Create("CNY", fen).value(); }

InvoiceLine Line(const char* sku, int64_t qty, int64_t price, int64_t cost) {
  InvoiceLine l;
  l.sku = sku;
  l.product_group = "pumps";
  l.quantity = qty;
  l.net_price = Cny(price);
  l.unit_cost = Cny(cost);
  return l;
}

OpenInvoice Open(const char* id, int64_t total, int64_t outstanding,
                 const char* term, absl::CivilDay invoiced) {
  const PaymentTerm t = ParsePaymentTerm(term).value();
  return OpenInvoice{id,         "dlr_0190f3c2a1b24e8f0a1b",
                     Cny(total), Cny(outstanding),
                     t,          DiscountUntil(t, invoiced)};
}

TEST(BuildInvoiceTest, TotalsLinesFreightAndVat) {
  InvoiceInput in;
  in.order_id = "ord_1";
  in.lines = {Line("pm-100", 3, 3333, 2000), Line("PM-200", 1, 10000, 6000)};
  in.freight = Cny(500);
  in.vat = Cny(2600);
  in.term = ParsePaymentTerm("2/10 net 30").value();
  auto inv = BuildInvoice(in, absl::CivilDay(2026, 11, 1));
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->lines[0].sku, "PM-100");  // SKUs are stored upper-case
  EXPECT_EQ(inv->net_amount, Cny(19999));
  EXPECT_EQ(inv->cost, Cny(12000));
  EXPECT_EQ(inv->units, 4);
  EXPECT_EQ(inv->total, Cny(19999 + 500 + 2600));
  EXPECT_EQ(inv->outstanding, inv->total);
  EXPECT_EQ(inv->due_day, absl::CivilDay(2026, 12, 1));
  EXPECT_EQ(inv->discount_until, absl::CivilDay(2026, 11, 11));
}

TEST(BuildInvoiceTest, RefusesBadLines) {
  InvoiceInput in;
  in.term = ParsePaymentTerm("net 30").value();
  in.freight = Cny(0);
  in.vat = Cny(0);
  const absl::CivilDay day(2026, 11, 1);
  EXPECT_EQ(BuildInvoice(in, day).status().code(),
            absl::StatusCode::kInvalidArgument);  // no lines
  in.lines = {Line("PM-1", 0, 100, 50)};
  EXPECT_THAT(BuildInvoice(in, day).status().message(),
              ::testing::HasSubstr("lines[0].quantity"));
  in.lines = {Line("PM 1", 1, 100, 50)};
  EXPECT_THAT(BuildInvoice(in, day).status().message(),
              ::testing::HasSubstr("lines[0].sku"));
  in.lines = {Line("PM-1", 1, -100, 50)};
  EXPECT_THAT(BuildInvoice(in, day).status().message(),
              ::testing::HasSubstr("net_price"));
  in.lines = {Line("PM-1", 1, 100, 50)};
  in.freight = Money::Create("USD", 10).value();
  EXPECT_THAT(BuildInvoice(in, day).status().message(),
              ::testing::HasSubstr("freight"));
  in.freight = Cny(0);
  in.lines = {Line("PM-1", 1, 0, 0)};
  EXPECT_EQ(BuildInvoice(in, day).status().code(),
            absl::StatusCode::kInvalidArgument);  // a zero total
}

TEST(AllocateTest, DiscountOnDayTenNotOnDayEleven) {
  const absl::CivilDay invoiced(2026, 11, 1);
  const auto inv = Open("inv_a", 1000000, 1000000, "2/10 net 30", invoiced);
  // Day 10: 9,800.00 settles 10,000.00.
  auto on_ten = Allocate(Cny(980000), invoiced + 10, {inv}, true);
  ASSERT_TRUE(on_ten.ok()) << on_ten.status();
  ASSERT_EQ(on_ten->allocations.size(), 1u);
  EXPECT_EQ(on_ten->allocations[0].applied, Cny(980000));
  EXPECT_EQ(on_ten->allocations[0].discount, Cny(20000));
  EXPECT_TRUE(on_ten->unapplied.is_zero());
  // Day 11: the same money only part-pays it.
  auto on_eleven = Allocate(Cny(980000), invoiced + 11, {inv}, true);
  ASSERT_TRUE(on_eleven.ok());
  EXPECT_EQ(on_eleven->allocations[0].applied, Cny(980000));
  EXPECT_TRUE(on_eleven->allocations[0].discount.is_zero());
}

TEST(AllocateTest, ShortPaymentInWindowEarnsNoDiscount) {
  const absl::CivilDay invoiced(2026, 11, 1);
  const auto inv = Open("inv_a", 1000000, 1000000, "2/10 net 30", invoiced);
  auto plan = Allocate(Cny(500000), invoiced + 5, {inv}, true);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->allocations[0].applied, Cny(500000));
  EXPECT_TRUE(plan->allocations[0].discount.is_zero());
}

TEST(AllocateTest, InOrderThenCreditOnAccount) {
  const absl::CivilDay d(2026, 9, 1);
  const std::vector<OpenInvoice> open = {
      Open("inv_old", 30000, 30000, "net 30", d),
      Open("inv_mid", 50000, 20000, "net 30", d + 5),
      Open("inv_new", 40000, 40000, "net 30", d + 9)};
  auto plan = Allocate(Cny(60000), d + 60, open, true);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->allocations.size(), 3u);
  EXPECT_EQ(plan->allocations[0].applied, Cny(30000));
  EXPECT_EQ(plan->allocations[1].applied, Cny(20000));
  EXPECT_EQ(plan->allocations[2].applied, Cny(10000));
  EXPECT_TRUE(plan->unapplied.is_zero());
  // Over-payment becomes credit on account.
  plan = Allocate(Cny(100000), d + 60, open, true);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->unapplied, Cny(10000));
}

TEST(AllocateTest, CreditNotesNeverEarnTheDiscount) {
  const absl::CivilDay invoiced(2026, 11, 1);
  const auto inv = Open("inv_a", 1000000, 1000000, "2/10 net 30", invoiced);
  auto plan = Allocate(Cny(980000), invoiced + 1, {inv}, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->allocations[0].discount.is_zero());
}

TEST(CreditNoteTest, ReturnsTotalTheirLines) {
  CreditNote n;
  n.kind = CreditNoteKind::kReturn;
  n.source = "order ord_1 return 1";
  n.vat = Cny(130);
  n.lines = {{"pm-1", "", 2, Cny(600), Cny(400)},
             {"PM-2", "", 1, Cny(400), Cny(300)}};
  ASSERT_TRUE(CompleteCreditNote(n).ok());
  EXPECT_EQ(n.net_amount, Cny(1000));
  EXPECT_EQ(n.total, Cny(1130));
  EXPECT_EQ(n.lines[0].sku, "PM-1");
  EXPECT_TRUE(LowersRevenue(n.kind));
  EXPECT_FALSE(LowersRevenue(CreditNoteKind::kContestPayout));

  CreditNote rebate;
  rebate.kind = CreditNoteKind::kRebate;
  rebate.source = "";
  rebate.vat = Cny(0);
  rebate.net_amount = Cny(5000);
  EXPECT_THAT(CompleteCreditNote(rebate).message(),
              ::testing::HasSubstr("source"));
  rebate.source = "rebate 2026-10";
  ASSERT_TRUE(CompleteCreditNote(rebate).ok());
  EXPECT_EQ(rebate.total, Cny(5000));
  rebate.lines = n.lines;
  EXPECT_THAT(CompleteCreditNote(rebate).message(),
              ::testing::HasSubstr("only a return"));
}

TEST(AgingTest, BucketBoundaries) {
  const std::vector<int> b = DefaultBucketBounds();
  EXPECT_EQ(BucketOf(-3, b), 0);  // not yet due
  EXPECT_EQ(BucketOf(0, b), 0);   // due today is current
  EXPECT_EQ(BucketOf(1, b), 1);
  EXPECT_EQ(BucketOf(30, b), 1);
  EXPECT_EQ(BucketOf(31, b), 2);
  EXPECT_EQ(BucketOf(90, b), 3);
  EXPECT_EQ(BucketOf(91, b), 4);
  EXPECT_THAT(BucketLabels(b), ::testing::ElementsAre("current", "1-30",
                                                      "31-60", "61-90", "90+"));
  EXPECT_FALSE(CheckBucketBounds({30, 30}).ok());
  EXPECT_FALSE(CheckBucketBounds({0, 30}).ok());
  EXPECT_FALSE(CheckBucketBounds({}).ok());
  EXPECT_TRUE(CheckBucketBounds({15, 45}).ok());
}

TEST(DayTest, ParsesAndFormatsDates) {
  auto d = ParseDay("as_of", "2026-11-27");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(FormatDay(*d), "2026-11-27");
  EXPECT_EQ(DayFromNumber(DayNumber(*d)), *d);
  for (const char* bad : {"2026-02-30", "2026-1-5", "27/11/2026", "", "x"}) {
    EXPECT_FALSE(ParseDay("as_of", bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace qudao::credit
