// ReadThroughCache; see read_through_cache.h.
#include "common/cache/read_through_cache.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
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
               "for another reader's load of the same key), stale (a shared "
               "entry older than a revision this process has seen).",
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
      floors_(
          NewInProcessCache(std::max<size_t>(1, options.floor_entries), clock)),
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
      stale_(
          Lookups(RegistryOr(registry, own_registry_), options_.name, "stale")),
      fall_throughs_(
          Named(RegistryOr(registry, own_registry_),
                "qudao_cache_fall_throughs_total",
                "Reads that went to the owner because the shared tier "
                "(Redis) failed or its circuit breaker was open.",
                options_.name)),
      announcements_(Named(RegistryOr(registry, own_registry_),
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

int64_t ReadThroughCache::Floor(const std::string& full_key) {
  absl::StatusOr<std::optional<CachedValue>> floor = floors_->Get(full_key);
  return floor.ok() && floor->has_value() ? (*floor)->revision : 0;
}

void ReadThroughCache::RaiseFloor(const std::string& full_key,
                                  int64_t revision) {
  // Kept as long as the longest-lived shared entry could be.
  (void)floors_->Put(full_key, CachedValue{revision, std::nullopt},
                     options_.ttl * (1 + options_.jitter));
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
  RetryPending();
  return *std::move(got);
}

void ReadThroughCache::SharedPut(const std::string& full_key,
                                 const CachedValue& value) {
  if (shared_ == nullptr || !options_.write_shared) return;
  if (!breaker_.Allow()) {
    KeepForRetry(full_key, value);
    return;
  }
  absl::StatusOr<bool> put =
      shared_->Put(full_key, value, Jittered(options_.ttl));
  breaker_.Record(put.status());
  if (!put.ok()) {
    redis_errors_.Increment();
    KeepForRetry(full_key, value);
    return;
  }
  RetryPending();
}

void ReadThroughCache::KeepForRetry(const std::string& full_key,
                                    const CachedValue& value) {
  absl::MutexLock lock(&pending_mu_);
  auto it = pending_.find(full_key);
  if (it != pending_.end()) {
    if (Supersedes(value, it->second)) it->second = value;
    return;
  }
  // Beyond the bound, the floors and the TTL cover what is dropped.
  if (pending_.size() < options_.pending_entries) {
    pending_.emplace(full_key, value);
  }
}

void ReadThroughCache::RetryPending() {
  std::vector<std::pair<std::string, CachedValue>> batch;
  {
    absl::MutexLock lock(&pending_mu_);
    if (pending_.empty()) return;
    while (!pending_.empty() && batch.size() < 32) {
      auto it = pending_.begin();
      batch.emplace_back(it->first, std::move(it->second));
      pending_.erase(it);
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<bool> put =
        shared_->Put(batch[i].first, batch[i].second, Jittered(options_.ttl));
    if (!put.ok()) {
      breaker_.Record(put.status());
      redis_errors_.Increment();
      for (size_t j = i; j < batch.size(); ++j) {
        KeepForRetry(batch[j].first, batch[j].second);
      }
      return;
    }
  }
}

void ReadThroughCache::NearPut(const std::string& full_key,
                               const CachedValue& value) {
  if (near_ == nullptr || value.revision < Floor(full_key)) return;
  (void)near_->Put(full_key, value, Jittered(options_.near_ttl));
}

absl::StatusOr<CachedValue> ReadThroughCache::Get(const std::string& key,
                                                  const Loader& load,
                                                  absl::Time deadline) {
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
  absl::StatusOr<CachedValue> result = absl::UnknownError("not loaded");
  if (leader) {
    // Whatever happens in the load (even an exception), the key is free
    // again and the joiners are answered.
    absl::Cleanup done = [&] {
      {
        absl::MutexLock lock(&flights_mu_);
        flights_.erase(full_key);
      }
      flight->done.Notify();
    };
    flight->result = Load(full_key, load);
    result = flight->result;
  } else {
    joins_.Increment();
    if (!flight->done.WaitForNotificationWithDeadline(deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("waited for a load of ", key,
                       " by another caller until the deadline"));
    }
    result = flight->result;
    // The leader ran out of time or was cancelled; this caller may not be.
    if (absl::IsDeadlineExceeded(result.status()) ||
        absl::IsCancelled(result.status())) {
      return LoadFromOwner(full_key, load);
    }
  }
  // A newer revision was announced while this one was loaded: read again.
  if (result.ok() && result->revision < Floor(full_key)) {
    return LoadFromOwner(full_key, load);
  }
  return result;
}

absl::StatusOr<CachedValue> ReadThroughCache::Load(const std::string& full_key,
                                                   const Loader& load) {
  std::optional<CachedValue> shared = SharedGet(full_key);
  if (shared.has_value() && !shared->is_tombstone()) {
    if (shared->revision >= Floor(full_key)) {
      hits_.Increment();
      RaiseFloor(full_key, shared->revision);
      NearPut(full_key, *shared);
      return *std::move(shared);
    }
    stale_.Increment();
  }
  return LoadFromOwner(full_key, load);
}

absl::StatusOr<CachedValue> ReadThroughCache::LoadFromOwner(
    const std::string& full_key, const Loader& load) {
  misses_.Increment();
  absl::StatusOr<CachedValue> loaded = load();
  if (!loaded.ok()) return loaded.status();
  if (loaded->is_tombstone()) {
    return absl::InternalError("a cache loader returned no value");
  }
  if (before_fill_) before_fill_(full_key);
  // A newer revision announced while this one loaded: store nothing (the
  // caller reads again). Otherwise both fills are compare-and-set, so a
  // newer revision that reached a tier first stays.
  if (loaded->revision < Floor(full_key)) return loaded;
  RaiseFloor(full_key, loaded->revision);
  SharedPut(full_key, *loaded);
  NearPut(full_key, *loaded);
  return loaded;
}

void ReadThroughCache::Offer(const std::string& key, const CachedValue& value) {
  const std::string full_key = absl::StrCat(options_.key_prefix, key);
  announcements_.Increment();
  RaiseFloor(full_key, value.revision);
  NearPut(full_key, value);
  SharedPut(full_key, value);
}

void ReadThroughCache::Announce(const std::string& key,
                                const CachedValue& value) {
  const std::string full_key = absl::StrCat(options_.key_prefix, key);
  announcements_.Increment();
  RaiseFloor(full_key, value.revision);
  if (near_ != nullptr) {
    absl::StatusOr<std::optional<CachedValue>> cached = near_->Get(full_key);
    if (cached.ok() && cached->has_value()) NearPut(full_key, value);
  }
  SharedPut(full_key, value);
}

void ReadThroughCache::ClearNear() {
  if (near_ != nullptr) near_->Clear();
}

}  // namespace qudao
