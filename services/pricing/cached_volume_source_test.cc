// The volume cache over the REAL credit control and customer records,
// in-process over gRPC: a dealer's volume is asked once and served from
// the cache until credit control's feed reports an invoice for the dealer;
// while the feed cannot be read every volume is asked of credit control,
// and the invoices missed meanwhile are applied before the cache serves
// again. Credit control's feed is read through its ListChanges (no bus:
// the follower polls; a test drives catch-ups itself).
#include "services/pricing/cached_volume_source.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/calendar/calendar.h"
#include "gtest/gtest.h"
#include "services/credit_control/client/credit_control_client.h"
#include "services/credit_control/credit_control_testing.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/pricing/credit_volume_source.h"

namespace qudao::pricing {
namespace {

// Forwards to credit control and counts the questions (not a fake: every
// answer is credit control's).
class CountingSource : public VolumeSource {
 public:
  explicit CountingSource(VolumeSource* inner) : inner_(inner) {}
  absl::StatusOr<PriorVolume> VolumeFor(const CallContext& call,
                                        const std::string& dealer_id,
                                        const PriceRule& rule,
                                        const VolumeWindow& window,
                                        const std::string& currency) override {
    ++asked;
    return inner_->VolumeFor(call, dealer_id, rule, window, currency);
  }
  std::atomic<int> asked{0};

 private:
  VolumeSource* inner_;
};

class CachedVolumeSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Hengtai Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    auto credit = credit::CreditControlForTest::Start(customers_->target());
    ASSERT_TRUE(credit.ok()) << credit.status();
    credit_ = std::move(*credit);
    ASSERT_TRUE(credit_->SetCreditLimit(dealer_, 100000000).ok());
    client_ = credit_->ClientAs("pricing");
    owner_ = std::make_unique<CreditVolumeSource>(client_.get());
    counting_ = std::make_unique<CountingSource>(owner_.get());
    cache_ =
        std::make_unique<CachedVolumeSource>(counting_.get(), &Clock::Real());
    rule_.rule_id = "VOL-Q";
    rule_.type = RuleType::kCumulativeVolume;
    rule_.state = RuleState::kActive;
    rule_.cumulative.period = VolumePeriod::kQuarter;
    window_ = VolumePeriodContaining(
        VolumePeriod::kQuarter, BusinessCalendar::Default().DayOf(absl::Now()));
  }

  void Follow() {
    cache_->Follow(nullptr,
                   [this](const type::v1::ListChangesRequest& req)
                       -> absl::StatusOr<type::v1::ListChangesResponse> {
                     if (feed_down_)
                       return absl::UnavailableError("feed down for the test");
                     return client_->ListChanges(Call(), req);
                   });
  }

  // Polls (deadline 10 s) until the cache serves.
  bool AwaitServing() {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!cache_->serving() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return cache_->serving();
  }

  static CallContext Call() {
    CallContext call;
    call.deadline = absl::Now() + absl::Seconds(10);
    return call;
  }

  int64_t Units() {
    auto v = cache_->VolumeFor(Call(), dealer_, rule_, window_, "CNY");
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return -1;
    EXPECT_EQ(v->rule_id, "VOL-Q");
    return v->units;
  }

  // An order of `units` × 100.00 reserved and invoiced in credit control.
  void Invoice(int64_t units) {
    const std::string order = absl::StrCat("ord_vol", ++orders_);
    credit::v1::ReserveCreditRequest reserve;
    reserve.set_order_id(order);
    reserve.set_dealer_id(dealer_);
    reserve.mutable_amount()->set_currency_code("CNY");
    reserve.mutable_amount()->set_minor_units(units * 10000);
    reserve.set_payment_term_days(30);
    reserve.set_request_id(absl::StrCat("reserve-", order));
    auto r = client_->ReserveCredit(Call(), reserve);
    ASSERT_TRUE(r.ok()) << r.status();
    credit::v1::IssueInvoiceRequest invoice;
    invoice.set_order_id(order);
    credit::v1::InvoiceLine* line = invoice.add_lines();
    line->set_sku("PUMP-100");
    line->set_product_group("PUMPS");
    line->set_quantity(units);
    line->mutable_net_price()->set_currency_code("CNY");
    line->mutable_net_price()->set_minor_units(10000);
    line->mutable_unit_cost()->set_currency_code("CNY");
    line->mutable_unit_cost()->set_minor_units(6000);
    invoice.mutable_payment_term()->set_net_days(30);
    invoice.set_request_id(absl::StrCat("invoice-", order));
    auto i = client_->IssueInvoice(Call(), invoice);
    ASSERT_TRUE(i.ok()) << i.status();
  }

  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::unique_ptr<credit::CreditControlForTest> credit_;
  std::unique_ptr<credit::CreditControlClient> client_;
  std::unique_ptr<CreditVolumeSource> owner_;
  std::unique_ptr<CountingSource> counting_;
  std::unique_ptr<CachedVolumeSource> cache_;
  std::atomic<bool> feed_down_{false};
  std::string dealer_;
  PriceRule rule_;
  VolumeWindow window_;
  int orders_ = 0;
};

TEST_F(CachedVolumeSourceTest, NotFollowingAsksCreditControlEveryTime) {
  EXPECT_EQ(Units(), 0);
  EXPECT_EQ(Units(), 0);
  EXPECT_EQ(counting_->asked, 2);
  EXPECT_EQ(cache_->counters().bypassed, 2);
}

TEST_F(CachedVolumeSourceTest, AnInvoiceIsCountedAfterItsEvent) {
  Follow();
  ASSERT_TRUE(AwaitServing());
  EXPECT_EQ(Units(), 0);
  EXPECT_EQ(Units(), 0);
  EXPECT_EQ(counting_->asked, 1);
  EXPECT_EQ(cache_->counters().hits, 1);

  Invoice(12);
  // Counted once the invoice's event has been applied (the follower polls
  // the feed), asked of credit control once more, then cached again.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  int64_t units = Units();
  while (units != 12 && absl::Now() < deadline) {
    EXPECT_EQ(units, 0);
    absl::SleepFor(absl::Milliseconds(20));
    units = Units();
  }
  ASSERT_EQ(units, 12);
  EXPECT_GE(cache_->counters().invalidations, 1);
  const int asked = counting_->asked;
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(Units(), 12);
  EXPECT_EQ(counting_->asked, asked);
}

TEST_F(CachedVolumeSourceTest, WithTheFeedDownCreditControlIsAsked) {
  Follow();
  ASSERT_TRUE(AwaitServing());
  EXPECT_EQ(Units(), 0);
  EXPECT_EQ(counting_->asked, 1);

  feed_down_ = true;
  EXPECT_FALSE(cache_->follower()->CatchUp().ok());
  EXPECT_FALSE(cache_->serving());
  // Every volume asked of credit control: an invoice is counted at once.
  EXPECT_EQ(Units(), 0);
  Invoice(7);
  EXPECT_EQ(Units(), 7);
  EXPECT_EQ(counting_->asked, 3);
  EXPECT_EQ(cache_->counters().bypassed, 2);

  // Back: the invoice missed meanwhile is applied before the cache serves,
  // so the entry cached before it is not served.
  feed_down_ = false;
  ASSERT_TRUE(cache_->follower()->CatchUp().ok());
  EXPECT_TRUE(cache_->serving());
  EXPECT_EQ(Units(), 7);
  EXPECT_EQ(counting_->asked, 4);
  EXPECT_EQ(Units(), 7);
  EXPECT_EQ(counting_->asked, 4);
}

}  // namespace
}  // namespace qudao::pricing
