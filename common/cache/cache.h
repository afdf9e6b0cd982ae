// The shared tier of qudao's caches: string keys to revisioned values,
// where a value is only ever replaced by a newer revision. Two
// implementations: Redis (shared by every replica and service) and
// in-process (a bounded LRU; also the near-cache in front of Redis, see
// read_through_cache.h). A cache is never the source of truth: a backend
// failure is reported so the caller can read from the owner instead.
//
// Why revisions: a reader that fetched revision 4 of a record and stores it
// late must not replace revision 5 that a writer stored meanwhile (the
// stale-set race). Every Put is a compare-and-set on the revision, and an
// invalidation leaves a tombstone carrying the revision it invalidates, so
// a late Put of an older revision is refused after a delete too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace qudao {

// A value at a revision, or a tombstone (no bytes): "revision `revision`
// exists, its value is not cached".
struct CachedValue {
  int64_t revision = 0;
  std::optional<std::string> bytes;

  bool is_tombstone() const { return !bytes.has_value(); }
  friend bool operator==(const CachedValue& a, const CachedValue& b) {
    return a.revision == b.revision && a.bytes == b.bytes;
  }
};

// Whether `offered` replaces `current`: a newer revision always does; at the
// same revision a value replaces a tombstone (the value of the revision an
// invalidation announced), nothing else.
bool Supersedes(const CachedValue& offered, const CachedValue& current);

class Cache {
 public:
  virtual ~Cache() = default;
  // The entry (possibly a tombstone); nullopt when absent or expired;
  // UNAVAILABLE when the backend fails.
  virtual absl::StatusOr<std::optional<CachedValue>> Get(
      absl::string_view key) = 0;
  // Stores `value` for `ttl` if it supersedes what is stored (see
  // Supersedes), atomically. Returns whether it was stored.
  virtual absl::StatusOr<bool> Put(absl::string_view key,
                                   const CachedValue& value,
                                   absl::Duration ttl) = 0;
  // OK when the backend answers (health, not correctness).
  virtual absl::Status Ping() = 0;
  // Forgets every entry of an in-process cache; a shared tier ignores it
  // (its entries are revision-checked and expire).
  virtual void Clear() {}
};

// A bounded LRU map with per-entry expiry, safe for concurrent use.
std::unique_ptr<Cache> NewInProcessCache(size_t max_entries,
                                         const Clock* clock = &Clock::Real());

struct RedisCacheOptions {
  // Every command gives up after this long.
  absl::Duration timeout = absl::Milliseconds(50);
  // All keys are prefixed, so deployments can share one Redis.
  std::string key_prefix = "qudao:";
};

// Connects to redis://host:port[/db]. Fails only on a malformed URL; an
// unreachable server is retried on later calls. Entries are hashes
// {r: revision, v: bytes}; Put is a Lua compare-and-set.
absl::StatusOr<std::unique_ptr<Cache>> NewRedisCache(
    absl::string_view url, const RedisCacheOptions& options = {});

// The shared tier a process uses: Redis when `redis_url` is set, else none
// (nullptr: each process caches on its own, in its near-cache).
// INVALID_ARGUMENT for a malformed URL.
absl::StatusOr<std::shared_ptr<Cache>> SharedCacheFromSetting(
    const std::string& redis_url);

}  // namespace qudao
