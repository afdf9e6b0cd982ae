// In-process LRU cache with expiry; see cache.h.
#include <list>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "common/cache/cache.h"

namespace qudao {
namespace {

class InProcessCache : public Cache {
 public:
  InProcessCache(size_t max_entries, const Clock* clock)
      : max_entries_(std::max<size_t>(1, max_entries)), clock_(clock) {}

  std::optional<std::string> Get(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return std::nullopt;
    if (clock_->Now() >= it->second->expires) {
      lru_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  void Set(absl::string_view key, absl::string_view value,
           absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    const std::string k(key);
    auto it = index_.find(k);
    if (it != index_.end()) {
      lru_.erase(it->second);
      index_.erase(it);
    }
    lru_.push_front(Entry{k, std::string(value), clock_->Now() + ttl});
    index_[k] = lru_.begin();
    while (index_.size() > max_entries_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

  void Delete(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return;
    lru_.erase(it->second);
    index_.erase(it);
  }

  absl::Status Ping() override { return absl::OkStatus(); }

 private:
  struct Entry {
    std::string key;
    std::string value;
    absl::Time expires;
  };
  const size_t max_entries_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::list<Entry>::iterator> index_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Cache> NewInProcessCache(size_t max_entries,
                                         const Clock* clock) {
  return std::make_unique<InProcessCache>(max_entries, clock);
}

absl::StatusOr<std::shared_ptr<Cache>> CacheFromSetting(
    const std::string& redis_url, size_t local_entries) {
  if (redis_url.empty()) {
    return std::shared_ptr<Cache>(NewInProcessCache(local_entries));
  }
  auto redis = NewRedisCache(redis_url);
  if (!redis.ok()) return redis.status();
  return std::shared_ptr<Cache>(std::move(*redis));
}

}  // namespace qudao
