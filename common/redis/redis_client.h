// Talking to Redis (hiredis 0.14): a URL, a small pool of blocking
// connections where every command is bounded by a timeout, and a
// subscription on its own connection and thread. Redis is never the source
// of truth in qudao: a failure is reported, the broken connection dropped,
// and after a failed dial calls skip Redis for a second instead of each
// paying a connect timeout while it is down.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

struct redisContext;

namespace qudao {

struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;

  // redis://host:port[/db]
  static absl::StatusOr<RedisAddress> Parse(absl::string_view url);
  std::string ToString() const;
};

// A reply, copied out of hiredis.
struct RedisReply {
  enum class Type { kString, kInteger, kNil, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;
  int64_t integer = 0;
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  RedisClient(RedisAddress address, absl::Duration timeout);
  ~RedisClient();

  // Runs one command. UNAVAILABLE when Redis cannot be reached or the
  // command times out; a Redis error reply is returned as a reply of type
  // kError, not as a status.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

  const RedisAddress& address() const { return address_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  ContextPtr Dial();

  const RedisAddress address_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  absl::Time next_dial_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// A pattern subscription (PSUBSCRIBE) on a dedicated connection, served by
// its own thread. Messages are delivered in order; after a disconnect it
// redials with backoff, and `on_connected` runs after every (re)connect so
// the owner can catch up on what it may have missed.
class RedisSubscription {
 public:
  using MessageHandler =
      std::function<void(absl::string_view channel, absl::string_view message)>;

  RedisSubscription(RedisAddress address, std::string pattern,
                    MessageHandler on_message,
                    std::function<void()> on_connected);
  ~RedisSubscription();

  void Start();
  void Stop();
  bool connected() const { return connected_; }

 private:
  void Run();

  const RedisAddress address_;
  const std::string pattern_;
  MessageHandler on_message_;
  std::function<void()> on_connected_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace qudao
