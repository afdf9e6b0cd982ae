// Dealer support over real gRPC (in-process server, port 0), with the
// service's store on SQLite and on a real PostgreSQL: the same suite for
// both backends. Where the API cannot show it (nothing written, the status
// history), the test opens the service's database directly.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/grpc/status.h"
#include "common/storage/database.h"
#include "common/testing/harness.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/dealer_support/dealer_support_module.h"

namespace qudao::support {
namespace {

namespace pb = ::qudao::support::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Dealers that exist in the real customer records the service calls
// (created once per test binary).
std::string kDealer, kOtherDealer, kTerminatedDealer;
customer::CustomerRecordsForTest* Customers() {
  static customer::CustomerRecordsForTest* customers = [] {
    auto started = customer::CustomerRecordsForTest::Start();
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok())
      return static_cast<customer::CustomerRecordsForTest*>(nullptr);
    auto* c = started->release();
    kDealer = c->CreateDealer("Mingda Machinery").value();
    kOtherDealer = c->CreateDealer("Hengtai Trading").value();
    kTerminatedDealer = c->CreateDealer("Closed Down Co").value();
    EXPECT_TRUE(
        c->SetStatus(kTerminatedDealer, customer::v1::DEALER_STATUS_TERMINATED)
            .ok());
    return c;
  }();
  return customers;
}

template <typename B>
class DealerSupportTest
    : public testing::ServiceTest<B, pb::DealerSupportService> {
 protected:
  void SetUp() override {
    ASSERT_NE(Customers(), nullptr);
    this->StartService(NewDealerSupportModule,
                       {{"customer_records", Customers()->target()}});
    if (::testing::Test::HasFatalFailure()) return;
    // The module has migrated the schema by now.
    auto db = storage::OpenDatabase(this->fixture_->database_url());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  static pb::ServiceTicket ValidTicket(
      const std::string& subject = "注塑机开机报警 E-204",
      const std::string& dealer_id = "") {
    pb::ServiceTicket t;
    t.set_dealer_id(dealer_id.empty() ? kDealer : dealer_id);
    t.set_type(pb::TICKET_TYPE_WARRANTY_REPAIR);
    t.set_priority(pb::TICKET_PRIORITY_HIGH);
    t.set_subject(subject);
    t.set_description("Model QP-300, serial 2025-00417. Alarm on start-up.");
    return t;
  }

  grpc::Status Create(const pb::ServiceTicket& ticket, pb::ServiceTicket* out,
                      const std::string& request_id = "",
                      grpc::ClientContext* ctx = nullptr) {
    pb::CreateServiceTicketRequest req;
    *req.mutable_ticket() = ticket;
    req.set_request_id(request_id);
    grpc::ClientContext local;
    return this->stub_->CreateServiceTicket(ctx != nullptr ? ctx : &local, req,
                                            out);
  }

  grpc::Status List(const std::string& dealer_id, int page_size,
                    const std::string& token,
                    pb::ListServiceTicketsResponse* out,
                    grpc::ClientContext* ctx = nullptr) {
    pb::ListServiceTicketsRequest req;
    req.set_dealer_id(dealer_id);
    req.set_page_size(page_size);
    req.set_page_token(token);
    grpc::ClientContext local;
    return this->stub_->ListServiceTickets(ctx != nullptr ? ctx : &local, req,
                                           out);
  }

  // Rows of `sql`, read straight from the service's database.
  std::vector<storage::Row> Query(const std::string& sql) {
    std::vector<storage::Row> rows;
    absl::Status s =
        db_->RunInTransaction(storage::TransactionMode::kReadOnly,
                              [&](storage::Transaction& tx) -> absl::Status {
                                auto r = tx.Query(sql);
                                if (!r.ok()) return r.status();
                                rows = *std::move(r);
                                return absl::OkStatus();
                              });
    EXPECT_TRUE(s.ok()) << s;
    return rows;
  }

  int64_t Count(const std::string& table) {
    auto rows = Query(absl::StrCat("SELECT COUNT(*) FROM ", table));
    return rows.empty() ? -1 : rows[0].Int(0);
  }

  void ExpectNothingWritten(int64_t tickets) {
    EXPECT_EQ(Count("service_tickets"), tickets);
    EXPECT_EQ(Count("service_ticket_events"), tickets);
  }

  // Declared last so it closes before the fixture drops the database.
  std::unique_ptr<storage::Database> db_;
};

using Backends = testing::BothBackends;
TYPED_TEST_SUITE(DealerSupportTest, Backends);

TYPED_TEST(DealerSupportTest, CreateThenGetReturnsThePersistedTicket) {
  pb::ServiceTicket created;
  ASSERT_TRUE(this->Create(this->ValidTicket(), &created).ok());
  EXPECT_THAT(created.ticket_id(), StartsWith("tkt_"));
  EXPECT_EQ(created.dealer_id(), kDealer);
  EXPECT_EQ(created.type(), pb::TICKET_TYPE_WARRANTY_REPAIR);
  EXPECT_EQ(created.priority(), pb::TICKET_PRIORITY_HIGH);
  EXPECT_EQ(created.status(), pb::TICKET_STATUS_OPEN);
  EXPECT_EQ(created.subject(), "注塑机开机报警 E-204");
  EXPECT_EQ(created.create_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));
  EXPECT_EQ(created.respond_by_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now() + absl::Hours(8)));

  pb::GetServiceTicketRequest get;
  get.set_ticket_id(created.ticket_id());
  pb::ServiceTicket fetched;
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->GetServiceTicket(&ctx, get, &fetched).ok());
  EXPECT_EQ(fetched.description(),
            "Model QP-300, serial 2025-00417. Alarm on start-up.");
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
}

// The promise follows the priority, from the (injected) time of receipt;
// output-only fields sent by the client are ignored.
TYPED_TEST(DealerSupportTest, RespondByFollowsPriority) {
  struct Case {
    pb::TicketPriority priority;
    pb::TicketPriority stored;
    absl::Duration target;
  };
  const std::vector<Case> cases = {
      {pb::TICKET_PRIORITY_URGENT, pb::TICKET_PRIORITY_URGENT, absl::Hours(2)},
      {pb::TICKET_PRIORITY_HIGH, pb::TICKET_PRIORITY_HIGH, absl::Hours(8)},
      {pb::TICKET_PRIORITY_NORMAL, pb::TICKET_PRIORITY_NORMAL, absl::Hours(24)},
      {pb::TICKET_PRIORITY_UNSPECIFIED, pb::TICKET_PRIORITY_NORMAL,
       absl::Hours(24)},
      {pb::TICKET_PRIORITY_LOW, pb::TICKET_PRIORITY_LOW, absl::Hours(72)},
  };
  for (const Case& c : cases) {
    this->clock_.Advance(absl::Minutes(17));
    const absl::Time now = this->clock_.Now();
    pb::ServiceTicket t = this->ValidTicket();
    t.set_priority(c.priority);
    t.set_status(pb::TICKET_STATUS_CLOSED);
    t.mutable_respond_by_time()->set_seconds(1);
    t.set_ticket_id("tkt_ffffffffffffffffffff");
    pb::ServiceTicket created;
    ASSERT_TRUE(this->Create(t, &created).ok());
    EXPECT_NE(created.ticket_id(), "tkt_ffffffffffffffffffff");
    EXPECT_EQ(created.status(), pb::TICKET_STATUS_OPEN);
    EXPECT_EQ(created.priority(), c.stored);
    EXPECT_EQ(created.create_time().seconds(), absl::ToUnixSeconds(now));
    EXPECT_EQ(created.respond_by_time().seconds(),
              absl::ToUnixSeconds(now + c.target))
        << pb::TicketPriority_Name(c.priority);
  }
}

TYPED_TEST(DealerSupportTest, GetUnknownTicketIsNotFound) {
  pb::GetServiceTicketRequest get;
  get.set_ticket_id("tkt_00000000000000000000");
  pb::ServiceTicket out;
  grpc::ClientContext ctx;
  grpc::Status s = this->stub_->GetServiceTicket(&ctx, get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("tkt_00000000000000000000"));
}

TYPED_TEST(DealerSupportTest, RetriedCreateWithSameRequestIdAppliesOnce) {
  pb::ServiceTicket first, second;
  ASSERT_TRUE(this->Create(this->ValidTicket(), &first, "req-42").ok());
  this->clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(this->Create(this->ValidTicket(), &second, "req-42").ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  this->ExpectNothingWritten(1);

  // The same key for a different ticket is a client bug, not a retry.
  pb::ServiceTicket other;
  grpc::Status s =
      this->Create(this->ValidTicket("Another problem"), &other, "req-42");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  this->ExpectNothingWritten(1);
}

// Every malformed field is refused with INVALID_ARGUMENT naming the field,
// and nothing is written.
TYPED_TEST(DealerSupportTest, CreateRejectsBadInputAndWritesNothing) {
  struct Case {
    std::string field;
    std::function<void(pb::ServiceTicket&)> spoil;
  };
  using T = pb::ServiceTicket;
  const std::vector<Case> cases = {
      {"ticket.dealer_id", [](T& t) { t.clear_dealer_id(); }},
      {"ticket.dealer_id", [](T& t) { t.set_dealer_id("dealer-7"); }},
      {"ticket.dealer_id",
       [](T& t) { t.set_dealer_id("tkt_0190f3c2a1b24e8f0a1b"); }},
      {"ticket.type", [](T& t) { t.clear_type(); }},
      {"ticket.type",
       [](T& t) { t.set_type(static_cast<pb::TicketType>(99)); }},
      {"ticket.priority",
       [](T& t) { t.set_priority(static_cast<pb::TicketPriority>(99)); }},
      {"ticket.subject", [](T& t) { t.clear_subject(); }},
      {"ticket.subject", [](T& t) { t.set_subject("   "); }},
      {"ticket.subject", [](T& t) { t.set_subject(std::string(201, 'x')); }},
      {"ticket.subject", [](T& t) { t.set_subject("bell\a"); }},
      {"ticket.description",
       [](T& t) { t.set_description(std::string(4001, 'x')); }},
      {"ticket.description", [](T& t) { t.set_description("nul\x01"); }},
  };
  for (const Case& c : cases) {
    pb::ServiceTicket t = this->ValidTicket();
    c.spoil(t);
    pb::ServiceTicket out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Create(t, &out, "", &ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorFieldKey), c.field);
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), "INVALID_FIELD");
  }

  pb::CreateServiceTicketRequest empty;
  pb::ServiceTicket out;
  grpc::ClientContext c1;
  grpc::Status s = this->stub_->CreateServiceTicket(&c1, empty, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("ticket"));
  EXPECT_EQ(testing::TrailingValue(c1, kErrorFieldKey), "ticket");

  grpc::ClientContext c2;
  s = this->Create(this->ValidTicket(), &out, "spaces are not allowed", &c2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(testing::TrailingValue(c2, kErrorFieldKey), "request_id");

  this->ExpectNothingWritten(0);
}

TYPED_TEST(DealerSupportTest, GetRejectsMalformedIds) {
  pb::ServiceTicket created;
  ASSERT_TRUE(this->Create(this->ValidTicket(), &created).ok());
  for (const std::string& id : {std::string(), std::string("12345"),
                                std::string("dlr_0190f3c2a1b24e8f0a1b"),
                                std::string("TKT_0190F3C2A1B24E8F0A1B")}) {
    pb::GetServiceTicketRequest get;
    get.set_ticket_id(id);
    pb::ServiceTicket out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->GetServiceTicket(&ctx, get, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << id;
    EXPECT_THAT(s.error_message(), HasSubstr("ticket_id"));
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorFieldKey), "ticket_id");
  }
  this->ExpectNothingWritten(1);
}

TYPED_TEST(DealerSupportTest, ListRejectsBadInput) {
  pb::ServiceTicket created;
  ASSERT_TRUE(this->Create(this->ValidTicket(), &created).ok());
  struct Case {
    std::string field;
    std::string dealer_id;
    int page_size;
    std::string token;
  };
  const std::vector<Case> cases = {
      {"dealer_id", "", 10, ""},
      {"dealer_id", "dealer-7", 10, ""},
      {"dealer_id", created.ticket_id(), 10, ""},
      {"page_size", kDealer, -1, ""},
      {"page_token", kDealer, 10, "%%%garbage"},
  };
  for (const Case& c : cases) {
    pb::ListServiceTicketsResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = this->List(c.dealer_id, c.page_size, c.token, &resp, &ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorFieldKey), c.field);
  }
  this->ExpectNothingWritten(1);
}

// The dealer is checked against customer records: an unknown one is
// NOT_FOUND, a terminated one FAILED_PRECONDITION, and nothing is written.
TYPED_TEST(DealerSupportTest, TicketsOnlyForDealersThatExistAndStillTrade) {
  struct Case {
    std::string dealer_id;
    grpc::StatusCode code;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"dlr_0190f3c2a1b2ffff0000", grpc::StatusCode::NOT_FOUND,
       "DEALER_NOT_FOUND"},
      {kTerminatedDealer, grpc::StatusCode::FAILED_PRECONDITION,
       "DEALER_TERMINATED"},
  };
  for (const Case& c : cases) {
    pb::ServiceTicket out;
    grpc::ClientContext ctx;
    grpc::Status s =
        this->Create(this->ValidTicket("Pump", c.dealer_id), &out, "", &ctx);
    EXPECT_EQ(s.error_code(), c.code)
        << c.dealer_id << ": " << s.error_message();
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), c.reason);
    EXPECT_THAT(s.error_message(), HasSubstr(c.dealer_id));
  }
  this->ExpectNothingWritten(0);
}

TYPED_TEST(DealerSupportTest, ListPagesNewestFirstThroughOneDealersTickets) {
  for (int i = 0; i < 12; ++i) {
    pb::ServiceTicket out;
    ASSERT_TRUE(
        this->Create(this->ValidTicket(absl::StrCat("Ticket ", i)), &out).ok());
    // Another dealer's ticket in between must never show up.
    this->clock_.Advance(absl::Milliseconds(2));
    ASSERT_TRUE(
        this->Create(this->ValidTicket("Not yours", kOtherDealer), &out).ok());
    this->clock_.Advance(absl::Minutes(3));
  }
  std::vector<std::string> subjects;
  std::string previous_id, token;
  int pages = 0;
  do {
    pb::ListServiceTicketsResponse resp;
    ASSERT_TRUE(this->List(kDealer, 5, token, &resp).ok());
    for (const auto& t : resp.tickets()) {
      EXPECT_EQ(t.dealer_id(), kDealer);
      if (!previous_id.empty()) {
        EXPECT_LT(t.ticket_id(), previous_id);
      }
      previous_id = t.ticket_id();
      subjects.push_back(t.subject());
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(subjects.size(), 12u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(subjects.front(), "Ticket 11");
  EXPECT_EQ(subjects.back(), "Ticket 0");

  // A token issued for one dealer does not page through another's.
  pb::ListServiceTicketsResponse first;
  ASSERT_TRUE(this->List(kDealer, 5, "", &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  pb::ListServiceTicketsResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s =
      this->List(kOtherDealer, 5, first.next_page_token(), &resp, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
  EXPECT_EQ(testing::TrailingValue(ctx, kErrorFieldKey), "page_token");

  // An oversize page is clamped, not refused; 0 means the default.
  pb::ListServiceTicketsResponse all;
  ASSERT_TRUE(this->List(kDealer, 100000, "", &all).ok());
  EXPECT_EQ(all.tickets_size(), 12);
  EXPECT_TRUE(all.next_page_token().empty());
  ASSERT_TRUE(this->List(kOtherDealer, 0, "", &all).ok());
  EXPECT_EQ(all.tickets_size(), 12);
}

TYPED_TEST(DealerSupportTest, ListOfADealerWithoutTicketsIsEmpty) {
  pb::ListServiceTicketsResponse resp;
  ASSERT_TRUE(this->List(kDealer, 10, "", &resp).ok());
  EXPECT_EQ(resp.tickets_size(), 0);
  EXPECT_TRUE(resp.next_page_token().empty());
}

// The status history starts with exactly one OPEN entry per ticket (a
// retried create adds none), and the database itself refuses to rewrite it.
TYPED_TEST(DealerSupportTest, HistoryHasOneOpenEntryPerTicketAndIsAppendOnly) {
  std::vector<pb::ServiceTicket> created(3);
  ASSERT_TRUE(this->Create(this->ValidTicket("A"), &created[0], "req-a").ok());
  this->clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(this->Create(this->ValidTicket("A"), &created[0], "req-a").ok());
  ASSERT_TRUE(this->Create(this->ValidTicket("B"), &created[1]).ok());
  this->clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(
      this->Create(this->ValidTicket("C", kOtherDealer), &created[2]).ok());

  auto rows = this->Query(
      "SELECT ticket_id, seq, status, note, event_time FROM "
      "service_ticket_events ORDER BY ticket_id");
  ASSERT_EQ(rows.size(), 3u);
  std::sort(created.begin(), created.end(),
            [](const pb::ServiceTicket& a, const pb::ServiceTicket& b) {
              return a.ticket_id() < b.ticket_id();
            });
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].Text(0), created[i].ticket_id());
    EXPECT_EQ(rows[i].Int(1), 1);
    EXPECT_EQ(rows[i].Int(2), static_cast<int64_t>(pb::TICKET_STATUS_OPEN));
    EXPECT_EQ(rows[i].Text(3), "");
    EXPECT_EQ(rows[i].Int(4) / 1000000, created[i].create_time().seconds());
  }

  for (const char* sql :
       {"UPDATE service_ticket_events SET status = 4",
        "UPDATE service_ticket_events SET note = 'rewritten' WHERE seq = 1",
        "DELETE FROM service_ticket_events"}) {
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) { return tx.Execute(sql).status(); });
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << sql << s;
    EXPECT_THAT(s.message(), HasSubstr("append-only"));
  }
  EXPECT_EQ(this->Count("service_ticket_events"), 3);
  EXPECT_EQ(this->Query("SELECT COUNT(*) FROM service_ticket_events WHERE "
                        "status <> 1")[0]
                .Int(0),
            0);
}

// Customer records unreachable: the caller is told so (UNAVAILABLE), the
// ticket is not opened without its dealer checked.
TEST(DealerSupportWithoutCustomerRecordsTest, CreateIsUnavailable) {
  FakeClock clock;
  auto fixture = testing::ServiceFixture::Start(
      NewDealerSupportModule, &clock, "", nullptr,
      {{"customer_records", "127.0.0.1:1"}});
  ASSERT_TRUE(fixture.ok()) << fixture.status();
  auto stub = pb::DealerSupportService::NewStub((*fixture)->channel());
  pb::CreateServiceTicketRequest req;
  req.mutable_ticket()->set_dealer_id("dlr_0190f3c2a1b24e8f0a1b");
  req.mutable_ticket()->set_type(pb::TICKET_TYPE_WARRANTY_REPAIR);
  req.mutable_ticket()->set_priority(pb::TICKET_PRIORITY_HIGH);
  req.mutable_ticket()->set_subject("Pump");
  pb::ServiceTicket out;
  grpc::ClientContext ctx;
  grpc::Status s = stub->CreateServiceTicket(&ctx, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

}  // namespace
}  // namespace qudao::support
