// Redis cache over the shared Redis client; see cache.h. An entry is a hash
// {r: revision, v: bytes} (a tombstone has no v); Put is a Lua script so
// the revision check and the write are one atomic step.
#include <algorithm>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/redis/redis_client.h"

namespace qudao {
namespace {

// KEYS[1] key; ARGV revision, has_value (1/0), value, ttl in ms. The rule
// is Supersedes() in in_process_cache.cc.
constexpr char kPutScript[] = R"lua(
local cur = redis.call('HGET', KEYS[1], 'r')
local rev = tonumber(ARGV[1])
if cur then
  cur = tonumber(cur) or -1
  if cur > rev then return 0 end
  if cur == rev and (ARGV[2] == '0' or redis.call('HEXISTS', KEYS[1], 'v') == 1) then
    return 0
  end
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'r', ARGV[1], 'v', ARGV[3])
else
  redis.call('HDEL', KEYS[1], 'v')
  redis.call('HSET', KEYS[1], 'r', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
)lua";

// Not a failing Redis (so not counted by the circuit breaker): an answer
// that is no entry of ours, e.g. WRONGTYPE for a foreign key.
absl::Status Unexpected(const RedisReply& reply, absl::string_view what) {
  return absl::InternalError(absl::StrCat(
      "Redis answered ", what, " unexpectedly",
      reply.type == RedisReply::Type::kError ? absl::StrCat(": ", reply.str)
                                             : std::string()));
}

class RedisCache : public Cache {
 public:
  RedisCache(RedisAddress address, RedisCacheOptions options)
      : client_(std::move(address), options.timeout), options_(options) {}

  absl::StatusOr<std::optional<CachedValue>> Get(
      absl::string_view key) override {
    absl::StatusOr<RedisReply> reply = client_.Command(
        {"HMGET", absl::StrCat(options_.key_prefix, key), "r", "v"});
    if (!reply.ok()) return reply.status();
    if (reply->type != RedisReply::Type::kArray ||
        reply->elements.size() != 2) {
      return Unexpected(*reply, "HMGET");
    }
    const RedisReply& r = reply->elements[0];
    const RedisReply& v = reply->elements[1];
    CachedValue out;
    if (r.type != RedisReply::Type::kString ||
        !absl::SimpleAtoi(r.str, &out.revision)) {
      return std::nullopt;  // absent (or not an entry of ours)
    }
    if (v.type == RedisReply::Type::kString) out.bytes = v.str;
    return std::optional<CachedValue>(std::move(out));
  }

  absl::StatusOr<bool> Put(absl::string_view key, const CachedValue& value,
                           absl::Duration ttl) override {
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl));
    absl::StatusOr<RedisReply> reply = client_.Command(
        {"EVAL", kPutScript, "1", absl::StrCat(options_.key_prefix, key),
         absl::StrCat(value.revision), value.is_tombstone() ? "0" : "1",
         value.bytes.value_or(""), absl::StrCat(ms)});
    if (!reply.ok()) return reply.status();
    if (reply->type != RedisReply::Type::kInteger) {
      return Unexpected(*reply, "the revision check");
    }
    return reply->integer == 1;
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
