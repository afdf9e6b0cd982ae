// Read-through cache of dealer records for customer records' own reads
// (GetDealer), on the revisioned ReadThroughCache: a near-cache in the
// process, then Redis shared with every replica and with the other
// services' DealerDirectory (same keys, same bytes: the Dealer API message,
// revision = the dealer's version), then the database.
//
// Consistency: after UpdateDealer commits, the replica offers the new
// version to both tiers; every replica also applies the dealer.updated
// event (pub/sub, or the outbox after a gap), so near-caches elsewhere drop
// the old version. Fills are compare-and-set on the version, so a reader
// that raced the write never puts the old version back. Writes never trust
// the cache: UpdateDealer checks the etag against the database.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/cache/read_through_cache.h"
#include "common/metrics/metrics.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

class DealerCache {
 public:
  // `shared` may be null (near-cache only).
  DealerCache(std::shared_ptr<Cache> shared, metrics::Registry* registry,
              const Clock* clock = &Clock::Real(),
              ReadThroughOptions options = DealerCacheOptions());

  // The dealer from the cache, or from `load` (then cached).
  absl::StatusOr<Dealer> Get(
      const std::string& dealer_id,
      const std::function<absl::StatusOr<Dealer>()>& load);
  // A version of the dealer that this process committed.
  void Offer(const Dealer& dealer);

  ReadThroughCache& cache() { return cache_; }

 private:
  ReadThroughCache cache_;
};

}  // namespace qudao::customer
