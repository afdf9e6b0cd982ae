// Price lists and standard costs on SQLite and on a real PostgreSQL,
// without gRPC: publishing versions, resolving a price on a day (one SKU
// and batched, as the quote code reads them), and cost history.
#include "services/pricing/price_list_operations.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/pricing/product_operations.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

template <typename B>
class PriceListOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    products_ =
        std::make_unique<ProductOperations>(this->db_.get(), &this->clock_);
    ops_ = std::make_unique<PriceListOperations>(this->db_.get(), &this->clock_,
                                                 &BusinessCalendar::Default(),
                                                 kDefaultVatRateBp);
    ASSERT_THAT(products_->CreateGroup(
                    {"PUMPS-CENTRIFUGAL", "PUMPS", "Pumps", absl::Time()}, {}),
                IsOk());
    for (const char* sku : {"PUMP-100", "PUMP-200", "PUMP-300"}) {
      Product p;
      p.sku = sku;
      p.name = "Pump";
      p.product_group = "PUMPS-CENTRIFUGAL";
      ASSERT_THAT(products_->Create(p, {}), IsOk());
    }
  }

  static PriceListVersion List(absl::CivilDay from,
                               std::optional<absl::CivilDay> until,
                               std::vector<PriceListEntry> entries) {
    PriceListVersion v;
    v.currency = "CNY";
    v.valid_from = from;
    v.valid_until = until;
    v.note = "test";
    v.entries = std::move(entries);
    return v;
  }

  // Reads as the quote code does: the store inside a transaction.
  std::map<std::string, ListPrice> PricesOn(
      const std::vector<std::string>& skus, absl::CivilDay day) {
    std::map<std::string, ListPrice> out;
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto prices = PriceListStore().PricesOn(tx, skus, "CNY", day);
          if (!prices.ok()) return prices.status();
          out = *prices;
          return absl::OkStatus();
        });
    EXPECT_THAT(s, IsOk());
    return out;
  }

  std::unique_ptr<ProductOperations> products_;
  std::unique_ptr<PriceListOperations> ops_;
};

TYPED_TEST_SUITE(PriceListOperationsTest, testing::BothBackends);

TYPED_TEST(PriceListOperationsTest, PublishingNumbersVersionsPerCurrency) {
  const absl::CivilDay jan1(2027, 1, 1);
  auto v1 = this->ops_->Publish(
      "pm.zhou",
      this->List(jan1, std::nullopt,
                 {{"pump-100", Cny(129900)}, {"PUMP-200", Cny(159900)}}),
      {});
  ASSERT_THAT(v1, IsOk());
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->published_by, "pm.zhou");
  EXPECT_EQ(v1->publish_time, this->clock_.Now());
  EXPECT_EQ(v1->entry_count, 2);
  EXPECT_TRUE(v1->entries.empty());
  PriceListVersion usd = this->List(
      jan1, std::nullopt, {{"PUMP-100", Money::Create("USD", 19900).value()}});
  usd.currency = "USD";
  auto usd1 = this->ops_->Publish("pm.zhou", usd, {});
  ASSERT_THAT(usd1, IsOk());
  EXPECT_EQ(usd1->version, 1);
  auto v2 = this->ops_->Publish(
      "pm.zhou", this->List(jan1 + 31, jan1 + 58, {{"PUMP-100", Cny(99900)}}),
      {});
  ASSERT_THAT(v2, IsOk());
  EXPECT_EQ(v2->version, 2);

  auto read = this->ops_->GetVersion("CNY", 1);
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->entries.size(), 2u);
  EXPECT_EQ(read->entries[0].sku, "PUMP-100");
  EXPECT_EQ(read->entries[0].list_price, Cny(129900));
  auto latest = this->ops_->GetVersion("CNY", 0);
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->valid_until, jan1 + 58);
  EXPECT_THAT(this->ops_->GetVersion("CNY", 3),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->ops_->GetVersion("EUR", 0),
              StatusIs(absl::StatusCode::kNotFound));

  auto page = this->ops_->ListVersions("CNY", {1, ""});
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->versions.size(), 1u);
  EXPECT_EQ(page->versions[0].version, 2);
  ASSERT_FALSE(page->next_page_token.empty());
  auto next =
      ParsePageRequest(1, page->next_page_token, PriceListVersionFilter("CNY"));
  ASSERT_THAT(next, IsOk());
  auto rest = this->ops_->ListVersions("CNY", *next);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->versions.size(), 1u);
  EXPECT_EQ(rest->versions[0].version, 1);
  EXPECT_TRUE(rest->next_page_token.empty());
}

TYPED_TEST(PriceListOperationsTest, ThePriceOnADayComesFromTheLatestCover) {
  const absl::CivilDay jan1(2027, 1, 1);
  const absl::CivilDay feb1(2027, 2, 1);
  const absl::CivilDay feb28(2027, 2, 28);
  const absl::CivilDay mar1(2027, 3, 1);
  ASSERT_THAT(this->ops_->Publish("pm.zhou",
                                  this->List(jan1, std::nullopt,
                                             {{"PUMP-100", Cny(129900)},
                                              {"PUMP-200", Cny(159900)}}),
                                  {}),
              IsOk());
  // A February promotion on one SKU.
  ASSERT_THAT(
      this->ops_->Publish(
          "pm.zhou", this->List(feb1, mar1, {{"PUMP-100", Cny(99900)}}), {}),
      IsOk());
  auto before = this->ops_->GetPrice("PUMP-100", "CNY", jan1 - 1);
  EXPECT_THAT(before,
              StatusIs(absl::StatusCode::kNotFound, kReasonNoListPrice));
  auto base = this->ops_->GetPrice("pump-100", "CNY", jan1 + 10);
  ASSERT_THAT(base, IsOk());
  EXPECT_EQ(base->list_price, Cny(129900));
  EXPECT_EQ(base->version, 1);
  auto promo = this->ops_->GetPrice("PUMP-100", "CNY", feb28);
  ASSERT_THAT(promo, IsOk());
  EXPECT_EQ(promo->list_price, Cny(99900));
  EXPECT_EQ(promo->version, 2);
  EXPECT_EQ(promo->valid_until, mar1);
  auto after = this->ops_->GetPrice("PUMP-100", "CNY", mar1);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->version, 1);
  // Not in the promotion: still the base list on a promotion day.
  auto other = this->ops_->GetPrice("PUMP-200", "CNY", feb1);
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->version, 1);
  EXPECT_THAT(this->ops_->GetPrice("PUMP-300", "CNY", feb1),
              StatusIs(absl::StatusCode::kNotFound, kReasonNoListPrice));
  EXPECT_THAT(this->ops_->GetPrice("PUMP-100", "USD", feb1),
              StatusIs(absl::StatusCode::kNotFound, kReasonNoListPrice));
  EXPECT_THAT(this->ops_->GetPrice("NO-SUCH", "CNY", feb1),
              StatusIs(absl::StatusCode::kNotFound, kReasonProductNotFound));

  // The batch read: one query, any case, SKUs without a price absent.
  auto prices = this->PricesOn(
      {"pump-100", "PUMP-200", "PUMP-300", "PUMP-100", "NO-SUCH"}, feb1);
  ASSERT_EQ(prices.size(), 2u);
  EXPECT_EQ(prices.at("PUMP-100").list_price, Cny(99900));
  EXPECT_EQ(prices.at("PUMP-100").version, 2);
  EXPECT_EQ(prices.at("PUMP-200").version, 1);
  std::vector<std::string> too_many;
  for (int i = 0; i <= kMaxBatchSkus; ++i) {
    too_many.push_back(absl::StrCat("SKU-", i));
  }
  absl::Status s = this->db_->RunInTransaction(
      storage::TransactionMode::kReadOnly,
      [&](storage::Transaction& tx) -> absl::Status {
        return PriceListStore().PricesOn(tx, too_many, "CNY", feb1).status();
      });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST(PriceListOperationsTest, PublishedVersionsCannotBeChanged) {
  ASSERT_THAT(
      this->ops_->Publish("pm.zhou",
                          this->List(absl::CivilDay(2027, 1, 1), std::nullopt,
                                     {{"PUMP-100", Cny(129900)}}),
                          {}),
      IsOk());
  StandardCost c;
  c.sku = "PUMP-100";
  c.cost = Cny(60000);
  c.effective_from = absl::CivilDay(2027, 1, 1);
  ASSERT_THAT(this->ops_->SetStandardCost("pm.zhou", c, {}), IsOk());
  // Each statement on its own would succeed but for the table's guard: the
  // refusal must be the guard's.
  std::vector<std::string> statements = {
      "UPDATE price_list_versions SET note = 'changed'",
      "DELETE FROM price_list_versions",
      "UPDATE price_list_entries SET list_price_minor = 1",
      "DELETE FROM price_list_entries",
      "UPDATE standard_costs SET note = 'changed'",
      "DELETE FROM standard_costs"};
  if (TypeParam::value == testing::TestBackend::kPostgres) {
    // TRUNCATE fires no row triggers (SQLite has no TRUNCATE).
    for (const char* sql :
         {"TRUNCATE price_list_entries", "TRUNCATE standard_costs",
          "TRUNCATE price_list_versions CASCADE",
          "TRUNCATE products CASCADE"}) {
      statements.push_back(sql);
    }
  }
  for (const std::string& sql : statements) {
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) { return tx.Execute(sql).status(); });
    EXPECT_FALSE(s.ok()) << sql;
    EXPECT_THAT(s.message(), ::testing::HasSubstr("append-only")) << sql;
  }
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);
  EXPECT_EQ(this->CountRows("price_list_entries"), 1);
  EXPECT_EQ(this->CountRows("standard_costs"), 1);
  auto price =
      this->ops_->GetPrice("PUMP-100", "CNY", absl::CivilDay(2027, 1, 1));
  ASSERT_THAT(price, IsOk());
  EXPECT_EQ(price->list_price, Cny(129900));
}

TYPED_TEST(PriceListOperationsTest, ABadOrUnknownPublicationWritesNothing) {
  const absl::CivilDay jan1(2027, 1, 1);
  EXPECT_THAT(this->ops_->Publish(
                  "pm.zhou",
                  this->List(jan1, std::nullopt,
                             {{"PUMP-100", Cny(100)}, {"pump-100", Cny(200)}}),
                  {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      this->ops_->Publish("pm.zhou",
                          this->List(jan1, jan1, {{"PUMP-100", Cny(100)}}), {}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  auto unknown = this->ops_->Publish(
      "pm.zhou",
      this->List(jan1, std::nullopt,
                 {{"PUMP-100", Cny(100)}, {"NO-SUCH", Cny(100)}}),
      {});
  EXPECT_THAT(unknown,
              StatusIs(absl::StatusCode::kNotFound, kReasonProductNotFound));
  EXPECT_THAT(unknown.status().message(),
              ::testing::HasSubstr("entries[1].sku"));
  EXPECT_EQ(this->CountRows("price_list_versions"), 0);
  EXPECT_EQ(this->CountRows("price_list_entries"), 0);
}

TYPED_TEST(PriceListOperationsTest, ARetriedPublicationIsPublishedOnce) {
  const auto request = IdempotentRequest::FromCaller(
      "PublishPriceList", "pm.zhou", "pl-2027", "fp");
  const PriceListVersion list = this->List(
      absl::CivilDay(2027, 1, 1), std::nullopt, {{"PUMP-100", Cny(129900)}});
  auto first = this->ops_->Publish("pm.zhou", list, request);
  ASSERT_THAT(first, IsOk());
  this->clock_.Advance(absl::Seconds(10));
  auto retry = this->ops_->Publish("pm.zhou", list, request);
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->version, first->version);
  EXPECT_EQ(retry->publish_time, first->publish_time);
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);
}

TYPED_TEST(PriceListOperationsTest, ConcurrentPublicationsGetDistinctVersions) {
  constexpr int kPublishers = 6;
  std::vector<absl::StatusOr<PriceListVersion>> results(
      kPublishers, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kPublishers; ++i) {
    threads.emplace_back([&, i] {
      results[i] = this->ops_->Publish(
          absl::StrCat("pm.", i),
          this->List(absl::CivilDay(2027, 1, 1) + i, std::nullopt,
                     {{"PUMP-100", Cny(100000 + i)}}),
          {});
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int64_t> versions;
  for (const auto& r : results) {
    ASSERT_THAT(r, IsOk());
    versions.insert(r->version);
  }
  EXPECT_EQ(versions, (std::set<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(this->CountRows("price_list_entries"), kPublishers);
}

TYPED_TEST(PriceListOperationsTest, FiveThousandPricesInOnePublication) {
  // The limit, in one transaction: needs products for every SKU.
  absl::Status s = this->db_->RunInTransaction(
      storage::TransactionMode::kReadWrite,
      [&](storage::Transaction& tx) -> absl::Status {
        for (int i = 0; i < kMaxPriceListEntries; ++i) {
          auto done = tx.Execute(
              "INSERT INTO products (sku, name, product_group, product_line, "
              "version, create_time, update_time) VALUES ($1, 'P', "
              "'PUMPS-CENTRIFUGAL', 'PUMPS', 1, 0, 0)",
              {absl::StrCat("BULK-", i)});
          if (!done.ok()) return done.status();
        }
        return absl::OkStatus();
      });
  ASSERT_THAT(s, IsOk());
  std::vector<PriceListEntry> entries;
  for (int i = 0; i < kMaxPriceListEntries; ++i) {
    entries.push_back({absl::StrCat("BULK-", i), Cny(1000 + i)});
  }
  auto v = this->ops_->Publish(
      "pm.zhou", this->List(absl::CivilDay(2027, 1, 1), std::nullopt, entries),
      {});
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->entry_count, kMaxPriceListEntries);
  EXPECT_EQ(this->CountRows("price_list_entries"), kMaxPriceListEntries);
  auto price =
      this->ops_->GetPrice("bulk-4999", "CNY", absl::CivilDay(2027, 6, 1));
  ASSERT_THAT(price, IsOk());
  EXPECT_EQ(price->list_price, Cny(1000 + 4999));
}

TYPED_TEST(PriceListOperationsTest, StandardCostsAreVersionedWithHistory) {
  auto set = [&](int64_t minor, absl::CivilDay from) {
    StandardCost c;
    c.sku = "pump-100";
    c.cost = Cny(minor);
    c.effective_from = from;
    c.note = "budget";
    return this->ops_->SetStandardCost("pm.zhou", c, {});
  };
  auto v1 = set(60000, absl::CivilDay(2026, 1, 1));
  ASSERT_THAT(v1, IsOk());
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->sku, "PUMP-100");
  EXPECT_EQ(v1->set_by, "pm.zhou");
  this->clock_.Advance(absl::Hours(1));
  auto v2 = set(65000, absl::CivilDay(2027, 1, 1));
  ASSERT_THAT(v2, IsOk());
  EXPECT_EQ(v2->version, 2);

  auto mid =
      this->ops_->GetStandardCost("PUMP-100", absl::CivilDay(2026, 6, 1));
  ASSERT_THAT(mid, IsOk());
  ASSERT_TRUE(mid->in_force.has_value());
  EXPECT_EQ(mid->in_force->cost, Cny(60000));
  ASSERT_EQ(mid->history.size(), 2u);
  EXPECT_EQ(mid->history[0].version, 2);
  auto early =
      this->ops_->GetStandardCost("PUMP-100", absl::CivilDay(2025, 1, 1));
  ASSERT_THAT(early, IsOk());
  EXPECT_FALSE(early->in_force.has_value());
  EXPECT_EQ(early->history.size(), 2u);
  EXPECT_THAT(
      this->ops_->GetStandardCost("PUMP-200", absl::CivilDay(2027, 1, 1)),
      StatusIs(absl::StatusCode::kNotFound, kReasonNoStandardCost));
  EXPECT_THAT(
      this->ops_->GetStandardCost("NO-SUCH", absl::CivilDay(2027, 1, 1)),
      StatusIs(absl::StatusCode::kNotFound, kReasonProductNotFound));
  StandardCost zero;
  zero.sku = "PUMP-100";
  zero.cost = Cny(0);
  zero.effective_from = absl::CivilDay(2027, 1, 1);
  EXPECT_THAT(this->ops_->SetStandardCost("pm.zhou", zero, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  StandardCost unknown = zero;
  unknown.sku = "NO-SUCH";
  unknown.cost = Cny(1);
  EXPECT_THAT(this->ops_->SetStandardCost("pm.zhou", unknown, {}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(this->CountRows("standard_costs"), 2);

  // The quote code's reads.
  absl::Status s = this->db_->RunInTransaction(
      storage::TransactionMode::kReadOnly,
      [&](storage::Transaction& tx) -> absl::Status {
        PriceListStore store;
        auto one = store.CostOn(tx, "pump-100", absl::CivilDay(2027, 2, 1));
        EXPECT_THAT(one, IsOk());
        if (one.ok()) {
          EXPECT_EQ(one->cost, Cny(65000));
          EXPECT_EQ(one->version, 2);
        }
        EXPECT_THAT(
            store.CostOn(tx, "PUMP-100", absl::CivilDay(2025, 1, 1)),
            StatusIs(absl::StatusCode::kNotFound, kReasonNoStandardCost));
        auto many = store.CostsOn(tx, {"PUMP-100", "PUMP-200"},
                                  absl::CivilDay(2026, 3, 1));
        EXPECT_THAT(many, IsOk());
        if (many.ok()) {
          EXPECT_EQ(many->size(), 1u);
          EXPECT_EQ(many->at("PUMP-100").version, 1);
        }
        return absl::OkStatus();
      });
  EXPECT_THAT(s, IsOk());
}

TYPED_TEST(PriceListOperationsTest, ABackDatedCostDoesNotCancelALaterOne) {
  auto set = [&](const std::string& sku, int64_t minor, absl::CivilDay from) {
    StandardCost c;
    c.sku = sku;
    c.cost = Cny(minor);
    c.effective_from = from;
    return this->ops_->SetStandardCost("pm.zhou", c, {});
  };
  for (const char* sku : {"PUMP-100", "PUMP-200"}) {
    ASSERT_THAT(set(sku, 10000, absl::CivilDay(2026, 1, 1)), IsOk());
    ASSERT_THAT(set(sku, 12000, absl::CivilDay(2027, 1, 1)), IsOk());
    // A correction of 2026's cost, set after 2027's was scheduled.
    ASSERT_THAT(set(sku, 10500, absl::CivilDay(2026, 7, 1)), IsOk());
  }
  absl::Status s = this->db_->RunInTransaction(
      storage::TransactionMode::kReadOnly,
      [&](storage::Transaction& tx) -> absl::Status {
        PriceListStore store;
        auto later = store.CostOn(tx, "PUMP-100", absl::CivilDay(2027, 6, 1));
        EXPECT_THAT(later, IsOk());
        if (later.ok()) {
          EXPECT_EQ(later->cost, Cny(12000));
          EXPECT_EQ(later->version, 2);
        }
        auto corrected =
            store.CostOn(tx, "PUMP-100", absl::CivilDay(2026, 8, 1));
        EXPECT_THAT(corrected, IsOk());
        if (corrected.ok()) {
          EXPECT_EQ(corrected->cost, Cny(10500));
        }
        auto many = store.CostsOn(tx, {"PUMP-100", "pump-200"},
                                  absl::CivilDay(2027, 6, 1));
        EXPECT_THAT(many, IsOk());
        if (many.ok()) {
          EXPECT_EQ(many->size(), 2u);
          for (const auto& [sku, c] : *many) {
            EXPECT_EQ(c.cost, Cny(12000)) << sku;
            EXPECT_EQ(c.version, 2) << sku;
          }
        }
        return absl::OkStatus();
      });
  EXPECT_THAT(s, IsOk());
  auto answer =
      this->ops_->GetStandardCost("PUMP-100", absl::CivilDay(2027, 6, 1));
  ASSERT_THAT(answer, IsOk());
  ASSERT_TRUE(answer->in_force.has_value());
  EXPECT_EQ(answer->in_force->cost, Cny(12000));
}

TYPED_TEST(PriceListOperationsTest, OneVersionsEntriesAreIndexed) {
  // GetPriceListVersion reads WHERE currency = ? AND version = ? ORDER BY
  // sku: the primary key (currency, sku, version) cannot serve it.
  const std::string sql =
      TypeParam::value == testing::TestBackend::kPostgres
          ? "SELECT indexdef AS d FROM pg_indexes WHERE tablename = "
            "'price_list_entries' AND indexname = "
            "'price_list_entries_by_version'"
          : "SELECT sql AS d FROM sqlite_master WHERE type = 'index' AND "
            "name = 'price_list_entries_by_version'";
  auto rows = this->Query(sql);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].Text("d"),
              ::testing::HasSubstr("(currency, version, sku)"));
  if (TypeParam::value == testing::TestBackend::kSqlite) {
    auto plan = this->Query(
        "EXPLAIN QUERY PLAN SELECT sku FROM price_list_entries WHERE "
        "currency = 'CNY' AND version = 1 ORDER BY sku");
    std::string detail;
    for (const auto& r : plan) absl::StrAppend(&detail, r.Text("detail"), ";");
    EXPECT_THAT(detail, ::testing::HasSubstr("price_list_entries_by_version"));
    EXPECT_THAT(detail, ::testing::Not(::testing::HasSubstr("TEMP B-TREE")));
  }
}

TYPED_TEST(PriceListOperationsTest, AVersionCanWithdrawASku) {
  const absl::CivilDay jan1(2027, 1, 1);
  const absl::CivilDay mar1(2027, 3, 1);
  ASSERT_THAT(this->ops_->Publish("pm.zhou",
                                  this->List(jan1, std::nullopt,
                                             {{"PUMP-100", Cny(129900)},
                                              {"PUMP-200", Cny(159900)}}),
                                  {}),
              IsOk());
  // From March, PUMP-200 is no longer sold; PUMP-100 gets a new price.
  auto v2 = this->ops_->Publish(
      "pm.zhou",
      this->List(mar1, std::nullopt,
                 {{"PUMP-100", Cny(139900)}, {"pump-200", Cny(0), true}}),
      {});
  ASSERT_THAT(v2, IsOk());
  EXPECT_EQ(v2->entry_count, 2);
  auto before = this->ops_->GetPrice("PUMP-200", "CNY", mar1 - 1);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->version, 1);
  EXPECT_THAT(this->ops_->GetPrice("PUMP-200", "CNY", mar1),
              StatusIs(absl::StatusCode::kNotFound, kReasonNoListPrice));
  auto prices = this->PricesOn({"PUMP-100", "PUMP-200"}, mar1 + 30);
  ASSERT_EQ(prices.size(), 1u);
  EXPECT_EQ(prices.at("PUMP-100").list_price, Cny(139900));
  // The version shows the withdrawal.
  auto read = this->ops_->GetVersion("CNY", 2);
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->entries.size(), 2u);
  EXPECT_FALSE(read->entries[0].withdrawn);
  EXPECT_EQ(read->entries[1].sku, "PUMP-200");
  EXPECT_TRUE(read->entries[1].withdrawn);
  // A later version lists it again.
  ASSERT_THAT(
      this->ops_->Publish(
          "pm.zhou",
          this->List(mar1 + 61, std::nullopt, {{"PUMP-200", Cny(149900)}}), {}),
      IsOk());
  auto again = this->ops_->GetPrice("PUMP-200", "CNY", mar1 + 61);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->list_price, Cny(149900));
  // A withdrawal with a price is refused.
  EXPECT_THAT(
      this->ops_->Publish(
          "pm.zhou",
          this->List(mar1, std::nullopt, {{"PUMP-100", Cny(1), true}}), {}),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(this->CountRows("price_list_versions"), 3);
}

TYPED_TEST(PriceListOperationsTest, BatchReadsPickTheWinnerPerSku) {
  // Many open-ended versions overlapping every day, with withdrawals
  // among them: the batch read (one row per SKU) agrees with the rule
  // applied to every version.
  const absl::CivilDay jan1(2027, 1, 1);
  const std::vector<std::string> skus = {"PUMP-100", "PUMP-200", "PUMP-300"};
  std::vector<ListPrice> offered;
  constexpr int kVersions = 40;
  for (int v = 1; v <= kVersions; ++v) {
    std::vector<PriceListEntry> entries;
    for (size_t i = 0; i < skus.size(); ++i) {
      if ((v + static_cast<int>(i)) % 3 == 0) continue;  // not listed
      const bool withdrawn = (v * 7 + static_cast<int>(i)) % 11 == 0;
      entries.push_back({skus[i],
                         Cny(withdrawn ? 0 : 1000 * v + static_cast<int>(i)),
                         withdrawn});
    }
    const absl::CivilDay from = jan1 + (v % 5) * 10;
    const std::optional<absl::CivilDay> until =
        v % 4 == 0 ? std::optional<absl::CivilDay>(from + 15) : std::nullopt;
    auto published =
        this->ops_->Publish("pm.zhou", this->List(from, until, entries), {});
    ASSERT_THAT(published, IsOk());
    for (const PriceListEntry& e : entries) {
      ListPrice p{e.sku, e.list_price, published->version, from, until};
      p.withdrawn = e.withdrawn;
      offered.push_back(p);
    }
  }
  for (int d = -1; d < 70; d += 3) {
    const absl::CivilDay day = jan1 + d;
    auto batch = this->PricesOn(skus, day);
    for (const std::string& sku : skus) {
      std::vector<ListPrice> mine;
      for (const ListPrice& p : offered) {
        if (p.sku == sku) mine.push_back(p);
      }
      std::optional<ListPrice> want = ResolvePrice(mine, day);
      auto it = batch.find(sku);
      ASSERT_EQ(it != batch.end(), want.has_value()) << sku << " " << day;
      if (want.has_value()) {
        EXPECT_EQ(it->second.version, want->version) << sku << " " << day;
        EXPECT_EQ(it->second.list_price, want->list_price);
        EXPECT_EQ(it->second.valid_until, want->valid_until);
      }
    }
  }
}

TYPED_TEST(PriceListOperationsTest, ACostKeepsTheCurrencyOfItsHistory) {
  StandardCost c;
  c.sku = "PUMP-100";
  c.cost = Cny(60000);
  c.effective_from = absl::CivilDay(2027, 1, 1);
  ASSERT_THAT(this->ops_->SetStandardCost("pm.zhou", c, {}), IsOk());
  c.cost = Money::Create("USD", 9000).value();
  auto usd = this->ops_->SetStandardCost("pm.zhou", c, {});
  EXPECT_THAT(usd, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(usd.status()), "standard_cost.cost.currency_code");
  // Another SKU may be costed in another currency.
  c.sku = "PUMP-200";
  EXPECT_THAT(this->ops_->SetStandardCost("pm.zhou", c, {}), IsOk());
  EXPECT_EQ(this->CountRows("standard_costs"), 2);
}

TYPED_TEST(PriceListOperationsTest, ConcurrentCostChangesGetDistinctVersions) {
  constexpr int kSetters = 6;
  std::vector<absl::StatusOr<StandardCost>> results(
      kSetters, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kSetters; ++i) {
    threads.emplace_back([&, i] {
      StandardCost c;
      c.sku = "PUMP-100";
      c.cost = Cny(60000 + i);
      c.effective_from = absl::CivilDay(2027, 1, 1) + i;
      results[i] = this->ops_->SetStandardCost(absl::StrCat("pm.", i), c, {});
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int64_t> versions;
  for (const auto& r : results) {
    ASSERT_THAT(r, IsOk());
    versions.insert(r->version);
  }
  EXPECT_EQ(versions, (std::set<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(this->CountRows("standard_costs"), kSetters);
}

TYPED_TEST(PriceListOperationsTest, AKeyReusedForAnotherRequestIsRefused) {
  const PriceListVersion list = this->List(
      absl::CivilDay(2027, 1, 1), std::nullopt, {{"PUMP-100", Cny(129900)}});
  ASSERT_THAT(this->ops_->Publish(
                  "pm.zhou", list,
                  IdempotentRequest::FromCaller("PublishPriceList", "pm.zhou",
                                                "pl-2027", "fp-first")),
              IsOk());
  PriceListVersion other = list;
  other.entries[0].list_price = Cny(99900);
  EXPECT_THAT(this->ops_->Publish(
                  "pm.zhou", other,
                  IdempotentRequest::FromCaller("PublishPriceList", "pm.zhou",
                                                "pl-2027", "fp-other")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       storage::kReasonIdempotencyKeyReused));
  StandardCost c;
  c.sku = "PUMP-100";
  c.cost = Cny(60000);
  c.effective_from = absl::CivilDay(2027, 1, 1);
  const auto cost_key = [](const std::string& fp) {
    return IdempotentRequest::FromCaller("SetStandardCost", "pm.zhou", "cost-1",
                                         fp);
  };
  ASSERT_THAT(this->ops_->SetStandardCost("pm.zhou", c, cost_key("a")), IsOk());
  c.cost = Cny(61000);
  EXPECT_THAT(this->ops_->SetStandardCost("pm.zhou", c, cost_key("b")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       storage::kReasonIdempotencyKeyReused));
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);
  EXPECT_EQ(this->CountRows("standard_costs"), 1);
}

TYPED_TEST(PriceListOperationsTest, TheCostHistoryIsTheNewestVersions) {
  StandardCost c;
  c.sku = "PUMP-100";
  c.cost = Cny(50000);
  c.effective_from = absl::CivilDay(2026, 1, 1);
  ASSERT_THAT(this->ops_->SetStandardCost("pm.zhou", c, {}), IsOk());
  // Many versions scheduled for later years.
  for (int i = 0; i < kMaxCostHistory; ++i) {
    c.cost = Cny(60000 + i);
    c.effective_from = absl::CivilDay(2100, 1, 1) + i;
    ASSERT_THAT(this->ops_->SetStandardCost("pm.zhou", c, {}), IsOk());
  }
  auto answer =
      this->ops_->GetStandardCost("PUMP-100", absl::CivilDay(2027, 1, 1));
  ASSERT_THAT(answer, IsOk());
  ASSERT_EQ(answer->history.size(), static_cast<size_t>(kMaxCostHistory));
  EXPECT_EQ(answer->history.front().version, kMaxCostHistory + 1);
  EXPECT_EQ(answer->history.back().version, 2);
  // In force: version 1, older than the history returned.
  ASSERT_TRUE(answer->in_force.has_value());
  EXPECT_EQ(answer->in_force->version, 1);
  EXPECT_EQ(answer->in_force->cost, Cny(50000));
}

TYPED_TEST(PriceListOperationsTest, ACostVersionClashIsRetryable) {
  // What a concurrent change that took the number looks like to the
  // store: a retryable conflict, so the caller's transaction runs again.
  StandardCost c;
  c.sku = "PUMP-100";
  c.cost = Cny(60000);
  c.effective_from = absl::CivilDay(2027, 1, 1);
  auto first = this->ops_->SetStandardCost("pm.zhou", c, {});
  ASSERT_THAT(first, IsOk());
  absl::Status clash;
  // The transaction's own outcome does not matter here (PostgreSQL
  // rolls back after the failed insert).
  (void)this->db_->RunInTransaction(
      storage::TransactionMode::kReadWrite,
      [&](storage::Transaction& tx) -> absl::Status {
        clash = PriceListStore().InsertCost(tx, *first);
        return absl::OkStatus();
      });
  EXPECT_TRUE(storage::IsRetryableConflict(clash)) << clash;
  EXPECT_EQ(this->CountRows("standard_costs"), 1);
}

}  // namespace
}  // namespace qudao::pricing
