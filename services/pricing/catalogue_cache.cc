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

// Adds to `out` what `kept` knows of `sku` (under `key`), or adds `sku` to
// `misses`.
template <typename T>
void Lookup(const std::string& sku, const std::string& key,
            const absl::flat_hash_map<std::string, std::optional<T>>& kept,
            std::map<std::string, T>& out, std::vector<std::string>& misses) {
  auto it = kept.find(key);
  if (it == kept.end()) {
    misses.push_back(sku);
  } else if (it->second.has_value()) {
    out.emplace(sku, *it->second);
  }
}

// Moves what the store `read` of `misses` to `out`, and when `keep` keeps
// each miss in `kept` (one the store did not answer as none); the number
// of facts kept.
template <typename T, typename KeyOf>
size_t Settle(const std::vector<std::string>& misses,
              std::map<std::string, T>& read, std::map<std::string, T>& out,
              absl::flat_hash_map<std::string, std::optional<T>>& kept,
              bool keep, const KeyOf& key_of) {
  size_t added = 0;
  for (const std::string& sku : misses) {
    std::optional<T> fact;
    if (auto it = read.find(sku); it != read.end()) {
      fact = it->second;
      out.emplace(sku, std::move(it->second));
    }
    if (keep) added += kept.try_emplace(key_of(sku), std::move(fact)).second;
  }
  return added;
}

}  // namespace

std::shared_ptr<CatalogueCache::Facts> CatalogueCache::FactsFor(
    int64_t version, absl::CivilDay day) {
  if (enabled_) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (current_ != nullptr && current_->version == version &&
          current_->day == day) {
        return current_;
      }
    }
    absl::MutexLock lock(&mu_);
    const bool newer = current_ == nullptr || current_->version < version ||
                       (current_->version == version && current_->day < day);
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
  return enabled_ && current_.get() == &facts && facts.count < max_facts_;
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
      Lookup(sku, Key(currency, sku), f.prices, out.prices, no_price);
      Lookup(sku, sku, f.costs, out.costs, no_cost);
      Lookup(sku, sku, f.groups, out.groups, no_group);
    }
    if (auto it = f.assignments.find(assignment_key);
        it != f.assignments.end()) {
      assignment = it->second;
    }
    if (auto it = f.zones.find(currency); it != f.zones.end()) {
      zones = it->second;
    }
  }

  // The rest from the store, in this transaction. On PostgreSQL the reads
  // of the other misses travel with the prices' (one round trip).
  if (!no_cost.empty()) {
    RETURN_IF_ERROR(prices_.PrefetchCostsOn(tx, no_cost, day));
  }
  if (!no_group.empty()) {
    RETURN_IF_ERROR(products_.PrefetchGroupsOf(tx, no_group));
  }
  if (!assignment.has_value() || !zones.has_value()) {
    RETURN_IF_ERROR(
        freight_.PrefetchTerms(tx, dealer_id, pricing_zone, currency));
  }
  int64_t reads = 0;
  std::map<std::string, ListPrice> read_prices;
  if (!no_price.empty()) {
    ++reads;
    ASSIGN_OR_RETURN(read_prices,
                     prices_.PricesOn(tx, no_price, currency, day));
  }
  // A SKU without a price fails the quote: nothing else is read, and only
  // the prices found are kept (never a "none" for a SKU that may not
  // exist: unknown SKUs would fill the cache).
  if (read_prices.size() < no_price.size()) {
    absl::MutexLock lock(&mu_);
    store_reads_ += reads;
    const bool keep = Keeps(f);
    for (auto& [sku, price] : read_prices) {
      if (keep)
        f.count += f.prices.try_emplace(Key(currency, sku), price).second;
      out.prices.emplace(sku, std::move(price));
    }
    return out;
  }
  std::map<std::string, StandardCost> read_costs;
  std::map<std::string, std::string> read_groups;
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

  if (reads == 0) return out;  // every fact was kept: nothing to add
  // Every SKU is priced, so each is a product: a cost or group it lacks is
  // kept as "none".
  absl::MutexLock lock(&mu_);
  store_reads_ += reads;
  const bool keep = Keeps(f);
  f.count += Settle(no_price, read_prices, out.prices, f.prices, keep,
                    [&](const std::string& sku) { return Key(currency, sku); });
  auto same = [](const std::string& sku) { return sku; };
  f.count += Settle(no_cost, read_costs, out.costs, f.costs, keep, same);
  f.count += Settle(no_group, read_groups, out.groups, f.groups, keep, same);
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
