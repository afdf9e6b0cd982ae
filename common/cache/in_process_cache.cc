// In-process LRU cache with expiry and revisions; see cache.h.
#include <list>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/cache/cache.h"

namespace qudao {

bool Supersedes(const CachedValue& offered, const CachedValue& current) {
  if (offered.revision != current.revision) {
    return offered.revision > current.revision;
  }
  return current.is_tombstone() && !offered.is_tombstone();
}

namespace {

class InProcessCache : public Cache {
 public:
  InProcessCache(size_t max_entries, const Clock* clock)
      : max_entries_(std::max<size_t>(1, max_entries)), clock_(clock) {}

  absl::StatusOr<std::optional<CachedValue>> Get(
      absl::string_view key) override {
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (now >= it->second->expires) {
      Erase(it);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return std::optional<CachedValue>(it->second->value);
  }

  absl::StatusOr<bool> Put(absl::string_view key, const CachedValue& value,
                           absl::Duration ttl) override {
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      if (now < it->second->expires && !Supersedes(value, it->second->value)) {
        return false;
      }
      Erase(it);
    }
    lru_.push_front(Entry{std::string(key), value, now + ttl});
    index_.emplace(lru_.front().key, lru_.begin());
    while (index_.size() > max_entries_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    return true;
  }

  absl::Status Ping() override { return absl::OkStatus(); }

  void Clear() override {
    absl::MutexLock lock(&mu_);
    index_.clear();
    lru_.clear();
  }

 private:
  struct Entry {
    std::string key;
    CachedValue value;
    absl::Time expires;
  };
  using Index =
      absl::flat_hash_map<absl::string_view, std::list<Entry>::iterator>;

  void Erase(Index::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto entry = it->second;
    index_.erase(it);
    lru_.erase(entry);
  }

  const size_t max_entries_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);
  // Keys view the entries' own key strings (stable in a std::list).
  Index index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Cache> NewInProcessCache(size_t max_entries,
                                         const Clock* clock) {
  return std::make_unique<InProcessCache>(max_entries, clock);
}

absl::StatusOr<std::shared_ptr<Cache>> SharedCacheFromSetting(
    const std::string& redis_url) {
  if (redis_url.empty()) return std::shared_ptr<Cache>();
  auto redis = NewRedisCache(redis_url);
  if (!redis.ok()) return redis.status();
  return std::shared_ptr<Cache>(std::move(*redis));
}

}  // namespace qudao
