// DealerCache; see dealer_cache.h.
#include "services/customer_records/dealer_cache.h"

#include "common/status/macros.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/customer_records/dealer_proto.h"

namespace qudao::customer {

DealerCache::DealerCache(std::shared_ptr<Cache> shared,
                         metrics::Registry* registry, const Clock* clock,
                         ReadThroughOptions options)
    : cache_(std::move(shared), std::move(options), registry, clock) {}

absl::StatusOr<Dealer> DealerCache::Get(
    const std::string& dealer_id,
    const std::function<absl::StatusOr<Dealer>()>& load) {
  ASSIGN_OR_RETURN(
      const CachedValue value,
      cache_.Get(dealer_id, [&]() -> absl::StatusOr<CachedValue> {
        ASSIGN_OR_RETURN(const Dealer dealer, load());
        return CachedValue{dealer.version, DealerCodec().encode(dealer)};
      }));
  absl::StatusOr<Dealer> dealer = DealerCodec().decode(*value.bytes);
  if (!dealer.ok() || dealer->id != dealer_id) {
    // Not ours (a corrupt or foreign entry): the database answers.
    return load();
  }
  return dealer;
}

void DealerCache::Offer(const Dealer& dealer) {
  cache_.Offer(dealer.id,
               CachedValue{dealer.version, DealerCodec().encode(dealer)});
}

}  // namespace qudao::customer
