// AuthFailureLimiter; see auth_failure_limiter.h.
#include "services/gateway/auth_failure_limiter.h"

#include <algorithm>

namespace qudao::gateway {

void AuthFailureLimiter::Refill(Bucket& b, absl::Time now) const {
  const double gained = absl::FDivDuration(now - b.updated, options_.refill);
  b.tokens = std::min<double>(options_.burst, b.tokens + std::max(0.0, gained));
  b.updated = now;
}

absl::Duration AuthFailureLimiter::WaitBeforeTrying(const std::string& client) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) return absl::ZeroDuration();
  Refill(it->second, clock_->Now());
  if (it->second.tokens >= 1) return absl::ZeroDuration();
  return (1 - it->second.tokens) * options_.refill;
}

void AuthFailureLimiter::RecordFailure(const std::string& client) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients && !lru_.empty()) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(client);
    it = buckets_
             .emplace(client, Bucket{static_cast<double>(options_.burst), now,
                                     lru_.begin()})
             .first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Refill(it->second, now);
  it->second.tokens = std::max(0.0, it->second.tokens - 1);
}

}  // namespace qudao::gateway
