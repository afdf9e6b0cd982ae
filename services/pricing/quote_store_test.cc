// QuoteStore's contract on SQLite and on a real PostgreSQL: a quote reads
// back as written (lines, optional costs, payment term, arbitrary
// explanation bytes), ids are unique, a quote that breaks its invariants
// is not written, lines are append-only, and a dealer's quotes page newest
// first.
#include "services/pricing/quote_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

Quote MakeQuote(const std::string& id, const std::string& dealer) {
  Quote q;
  q.quote_id = id;
  q.dealer_id = dealer;
  q.currency = "CNY";
  q.destination_province = "浙江省";
  q.destination_city = "杭州市";
  q.payment_term = {30, 200, 10};
  q.quote_day = absl::CivilDay(2026, 11, 27);
  q.create_time = absl::FromUnixMicros(1795000000123456);
  q.expire_time = q.create_time + absl::Hours(24 * 14);
  q.created_by = "user:alice";
  QuoteLine a;
  a.line = 0;
  a.sku = "PUMP-100";
  a.product_group = "PUMPS";
  a.quantity = 10;
  a.list_price = Cny(10000);
  a.list_version = 3;
  a.net_amount = Cny(90000);
  a.net_unit_price = Cny(9000);
  a.standard_cost = Cny(6000);
  a.cost_version = 2;
  a.rebate_rule_id = "REB-1";
  a.rebate_accrual = Cny(900);
  QuoteLine b;
  b.line = 2;
  b.sku = "VALVE-7";
  b.product_group = "VALVES";
  b.quantity = 3;
  b.list_price = Cny(3333);
  b.list_version = 3;
  b.net_amount = Cny(9999);
  b.net_unit_price = Cny(3333);
  b.rebate_accrual = Cny(0);
  q.lines = {a, b};
  q.goods_total = Cny(99999);
  q.freight = Cny(1500);
  q.zone_adjustment = Cny(0);
  q.vat_basis_points = 1300;
  q.vat = Cny(13195);
  q.total = Cny(99999 + 1500 + 13195);
  q.rebate_total = Cny(900);
  q.explanation = std::string("\x00\xff waterfall \n bytes", 20);
  return q;
}

template <typename B>
class QuoteStoreTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
  }

  absl::Status Insert(const Quote& q) {
    return this->db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) { return store_.Insert(tx, q); });
  }

  absl::StatusOr<std::optional<Quote>> Find(const std::string& id) {
    std::optional<Quote> out;
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto found = store_.Find(tx, id);
          if (!found.ok()) return found.status();
          out = *std::move(found);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<QuotePage> List(const std::string& dealer,
                                 const PageRequest& page) {
    QuotePage out;
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto listed = store_.ListForDealer(tx, dealer, page);
          if (!listed.ok()) return listed.status();
          out = *std::move(listed);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    return out;
  }

  QuoteStore store_;
};
TYPED_TEST_SUITE(QuoteStoreTest, testing::BothBackends);

void ExpectSameLine(const QuoteLine& got, const QuoteLine& want) {
  EXPECT_EQ(got.line, want.line);
  EXPECT_EQ(got.sku, want.sku);
  EXPECT_EQ(got.product_group, want.product_group);
  EXPECT_EQ(got.quantity, want.quantity);
  EXPECT_EQ(got.list_price, want.list_price);
  EXPECT_EQ(got.list_version, want.list_version);
  EXPECT_EQ(got.net_amount, want.net_amount);
  EXPECT_EQ(got.net_unit_price, want.net_unit_price);
  EXPECT_EQ(got.standard_cost, want.standard_cost);
  EXPECT_EQ(got.cost_version, want.cost_version);
  EXPECT_EQ(got.rebate_rule_id, want.rebate_rule_id);
  EXPECT_EQ(got.rebate_accrual, want.rebate_accrual);
}

TYPED_TEST(QuoteStoreTest, ReadsBackAsWritten) {
  const Quote q = MakeQuote("qt_a", "D1");
  ASSERT_THAT(this->Insert(q), IsOk());
  auto found = this->Find("qt_a");
  ASSERT_THAT(found.status(), IsOk());
  ASSERT_TRUE(found->has_value());
  const Quote& got = **found;
  EXPECT_EQ(got.quote_id, q.quote_id);
  EXPECT_EQ(got.dealer_id, q.dealer_id);
  EXPECT_EQ(got.currency, q.currency);
  EXPECT_EQ(got.destination_province, q.destination_province);
  EXPECT_EQ(got.destination_city, q.destination_city);
  EXPECT_EQ(got.payment_term, q.payment_term);
  EXPECT_EQ(got.quote_day, q.quote_day);
  EXPECT_EQ(got.create_time, q.create_time);
  EXPECT_EQ(got.expire_time, q.expire_time);
  EXPECT_EQ(got.created_by, q.created_by);
  EXPECT_EQ(got.goods_total, q.goods_total);
  EXPECT_EQ(got.freight, q.freight);
  EXPECT_EQ(got.zone_adjustment, q.zone_adjustment);
  EXPECT_EQ(got.vat_basis_points, q.vat_basis_points);
  EXPECT_EQ(got.vat, q.vat);
  EXPECT_EQ(got.total, q.total);
  EXPECT_EQ(got.rebate_total, q.rebate_total);
  EXPECT_EQ(got.explanation, q.explanation);
  ASSERT_EQ(got.lines.size(), 2u);
  ExpectSameLine(got.lines[0], q.lines[0]);
  ExpectSameLine(got.lines[1], q.lines[1]);
  EXPECT_FALSE(got.lines[1].standard_cost.has_value());
  EXPECT_THAT(CheckQuoteInvariants(got), IsOk());
}

TYPED_TEST(QuoteStoreTest, UnknownIdIsNotFound) {
  auto found = this->Find("qt_missing");
  ASSERT_THAT(found.status(), IsOk());
  EXPECT_FALSE(found->has_value());
}

TYPED_TEST(QuoteStoreTest, IdsAreUnique) {
  ASSERT_THAT(this->Insert(MakeQuote("qt_a", "D1")), IsOk());
  EXPECT_THAT(this->Insert(MakeQuote("qt_a", "D2")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(this->CountRows("quote_lines"), 2);
}

TYPED_TEST(QuoteStoreTest, BrokenQuoteIsNotWritten) {
  Quote q = MakeQuote("qt_a", "D1");
  q.total = Cny(1);
  EXPECT_THAT(this->Insert(q), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(this->CountRows("quotes"), 0);
  EXPECT_EQ(this->CountRows("quote_lines"), 0);
}

TYPED_TEST(QuoteStoreTest, LinesAreAppendOnly) {
  ASSERT_THAT(this->Insert(MakeQuote("qt_a", "D1")), IsOk());
  for (const char* sql : {"UPDATE quote_lines SET quantity = 1",
                          "DELETE FROM quote_lines WHERE quote_id = 'qt_a'"}) {
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) { return tx.Execute(sql).status(); });
    EXPECT_FALSE(s.ok()) << sql;
  }
  EXPECT_EQ(this->CountRows("quote_lines"), 2);
}

TYPED_TEST(QuoteStoreTest, ListsADealersQuotesNewestFirst) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_THAT(this->Insert(MakeQuote(absl::StrCat("qt_", i), "D1")), IsOk());
  }
  ASSERT_THAT(this->Insert(MakeQuote("qt_9", "D2")), IsOk());
  PageRequest page;
  page.limit = 2;
  std::vector<std::string> ids;
  for (int pages = 0; pages < 10; ++pages) {
    auto listed = this->List("D1", page);
    ASSERT_THAT(listed.status(), IsOk());
    for (const Quote& q : listed->quotes) {
      ids.push_back(q.quote_id);
      EXPECT_TRUE(q.lines.empty());
      EXPECT_TRUE(q.explanation.empty());
      EXPECT_EQ(q.total, Cny(99999 + 1500 + 13195));
    }
    if (listed->next_page_token.empty()) break;
    auto next =
        ParsePageRequest(2, listed->next_page_token, QuoteListFilter("D1"));
    ASSERT_THAT(next.status(), IsOk());
    page = *next;
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"qt_5", "qt_4", "qt_3", "qt_2", "qt_1"}));
}

}  // namespace
}  // namespace qudao::pricing
