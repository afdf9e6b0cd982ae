// Redis over hiredis; see redis_client.h.
#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace qudao {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval DurationToTimeval(absl::Duration d) {
  return {static_cast<time_t>(absl::ToInt64Seconds(d)),
          static_cast<suseconds_t>(absl::ToInt64Microseconds(d) % 1000000)};
}

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(Copy(r->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

redisContext* Connect(const RedisAddress& address, absl::Duration timeout) {
  const timeval tv = DurationToTimeval(timeout);
  redisContext* c =
      redisConnectWithTimeout(address.host.c_str(), address.port, tv);
  if (c == nullptr) return nullptr;
  if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK) {
    redisFree(c);
    return nullptr;
  }
  if (address.db != 0) {
    ReplyPtr r(
        static_cast<redisReply*>(redisCommand(c, "SELECT %d", address.db)));
    if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
      redisFree(c);
      return nullptr;
    }
  }
  return c;
}

}  // namespace

absl::StatusOr<RedisAddress> RedisAddress::Parse(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Redis URL '", url, "' must look like redis://host:port[/db]"));
  }
  RedisAddress address;
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    if (!absl::SimpleAtoi(rest.substr(slash + 1), &address.db) ||
        address.db < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Redis URL '", url, "' has a bad database number"));
    }
    rest = rest.substr(0, slash);
  }
  address.host = std::string(rest);
  if (size_t colon = rest.rfind(':'); colon != absl::string_view::npos) {
    address.host = std::string(rest.substr(0, colon));
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &address.port) ||
        address.port <= 0 || address.port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("Redis URL '", url, "' has a bad port"));
    }
  }
  if (address.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Redis URL '", url, "' has no host"));
  }
  return address;
}

std::string RedisAddress::ToString() const {
  return absl::StrCat("redis://", host, ":", port, "/", db);
}

void RedisClient::ContextDeleter::operator()(redisContext* c) const {
  redisFree(c);
}

RedisClient::RedisClient(RedisAddress address, absl::Duration timeout)
    : address_(std::move(address)), timeout_(timeout) {}

RedisClient::~RedisClient() = default;

RedisClient::ContextPtr RedisClient::Dial() {
  return ContextPtr(Connect(address_, timeout_));
}

absl::StatusOr<RedisReply> RedisClient::Command(
    const std::vector<std::string>& args) {
  ContextPtr conn;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else if (absl::Now() < next_dial_) {
      return absl::UnavailableError("Redis is unreachable (backing off)");
    }
  }
  if (conn == nullptr) {
    conn = Dial();
    if (conn == nullptr) {
      absl::MutexLock lock(&mu_);
      next_dial_ = absl::Now() + absl::Seconds(1);
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to Redis at ", address_.host, ":", address_.port));
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
  if (reply == nullptr || conn->err != 0) {
    // The connection is in an unknown state: drop it.
    return absl::UnavailableError(absl::StrCat(
        "Redis command failed: ", conn->err != 0 ? conn->errstr : "no reply"));
  }
  RedisReply out = Copy(reply.get());
  absl::MutexLock lock(&mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(conn));
  return out;
}

RedisSubscription::RedisSubscription(RedisAddress address, std::string pattern,
                                     MessageHandler on_message,
                                     std::function<void()> on_connected)
    : address_(std::move(address)),
      pattern_(std::move(pattern)),
      on_message_(std::move(on_message)),
      on_connected_(std::move(on_connected)) {}

RedisSubscription::~RedisSubscription() { Stop(); }

void RedisSubscription::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RedisSubscription::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RedisSubscription::Run() {
  absl::Duration backoff = absl::Milliseconds(50);
  while (!stopping_) {
    // The read timeout only bounds how long Stop() waits.
    redisContext* raw = Connect(address_, absl::Milliseconds(200));
    std::unique_ptr<redisContext, void (*)(redisContext*)> c(raw, redisFree);
    if (c == nullptr) {
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(1));
      continue;
    }
    ReplyPtr subscribed(static_cast<redisReply*>(redisCommand(
        c.get(), "PSUBSCRIBE %b", pattern_.data(), pattern_.size())));
    // An error reply (e.g. "max number of clients reached", or a refused
    // AUTH) is no subscription: treat it as a failed dial.
    if (subscribed == nullptr || c->err != 0 ||
        subscribed->type != REDIS_REPLY_ARRAY) {
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(1));
      continue;
    }
    backoff = absl::Milliseconds(50);
    connected_ = true;
    if (on_connected_) on_connected_();
    while (!stopping_) {
      void* out = nullptr;
      if (redisGetReply(c.get(), &out) != REDIS_OK) {
        if (c->err == REDIS_ERR_IO &&
            (errno == EAGAIN || errno == EWOULDBLOCK)) {
          // Read timeout: nothing published; look at stopping_ and wait on.
          c->err = 0;
          c->errstr[0] = '\0';
          continue;
        }
        break;  // connection lost: redial
      }
      ReplyPtr message(static_cast<redisReply*>(out));
      // ["pmessage", pattern, channel, payload]
      if (message != nullptr && message->type == REDIS_REPLY_ARRAY &&
          message->elements == 4 &&
          message->element[3]->type == REDIS_REPLY_STRING) {
        on_message_(absl::string_view(message->element[2]->str,
                                      message->element[2]->len),
                    absl::string_view(message->element[3]->str,
                                      message->element[3]->len));
      }
    }
    connected_ = false;
  }
}

}  // namespace qudao
