// A read-through cache of revisioned records for hot reads: an optional
// bounded in-process near-cache, then the shared tier (Redis), then the
// owner (a loader: a database read or an RPC to the owning service).
//
// - Every fill is a compare-and-set on the record's revision (cache.h), in
//   both tiers, so a slow reader never puts an older revision back.
// - Revision floors: the process remembers the newest revision it has
//   seen of each key (from loads and announcements) for as long as shared
//   entries live, and treats an older shared entry as a miss. So an
//   announcement the shared tier missed (Redis down, breaker open, a
//   failover to a replica that had not got the write) is not undone by the
//   shared tier's older copy; the reload repairs it.
// - Only the owner writes the shared tier (`write_shared`): readers in
//   other services fill their near-cache only, so nothing but the owner of
//   the records can put one there. Writes the shared tier could not take
//   are kept (bounded) and retried once it answers again.
// - Single-flight: concurrent misses of one key in a process share one
//   load; the others wait for it ("joins") until their own deadline. A
//   result older than a revision announced meanwhile is loaded again.
// - The shared tier sits behind a circuit breaker: after a few consecutive
//   failures (each bounded by the Redis timeout, 50 ms) it opens and reads
//   skip Redis for a second, then one probe tries it again (half-open). A
//   failure never fails a read: the loader answers instead.
// - Entries expire after their TTL with ±20% jitter, so entries filled
//   together do not expire together; the near-cache keeps entries for a
//   shorter TTL. Expiry is the last resort: owners announce changes.
// - Metrics per cache (label `cache`): lookups by result (near_hit, hit,
//   miss, joined, stale: a shared entry older than the floor), fall-throughs
//   to the owner while the shared tier is failing or open, announcements
//   received, Redis errors, breaker state.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/clock/clock.h"
#include "common/concurrency/circuit_breaker.h"
#include "common/metrics/metrics.h"

namespace qudao {

struct ReadThroughOptions {
  // Names the cache in metrics, e.g. "dealer".
  std::string name;
  // Prefix of every key in both tiers, with a layout version, e.g.
  // "dealer:v2:" (a new layout ships without reading the old one).
  std::string key_prefix;
  // Near-cache capacity; 0 disables it.
  size_t near_entries = 10000;
  absl::Duration near_ttl = absl::Seconds(30);
  // TTL of shared-tier entries (±`jitter`).
  absl::Duration ttl = absl::Minutes(5);
  double jitter = 0.2;
  // Whether this process fills the shared tier (the records' owner) or only
  // reads it.
  bool write_shared = true;
  // Keys whose newest seen revision is remembered (for `ttl`).
  size_t floor_entries = 100000;
  // Shared-tier writes kept for a retry while it is unavailable.
  size_t pending_entries = 10000;
  // Consecutive shared-tier failures that open the breaker, and how long it
  // stays open before a probe.
  int breaker_threshold = 5;
  absl::Duration breaker_open_for = absl::Seconds(1);
};

class ReadThroughCache {
 public:
  // Loads the current value of a key from its owner. Its errors are
  // returned to the reader as they are; nothing is cached for them.
  using Loader = std::function<absl::StatusOr<CachedValue>()>;

  // `shared` may be null (no shared tier). `registry` may be null.
  ReadThroughCache(std::shared_ptr<Cache> shared, ReadThroughOptions options,
                   metrics::Registry* registry,
                   const Clock* clock = &Clock::Real());

  // The value of `key` (never a tombstone): near-cache, shared tier, or
  // `load` (then stored). A reader joining another's load waits until
  // `deadline` at most (DEADLINE_EXCEEDED).
  absl::StatusOr<CachedValue> Get(const std::string& key, const Loader& load,
                                  absl::Time deadline = absl::InfiniteFuture());

  // The owner's own write, just committed: stored in the near-cache (so
  // this process reads its write) and the shared tier.
  void Offer(const std::string& key, const CachedValue& value);
  // A change announced by the owner (an event): raises the key's floor,
  // replaces a near-cache entry only if one is cached (a bulk change does
  // not flush the hot entries), and is stored in the shared tier by the
  // owner. A tombstone announces a revision without its value.
  void Announce(const std::string& key, const CachedValue& value);
  // Forgets every near-cache entry (after changes may have been missed and
  // cannot be replayed).
  void ClearNear();

  CircuitBreaker::State breaker_state() const { return breaker_.state(); }

  // Runs in a loading reader after the load and before the fill: tests hold
  // a slow reader here to make the stale-set race deterministic. Set it
  // while no reader runs.
  void SetBeforeFillForTesting(std::function<void(const std::string&)> hook) {
    before_fill_ = std::move(hook);
  }

 private:
  struct Flight;

  absl::StatusOr<CachedValue> Load(const std::string& full_key,
                                   const Loader& load);
  absl::StatusOr<CachedValue> LoadFromOwner(const std::string& full_key,
                                            const Loader& load);
  // The shared tier's entry, through the breaker; nullopt on a miss or
  // when the tier is unavailable.
  std::optional<CachedValue> SharedGet(const std::string& full_key);
  void SharedPut(const std::string& full_key, const CachedValue& value);
  void KeepForRetry(const std::string& full_key, const CachedValue& value);
  void RetryPending();
  void NearPut(const std::string& full_key, const CachedValue& value);
  int64_t Floor(const std::string& full_key);
  void RaiseFloor(const std::string& full_key, int64_t revision);
  absl::Duration Jittered(absl::Duration ttl);

  std::shared_ptr<Cache> shared_;
  std::unique_ptr<Cache> near_;
  // Tombstones carrying the newest revision seen per key.
  std::unique_ptr<Cache> floors_;
  const ReadThroughOptions options_;
  const Clock* clock_;
  mutable CircuitBreaker breaker_;
  std::function<void(const std::string&)> before_fill_;

  absl::Mutex flights_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_
      ABSL_GUARDED_BY(flights_mu_);

  absl::Mutex pending_mu_;
  absl::flat_hash_map<std::string, CachedValue> pending_
      ABSL_GUARDED_BY(pending_mu_);

  metrics::Registry own_registry_;
  metrics::Counter near_hits_, hits_, misses_, joins_, stale_, fall_throughs_,
      announcements_, redis_errors_;
};

}  // namespace qudao
