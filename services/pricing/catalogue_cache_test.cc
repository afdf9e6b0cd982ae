// CatalogueCache and the catalogue version on SQLite and on a real
// PostgreSQL: every write a quote reads (price list, cost, product, freight
// assignment, rate, zone) bumps the version in its transaction and a failed
// one does not; the cache answers what the stores answer, asks them once per
// fact while the version and the day hold (a SKU without a price too), sees
// a write at the next read, re-reads on a new day, and never keeps what a
// transaction of an older version read.
#include "services/pricing/catalogue_cache.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status/macros.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;

Money Cny(int64_t minor) { return Money::Create("CNY", minor).value(); }

const absl::CivilDay kDay(2026, 11, 27);

template <typename B>
class CatalogueCacheTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
    ASSERT_THAT(
        Write([&](storage::Transaction& tx) -> absl::Status {
          RETURN_IF_ERROR(products_.InsertGroup(
              tx, {"PUMPS", "FLUID", "水泵", absl::FromUnixSeconds(1)}));
          for (const char* sku : {"P-1", "P-2", "P-3"}) {
            RETURN_IF_ERROR(products_.Insert(tx, Pump(sku)));
          }
          return absl::OkStatus();
        }),
        IsOk());
    ASSERT_THAT(Publish(1, {{"P-1", 10000}, {"P-2", 20000}}), IsOk());
    ASSERT_THAT(SetCost("P-1", 1, 6000), IsOk());
    FreightAssignment a;
    a.pricing_zone = "EAST";
    a.method = FreightMethod::kFobOrigin;
    a.origin_plant = "WUXI";
    ASSERT_THAT(Write([&](storage::Transaction& tx) {
                  return freight_.SetAssignment(tx, a);
                }),
                IsOk());
    ASSERT_THAT(SetRate(1500), IsOk());
  }

  // A pump of the group PUMPS, at its first version.
  static Product Pump(const std::string& sku) {
    Product p;
    p.sku = sku;
    p.name = sku;
    p.product_group = "PUMPS";
    p.product_line = "FLUID";
    p.version = 1;
    return p;
  }

  absl::Status Write(
      const std::function<absl::Status(storage::Transaction&)>& write) {
    return this->db_->RunInTransaction(storage::TransactionMode::kReadWrite,
                                       write);
  }

  absl::Status Publish(
      int64_t version,
      const std::vector<std::pair<std::string, int64_t>>& prices) {
    PriceListVersion v;
    v.currency = "CNY";
    v.version = version;
    v.valid_from = absl::CivilDay(2026, 1, 1);
    v.published_by = "pm";
    v.publish_time = absl::FromUnixSeconds(version);
    for (const auto& [sku, minor] : prices) {
      v.entries.push_back({sku, Cny(minor), false});
    }
    v.entry_count = static_cast<int64_t>(v.entries.size());
    return Write(
        [&](storage::Transaction& tx) { return prices_.Insert(tx, v); });
  }

  absl::Status SetCost(const std::string& sku, int64_t version, int64_t minor) {
    StandardCost c;
    c.sku = sku;
    c.version = version;
    c.cost = Cny(minor);
    c.effective_from = absl::CivilDay(2026, 1, 1);
    c.set_by = "pm";
    c.set_time = absl::FromUnixSeconds(version);
    return Write(
        [&](storage::Transaction& tx) { return prices_.InsertCost(tx, c); });
  }

  absl::Status SetRate(int64_t per_order) {
    StoredFreightRate r;
    r.rate = {"WUXI", "浙江", "", Cny(per_order), Cny(0), Cny(0)};
    r.updated_by = "pm";
    return Write(
        [&](storage::Transaction& tx) { return freight_.SetRate(tx, r); });
  }

  // The catalogue's version, or `counter`'s.
  int64_t Version(const VersionCounter& counter = CatalogueCounter()) {
    int64_t v = -1;
    EXPECT_THAT(this->db_->RunInTransaction(
                    storage::TransactionMode::kReadOnly,
                    [&](storage::Transaction& tx) -> absl::Status {
                      ASSIGN_OR_RETURN(v, counter.Read(tx));
                      return absl::OkStatus();
                    }),
                IsOk());
    return v;
  }

  // P-1 has a price and a cost, P-2 a price, P-3 neither.
  BasketCatalogue Read(CatalogueCache& cache, absl::CivilDay day = kDay,
                       const std::vector<std::string>& skus = {"P-1", "P-2"}) {
    BasketCatalogue out;
    EXPECT_THAT(this->db_->RunInTransaction(
                    storage::TransactionMode::kReadOnly,
                    [&](storage::Transaction& tx) -> absl::Status {
                      RETURN_IF_ERROR(CatalogueCache::Prefetch(tx));
                      ASSIGN_OR_RETURN(
                          out, cache.Read(tx, skus, "CNY", day, "D-1", "EAST"));
                      return absl::OkStatus();
                    }),
                IsOk());
    return out;
  }

  ProductStore products_;
  PriceListStore prices_;
  FreightStore freight_;
};
TYPED_TEST_SUITE(CatalogueCacheTest, testing::BothBackends);

// Every write to what a quote reads moves the version (by how much is the
// backend's: triggers run per row on SQLite, per statement on
// PostgreSQL), also one made by hand in SQL; a refused write does not.
TYPED_TEST(CatalogueCacheTest, EveryCatalogueWriteBumpsTheVersion) {
  int64_t v = this->Version();
  EXPECT_GT(v, 0);
  auto moved = [&] {
    const int64_t now = this->Version();
    const bool grew = now > v;
    v = now;
    return grew;
  };
  ASSERT_THAT(this->Publish(2, {{"P-3", 30000}}), IsOk());
  EXPECT_TRUE(moved()) << "price list";
  ASSERT_THAT(this->SetCost("P-2", 1, 9000), IsOk());
  EXPECT_TRUE(moved()) << "cost";
  ASSERT_THAT(this->SetRate(1800), IsOk());
  EXPECT_TRUE(moved()) << "rate";
  StoredZoneAdjustment z;
  z.adjustment = {"EAST", Cny(500), 0};
  z.updated_by = "pm";
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->freight_.SetZoneAdjustment(tx, z);
  }),
              IsOk());
  EXPECT_TRUE(moved()) << "zone";
  FreightAssignment a;
  a.dealer_id = "D-1";
  a.method = FreightMethod::kUniformDelivered;
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->freight_.SetAssignment(tx, a);
  }),
              IsOk());
  EXPECT_TRUE(moved()) << "assignment";
  Product p = this->Pump("P-1");
  p.name = "new name";
  p.version = 2;
  ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
    return this->products_.Update(tx, p, 1);
  }),
              IsOk());
  EXPECT_TRUE(moved()) << "product";
  // By hand, around the stores.
  for (const char* sql :
       {"UPDATE freight_rates SET per_order_minor = 1",
        "UPDATE products SET name = 'fixed by hand' WHERE sku = 'P-2'",
        "DELETE FROM zone_adjustments"}) {
    ASSERT_THAT(this->Write([&](storage::Transaction& tx) {
      return tx.Execute(sql).status();
    }),
                IsOk())
        << sql;
    EXPECT_TRUE(moved()) << sql;
  }
  // Refused writes leave it: a taken list version, a stale product, a
  // product that exists.
  EXPECT_FALSE(this->Publish(2, {{"P-1", 1}}).ok());
  EXPECT_FALSE(this->Write([&](storage::Transaction& tx) {
                     return this->products_.Update(tx, p, 1);
                   })
                   .ok());
  EXPECT_FALSE(this->Write([&](storage::Transaction& tx) {
                     return this->products_.Insert(tx, p);
                   })
                   .ok());
  EXPECT_FALSE(moved());
}

// Two catalogue writers at once each commit at their first attempt: on
// PostgreSQL the second commits while the first is still open (they bump
// different rows of the version; one row made the second wait for the
// first and then fail with a serialisation conflict), and the version
// moves for both. SQLite's writers are one at a time: the second runs
// after the first.
TYPED_TEST(CatalogueCacheTest, ConcurrentWritersDoNotConflictOnTheVersion) {
  const bool postgres = TypeParam::value == testing::TestBackend::kPostgres;
  if (postgres) {
    // With statistics a one-page table is scanned, not looked up by key;
    // a serialisable scan would make the writers conflict again.
    ASSERT_THAT(this->Write([](storage::Transaction& tx) {
      return tx.Execute("ANALYZE price_catalogue_stripes").status();
    }),
                IsOk());
  }
  const int64_t before = this->Version();
  absl::Notification first_wrote, second_done;
  std::atomic<int> first_attempts{0}, second_attempts{0};
  std::thread first([&] {
    EXPECT_THAT(this->Write([&](storage::Transaction& tx) -> absl::Status {
      ++first_attempts;
      RETURN_IF_ERROR(this->products_.Insert(tx, this->Pump("C-1")));
      if (!first_wrote.HasBeenNotified()) first_wrote.Notify();
      // Open while the other writer commits (bounded: with one version
      // row the other waits for this one).
      if (postgres) {
        second_done.WaitForNotificationWithTimeout(absl::Seconds(3));
      }
      return absl::OkStatus();
    }),
                IsOk());
  });
  first_wrote.WaitForNotification();
  std::thread second([&] {
    EXPECT_THAT(this->Write([&](storage::Transaction& tx) -> absl::Status {
      ++second_attempts;
      return this->products_.Insert(tx, this->Pump("C-2"));
    }),
                IsOk());
    second_done.Notify();
  });
  second.join();
  first.join();
  EXPECT_EQ(first_attempts.load(), 1);
  EXPECT_EQ(second_attempts.load(), 1);
  EXPECT_GE(this->Version(), before + 2);
}

// A binary older than pricing migration 8, still running during a
// rollout, reads the version where it did (now a view of the sum).
TYPED_TEST(CatalogueCacheTest, AnOlderBinaryReadsTheSameVersion) {
  auto old_read = [&](const char* table) {
    const std::vector<storage::Row> rows = testing::QueryRows(
        *this->db_,
        absl::StrCat("SELECT version FROM ", table, " WHERE singleton = 1"));
    return rows.size() == 1 ? rows[0].Int(0) : -1;
  };
  EXPECT_EQ(old_read("price_catalogue"), this->Version());
  ASSERT_THAT(this->SetRate(2500), IsOk());
  EXPECT_EQ(old_read("price_catalogue"), this->Version());
  EXPECT_EQ(old_read("price_rule_set"), this->Version(RuleSetCounter()));
}

TYPED_TEST(CatalogueCacheTest, AnswersWhatTheStoresAnswerAndAsksOnce) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_);
  const BasketCatalogue first = this->Read(cache);
  EXPECT_EQ(first.version, this->Version());
  ASSERT_EQ(first.prices.size(), 2u);
  EXPECT_EQ(first.prices.at("P-1").list_price, Cny(10000));
  EXPECT_EQ(first.prices.at("P-2").list_price, Cny(20000));
  EXPECT_EQ(first.prices.at("P-2").version, 1);
  ASSERT_EQ(first.costs.size(), 1u);  // P-2 has none
  EXPECT_EQ(first.costs.at("P-1").cost, Cny(6000));
  EXPECT_EQ(first.groups.size(), 2u);
  EXPECT_EQ(first.groups.at("P-2"), "PUMPS");
  EXPECT_EQ(first.assignment.method, FreightMethod::kFobOrigin);
  EXPECT_EQ(first.assignment.origin_plant, "WUXI");
  ASSERT_EQ(first.rates.size(), 1u);
  EXPECT_EQ(first.rates[0].per_order, Cny(1500));
  EXPECT_TRUE(first.zones.empty());
  // prices, costs, groups, assignment, zones, rates
  EXPECT_EQ(cache.store_reads(), 6);

  // Again, and a subset: nothing asked, the same answer (P-2's missing
  // cost is remembered as none).
  const BasketCatalogue second = this->Read(cache);
  EXPECT_EQ(cache.store_reads(), 6);
  EXPECT_EQ(second.prices.size(), 2u);
  EXPECT_EQ(second.prices.at("P-1").list_price, Cny(10000));
  EXPECT_EQ(second.costs.size(), 1u);
  EXPECT_EQ(second.groups.size(), 2u);
  EXPECT_EQ(second.rates.size(), 1u);
  this->Read(cache, kDay, {"P-2"});
  EXPECT_EQ(cache.store_reads(), 6);

  // The same with the cache off, asking every time.
  CatalogueCache off(this->prices_, this->products_, this->freight_, false);
  const BasketCatalogue uncached = this->Read(off);
  this->Read(off);
  EXPECT_EQ(off.store_reads(), 12);
  EXPECT_EQ(uncached.prices.size(), 2u);
  EXPECT_EQ(uncached.prices.at("P-1").list_price, Cny(10000));
  EXPECT_EQ(uncached.costs.size(), 1u);
  EXPECT_EQ(uncached.rates.size(), 1u);
}

// A SKU without a price (P-3, or one that does not exist) fails the quote:
// the rest is not read, and its "none" is never kept — unknown SKUs cannot
// fill the cache.
TYPED_TEST(CatalogueCacheTest, AnUnpricedSkuIsNeitherReadFurtherNorKept) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_);
  for (const char* missing : {"P-3", "NO-SUCH-SKU"}) {
    const int64_t before = cache.store_reads();
    const BasketCatalogue got = this->Read(cache, kDay, {"P-1", missing});
    EXPECT_EQ(got.prices.size(), 1u) << missing;
    EXPECT_EQ(got.prices.at("P-1").list_price, Cny(10000));
    EXPECT_TRUE(got.costs.empty());
    EXPECT_TRUE(got.groups.empty());
    EXPECT_TRUE(got.rates.empty());
    EXPECT_EQ(cache.store_reads(), before + 1) << missing;  // the prices
    this->Read(cache, kDay, {missing});
    EXPECT_EQ(cache.store_reads(), before + 2) << missing;  // asked again
  }
  // P-1's price was kept: a basket of it alone reads the rest only.
  this->Read(cache, kDay, {"P-1"});
  EXPECT_EQ(cache.store_reads(), 4 + 5);
}

TYPED_TEST(CatalogueCacheTest, AWriteIsSeenAtTheNextRead) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_);
  this->Read(cache);
  ASSERT_THAT(this->Publish(2, {{"P-1", 11000}, {"P-3", 30000}}), IsOk());
  BasketCatalogue after = this->Read(cache, kDay, {"P-1", "P-2", "P-3"});
  EXPECT_EQ(after.version, this->Version());
  ASSERT_EQ(after.prices.size(), 3u);
  EXPECT_EQ(after.prices.at("P-1").list_price, Cny(11000));
  EXPECT_EQ(after.prices.at("P-1").version, 2);
  EXPECT_EQ(after.prices.at("P-3").list_price, Cny(30000));
  EXPECT_EQ(after.prices.at("P-2").version, 1);
  EXPECT_EQ(cache.store_reads(), 12);

  ASSERT_THAT(this->SetCost("P-1", 2, 6500), IsOk());
  ASSERT_THAT(this->SetRate(2000), IsOk());
  after = this->Read(cache);
  EXPECT_EQ(after.costs.at("P-1").cost, Cny(6500));
  ASSERT_EQ(after.rates.size(), 1u);
  EXPECT_EQ(after.rates[0].per_order, Cny(2000));
}

TYPED_TEST(CatalogueCacheTest, ANewDayReadsAgain) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_);
  this->Read(cache);
  EXPECT_EQ(cache.store_reads(), 6);
  // Before the list's valid_from: no price on that day, nothing more read.
  const BasketCatalogue earlier =
      this->Read(cache, absl::CivilDay(2025, 12, 31));
  EXPECT_TRUE(earlier.prices.empty());
  EXPECT_EQ(cache.store_reads(), 7);
  this->Read(cache, kDay + 1);
  EXPECT_EQ(cache.store_reads(), 13);
  this->Read(cache, kDay + 1);
  EXPECT_EQ(cache.store_reads(), 13);
}

// A transaction that began before a write reads the older version: its
// facts are answered but not kept, so they never serve the newer version.
TYPED_TEST(CatalogueCacheTest, AnOlderVersionIsNotKept) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_);
  EXPECT_EQ(this->Read(cache).prices.at("P-1").list_price, Cny(10000));
  EXPECT_EQ(cache.store_reads(), 6);
  BasketCatalogue old;
  ASSERT_THAT(this->db_->RunInTransaction(
                  storage::TransactionMode::kReadOnly,
                  [&](storage::Transaction& tx) -> absl::Status {
                    // Its snapshot is taken at its first read.
                    RETURN_IF_ERROR(CatalogueCounter().Read(tx).status());
                    absl::Status published;
                    std::thread writer([&] {
                      published = this->Publish(2, {{"P-1", 11000}});
                    });
                    writer.join();
                    RETURN_IF_ERROR(published);
                    // The cache moves to the newer version...
                    EXPECT_EQ(this->Read(cache).prices.at("P-1").list_price,
                              Cny(11000));
                    EXPECT_EQ(cache.store_reads(), 12);
                    // ...and this transaction still sees the older one.
                    ASSIGN_OR_RETURN(old, cache.Read(tx, {"P-1", "P-2"}, "CNY",
                                                     kDay, "D-1", "EAST"));
                    return absl::OkStatus();
                  }),
              IsOk());
  EXPECT_EQ(old.prices.at("P-1").list_price, Cny(10000));
  EXPECT_EQ(old.prices.at("P-1").version, 1);
  EXPECT_EQ(cache.store_reads(), 18);
  // Not kept: the newer facts are still the ones served, unasked.
  const BasketCatalogue now = this->Read(cache);
  EXPECT_EQ(now.prices.at("P-1").list_price, Cny(11000));
  EXPECT_GT(now.version, old.version);
  EXPECT_EQ(cache.store_reads(), 18);
}

// Past its bound the cache keeps what it has and reads the rest per call.
TYPED_TEST(CatalogueCacheTest, StopsKeepingWhenFull) {
  CatalogueCache cache(this->prices_, this->products_, this->freight_, true,
                       /*max_facts=*/4);
  this->Read(cache, kDay, {"P-1"});  // 6 facts kept: it was empty
  EXPECT_EQ(cache.store_reads(), 6);
  this->Read(cache, kDay, {"P-2"});  // full: P-2's 3 facts read, not kept
  EXPECT_EQ(cache.store_reads(), 9);
  EXPECT_EQ(this->Read(cache, kDay, {"P-2"}).prices.at("P-2").list_price,
            Cny(20000));
  EXPECT_EQ(cache.store_reads(), 12);
  this->Read(cache, kDay, {"P-1"});  // still kept
  EXPECT_EQ(cache.store_reads(), 12);
  // A new version starts afresh.
  ASSERT_THAT(this->SetRate(1700), IsOk());
  this->Read(cache, kDay, {"P-2"});
  this->Read(cache, kDay, {"P-2"});
  EXPECT_EQ(cache.store_reads(), 18);
}

}  // namespace
}  // namespace qudao::pricing
