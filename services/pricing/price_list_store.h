// Persistence of price lists and standard costs, and the reads the quote
// code makes: a SKU's list price in a currency on a day, and its standard
// cost on a day, one SKU or up to 500 in one query, each with the version
// it comes from. Each call runs inside the caller's transaction; the same
// SQL runs on SQLite and PostgreSQL (the tables are created by
// ProductStore::Migrations()).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {

// The canonical filter of a version listing (page tokens are bound to it).
std::string PriceListVersionFilter(const std::string& currency);

struct PriceListVersionPage {
  // Headers only (no entries), newest first.
  std::vector<PriceListVersion> versions;
  std::string next_page_token;
};

class PriceListStore {
 public:
  // The number the next version of `currency`'s price list gets.
  absl::StatusOr<int64_t> NextVersion(storage::Transaction& tx,
                                      const std::string& currency) const;
  // Writes a version and its entries (each carrying the version's
  // validity). When a concurrent publication took the number, a retryable
  // conflict: the caller's transaction runs again.
  absl::Status Insert(storage::Transaction& tx,
                      const PriceListVersion& version) const;
  // One version (0: the latest), with its entries in SKU order if
  // `with_entries`. NOT_FOUND naming it when there is none.
  absl::StatusOr<PriceListVersion> GetVersion(storage::Transaction& tx,
                                              const std::string& currency,
                                              int64_t version,
                                              bool with_entries) const;
  absl::StatusOr<PriceListVersionPage> ListVersions(
      storage::Transaction& tx, const std::string& currency,
      const PageRequest& page) const;

  // --- What the quote code calls. SKUs in any case. ---
  // The list price of `sku` in `currency` on `day`, from the latest
  // version covering the day that lists the SKU (ResolvePrice).
  // NOT_FOUND NO_LIST_PRICE when there is none, or when that version
  // withdrew the SKU.
  absl::StatusOr<ListPrice> PriceOn(storage::Transaction& tx,
                                    const std::string& sku,
                                    const std::string& currency,
                                    absl::CivilDay day) const;
  // The same for up to kMaxBatchSkus SKUs in one query that reads one row
  // per SKU (the winning version), keyed by the canonical (upper-case)
  // SKU; a SKU without a price is absent from the map. More SKUs is
  // INVALID_ARGUMENT.
  absl::StatusOr<std::map<std::string, ListPrice>> PricesOn(
      storage::Transaction& tx, const std::vector<std::string>& skus,
      const std::string& currency, absl::CivilDay day) const;

  // --- Standard costs. ---
  absl::StatusOr<int64_t> NextCostVersion(storage::Transaction& tx,
                                          const std::string& sku) const;
  // A retryable conflict when a concurrent change took the version number.
  absl::Status InsertCost(storage::Transaction& tx,
                          const StandardCost& cost) const;
  // The newest `limit` versions of `sku`'s cost, newest first (empty:
  // never set).
  absl::StatusOr<std::vector<StandardCost>> CostHistory(
      storage::Transaction& tx, const std::string& sku,
      int64_t limit = kMaxCostHistory) const;
  // The currency of `sku`'s costs (every version has the same one);
  // nullopt when none was ever set.
  absl::StatusOr<std::optional<std::string>> CostCurrency(
      storage::Transaction& tx, const std::string& sku) const;
  // The standard cost of `sku` on `day` (ResolveStandardCost). NOT_FOUND
  // NO_STANDARD_COST when none is effective yet.
  absl::StatusOr<StandardCost> CostOn(storage::Transaction& tx,
                                      const std::string& sku,
                                      absl::CivilDay day) const;
  // The same for up to kMaxBatchSkus SKUs in one query that reads one row
  // per SKU, keyed by the canonical SKU; a SKU without a cost on the day
  // is absent.
  absl::StatusOr<std::map<std::string, StandardCost>> CostsOn(
      storage::Transaction& tx, const std::vector<std::string>& skus,
      absl::CivilDay day) const;
  // Sends CostsOn's read ahead (Transaction::Prefetch): on PostgreSQL it
  // travels with the transaction's next statement.
  absl::Status PrefetchCostsOn(storage::Transaction& tx,
                               const std::vector<std::string>& skus,
                               absl::CivilDay day) const;
};

}  // namespace qudao::pricing
