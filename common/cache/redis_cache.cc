// Redis cache over the shared Redis client; see cache.h. A failure of any
// kind reads as a miss.
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/redis/redis_client.h"

namespace qudao {
namespace {

class RedisCache : public Cache {
 public:
  RedisCache(RedisAddress address, RedisCacheOptions options)
      : client_(std::move(address), options.timeout), options_(options) {}

  std::optional<std::string> Get(absl::string_view key) override {
    auto reply =
        client_.Command({"GET", absl::StrCat(options_.key_prefix, key)});
    if (!reply.ok() || reply->type != RedisReply::Type::kString) {
      return std::nullopt;
    }
    return std::move(reply->str);
  }

  void Set(absl::string_view key, absl::string_view value,
           absl::Duration ttl) override {
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl));
    (void)client_.Command({"SET", absl::StrCat(options_.key_prefix, key),
                           std::string(value), "PX", absl::StrCat(ms)});
  }

  void Delete(absl::string_view key) override {
    (void)client_.Command({"DEL", absl::StrCat(options_.key_prefix, key)});
  }

  absl::Status Ping() override {
    auto reply = client_.Command({"PING"});
    if (!reply.ok() || reply->type == RedisReply::Type::kError) {
      return absl::UnavailableError(absl::StrCat(
          "Redis at ", client_.address().ToString(), " does not answer"));
    }
    return absl::OkStatus();
  }

 private:
  RedisClient client_;
  const RedisCacheOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Cache>> NewRedisCache(
    absl::string_view url, const RedisCacheOptions& options) {
  absl::StatusOr<RedisAddress> address = RedisAddress::Parse(url);
  if (!address.ok()) return address.status();
  return std::make_unique<RedisCache>(*std::move(address), options);
}

}  // namespace qudao
