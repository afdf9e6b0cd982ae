// The DealerDirectory every service uses on its hot paths: dealer facts
// read through the shared ReadThroughCache (an in-process near-cache, then
// Redis, then customer records' GetDealer), kept current by following
// customer records' change feed (dealer.created/updated on the event bus,
// the feed itself after a gap). Entries are revision-checked, so neither a
// slow reader nor a late event puts an older dealer back. Without Redis it
// runs on the near-cache alone with the same invalidation (`qudao dev`: the
// in-process bus; a standalone process without a bus polls the feed).
//
// Loads present this service's own account, never the caller's token: the
// facts are shared by every caller of the process, so what one caller may
// see must not decide what the next one gets. Callers' own rights are
// checked where they call, before they ask for facts.
#pragma once

#include <memory>
#include <string>

#include "common/cache/read_through_cache.h"
#include "common/events/event_bus.h"
#include "common/events/feed_follower.h"
#include "common/grpc/module.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/client/dealer_directory.h"

namespace qudao::customer {

// The cache layout every reader of dealer records shares (name "dealer",
// kDealerCacheKeyPrefix).
ReadThroughOptions DealerCacheOptions();

// The revision a Dealer message carries in its etag ("\"v<n>\""); 0 if
// none.
int64_t RevisionOf(const v1::Dealer& dealer);

// Takes a dealer.created/updated event's dealer into `cache` (both tiers,
// revision-checked); ignores other events.
void ApplyDealerChange(ReadThroughCache& cache,
                       const events::ChangeEvent& event);

class CachedDealerDirectory : public DealerDirectory {
 public:
  // `shared` (Redis) and `bus` may be null; `client` and `registry` outlive
  // the directory.
  CachedDealerDirectory(CustomerRecordsClient* client,
                        std::shared_ptr<Cache> shared, events::EventBus* bus,
                        metrics::Registry* registry,
                        const Clock* clock = &Clock::Real(),
                        ReadThroughOptions options = DealerCacheOptions(),
                        events::FeedFollower::Options follow = {});
  ~CachedDealerDirectory() override;

  // Starts following the feed.
  void Start();

  absl::StatusOr<DealerFacts> Get(const CallContext& call,
                                  const std::string& dealer_id) override;

  // Applies one dealer change (from the bus or the feed).
  void Apply(const events::ChangeEvent& event);

  ReadThroughCache& cache() { return cache_; }
  events::FeedFollower& follower() { return follower_; }

 private:
  CustomerRecordsClient* client_;
  ReadThroughCache cache_;
  events::FeedFollower follower_;
};

// The directory a service module uses: a client of customer records with
// the module's own account, the environment's shared cache and bus,
// following the feed; owned by `module`. FAILED_PRECONDITION when the
// module has no account of its own (--service_token_file): it could not
// read a single dealer.
absl::StatusOr<CachedDealerDirectory*> DealerDirectoryFor(
    Module& module, const ModuleEnvironment& env);

}  // namespace qudao::customer
