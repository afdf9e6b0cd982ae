// CatalogueCache; see catalogue_cache.h.
#include "services/pricing/catalogue_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {
namespace {

std::string Key(const std::string& a, const std::string& b) {
  return absl::StrCat(a, "\n", b);
}

// The origin a dealer's freight is computed from: the base city for
// basing point, else the shipping plant (none for some methods).
const std::string& OriginOf(const FreightAssignment& a) {
  return a.method == FreightMethod::kBasingPoint ? a.base_city : a.origin_plant;
}

}  // namespace

absl::Status CatalogueCache::Prefetch(storage::Transaction& tx,
                                      const std::vector<std::string>& skus,
                                      const std::string& currency,
                                      absl::CivilDay day,
                                      const std::string& dealer_id,
                                      const std::string& pricing_zone) const {
  RETURN_IF_ERROR(CatalogueCounter().Prefetch(tx));
  if (enabled_) return absl::OkStatus();
  // Every read but the rates is known now: on PostgreSQL they travel in
  // the round trip of the version.
  RETURN_IF_ERROR(prices_.PrefetchCostsOn(tx, skus, day));
  RETURN_IF_ERROR(products_.PrefetchGroupsOf(tx, skus));
  return freight_.PrefetchTerms(tx, dealer_id, pricing_zone, currency);
}

std::shared_ptr<CatalogueCache::Facts> CatalogueCache::FactsFor(
    int64_t version, absl::CivilDay day) {
  if (enabled_) {
    absl::MutexLock lock(&mu_);
    const bool newer = current_ == nullptr || current_->version < version ||
                       (current_->version == version && current_->day < day) ||
                       (current_->version == version && current_->day == day &&
                        current_->count >= kMaxFacts);
    if (newer) {
      current_ = std::make_shared<Facts>();
      current_->version = version;
      current_->day = day;
    }
    if (current_->version == version && current_->day == day) return current_;
  }
  auto own = std::make_shared<Facts>();
  own->version = version;
  own->day = day;
  return own;
}

bool CatalogueCache::Keeps(const Facts& facts) const {
  return enabled_ && current_.get() == &facts && facts.count < kMaxFacts;
}

absl::StatusOr<BasketCatalogue> CatalogueCache::Read(
    storage::Transaction& tx, const std::vector<std::string>& skus,
    const std::string& currency, absl::CivilDay day,
    const std::string& dealer_id, const std::string& pricing_zone) {
  BasketCatalogue out;
  ASSIGN_OR_RETURN(out.version, CatalogueCounter().Read(tx));
  const std::shared_ptr<Facts> facts = FactsFor(out.version, day);
  Facts& f = *facts;
  const std::string assignment_key = Key(dealer_id, pricing_zone);

  // What is known already.
  std::vector<std::string> no_price, no_cost, no_group;
  std::optional<FreightAssignment> assignment;
  std::optional<std::vector<ZoneAdjustment>> zones;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const std::string& sku : skus) {
      if (auto it = f.prices.find(Key(currency, sku)); it != f.prices.end()) {
        if (it->second) out.prices.emplace(sku, *it->second);
      } else {
        no_price.push_back(sku);
      }
      if (auto it = f.costs.find(sku); it != f.costs.end()) {
        if (it->second) out.costs.emplace(sku, *it->second);
      } else {
        no_cost.push_back(sku);
      }
      if (auto it = f.groups.find(sku); it != f.groups.end()) {
        if (it->second) out.groups.emplace(sku, *it->second);
      } else {
        no_group.push_back(sku);
      }
    }
    if (auto it = f.assignments.find(assignment_key);
        it != f.assignments.end()) {
      assignment = it->second;
    }
    if (auto it = f.zones.find(currency); it != f.zones.end()) {
      zones = it->second;
    }
  }

  // The rest from the store, in this transaction.
  int64_t reads = 0;
  std::map<std::string, ListPrice> read_prices;
  std::map<std::string, StandardCost> read_costs;
  std::map<std::string, std::string> read_groups;
  if (!no_price.empty()) {
    ++reads;
    ASSIGN_OR_RETURN(read_prices,
                     prices_.PricesOn(tx, no_price, currency, day));
  }
  if (!no_cost.empty()) {
    ++reads;
    ASSIGN_OR_RETURN(read_costs, prices_.CostsOn(tx, no_cost, day));
  }
  if (!no_group.empty()) {
    ++reads;
    ASSIGN_OR_RETURN(read_groups, products_.GroupsOf(tx, no_group));
  }
  const bool read_assignment = !assignment.has_value();
  if (read_assignment) {
    ++reads;
    ASSIGN_OR_RETURN(assignment,
                     freight_.AssignmentFor(tx, dealer_id, pricing_zone));
  }
  const bool read_zones = !zones.has_value();
  if (read_zones) {
    ++reads;
    ASSIGN_OR_RETURN(zones, freight_.ZonesIn(tx, currency));
  }
  out.assignment = *assignment;
  out.zones = *std::move(zones);
  const std::string& origin = OriginOf(out.assignment);
  const std::string rates_key = Key(origin, currency);
  bool read_rates = false;
  if (!origin.empty()) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = f.rates.find(rates_key); it != f.rates.end()) {
        out.rates = it->second;
      } else {
        read_rates = true;
      }
    }
    if (read_rates) {
      ++reads;
      ASSIGN_OR_RETURN(out.rates, freight_.RatesFrom(tx, origin, currency));
    }
  }

  absl::MutexLock lock(&mu_);
  store_reads_ += reads;
  const bool keep = Keeps(f);
  for (const std::string& sku : no_price) {
    auto it = read_prices.find(sku);
    std::optional<ListPrice> p;
    if (it != read_prices.end()) {
      p = it->second;
      out.prices.emplace(sku, std::move(it->second));
    }
    if (keep) f.count += f.prices.try_emplace(Key(currency, sku), p).second;
  }
  for (const std::string& sku : no_cost) {
    auto it = read_costs.find(sku);
    std::optional<StandardCost> c;
    if (it != read_costs.end()) {
      c = it->second;
      out.costs.emplace(sku, std::move(it->second));
    }
    if (keep) f.count += f.costs.try_emplace(sku, c).second;
  }
  for (const std::string& sku : no_group) {
    auto it = read_groups.find(sku);
    std::optional<std::string> g;
    if (it != read_groups.end()) {
      g = it->second;
      out.groups.emplace(sku, std::move(it->second));
    }
    if (keep) f.count += f.groups.try_emplace(sku, g).second;
  }
  if (keep && read_assignment) {
    f.count += f.assignments.try_emplace(assignment_key, out.assignment).second;
  }
  if (keep && read_zones) {
    f.count += f.zones.try_emplace(currency, out.zones).second;
  }
  if (keep && read_rates) {
    f.count += f.rates.try_emplace(rates_key, out.rates).second;
  }
  return out;
}

int64_t CatalogueCache::store_reads() const {
  absl::MutexLock lock(&mu_);
  return store_reads_;
}

}  // namespace qudao::pricing
