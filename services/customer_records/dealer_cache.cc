// DealerCache; see dealer_cache.h.
#include "services/customer_records/dealer_cache.h"

#include "absl/strings/str_cat.h"
#include "services/customer_records/dealer_proto.h"

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

std::optional<Dealer> DealerCache::Get(const std::string& dealer_id) {
  std::optional<std::string> bytes = cache_->Get(Key(dealer_id));
  if (bytes.has_value()) {
    absl::StatusOr<Dealer> dealer = DealerCodec().decode(*bytes);
    if (dealer.ok() && dealer->id == dealer_id) {
      lookups_->Increment({"dealer", "hit"});
      return *std::move(dealer);
    }
  }
  lookups_->Increment({"dealer", "miss"});
  return std::nullopt;
}

void DealerCache::Put(const Dealer& dealer) {
  cache_->Set(Key(dealer.id), DealerCodec().encode(dealer), ttl_);
}

void DealerCache::Invalidate(const std::string& dealer_id) {
  cache_->Delete(Key(dealer_id));
}

}  // namespace qudao::customer
