// Read-through cache of dealer records (stored in their API form), on the
// shared Cache (Redis across replicas, or in-process). Dealer records are read
// far more than written (every quote, order and partner request looks one up).
//
// Consistency: a write invalidates the dealer's entry after it commits, so
// the next read on any replica (sharing Redis) goes to the database. A read
// that raced the write can still re-insert the old version; entries expire
// after `ttl`, which bounds such staleness. Writes never trust the cache:
// UpdateDealer checks the etag against the database, so a stale read cannot
// cause a lost update.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/metrics/metrics.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

class DealerCache {
 public:
  DealerCache(std::shared_ptr<Cache> cache, metrics::Registry* registry,
              absl::Duration ttl = absl::Seconds(60));

  std::optional<Dealer> Get(const std::string& dealer_id);
  void Put(const Dealer& dealer);
  void Invalidate(const std::string& dealer_id);

 private:
  static std::string Key(const std::string& dealer_id);

  std::shared_ptr<Cache> cache_;
  metrics::CounterFamily* lookups_;
  const absl::Duration ttl_;
};

}  // namespace qudao::customer
