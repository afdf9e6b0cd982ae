// What a quote reads from the catalogue — list prices, standard costs,
// product groups and the freight terms — kept per catalogue version and
// day, so a quote asks the database for the version alone.
//
// Each quote reads the catalogue version (CatalogueCounter, bumped in the
// transaction of every write to the price lists, costs, products and
// freight tables) in its own read transaction: the same version means the
// same rows, so a cached fact is the one the store would answer, on every
// replica of one database (a price list published through another replica
// is seen by the next quote here). Facts are read from the store on a
// miss, in the quote's transaction, and kept — a priced SKU without a cost
// or group as "none" too (a SKU without a price is never kept: the basket
// fails, and unknown SKUs would fill the cache). Prices and costs depend
// on the day, so the facts are dropped when the business day changes; only
// the newest version is kept, and at most kMaxFacts facts (past that, the
// rest is read per quote until the version or day moves).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/storage/database.h"
#include "services/pricing/freight.h"
#include "services/pricing/freight_store.h"
#include "services/pricing/price_list.h"
#include "services/pricing/price_list_store.h"
#include "services/pricing/product_store.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {

// What the catalogue says about one basket on one day.
struct BasketCatalogue {
  int64_t version = 0;
  // The SKUs with a list price in the basket's currency (and a cost, and
  // a product group): a SKU missing from a map has none.
  std::map<std::string, ListPrice> prices;
  std::map<std::string, StandardCost> costs;
  std::map<std::string, std::string> groups;
  // The dealer's freight method, the rates from its origin (the plant, or
  // the base city for basing point; none without one) and the zone
  // adjustments, in the basket's currency.
  FreightAssignment assignment;
  std::vector<FreightRate> rates;
  std::vector<ZoneAdjustment> zones;
};

class CatalogueCache {
 public:
  // Facts kept at most; past it, facts of the version and day are read
  // from the store and not kept (a new version or day starts afresh).
  static constexpr size_t kMaxFacts = 200'000;

  // `enabled` false: every call reads everything (for measuring).
  CatalogueCache(const PriceListStore& prices, const ProductStore& products,
                 const FreightStore& freight, bool enabled = true,
                 size_t max_facts = kMaxFacts)
      : prices_(prices),
        products_(products),
        freight_(freight),
        enabled_(enabled),
        max_facts_(max_facts) {}

  // Sends the version's read ahead (Transaction::Prefetch).
  static absl::Status Prefetch(storage::Transaction& tx) {
    return CatalogueCounter().Prefetch(tx);
  }

  // The catalogue facts of `skus` (canonical, distinct) in `currency` on
  // `day`, and the freight terms of the dealer, as `tx` sees them. When a
  // SKU has no price the rest is not read: only `version` and the prices
  // found are set (the caller refuses the basket).
  absl::StatusOr<BasketCatalogue> Read(storage::Transaction& tx,
                                       const std::vector<std::string>& skus,
                                       const std::string& currency,
                                       absl::CivilDay day,
                                       const std::string& dealer_id,
                                       const std::string& pricing_zone);

  // Store reads made so far (one per kind of fact missed by a Read).
  int64_t store_reads() const;

 private:
  // The facts of one version and day.
  struct Facts {
    int64_t version = 0;
    absl::CivilDay day;
    size_t count = 0;
    // Keyed by currency and SKU; by SKU; by SKU.
    absl::flat_hash_map<std::string, std::optional<ListPrice>> prices;
    absl::flat_hash_map<std::string, std::optional<StandardCost>> costs;
    absl::flat_hash_map<std::string, std::optional<std::string>> groups;
    // Keyed by dealer and zone; origin and currency; currency.
    absl::flat_hash_map<std::string, FreightAssignment> assignments;
    absl::flat_hash_map<std::string, std::vector<FreightRate>> rates;
    absl::flat_hash_map<std::string, std::vector<ZoneAdjustment>> zones;
  };

  // The facts kept for `version` and `day`, made current if newer; a
  // private empty set for an older version (a transaction begun before a
  // write) or with the cache off.
  std::shared_ptr<Facts> FactsFor(int64_t version, absl::CivilDay day);
  // Whether `facts` may take new entries (still current, not full).
  bool Keeps(const Facts& facts) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PriceListStore& prices_;
  const ProductStore& products_;
  const FreightStore& freight_;
  const bool enabled_;
  const size_t max_facts_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Facts> current_ ABSL_GUARDED_BY(mu_);
  int64_t store_reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace qudao::pricing
