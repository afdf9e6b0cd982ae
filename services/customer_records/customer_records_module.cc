// Wiring of the customer records module: its database, the dealer cache,
// operations and the gRPC adapter.
#include "services/customer_records/customer_records_module.h"

#include "common/events/feed_follower.h"
#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/customer_records/customer_records_service.h"
#include "services/customer_records/dealer_operations.h"
#include "services/customer_records/dealer_store.h"

namespace qudao::customer {

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCustomerRecordsModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db, OpenServiceDatabase(env, "customer_records",
                                                DealerStore::Migrations()));
  auto module =
      std::make_unique<Module>("customer_records", std::move(db), env);
  ReadThroughOptions cache_options = DealerCacheOptions();
  cache_options.near_entries = env.near_cache_entries;
  // With neither tier, reads go to the database.
  DealerCache* cache =
      env.cache == nullptr && env.near_cache_entries == 0
          ? nullptr
          : module->Own(std::make_unique<DealerCache>(
                env.cache, env.metrics, env.clock, cache_options));
  auto* dealers = module->Own(
      std::make_unique<DealerOperations>(module->database(), cache, env.clock));
  // Every replica takes each dealer change into its near-cache (and
  // Redis, revision-checked), whichever replica made it; after a gap on the
  // bus it reads its own outbox from where it was.
  module->PublishChangeFeed(env, kFeedSource);
  if (cache != nullptr) {
    storage::Database* feed = module->database();
    events::FeedFollower::Options follow;
    follow.source = kFeedSource;
    follow.topic_prefix = "dealer.";
    // Without a bus between processes (env.events null) other replicas'
    // changes are polled from the outbox.
    auto* follower = module->Own(std::make_unique<events::FeedFollower>(
        module->FollowingBus(env),
        [feed](const type::v1::ListChangesRequest& request) {
          return events::ListChanges(*feed, kFeedSource, request);
        },
        [cache](const events::ChangeEvent& event) {
          ApplyDealerChange(cache->cache(), event);
        },
        [cache] { cache->cache().ClearNear(); }, follow));
    follower->Start();
  }
  module->Serve(std::make_unique<CustomerRecordsService>(
                    dealers, module->database(),
                    module->ServingFor(CustomerRecordsPermissions())),
                pb::CustomerRecordsService::service_full_name());
  return module;
}

}  // namespace qudao::customer
