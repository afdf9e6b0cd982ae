// Credit control over real gRPC (in-process server, port 0), with the
// service's store on SQLite and on a real PostgreSQL: the same suite for
// both backends. Where the API cannot show it (the limit history), the test
// reads the service's database directly.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/grpc/status.h"
#include "common/storage/database.h"
#include "common/testing/database_fixture.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_control_module.h"
#include "services/credit_control/credit_position.h"
#include "services/customer_records/customer_records_testing.h"

namespace qudao::credit {
namespace {

namespace pb = ::qudao::credit::v1;
using ::testing::HasSubstr;

// One row of credit_limit_changes, as the test reads it.
struct HistoryRow {
  int64_t revision;
  std::string currency;
  bool old_limit_null;
  int64_t old_limit_minor;
  int64_t new_limit_minor;
  std::string reason;
  std::string approved_by;
};

template <typename B>
class CreditControlTest
    : public testing::ServiceTest<B, pb::CreditControlService> {
 protected:
  void SetUp() override {
    // The real customer records, in-process: limits are for dealers it has.
    auto customers = customer::CustomerRecordsForTest::Start();
    ASSERT_TRUE(customers.ok()) << customers.status();
    customers_ = std::move(*customers);
    auto dealer = customers_->CreateDealer("Mingda Distribution");
    ASSERT_TRUE(dealer.ok()) << dealer.status();
    dealer_ = *dealer;
    this->StartService(NewCreditControlModule,
                       {{"customer_records", customers_->target()}});
    if (::testing::Test::HasFatalFailure()) return;
    // A second connection to the service's own database, for what the API
    // does not expose.
    auto db = storage::OpenDatabase(this->fixture_->database_url());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  pb::SetCreditLimitRequest ValidRequest(int64_t limit_minor,
                                         const std::string& currency = "CNY") {
    pb::SetCreditLimitRequest req;
    req.set_dealer_id(dealer_);
    req.mutable_credit_limit()->set_currency_code(currency);
    req.mutable_credit_limit()->set_minor_units(limit_minor);
    req.set_reason("annual 5C review: rating A");
    req.set_approved_by("credit.manager.li");
    return req;
  }

  // Sets a limit as `approver` (a credit manager by default).
  grpc::Status Set(const pb::SetCreditLimitRequest& req,
                   pb::CreditPosition* out, grpc::ClientContext* ctx = nullptr,
                   const std::string& approver = "credit.manager.li") {
    grpc::ClientContext local;
    grpc::ClientContext* use = ctx != nullptr ? ctx : &local;
    use->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                    approver, {"credit_manager"})));
    return this->stub_->SetCreditLimit(use, req, out);
  }

  grpc::Status Get(const std::string& dealer_id, pb::CreditPosition* out,
                   grpc::ClientContext* ctx = nullptr) {
    pb::GetCreditPositionRequest req;
    req.set_dealer_id(dealer_id);
    grpc::ClientContext local;
    return this->stub_->GetCreditPosition(ctx != nullptr ? ctx : &local, req,
                                          out);
  }

  int64_t CountRows(const std::string& table) {
    return testing::CountRows(*db_, table);
  }

  std::vector<HistoryRow> History(const std::string& dealer_id) {
    std::vector<HistoryRow> history;
    absl::Status s = db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto rows = tx.Query(
              "SELECT revision, currency, old_limit_minor, new_limit_minor, "
              "reason, approved_by FROM credit_limit_changes WHERE dealer_id "
              "= $1 ORDER BY revision",
              {dealer_id});
          if (!rows.ok()) return rows.status();
          history.clear();
          for (const storage::Row& r : *rows) {
            history.push_back({r.Int(0), r.Text(1), r.IsNull(2),
                               r.IsNull(2) ? 0 : r.Int(2), r.Int(3), r.Text(4),
                               r.Text(5)});
          }
          return absl::OkStatus();
        });
    EXPECT_TRUE(s.ok()) << s;
    return history;
  }

  pb::AssessCreditRequest ValidAssessment() {
    pb::AssessCreditRequest req;
    pb::CreditAssessment* a = req.mutable_assessment();
    a->set_dealer_id(dealer_);
    const std::pair<pb::CScore*, int> scores[] = {{a->mutable_character(), 5},
                                                  {a->mutable_capacity(), 4},
                                                  {a->mutable_collateral(), 3},
                                                  {a->mutable_conditions(), 3}};
    for (const auto& [c, score] : scores) {
      c->set_score(score);
      c->set_evidence("reviewed with the dealer's finance manager");
    }
    auto cny = [](type::v1::Money* m, int64_t yuan) {
      m->set_currency_code("CNY");
      m->set_minor_units(yuan * 100);
    };
    cny(a->mutable_total_liabilities(), 300000);
    cny(a->mutable_total_assets(), 1000000);
    a->set_capital_evidence("2025 audited balance sheet");
    cny(a->mutable_expected_monthly_purchases(), 1000000);
    a->set_payment_term_days(30);
    return req;
  }

  grpc::Status Assess(const pb::AssessCreditRequest& req,
                      pb::CreditAssessment* out,
                      grpc::ClientContext* ctx = nullptr,
                      const std::string& assessor = "credit.wu") {
    grpc::ClientContext local;
    grpc::ClientContext* use = ctx != nullptr ? ctx : &local;
    use->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                    assessor, {"credit_controller"})));
    return this->stub_->AssessCredit(use, req, out);
  }

  absl::Status Execute(const std::string& sql) {
    return db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) { return tx.Execute(sql).status(); });
  }

  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<customer::CustomerRecordsForTest> customers_;
  std::string dealer_;
};

using Backends = testing::BothBackends;
TYPED_TEST_SUITE(CreditControlTest, Backends);

TYPED_TEST(CreditControlTest, SetThenGetReturnsThePosition) {
  pb::CreditPosition set;
  ASSERT_TRUE(this->Set(this->ValidRequest(50000000), &set).ok());
  EXPECT_EQ(set.dealer_id(), this->dealer_);
  EXPECT_EQ(set.credit_limit().currency_code(), "CNY");
  EXPECT_EQ(set.credit_limit().minor_units(), 50000000);
  // No receivables or orders exist yet: exposure is zero, all is available.
  EXPECT_EQ(set.open_receivables().minor_units(), 0);
  EXPECT_EQ(set.approved_uninvoiced().minor_units(), 0);
  EXPECT_EQ(set.exposure().minor_units(), 0);
  EXPECT_EQ(set.exposure().currency_code(), "CNY");
  EXPECT_EQ(set.available_credit().minor_units(), 50000000);
  EXPECT_EQ(set.limit_revision(), 1);
  EXPECT_EQ(set.limit_update_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));

  pb::CreditPosition got;
  ASSERT_TRUE(this->Get(this->dealer_, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), set.SerializeAsString());

  // Lowering to zero (cash only) is a valid limit.
  this->clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(this->Set(this->ValidRequest(0), &set).ok());
  EXPECT_EQ(set.credit_limit().minor_units(), 0);
  EXPECT_EQ(set.available_credit().minor_units(), 0);
  EXPECT_EQ(set.limit_revision(), 2);
  EXPECT_EQ(set.limit_update_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));
}

TYPED_TEST(CreditControlTest, GetWithoutAccountIsNotFoundNamingTheDealer) {
  pb::CreditPosition out;
  grpc::Status s = this->Get(this->dealer_, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr(this->dealer_));
}

TYPED_TEST(CreditControlTest, RetriedSetWithSameRequestIdAppliesOnce) {
  pb::SetCreditLimitRequest req = this->ValidRequest(1000000);
  req.set_request_id("limit-2026-01");
  pb::CreditPosition first, second;
  ASSERT_TRUE(this->Set(req, &first).ok());
  this->clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(this->Set(req, &second).ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(second.limit_revision(), 1);
  EXPECT_EQ(this->History(this->dealer_).size(), 1u);

  // The same key for a different change is a client bug, not a retry.
  pb::SetCreditLimitRequest other = this->ValidRequest(2000000);
  other.set_request_id("limit-2026-01");
  pb::CreditPosition out;
  grpc::Status s = this->Set(other, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(this->History(this->dealer_).size(), 1u);
}

// A retry after someone else's change still answers with the position its
// own change produced, and applies nothing.
TYPED_TEST(CreditControlTest, RetryAfterAnotherChangeReportsItsOwnChange) {
  pb::SetCreditLimitRequest li = this->ValidRequest(100000000);
  li.set_request_id("li-raise");
  pb::CreditPosition first;
  ASSERT_TRUE(this->Set(li, &first).ok());
  pb::SetCreditLimitRequest wang = this->ValidRequest(0);
  wang.set_request_id("wang-freeze");
  pb::CreditPosition frozen;
  ASSERT_TRUE(this->Set(wang, &frozen).ok());
  pb::CreditPosition retried;
  ASSERT_TRUE(this->Set(li, &retried).ok());
  EXPECT_EQ(retried.credit_limit().minor_units(), 100000000);
  EXPECT_EQ(retried.limit_revision(), 1);
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  pb::CreditPosition now;
  ASSERT_TRUE(this->Get(this->dealer_, &now).ok());
  EXPECT_EQ(now.credit_limit().minor_units(), 0);
  EXPECT_EQ(now.limit_revision(), 2);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 2);
}

TYPED_TEST(CreditControlTest, FirstLimitFixesTheCurrency) {
  pb::CreditPosition out;
  ASSERT_TRUE(this->Set(this->ValidRequest(1000000, "CNY"), &out).ok());
  grpc::ClientContext ctx;
  grpc::Status s = this->Set(this->ValidRequest(1000000, "USD"), &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), kCurrencyMismatch);
  EXPECT_THAT(s.error_message(), HasSubstr("CNY"));

  pb::CreditPosition got;
  ASSERT_TRUE(this->Get(this->dealer_, &got).ok());
  EXPECT_EQ(got.credit_limit().currency_code(), "CNY");
  EXPECT_EQ(got.limit_revision(), 1);
  EXPECT_EQ(this->History(this->dealer_).size(), 1u);
}

// Every malformed field is refused with INVALID_ARGUMENT naming the field,
// and nothing is written.
TYPED_TEST(CreditControlTest, SetRejectsBadInputAndWritesNothing) {
  using Req = pb::SetCreditLimitRequest;
  struct Case {
    std::string field;
    std::function<void(Req&)> spoil;
  };
  const std::vector<Case> cases = {
      {"dealer_id", [](Req& r) { r.clear_dealer_id(); }},
      {"dealer_id", [](Req& r) { r.set_dealer_id("12345"); }},
      {"dealer_id",
       [](Req& r) { r.set_dealer_id("cus_0190f3c2a1b24e8f0a1b"); }},
      {"credit_limit", [](Req& r) { r.clear_credit_limit(); }},
      {"credit_limit",
       [](Req& r) { r.mutable_credit_limit()->set_minor_units(-1); }},
      {"credit_limit.currency_code",
       [](Req& r) { r.mutable_credit_limit()->clear_currency_code(); }},
      {"credit_limit.currency_code",
       [](Req& r) { r.mutable_credit_limit()->set_currency_code("RMB"); }},
      {"reason", [](Req& r) { r.clear_reason(); }},
      {"reason", [](Req& r) { r.set_reason("  "); }},
      {"reason", [](Req& r) { r.set_reason(std::string(501, 'x')); }},
      {"approved_by", [](Req& r) { r.set_approved_by(std::string(65, 'x')); }},
      {"approved_by", [](Req& r) { r.set_approved_by("tab\there"); }},
      {"request_id",
       [](Req& r) { r.set_request_id("spaces are not allowed"); }},
  };
  for (const Case& c : cases) {
    Req req = this->ValidRequest(1000000);
    c.spoil(req);
    pb::CreditPosition out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Set(req, &out, &ctx);
    this->ExpectInvalidField(s, ctx, c.field);
  }
  EXPECT_EQ(this->CountRows("credit_accounts"), 0);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);
  pb::CreditPosition out;
  EXPECT_EQ(this->Get(this->dealer_, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Credit control asks customer records, the owner of dealers: no limit for
// a dealer it does not have, no credit for a terminated one, and no answer
// at all when it cannot ask.
TYPED_TEST(CreditControlTest, LimitsAreForDealersCustomerRecordsHas) {
  pb::SetCreditLimitRequest unknown = this->ValidRequest(1000000);
  unknown.set_dealer_id("dlr_00000000000000000000");
  pb::CreditPosition out;
  grpc::ClientContext ctx;
  grpc::Status s = this->Set(unknown, &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "DEALER_NOT_FOUND");

  ASSERT_TRUE(
      this->customers_
          ->SetStatus(this->dealer_, customer::v1::DEALER_STATUS_TERMINATED)
          .ok());
  grpc::ClientContext ctx2;
  s = this->Set(this->ValidRequest(1000000), &out, &ctx2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(TrailingValue(ctx2, kErrorReasonKey), "DEALER_TERMINATED");
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);
  // Closing a terminated dealer's credit is allowed.
  EXPECT_TRUE(this->Set(this->ValidRequest(0), &out).ok());

  // A dealer credit control has never looked up, asked for while customer
  // records is down: UNAVAILABLE. (Dealers it has read stay answerable from
  // its cache, which follows customer records' changes.)
  auto unseen = this->customers_->CreateDealer("Unseen Trading");
  ASSERT_TRUE(unseen.ok()) << unseen.status();
  this->customers_->Stop();
  pb::SetCreditLimitRequest for_unseen = this->ValidRequest(2000000);
  for_unseen.set_dealer_id(*unseen);
  grpc::ClientContext ctx3;
  s = this->Set(for_unseen, &out, &ctx3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 1);
}

TYPED_TEST(CreditControlTest, AssessCreditScoresRecordsAndLists) {
  pb::CreditAssessment out;
  grpc::Status s = this->Assess(this->ValidAssessment(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(out.assessment_id(), ::testing::StartsWith("cas_"));
  EXPECT_EQ(out.capital().score(), 5);  // 30% debt ratio
  EXPECT_EQ(out.score_hundredths(), 8500);
  EXPECT_EQ(out.rating(), pb::CREDIT_RATING_AA);
  EXPECT_EQ(out.recommended_limit().minor_units(), 125000000);
  EXPECT_EQ(out.assessed_by(), "credit.wu");
  EXPECT_EQ(out.weights().character(), 30);
  // A controller may set up to the recommendation; above needs a manager.
  pb::CreditPosition position;
  grpc::ClientContext above;
  above.AddMetadata(
      "authorization",
      absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                  "credit.zhou", {"credit_controller"})));
  pb::SetCreditLimitRequest too_much = this->ValidRequest(125000001);
  too_much.clear_approved_by();
  s = this->stub_->SetCreditLimit(&above, too_much, &position);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(TrailingValue(above, kErrorReasonKey), "ABOVE_RECOMMENDATION");
  EXPECT_THAT(s.error_message(), HasSubstr("CNY 1250000.00"));
  // The history, newest first, one per page.
  this->clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(this->Assess(this->ValidAssessment(), &out).ok());
  pb::ListCreditAssessmentsRequest list;
  list.set_dealer_id(this->dealer_);
  list.set_page_size(1);
  pb::ListCreditAssessmentsResponse page;
  grpc::ClientContext c1;
  ASSERT_TRUE(this->stub_->ListCreditAssessments(&c1, list, &page).ok());
  ASSERT_EQ(page.assessments_size(), 1);
  EXPECT_EQ(page.assessments(0).assessment_id(), out.assessment_id());
  list.set_page_token(page.next_page_token());
  grpc::ClientContext c2;
  ASSERT_TRUE(this->stub_->ListCreditAssessments(&c2, list, &page).ok());
  ASSERT_EQ(page.assessments_size(), 1);
  EXPECT_TRUE(page.next_page_token().empty());
}

TYPED_TEST(CreditControlTest, AssessCreditRejectsBadInputAndWritesNothing) {
  struct Case {
    std::string field;
    std::function<void(pb::AssessCreditRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"assessment", [](auto& r) { r.clear_assessment(); }},
      {"assessment.dealer_id",
       [](auto& r) { r.mutable_assessment()->set_dealer_id("12345"); }},
      {"assessment.character.score",
       [](auto& r) {
         r.mutable_assessment()->mutable_character()->set_score(6);
       }},
      {"assessment.conditions.evidence",
       [](auto& r) {
         r.mutable_assessment()->mutable_conditions()->set_evidence("  ");
       }},
      {"assessment.total_assets",
       [](auto& r) { r.mutable_assessment()->clear_total_assets(); }},
      {"assessment.total_assets",
       [](auto& r) {
         r.mutable_assessment()->mutable_total_assets()->set_minor_units(0);
       }},
      {"assessment.payment_term_days",
       [](auto& r) { r.mutable_assessment()->set_payment_term_days(400); }},
      {"assessment.capital_evidence",
       [](auto& r) { r.mutable_assessment()->set_capital_evidence(""); }},
      {"assessment.expected_monthly_purchases",
       [](auto& r) {
         r.mutable_assessment()
             ->mutable_expected_monthly_purchases()
             ->set_currency_code("USD");
       }},
      {"request_id", [](auto& r) { r.set_request_id("bad id!"); }},
  };
  for (const Case& c : cases) {
    pb::AssessCreditRequest req = this->ValidAssessment();
    c.spoil(req);
    pb::CreditAssessment out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Assess(req, &out, &ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), c.field) << s.error_message();
  }
  // Naming another assessor is refused: who assessed is the caller.
  pb::AssessCreditRequest other = this->ValidAssessment();
  other.mutable_assessment()->set_assessed_by("credit.someone.else");
  pb::CreditAssessment out;
  grpc::ClientContext ctx;
  EXPECT_EQ(this->Assess(other, &out, &ctx).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(this->CountRows("credit_assessments"), 0);
}

TYPED_TEST(CreditControlTest, ReservationsOverGrpcAndTheirBadInput) {
  pb::CreditPosition position;
  ASSERT_TRUE(this->Set(this->ValidRequest(100000), &position).ok());
  auto pricing = [](grpc::ClientContext* ctx) {
    ctx->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ",
                     testing::TestIdentity::Get().ServiceToken("pricing")));
  };
  pb::ReserveCreditRequest ok;
  ok.set_order_id("ord-1001");
  ok.set_dealer_id(this->dealer_);
  ok.mutable_amount()->set_currency_code("CNY");
  ok.mutable_amount()->set_minor_units(60000);
  ok.set_payment_term_days(30);
  ok.set_request_id("reserve-ord-1001");
  pb::CreditReservation out;
  {
    grpc::ClientContext ctx;
    pricing(&ctx);
    grpc::Status s = this->stub_->ReserveCredit(&ctx, ok, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.status(), pb::RESERVATION_STATUS_APPROVED);
    EXPECT_EQ(out.payer_dealer_id(), this->dealer_);
    EXPECT_EQ(out.requested_by(), "svc-pricing");
  }
  {
    pb::GetCreditReservationRequest get;
    get.set_reservation_id(out.reservation_id());
    pb::CreditReservation got;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->GetCreditReservation(&ctx, get, &got).ok());
    EXPECT_EQ(got.amount().minor_units(), 60000);
  }
  struct Case {
    std::string field;
    std::function<void(pb::ReserveCreditRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"order_id", [](auto& r) { r.set_order_id(""); }},
      {"order_id", [](auto& r) { r.set_order_id("ord 1"); }},
      {"dealer_id", [](auto& r) { r.set_dealer_id("dlr_x"); }},
      {"amount", [](auto& r) { r.clear_amount(); }},
      {"amount", [](auto& r) { r.mutable_amount()->set_minor_units(0); }},
      {"amount", [](auto& r) { r.mutable_amount()->set_minor_units(-5); }},
      {"payment_term_days", [](auto& r) { r.set_payment_term_days(366); }},
      {"request_id", [](auto& r) { r.set_request_id("no spaces allowed"); }},
  };
  for (const Case& c : cases) {
    pb::ReserveCreditRequest req = ok;
    req.set_order_id("ord-2002");
    req.set_request_id("");
    c.spoil(req);
    grpc::ClientContext ctx;
    pricing(&ctx);
    grpc::Status s = this->stub_->ReserveCredit(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), c.field);
  }
  EXPECT_EQ(this->CountRows("credit_reservations"), 1);
  // Sales may read a reservation but not make one.
  grpc::ClientContext sales;
  sales.AddMetadata("authorization",
                    absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                                "rep.li", {"sales_rep"})));
  pb::ReserveCreditRequest other = ok;
  other.set_order_id("ord-3003");
  EXPECT_EQ(this->stub_->ReserveCredit(&sales, other, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The order flow follows decisions on the feed.
  {
    type::v1::ListChangesRequest feed;
    type::v1::ListChangesResponse changes;
    grpc::ClientContext ctx;
    pricing(&ctx);
    ASSERT_TRUE(this->stub_->ListChanges(&ctx, feed, &changes).ok());
    ASSERT_EQ(changes.events_size(), 1);
    EXPECT_EQ(changes.events(0).topic(), "reservation.created");
    EXPECT_EQ(changes.events(0).key(), out.reservation_id());
  }
  pb::GetCreditReservationRequest missing;
  missing.set_reservation_id("crs_0190f3c2a1b24e8f0a1b");
  grpc::ClientContext nf;
  EXPECT_EQ(this->stub_->GetCreditReservation(&nf, missing, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  pb::CancelCreditReservationRequest bad_cancel;
  bad_cancel.set_reservation_id("ord-1001");
  bad_cancel.set_reason("order cancelled");
  grpc::ClientContext bc;
  pricing(&bc);
  EXPECT_EQ(
      this->stub_->CancelCreditReservation(&bc, bad_cancel, &out).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailingValue(bc, kErrorFieldKey), "reservation_id");
}

TYPED_TEST(CreditControlTest, CreditPoliciesHaveDefaultsAndChangeByManagers) {
  pb::ListCreditPoliciesResponse list;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListCreditPolicies(&ctx, {}, &list).ok());
  }
  ASSERT_EQ(list.policies_size(), 3);
  EXPECT_EQ(list.policies(0).abc_class(), "A");
  EXPECT_EQ(list.policies(0).overdue_hold_days(), 30);
  EXPECT_EQ(list.policies(1).overdue_hold_days(), 15);
  EXPECT_EQ(list.policies(2).overdue_hold_days(), 0);
  EXPECT_EQ(list.policies(2).watch_ratio_percent(), 90);
  pb::UpdateCreditPolicyRequest req;
  req.mutable_policy()->set_abc_class("B");
  req.mutable_policy()->set_overdue_hold_days(20);
  req.mutable_policy()->set_watch_ratio_percent(85);
  req.mutable_policy()->set_slow_payment_days(10);
  auto as = [](grpc::ClientContext* ctx, const char* role) {
    ctx->AddMetadata("authorization",
                     absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                                 "credit.boss", {role})));
  };
  pb::CreditPolicy out;
  {
    grpc::ClientContext ctx;
    as(&ctx, "credit_controller");
    EXPECT_EQ(this->stub_->UpdateCreditPolicy(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    as(&ctx, "credit_manager");
    grpc::Status s = this->stub_->UpdateCreditPolicy(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.updated_by(), "credit.boss");
    EXPECT_EQ(out.overdue_hold_days(), 20);
  }
  for (auto [field, spoil] : std::vector<
           std::pair<std::string, std::function<void(pb::CreditPolicy*)>>>{
           {"policy.abc_class",
            [](pb::CreditPolicy* p) { p->set_abc_class("D"); }},
           {"policy.watch_ratio_percent",
            [](pb::CreditPolicy* p) { p->set_watch_ratio_percent(101); }},
           {"policy.overdue_hold_days",
            [](pb::CreditPolicy* p) { p->set_overdue_hold_days(-1); }}}) {
    pb::UpdateCreditPolicyRequest bad = req;
    spoil(bad.mutable_policy());
    grpc::ClientContext ctx;
    as(&ctx, "credit_manager");
    EXPECT_EQ(this->stub_->UpdateCreditPolicy(&ctx, bad, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), field);
  }
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->ListCreditPolicies(&ctx, {}, &list).ok());
  EXPECT_EQ(list.policies(1).overdue_hold_days(), 20);
  EXPECT_EQ(list.policies(1).watch_ratio_percent(), 85);
}

TYPED_TEST(CreditControlTest, GetRejectsBadDealerId) {
  pb::CreditPosition out;
  ASSERT_TRUE(this->Set(this->ValidRequest(1000000), &out).ok());
  for (const std::string& id : {std::string(""), std::string("12345"),
                                std::string("dlr_0190F3C2A1B24E8F0A1B")}) {
    grpc::ClientContext ctx;
    grpc::Status s = this->Get(id, &out, &ctx);
    this->ExpectInvalidField(s, ctx, "dealer_id");
  }
  EXPECT_EQ(this->CountRows("credit_accounts"), 1);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 1);
}

TYPED_TEST(CreditControlTest, HistoryHasOneRowPerChangeAndIsAppendOnly) {
  const int64_t limits[] = {1000000, 2500000, 2500000, 800000};
  for (int64_t limit : limits) {
    pb::SetCreditLimitRequest req = this->ValidRequest(limit);
    req.set_reason(absl::StrCat("review to ", limit));
    pb::CreditPosition out;
    ASSERT_TRUE(this->Set(req, &out).ok());
    this->clock_.Advance(absl::Minutes(1));
  }
  const std::vector<HistoryRow> history = this->History(this->dealer_);
  ASSERT_EQ(history.size(), 4u);
  EXPECT_TRUE(history[0].old_limit_null);  // opened the account
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(history[i].revision, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(history[i].currency, "CNY");
    EXPECT_EQ(history[i].new_limit_minor, limits[i]);
    EXPECT_EQ(history[i].reason, absl::StrCat("review to ", limits[i]));
    EXPECT_EQ(history[i].approved_by, "credit.manager.li");
    if (i > 0) {
      EXPECT_FALSE(history[i].old_limit_null);
      EXPECT_EQ(history[i].old_limit_minor, limits[i - 1]);
    }
  }
  pb::CreditPosition got;
  ASSERT_TRUE(this->Get(this->dealer_, &got).ok());
  EXPECT_EQ(got.limit_revision(), 4);
  EXPECT_EQ(got.credit_limit().minor_units(), 800000);

  // The audit trail cannot be rewritten, even with direct SQL.
  for (const char* sql :
       {"UPDATE credit_limit_changes SET new_limit_minor = 99999999",
        "DELETE FROM credit_limit_changes"}) {
    absl::Status s = this->Execute(sql);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << sql << s;
    EXPECT_THAT(s.message(), HasSubstr("append-only"));
  }
  EXPECT_EQ(this->History(this->dealer_).size(), 4u);
  EXPECT_EQ(this->History(this->dealer_)[3].new_limit_minor, 800000);
}

// Read-check-write under contention: every change lands exactly once, with
// its own revision, and the history chains old -> new without gaps. The
// account does not exist at the start, so the threads also race to open it.
TYPED_TEST(CreditControlTest, ConcurrentChangesEachGetOneRevision) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kCallsPerThread; ++k) {
        pb::SetCreditLimitRequest req =
            this->ValidRequest(100000 * (t * kCallsPerThread + k + 1));
        req.set_request_id(absl::StrCat("thread-", t, "-call-", k));
        pb::CreditPosition out;
        grpc::Status s = this->Set(req, &out);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error_code() << ": " << s.error_message();
        } else if (out.credit_limit().minor_units() !=
                   req.credit_limit().minor_units()) {
          // Each caller sees the position its own change produced.
          ++failures;
          ADD_FAILURE() << "answer shows another caller's limit";
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  constexpr int kCalls = kThreads * kCallsPerThread;
  pb::CreditPosition got;
  ASSERT_TRUE(this->Get(this->dealer_, &got).ok());
  EXPECT_EQ(got.limit_revision(), kCalls);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), kCalls);
  const std::vector<HistoryRow> history = this->History(this->dealer_);
  ASSERT_EQ(history.size(), static_cast<size_t>(kCalls));
  EXPECT_TRUE(history[0].old_limit_null);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(history[i].revision, i + 1);
    if (i > 0) {
      EXPECT_EQ(history[i].old_limit_minor, history[i - 1].new_limit_minor)
          << "revision " << i + 1;
    }
  }
  EXPECT_EQ(got.credit_limit().minor_units(), history.back().new_limit_minor);
}

// Who approved a limit comes from the token: an empty approved_by is the
// caller, one naming someone else is refused and nothing is written; the
// dealer's owner (rep.wang) may not set its limit even as a credit manager.
TYPED_TEST(CreditControlTest, TheApproverIsTheCallerAndNeverTheOwner) {
  pb::SetCreditLimitRequest req = this->ValidRequest(1000000);
  req.set_approved_by("credit.manager.zhou");
  pb::CreditPosition out;
  grpc::ClientContext ctx;
  grpc::Status s = this->Set(req, &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), auth::kReasonActorMismatch);
  EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), "approved_by");
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);

  grpc::ClientContext own_ctx;
  pb::SetCreditLimitRequest own = this->ValidRequest(1000000);
  own.clear_approved_by();
  s = this->Set(own, &out, &own_ctx, "rep.wang");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(TrailingValue(own_ctx, kErrorReasonKey), auth::kReasonFourEyes);
  EXPECT_EQ(this->CountRows("credit_limit_changes"), 0);

  req.clear_approved_by();
  ASSERT_TRUE(this->Set(req, &out, nullptr, "credit.manager.zhou").ok());
  const std::vector<HistoryRow> history = this->History(this->dealer_);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].approved_by, "credit.manager.zhou");
}

}  // namespace
}  // namespace qudao::credit

namespace qudao::credit {
namespace {

template <typename B>
class LedgerServiceTest : public CreditControlTest<B> {
 protected:
  static void As(grpc::ClientContext* ctx, const std::string& token,
                 const std::string& partner = "") {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    if (!partner.empty()) ctx->AddMetadata("x-qudao-partner-dealer", partner);
  }
  static std::string Pricing() {
    return testing::TestIdentity::Get().ServiceToken("pricing");
  }
  static std::string Controller() {
    return testing::TestIdentity::Get().Token("credit.li",
                                              {"credit_controller"});
  }

  // A limit, a reserved order and an invoice of CNY 600.00 (net 30).
  void Invoice(pb::Invoice* out) {
    pb::CreditPosition position;
    ASSERT_TRUE(this->Set(this->ValidRequest(100000), &position).ok());
    pb::ReserveCreditRequest reserve;
    reserve.set_order_id("ord-1001");
    reserve.set_dealer_id(this->dealer_);
    reserve.mutable_amount()->set_currency_code("CNY");
    reserve.mutable_amount()->set_minor_units(60000);
    reserve.set_payment_term_days(30);
    pb::CreditReservation reservation;
    grpc::ClientContext rc;
    As(&rc, Pricing());
    ASSERT_TRUE(this->stub_->ReserveCredit(&rc, reserve, &reservation).ok());
    grpc::ClientContext ic;
    As(&ic, Pricing());
    grpc::Status s = this->stub_->IssueInvoice(&ic, ValidInvoice(), out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  pb::IssueInvoiceRequest ValidInvoice() {
    pb::IssueInvoiceRequest req;
    req.set_order_id("ord-1001");
    pb::InvoiceLine* line = req.add_lines();
    line->set_sku("pump-100");
    line->set_product_group("pumps");
    line->set_quantity(2);
    line->mutable_net_price()->set_currency_code("CNY");
    line->mutable_net_price()->set_minor_units(30000);
    line->mutable_unit_cost()->set_currency_code("CNY");
    line->mutable_unit_cost()->set_minor_units(18000);
    req.mutable_payment_term()->set_net_days(30);
    req.set_request_id("invoice-ord-1001-1");
    return req;
  }
};

TYPED_TEST_SUITE(LedgerServiceTest, Backends);

TYPED_TEST(LedgerServiceTest, InvoicesPaymentsAndTheirBadInput) {
  pb::Invoice invoice;
  this->Invoice(&invoice);
  if (::testing::Test::HasFatalFailure()) return;
  EXPECT_EQ(invoice.lines(0).sku(), "PUMP-100");
  EXPECT_EQ(invoice.total().minor_units(), 60000);
  EXPECT_EQ(invoice.payer_dealer_id(), this->dealer_);
  EXPECT_EQ(invoice.issued_by(), "svc-pricing");

  // Bad invoices: the field is named, nothing is written.
  struct Case {
    std::string field;
    std::function<void(pb::IssueInvoiceRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"order_id", [](auto& r) { r.set_order_id(""); }},
      {"lines", [](auto& r) { r.clear_lines(); }},
      {"lines[0].sku", [](auto& r) { r.mutable_lines(0)->set_sku("a b"); }},
      {"lines[0].quantity",
       [](auto& r) { r.mutable_lines(0)->set_quantity(0); }},
      {"lines[0].net_price",
       [](auto& r) { r.mutable_lines(0)->clear_net_price(); }},
      {"lines[0].net_price",
       [](auto& r) {
         r.mutable_lines(0)->mutable_net_price()->set_minor_units(-1);
       }},
      {"payment_term", [](auto& r) { r.clear_payment_term(); }},
      {"payment_term.net_days",
       [](auto& r) { r.mutable_payment_term()->set_net_days(400); }},
      {"payment_term.discount_days",
       [](auto& r) {
         r.mutable_payment_term()->set_discount_basis_points(200);
         r.mutable_payment_term()->set_discount_days(40);
       }},
      {"vat",
       [](auto& r) {
         r.mutable_vat()->set_currency_code("USD");
         r.mutable_vat()->set_minor_units(1);
       }},
  };
  for (const Case& c : cases) {
    pb::IssueInvoiceRequest req = this->ValidInvoice();
    req.set_request_id("");
    c.spoil(req);
    grpc::ClientContext ctx;
    this->As(&ctx, this->Pricing());
    pb::Invoice out;
    grpc::Status s = this->stub_->IssueInvoice(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), c.field) << s.error_message();
  }
  EXPECT_EQ(this->CountRows("credit_invoices"), 1);
  EXPECT_EQ(this->CountRows("credit_ledger_entries"), 1);

  // A sales rep may read invoices but not record payments.
  pb::RecordPaymentRequest pay;
  pay.mutable_payment()->set_payer_dealer_id(this->dealer_);
  pay.mutable_payment()->mutable_amount()->set_currency_code("CNY");
  pay.mutable_payment()->mutable_amount()->set_minor_units(25000);
  pay.mutable_payment()->set_reference("BOC 2026112700123");
  pay.set_request_id("pay-1");
  pb::Payment paid;
  {
    grpc::ClientContext ctx;
    this->As(&ctx, testing::TestIdentity::Get().Token("rep.li", {"sales_rep"}));
    EXPECT_EQ(this->stub_->RecordPayment(&ctx, pay, &paid).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  for (auto spoil : std::vector<std::function<void(pb::RecordPaymentRequest&)>>{
           [](auto& r) { r.mutable_payment()->clear_amount(); },
           [](auto& r) {
             r.mutable_payment()->mutable_amount()->set_minor_units(0);
           },
           [](auto& r) { r.mutable_payment()->set_reference(""); },
           [](auto& r) {
             r.mutable_payment()->set_received_date("2026-13-01");
           },
           [](auto& r) {
             r.mutable_payment()->set_received_date("2999-01-01");
           },
           [](auto& r) { r.mutable_payment()->add_invoice_ids("inv_x"); },
           [](auto& r) {
             r.mutable_payment()->set_recorded_by("someone.else");
           },
       }) {
    pb::RecordPaymentRequest req = pay;
    req.set_request_id("");
    spoil(req);
    grpc::ClientContext ctx;
    this->As(&ctx, this->Controller());
    EXPECT_EQ(this->stub_->RecordPayment(&ctx, req, &paid).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << req.ShortDebugString();
  }
  EXPECT_EQ(this->CountRows("credit_payments"), 0);
  {
    grpc::ClientContext ctx;
    this->As(&ctx, this->Controller());
    grpc::Status s = this->stub_->RecordPayment(&ctx, pay, &paid);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(paid.allocations_size(), 1);
    EXPECT_EQ(paid.recorded_by(), "credit.li");
  }
  {
    pb::GetInvoiceRequest get;
    get.set_invoice_id(invoice.invoice_id());
    pb::Invoice got;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->GetInvoice(&ctx, get, &got).ok());
    EXPECT_EQ(got.outstanding().minor_units(), 35000);
    EXPECT_EQ(got.entries_size(), 2);
  }
  {
    pb::ListInvoicesRequest list;
    list.set_dealer_id(this->dealer_);
    list.set_open_only(true);
    pb::ListInvoicesResponse listed;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListInvoices(&ctx, list, &listed).ok());
    ASSERT_EQ(listed.invoices_size(), 1);
    EXPECT_EQ(listed.invoices(0).lines_size(), 0);
  }
  {
    pb::CheckLedgerConsistencyResponse check;
    grpc::ClientContext ctx;
    this->As(&ctx, testing::TestIdentity::Get().Token("credit.boss",
                                                      {"credit_manager"}));
    ASSERT_TRUE(this->stub_
                    ->CheckLedgerConsistency(
                        &ctx, pb::CheckLedgerConsistencyRequest(), &check)
                    .ok());
    EXPECT_EQ(check.differences_size(), 0);
  }
}

TYPED_TEST(LedgerServiceTest, PartnersSeeOnlyTheirOwnInvoicesAndAging) {
  pb::Invoice invoice;
  this->Invoice(&invoice);
  if (::testing::Test::HasFatalFailure()) return;
  auto other = this->customers_->CreateDealer("Other Trading");
  ASSERT_TRUE(other.ok());
  const std::string gateway =
      testing::TestIdentity::Get().ServiceToken("gateway");
  pb::GetInvoiceRequest get;
  get.set_invoice_id(invoice.invoice_id());
  pb::Invoice got;
  {
    grpc::ClientContext ctx;
    this->As(&ctx, gateway, this->dealer_);
    EXPECT_TRUE(this->stub_->GetInvoice(&ctx, get, &got).ok());
  }
  {
    grpc::ClientContext ctx;
    this->As(&ctx, gateway, *other);
    grpc::Status s = this->stub_->GetInvoice(&ctx, get, &got);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr(this->dealer_)));
  }
  {
    pb::GetAgingRequest aging;
    pb::AgingReport report;
    grpc::ClientContext ctx;
    this->As(&ctx, gateway, *other);
    ASSERT_TRUE(this->stub_->GetAging(&ctx, aging, &report).ok());
    EXPECT_EQ(report.rows_size(), 0);
    grpc::ClientContext own;
    this->As(&own, gateway, this->dealer_);
    ASSERT_TRUE(this->stub_->GetAging(&own, aging, &report).ok());
    ASSERT_EQ(report.rows_size(), 1);
    EXPECT_EQ(report.rows(0).total().minor_units(), 60000);
  }
  {
    // Payments are staff-only.
    pb::RecordPaymentRequest pay;
    pb::Payment paid;
    grpc::ClientContext ctx;
    this->As(&ctx, gateway, this->dealer_);
    EXPECT_EQ(this->stub_->RecordPayment(&ctx, pay, &paid).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TYPED_TEST(LedgerServiceTest, ReportsAndRestrictionsRejectBadInput) {
  pb::AgingReport report;
  for (auto spoil : std::vector<std::function<void(pb::GetAgingRequest&)>>{
           [](auto& r) { r.set_as_of("27.11.2026"); },
           [](auto& r) {
             r.add_bucket_upper_bounds(30);
             r.add_bucket_upper_bounds(30);
           },
           [](auto& r) { r.set_dealer_id("dlr_bad"); },
           [](auto& r) { r.set_group_by(static_cast<pb::AgingGroupBy>(9)); },
       }) {
    pb::GetAgingRequest req;
    spoil(req);
    grpc::ClientContext ctx;
    EXPECT_EQ(this->stub_->GetAging(&ctx, req, &report).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << req.ShortDebugString();
  }
  pb::RevenueSummary summary;
  for (auto spoil :
       std::vector<std::function<void(pb::GetRevenueSummaryRequest&)>>{
           [](auto& r) { r.clear_from_date(); },
           [](auto& r) { r.set_to_date("2025-01-01"); },
           [](auto& r) { r.set_to_date("2030-01-01"); },
           [](auto& r) { r.set_breakdown(pb::REVENUE_BREAKDOWN_SKU); },
       }) {
    pb::GetRevenueSummaryRequest req;
    req.set_from_date("2026-01-01");
    req.set_to_date("2026-12-31");
    spoil(req);
    grpc::ClientContext ctx;
    EXPECT_EQ(this->stub_->GetRevenueSummary(&ctx, req, &summary).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << req.ShortDebugString();
  }
  pb::Restriction placed;
  for (auto spoil :
       std::vector<std::function<void(pb::PlaceRestrictionRequest&)>>{
           [](auto& r) { r.mutable_restriction()->set_reason(""); },
           [](auto& r) {
             r.mutable_restriction()->set_kind(
                 pb::RESTRICTION_KIND_UNSPECIFIED);
           },
           [](auto& r) { r.mutable_restriction()->set_until("2020-01-01"); },
           [](auto& r) { r.mutable_restriction()->set_payer_dealer_id(""); },
       }) {
    pb::PlaceRestrictionRequest req;
    req.mutable_restriction()->set_payer_dealer_id(this->dealer_);
    req.mutable_restriction()->set_kind(pb::RESTRICTION_KIND_SHIPMENT_HOLD);
    req.mutable_restriction()->set_reason("cheque bounced");
    spoil(req);
    grpc::ClientContext ctx;
    this->As(&ctx, this->Controller());
    EXPECT_EQ(this->stub_->PlaceRestriction(&ctx, req, &placed).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << req.ShortDebugString();
  }
  EXPECT_EQ(this->CountRows("credit_restrictions"), 0);
  pb::PlaceRestrictionRequest hold;
  hold.mutable_restriction()->set_payer_dealer_id(this->dealer_);
  hold.mutable_restriction()->set_kind(pb::RESTRICTION_KIND_SHIPMENT_HOLD);
  hold.mutable_restriction()->set_reason("cheque bounced");
  grpc::ClientContext ctx;
  this->As(&ctx, this->Controller());
  ASSERT_TRUE(this->stub_->PlaceRestriction(&ctx, hold, &placed).ok());
  EXPECT_TRUE(placed.in_force());
  EXPECT_EQ(placed.placed_by(), "credit.li");
}

TYPED_TEST(LedgerServiceTest, RiskAndCollectionsRejectBadInputAndOutsiders) {
  const std::string controller = this->Controller();
  const std::string rep =
      testing::TestIdentity::Get().Token("rep.li", {"sales_rep"});
  auto call = [&](const std::string& token, auto method, const auto& req,
                  auto* out) {
    grpc::ClientContext ctx;
    this->As(&ctx, token);
    return ((*this->stub_).*method)(&ctx, req, out).error_code();
  };
  using Stub = pb::CreditControlService::Stub;
  pb::RecordGuaranteeRequest g;
  g.mutable_guarantee()->set_payer_dealer_id(this->dealer_);
  g.mutable_guarantee()->set_kind(pb::GUARANTEE_KIND_BANK_GUARANTEE);
  g.mutable_guarantee()->set_provider("Bank of China");
  g.mutable_guarantee()->mutable_value()->set_currency_code("CNY");
  g.mutable_guarantee()->mutable_value()->set_minor_units(100000);
  g.mutable_guarantee()->set_expiry_date("2099-12-31");
  pb::Guarantee guarantee;
  EXPECT_EQ(call(rep, &Stub::RecordGuarantee, g, &guarantee),
            grpc::StatusCode::PERMISSION_DENIED);
  for (auto spoil :
       std::vector<std::function<void(pb::RecordGuaranteeRequest&)>>{
           [](auto& r) { r.mutable_guarantee()->set_provider(""); },
           [](auto& r) { r.mutable_guarantee()->clear_value(); },
           [](auto& r) {
             r.mutable_guarantee()->set_expiry_date("2020-01-01");
           },
           [](auto& r) {
             r.mutable_guarantee()->set_expiry_date("31/12/2099");
           },
           [](auto& r) {
             r.mutable_guarantee()->set_kind(pb::GUARANTEE_KIND_UNSPECIFIED);
           },
           [](auto& r) { r.mutable_guarantee()->set_payer_dealer_id("x"); },
       }) {
    pb::RecordGuaranteeRequest bad = g;
    spoil(bad);
    EXPECT_EQ(call(controller, &Stub::RecordGuarantee, bad, &guarantee),
              grpc::StatusCode::INVALID_ARGUMENT)
        << bad.ShortDebugString();
  }
  EXPECT_EQ(this->CountRows("credit_guarantees"), 0);
  EXPECT_EQ(call(controller, &Stub::RecordGuarantee, g, &guarantee),
            grpc::StatusCode::OK);
  EXPECT_EQ(guarantee.recorded_by(), "credit.li");

  pb::OverdueCase overdue_case;
  pb::SetOverdueCauseRequest cause;
  cause.set_case_id("odc_0190f3c2a1b24e8f0a1b");
  cause.set_cause(pb::OVERDUE_CAUSE_UNSPECIFIED);
  cause.set_note("looked into it");
  EXPECT_EQ(call(controller, &Stub::SetOverdueCause, cause, &overdue_case),
            grpc::StatusCode::INVALID_ARGUMENT);
  cause.set_cause(pb::OVERDUE_CAUSE_CASH_FLOW);
  EXPECT_EQ(call(controller, &Stub::SetOverdueCause, cause, &overdue_case),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(call(rep, &Stub::SetOverdueCause, cause, &overdue_case),
            grpc::StatusCode::PERMISSION_DENIED);
  pb::AddCaseRecordRequest record;
  record.set_case_id("odc_0190f3c2a1b24e8f0a1b");
  record.mutable_record()->set_kind(pb::CASE_RECORD_KIND_EXTENSION);
  pb::CaseRecord added;
  EXPECT_EQ(call(rep, &Stub::AddCaseRecord, record, &added),
            grpc::StatusCode::INVALID_ARGUMENT);  // no new date, no signer
  record.mutable_record()->set_kind(pb::CASE_RECORD_KIND_UNSPECIFIED);
  EXPECT_EQ(call(rep, &Stub::AddCaseRecord, record, &added),
            grpc::StatusCode::INVALID_ARGUMENT);
  pb::RecordPaymentPromiseRequest promise;
  promise.set_case_id("odc_0190f3c2a1b24e8f0a1b");
  promise.mutable_promise()->set_promised_date("2099-01-01");
  pb::PaymentPromise recorded;
  EXPECT_EQ(call(rep, &Stub::RecordPaymentPromise, promise, &recorded),
            grpc::StatusCode::INVALID_ARGUMENT);  // no amount
  pb::AcknowledgeAlertRequest ack;
  ack.set_alert_id("alr_0190f3c2a1b24e8f0a1b");
  pb::Alert alert;
  EXPECT_EQ(call(controller, &Stub::AcknowledgeAlert, ack, &alert),
            grpc::StatusCode::INVALID_ARGUMENT);  // no note
  ack.set_note("called");
  EXPECT_EQ(call(controller, &Stub::AcknowledgeAlert, ack, &alert),
            grpc::StatusCode::NOT_FOUND);
  pb::ListReviewDueResponse review;
  EXPECT_EQ(
      call(rep, &Stub::ListReviewDue, pb::ListReviewDueRequest(), &review),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(controller, &Stub::ListReviewDue, pb::ListReviewDueRequest(),
                 &review),
            grpc::StatusCode::OK);
}

}  // namespace
}  // namespace qudao::credit
