// CachedDealerDirectory; see cached_dealer_directory.h.
#include "services/customer_records/client/cached_dealer_directory.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/macros.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

ReadThroughOptions DealerCacheOptions() {
  ReadThroughOptions options;
  options.name = "dealer";
  options.key_prefix = kDealerCacheKeyPrefix;
  return options;
}

int64_t RevisionOf(const v1::Dealer& dealer) {
  return VersionFromEtag("etag", dealer.etag()).value_or(0);
}

namespace {

events::FeedFollower::Options Following(events::FeedFollower::Options o) {
  o.source = kFeedSource;
  o.topic_prefix = "dealer.";
  return o;
}

// A call for no person: the caller's deadline and trace, this service's
// own account.
CallContext OwnCall(const CallContext& call) {
  CallContext own;
  own.deadline = call.deadline;
  own.correlation_id = call.correlation_id;
  own.traceparent = call.traceparent;
  own.tracestate = call.tracestate;
  return own;
}

}  // namespace

CachedDealerDirectory::CachedDealerDirectory(
    CustomerRecordsClient* client, std::shared_ptr<Cache> shared,
    events::EventBus* bus, metrics::Registry* registry, const Clock* clock,
    ReadThroughOptions options, events::FeedFollower::Options follow)
    : client_(client),
      cache_(std::move(shared), std::move(options), registry, clock),
      follower_(
          bus,
          [client](const type::v1::ListChangesRequest& request) {
            CallContext call;
            call.deadline = absl::Now() + absl::Seconds(10);
            return client->ListChanges(call, request);
          },
          [this](const events::ChangeEvent& event) { Apply(event); },
          [this] { cache_.ClearNear(); }, Following(std::move(follow))) {}

CachedDealerDirectory::~CachedDealerDirectory() { follower_.Stop(); }

void CachedDealerDirectory::Start() { follower_.Start(); }

void CachedDealerDirectory::Apply(const events::ChangeEvent& event) {
  ApplyDealerChange(cache_, event);
}

void ApplyDealerChange(ReadThroughCache& cache,
                       const events::ChangeEvent& event) {
  if (event.topic() != kDealerUpdated && event.topic() != kDealerCreated) {
    return;
  }
  v1::Dealer dealer;
  if (!event.payload().UnpackTo(&dealer) || dealer.dealer_id().empty()) {
    return;
  }
  const int64_t revision = RevisionOf(dealer);
  if (revision <= 0) {
    log::Warning("a dealer change without a revision was not applied",
                 {{"dealer_id", dealer.dealer_id()}, {"etag", dealer.etag()}});
    return;
  }
  cache.Announce(dealer.dealer_id(),
                 CachedValue{revision, event.payload().value()});
}

absl::StatusOr<DealerFacts> CachedDealerDirectory::Get(
    const CallContext& call, const std::string& dealer_id) {
  ASSIGN_OR_RETURN(
      const CachedValue value,
      cache_.Get(
          dealer_id,
          [&]() -> absl::StatusOr<CachedValue> {
            ASSIGN_OR_RETURN(const v1::Dealer dealer,
                             client_->GetDealer(OwnCall(call), dealer_id));
            return CachedValue{RevisionOf(dealer), dealer.SerializeAsString()};
          },
          call.deadline));
  v1::Dealer dealer;
  if (!dealer.ParseFromString(*value.bytes) ||
      dealer.dealer_id() != dealer_id) {
    // Not a dealer entry (corrupt or foreign): customer records answers.
    ASSIGN_OR_RETURN(dealer, client_->GetDealer(OwnCall(call), dealer_id));
  }
  return FactsOf(dealer);
}

absl::StatusOr<CachedDealerDirectory*> DealerDirectoryFor(
    Module& module, const ModuleEnvironment& env) {
  if (env.service_token == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        module.name(),
        " reads dealer facts from customer records as its own service "
        "account: give it that account's token (--service_token_file or "
        "QUDAO_SERVICE_TOKEN_FILE)"));
  }
  auto target_of = env.target_of;
  auto* client = module.Own(std::make_unique<CustomerRecordsClient>(
      [target_of] {
        return target_of ? target_of("customer_records") : std::string();
      },
      ClientOptionsFor(env), env.metrics, env.clock));
  ReadThroughOptions options = DealerCacheOptions();
  options.near_entries = env.near_cache_entries;
  // Customer records alone writes dealers to Redis; a miss here asks it,
  // and it fills Redis.
  options.write_shared = false;
  auto* directory = module.Own(std::make_unique<CachedDealerDirectory>(
      client, env.cache, module.FollowingBus(env), env.metrics, env.clock,
      options));
  directory->Start();
  return directory;
}

}  // namespace qudao::customer
