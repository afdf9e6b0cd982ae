// The price list and standard cost use cases of pricing: publish a price
// list version, read versions and prices, set and read standard costs.
// Each runs in one transaction over the stores, applying the rules of
// price_list.h. Plain C++, no gRPC.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/pricing/price_list.h"
#include "services/pricing/price_list_store.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

struct StandardCostAnswer {
  // In force on the day asked; unset before the first effective day.
  std::optional<StandardCost> in_force;
  // The newest kMaxCostHistory versions, newest first.
  std::vector<StandardCost> history;
};

class PriceListOperations {
 public:
  PriceListOperations(storage::Database* db, const Clock* clock,
                      const BusinessCalendar* calendar, int vat_rate_bp)
      : db_(db),
        clock_(clock),
        calendar_(calendar),
        vat_rate_bp_(vat_rate_bp) {}

  // Publishes `draft` (currency, validity, note, entries) as the next
  // version of its currency's price list, by `published_by`. Every SKU
  // must be in the catalogue (NOT_FOUND PRODUCT_NOT_FOUND naming the
  // entry). Returns the version without its entries; a repeat of `request`
  // returns the first answer.
  absl::StatusOr<PriceListVersion> Publish(
      const std::string& published_by, PriceListVersion draft,
      const storage::IdempotentRequest& request);
  // Version 0: the latest.
  absl::StatusOr<PriceListVersion> GetVersion(const std::string& currency,
                                              int64_t version);
  absl::StatusOr<PriceListVersionPage> ListVersions(const std::string& currency,
                                                    const PageRequest& page);
  // The list price of `sku` in `currency` on `day` (today if unset).
  absl::StatusOr<ListPrice> GetPrice(const std::string& sku,
                                     const std::string& currency,
                                     absl::CivilDay day);

  // Sets `draft` (sku, cost, effective_from, note) as the next version of
  // its SKU's standard cost, by `set_by`. The cost must be in the currency
  // of the SKU's earlier costs (INVALID_ARGUMENT naming
  // standard_cost.cost.currency_code). A concurrent change taking the
  // same version number makes the transaction run again.
  absl::StatusOr<StandardCost> SetStandardCost(
      const std::string& set_by, StandardCost draft,
      const storage::IdempotentRequest& request);
  // NOT_FOUND when the SKU is unknown or has no cost yet. The cost in
  // force is resolved over every version; the history holds the newest
  // kMaxCostHistory.
  absl::StatusOr<StandardCostAnswer> GetStandardCost(const std::string& sku,
                                                     absl::CivilDay day);

  absl::CivilDay Today() const { return calendar_->DayOf(clock_->Now()); }
  int vat_rate_bp() const { return vat_rate_bp_; }

 private:
  storage::Database* db_;
  const Clock* clock_;
  const BusinessCalendar* calendar_;
  int vat_rate_bp_;
  ProductStore products_;
  PriceListStore prices_;
};

}  // namespace qudao::pricing
