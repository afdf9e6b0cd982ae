// ReadThroughCache; see read_through_cache.h.
#include "common/cache/read_through_cache.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace qudao {
namespace {

metrics::Registry& RegistryOr(metrics::Registry* given,
                              metrics::Registry& own) {
  return given != nullptr ? *given : own;
}

metrics::Counter Lookups(metrics::Registry& r, const std::string& cache,
                         const std::string& result) {
  return r
      .Counter("qudao_cache_lookups_total",
               "Cache lookups by cache and result: near_hit (in-process), "
               "hit (shared tier), miss (read from the owner), joined (waited "
               "for another reader's load of the same key).",
               {"cache", "result"})
      .Bind({cache, result});
}

metrics::Counter Named(metrics::Registry& r, const std::string& name,
                       const std::string& help, const std::string& cache) {
  return r.Counter(name, help, {"cache"}).Bind({cache});
}

}  // namespace

// One load in progress; readers of the same key wait for it.
struct ReadThroughCache::Flight {
  absl::Notification done;
  absl::StatusOr<CachedValue> result = absl::UnknownError("not loaded");
};

ReadThroughCache::ReadThroughCache(std::shared_ptr<Cache> shared,
                                   ReadThroughOptions options,
                                   metrics::Registry* registry,
                                   const Clock* clock)
    : shared_(std::move(shared)),
      near_(options.near_entries > 0
                ? NewInProcessCache(options.near_entries, clock)
                : nullptr),
      options_(std::move(options)),
      clock_(clock),
      breaker_(options_.breaker_threshold, options_.breaker_open_for, clock),
      near_hits_(Lookups(RegistryOr(registry, own_registry_), options_.name,
                         "near_hit")),
      hits_(Lookups(RegistryOr(registry, own_registry_), options_.name, "hit")),
      misses_(
          Lookups(RegistryOr(registry, own_registry_), options_.name, "miss")),
      joins_(Lookups(RegistryOr(registry, own_registry_), options_.name,
                     "joined")),
      fall_throughs_(
          Named(RegistryOr(registry, own_registry_),
                "qudao_cache_fall_throughs_total",
                "Reads that went to the owner because the shared tier "
                "(Redis) failed or its circuit breaker was open.",
                options_.name)),
      invalidations_(Named(RegistryOr(registry, own_registry_),
                           "qudao_cache_invalidations_total",
                           "Changes announced to the cache (change events "
                           "and writes of the owner).",
                           options_.name)),
      redis_errors_(Named(
          RegistryOr(registry, own_registry_), "qudao_cache_redis_errors_total",
          "Failed or timed-out shared-tier (Redis) commands.", options_.name)) {
  RegistryOr(registry, own_registry_)
      .Gauge("qudao_cache_breaker_state",
             "State of the circuit breaker in front of the shared tier: 0 "
             "closed, 1 half-open (probing), 2 open (Redis skipped).",
             [this] {
               switch (breaker_.state()) {
                 case CircuitBreaker::State::kClosed:
                   return 0.0;
                 case CircuitBreaker::State::kHalfOpen:
                   return 1.0;
                 case CircuitBreaker::State::kOpen:
                   return 2.0;
               }
               return 0.0;
             },
             {{"cache", options_.name}});
}

absl::Duration ReadThroughCache::Jittered(absl::Duration ttl) {
  thread_local absl::InsecureBitGen bits;
  const double f =
      absl::Uniform(bits, 1.0 - options_.jitter, 1.0 + options_.jitter);
  return ttl * f;
}

std::optional<CachedValue> ReadThroughCache::SharedGet(
    const std::string& full_key) {
  if (shared_ == nullptr) return std::nullopt;
  if (!breaker_.Allow()) {
    fall_throughs_.Increment();
    return std::nullopt;
  }
  absl::StatusOr<std::optional<CachedValue>> got = shared_->Get(full_key);
  breaker_.Record(got.status());
  if (!got.ok()) {
    redis_errors_.Increment();
    fall_throughs_.Increment();
    return std::nullopt;
  }
  return *std::move(got);
}

void ReadThroughCache::SharedPut(const std::string& full_key,
                                 const CachedValue& value) {
  if (shared_ == nullptr || !breaker_.Allow()) return;
  absl::StatusOr<bool> put =
      shared_->Put(full_key, value, Jittered(options_.ttl));
  breaker_.Record(put.status());
  if (!put.ok()) redis_errors_.Increment();
}

void ReadThroughCache::NearPut(const std::string& full_key,
                               const CachedValue& value) {
  if (near_ != nullptr) {
    (void)near_->Put(full_key, value, Jittered(options_.near_ttl));
  }
}

absl::StatusOr<CachedValue> ReadThroughCache::Get(const std::string& key,
                                                  const Loader& load) {
  const std::string full_key = absl::StrCat(options_.key_prefix, key);
  if (near_ != nullptr) {
    absl::StatusOr<std::optional<CachedValue>> near = near_->Get(full_key);
    if (near.ok() && near->has_value() && !(*near)->is_tombstone()) {
      near_hits_.Increment();
      return **std::move(near);
    }
  }
  // Single-flight: the first reader of a cold key loads it, the others
  // wait for that result.
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    absl::MutexLock lock(&flights_mu_);
    std::shared_ptr<Flight>& slot = flights_[full_key];
    if (slot == nullptr) {
      slot = std::make_shared<Flight>();
      leader = true;
    }
    flight = slot;
  }
  if (!leader) {
    joins_.Increment();
    flight->done.WaitForNotification();
    return flight->result;
  }
  flight->result = Load(full_key, load);
  {
    absl::MutexLock lock(&flights_mu_);
    flights_.erase(full_key);
  }
  flight->done.Notify();
  return flight->result;
}

absl::StatusOr<CachedValue> ReadThroughCache::Load(const std::string& full_key,
                                                   const Loader& load) {
  std::optional<CachedValue> shared = SharedGet(full_key);
  if (shared.has_value() && !shared->is_tombstone()) {
    hits_.Increment();
    NearPut(full_key, *shared);
    return *std::move(shared);
  }
  misses_.Increment();
  absl::StatusOr<CachedValue> loaded = load();
  if (!loaded.ok()) return loaded.status();
  if (loaded->is_tombstone()) {
    return absl::InternalError("a cache loader returned no value");
  }
  if (before_fill_) before_fill_(full_key);
  // Both fills are compare-and-set: if a newer revision arrived while we
  // loaded, it stays.
  SharedPut(full_key, *loaded);
  NearPut(full_key, *loaded);
  return loaded;
}

void ReadThroughCache::Offer(const std::string& key, const CachedValue& value) {
  const std::string full_key = absl::StrCat(options_.key_prefix, key);
  invalidations_.Increment();
  NearPut(full_key, value);
  SharedPut(full_key, value);
}

void ReadThroughCache::Invalidate(const std::string& key, int64_t revision) {
  Offer(key, CachedValue{revision, std::nullopt});
}

void ReadThroughCache::ClearNear() {
  if (near_ != nullptr) near_->Clear();
}

}  // namespace qudao
