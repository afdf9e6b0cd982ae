// The cache interface for hot dealer data: string keys to string values
// (serialized protos) with a time to live. Two implementations: in-process
// (LRU, bounded) for a single process or when no Redis is configured, and
// Redis (shared by every replica). A cache is never the source of truth:
// every failure reads as a miss, so a Redis outage degrades to uncached
// reads instead of errors.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace qudao {

class Cache {
 public:
  virtual ~Cache() = default;
  // nullopt on a miss, an expired entry, or a backend failure.
  virtual std::optional<std::string> Get(absl::string_view key) = 0;
  virtual void Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) = 0;
  virtual void Delete(absl::string_view key) = 0;
  // OK when the backend answers (health, not correctness).
  virtual absl::Status Ping() = 0;
};

// A bounded LRU map with per-entry expiry, safe for concurrent use.
std::unique_ptr<Cache> NewInProcessCache(size_t max_entries,
                                         const Clock* clock = &Clock::Real());

struct RedisCacheOptions {
  // Every command gives up after this long; the caller sees a miss.
  absl::Duration timeout = absl::Milliseconds(50);
  // All keys are prefixed, so services can share one Redis.
  std::string key_prefix = "qudao:";
};

// The cache a process uses: Redis when `redis_url` is set (shared by all
// replicas), else an in-process LRU of `local_entries` entries.
// INVALID_ARGUMENT for a malformed URL.
absl::StatusOr<std::shared_ptr<Cache>> CacheFromSetting(
    const std::string& redis_url, size_t local_entries = 10000);

// Connects to redis://host:port[/db]. Fails only on a malformed URL; an
// unreachable server is retried on later calls.
absl::StatusOr<std::unique_ptr<Cache>> NewRedisCache(
    absl::string_view url, const RedisCacheOptions& options = {});

}  // namespace qudao
