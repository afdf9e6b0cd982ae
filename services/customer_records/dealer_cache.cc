// DealerCache; see dealer_cache.h.
#include "services/customer_records/dealer_cache.h"

#include "absl/strings/str_cat.h"

namespace qudao::customer {

DealerCache::DealerCache(std::shared_ptr<Cache> cache,
                         metrics::Registry* registry, absl::Duration ttl)
    : cache_(std::move(cache)),
      lookups_(&registry->Counter("qudao_cache_lookups_total",
                                  "Cache lookups by cache and result.",
                                  {"cache", "result"})),
      ttl_(ttl) {}

std::string DealerCache::Key(const std::string& dealer_id) {
  // The version in the key lets a new message layout ship without reading
  // entries written by the old one.
  return absl::StrCat("customer:dealer:v1:", dealer_id);
}

std::optional<v1::Dealer> DealerCache::Get(const std::string& dealer_id) {
  std::optional<std::string> bytes = cache_->Get(Key(dealer_id));
  v1::Dealer dealer;
  if (!bytes.has_value() || !dealer.ParseFromString(*bytes) ||
      dealer.dealer_id() != dealer_id) {
    lookups_->Increment({"dealer", "miss"});
    return std::nullopt;
  }
  lookups_->Increment({"dealer", "hit"});
  return dealer;
}

void DealerCache::Put(const v1::Dealer& dealer) {
  cache_->Set(Key(dealer.dealer_id()), dealer.SerializeAsString(), ttl_);
}

void DealerCache::Invalidate(const std::string& dealer_id) {
  cache_->Delete(Key(dealer_id));
}

}  // namespace qudao::customer
