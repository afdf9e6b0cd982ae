// Redis cache over hiredis; see cache.h. One connection per calling thread
// would scale better; for now a small pool of blocking connections, each
// command bounded by a timeout, and a broken connection is dropped and
// re-dialled on the next call.
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/cache/cache.h"

namespace qudao {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisCache : public Cache {
 public:
  RedisCache(std::string host, int port, int db, RedisCacheOptions options)
      : host_(std::move(host)), port_(port), db_(db), options_(options) {}

  std::optional<std::string> Get(absl::string_view key) override {
    const std::string k = absl::StrCat(options_.key_prefix, key);
    ReplyPtr reply = Command({"GET", k});
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) {
      return std::nullopt;
    }
    return std::string(reply->str, reply->len);
  }

  void Set(absl::string_view key, absl::string_view value,
           absl::Duration ttl) override {
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl));
    Command({"SET", absl::StrCat(options_.key_prefix, key), std::string(value),
             "PX", absl::StrCat(ms)});
  }

  void Delete(absl::string_view key) override {
    Command({"DEL", absl::StrCat(options_.key_prefix, key)});
  }

  absl::Status Ping() override {
    ReplyPtr reply = Command({"PING"});
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("Redis at ", host_, ":", port_, " does not answer"));
    }
    return absl::OkStatus();
  }

 private:
  ContextPtr Dial() {
    const timeval tv = {
        static_cast<time_t>(absl::ToInt64Seconds(options_.timeout)),
        static_cast<suseconds_t>(absl::ToInt64Microseconds(options_.timeout) %
                                 1000000)};
    ContextPtr c(redisConnectWithTimeout(host_.c_str(), port_, tv));
    if (c == nullptr || c->err != 0) return nullptr;
    if (redisSetTimeout(c.get(), tv) != REDIS_OK) return nullptr;
    if (db_ != 0) {
      ReplyPtr r(
          static_cast<redisReply*>(redisCommand(c.get(), "SELECT %d", db_)));
      if (r == nullptr || r->type == REDIS_REPLY_ERROR) return nullptr;
    }
    return c;
  }

  // Runs one command on a pooled connection; nullptr on any failure.
  ReplyPtr Command(const std::vector<std::string>& args) {
    ContextPtr conn;
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (conn == nullptr) {
      // After a failed dial, calls skip Redis for a moment (a miss) rather
      // than each paying a connect timeout while it is down.
      {
        absl::MutexLock lock(&mu_);
        if (absl::Now() < next_dial_) return nullptr;
      }
      conn = Dial();
      if (conn == nullptr) {
        absl::MutexLock lock(&mu_);
        next_dial_ = absl::Now() + absl::Seconds(1);
        return nullptr;
      }
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
        conn.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (reply == nullptr || conn->err != 0) return nullptr;  // drop conn
    absl::MutexLock lock(&mu_);
    if (idle_.size() < 16) idle_.push_back(std::move(conn));
    return reply;
  }

  const std::string host_;
  const int port_;
  const int db_;
  const RedisCacheOptions options_;
  absl::Mutex mu_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  absl::Time next_dial_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace

absl::StatusOr<std::unique_ptr<Cache>> NewRedisCache(
    absl::string_view url, const RedisCacheOptions& options) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Redis URL '", url, "' must look like redis://host:port[/db]"));
  }
  int db = 0;
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    if (!absl::SimpleAtoi(rest.substr(slash + 1), &db) || db < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Redis URL '", url, "' has a bad database number"));
    }
    rest = rest.substr(0, slash);
  }
  std::string host(rest);
  int port = 6379;
  if (size_t colon = rest.rfind(':'); colon != absl::string_view::npos) {
    host = std::string(rest.substr(0, colon));
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("Redis URL '", url, "' has a bad port"));
    }
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Redis URL '", url, "' has no host"));
  }
  return std::make_unique<RedisCache>(host, port, db, options);
}

}  // namespace qudao
