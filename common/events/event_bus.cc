// Event buses; see event_bus.h.
#include "common/events/event_bus.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"
#include "common/redis/redis_client.h"

namespace qudao::events {
namespace {

constexpr char kChannelPrefix[] = "qudao:events:";

struct Subscriber {
  EventBus::Handler handler;
  std::function<void()> on_gap;
};

// Subscribers by source, shared by both buses.
class Subscribers {
 public:
  void Add(std::string source, Subscriber s) {
    absl::MutexLock lock(&mu_);
    subscribers_.emplace(std::move(source), std::move(s));
  }
  void Deliver(absl::string_view source, const ChangeEvent& event) {
    absl::ReaderMutexLock lock(&mu_);
    if (stopped_) return;
    auto [begin, end] = subscribers_.equal_range(std::string(source));
    for (auto it = begin; it != end; ++it) it->second.handler(event);
  }
  void Gap() {
    absl::ReaderMutexLock lock(&mu_);
    if (stopped_) return;
    for (auto& [source, s] : subscribers_) {
      if (s.on_gap) s.on_gap();
    }
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }

 private:
  absl::Mutex mu_;
  std::multimap<std::string, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

class InProcessEventBus : public EventBus {
 public:
  absl::Status Publish(absl::string_view source,
                       const std::vector<ChangeEvent>& events) override {
    for (const ChangeEvent& e : events) subscribers_.Deliver(source, e);
    return absl::OkStatus();
  }
  void Subscribe(std::string source, Handler handler,
                 std::function<void()> on_gap) override {
    subscribers_.Add(std::move(source),
                     {std::move(handler), std::move(on_gap)});
  }
  void Stop() override { subscribers_.Stop(); }

 private:
  Subscribers subscribers_;
};

class RedisEventBus : public EventBus {
 public:
  explicit RedisEventBus(RedisAddress address)
      : address_(address), publisher_(address, absl::Milliseconds(500)) {}
  ~RedisEventBus() override { Stop(); }

  absl::Status Publish(absl::string_view source,
                       const std::vector<ChangeEvent>& events) override {
    const std::string channel = absl::StrCat(kChannelPrefix, source);
    for (const ChangeEvent& e : events) {
      auto reply =
          publisher_.Command({"PUBLISH", channel, e.SerializeAsString()});
      if (!reply.ok()) return reply.status();
      if (reply->type == RedisReply::Type::kError) {
        return absl::UnavailableError(
            absl::StrCat("Redis refused PUBLISH: ", reply->str));
      }
    }
    return absl::OkStatus();
  }

  void Subscribe(std::string source, Handler handler,
                 std::function<void()> on_gap) override {
    subscribers_.Add(std::move(source),
                     {std::move(handler), std::move(on_gap)});
    absl::MutexLock lock(&mu_);
    if (subscription_ != nullptr) return;
    // One connection for every source: a pattern subscription.
    subscription_ = std::make_unique<RedisSubscription>(
        address_, absl::StrCat(kChannelPrefix, "*"),
        [this](absl::string_view channel, absl::string_view message) {
          absl::string_view source = channel;
          if (!absl::ConsumePrefix(&source, kChannelPrefix)) return;
          ChangeEvent event;
          if (!event.ParseFromArray(message.data(),
                                    static_cast<int>(message.size()))) {
            log::Warning("unparseable change event on Redis",
                         {{"channel", std::string(channel)}});
            return;
          }
          subscribers_.Deliver(source, event);
        },
        // Every (re)connect may follow missed messages.
        [this] { subscribers_.Gap(); });
    subscription_->Start();
  }

  void Stop() override {
    subscribers_.Stop();
    std::unique_ptr<RedisSubscription> subscription;
    {
      absl::MutexLock lock(&mu_);
      subscription = std::move(subscription_);
    }
    if (subscription != nullptr) subscription->Stop();
  }

 private:
  const RedisAddress address_;
  RedisClient publisher_;
  Subscribers subscribers_;
  absl::Mutex mu_;
  std::unique_ptr<RedisSubscription> subscription_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<EventBus> NewInProcessEventBus() {
  return std::make_unique<InProcessEventBus>();
}

absl::StatusOr<std::unique_ptr<EventBus>> NewRedisEventBus(
    absl::string_view url) {
  absl::StatusOr<RedisAddress> address = RedisAddress::Parse(url);
  if (!address.ok()) return address.status();
  return std::make_unique<RedisEventBus>(*address);
}

absl::StatusOr<std::shared_ptr<EventBus>> EventBusFromSetting(
    const std::string& redis_url) {
  if (redis_url.empty())
    return std::shared_ptr<EventBus>(NewInProcessEventBus());
  absl::StatusOr<std::unique_ptr<EventBus>> bus = NewRedisEventBus(redis_url);
  if (!bus.ok()) return bus.status();
  return std::shared_ptr<EventBus>(*std::move(bus));
}

}  // namespace qudao::events
