// Publishing committed changes to whoever follows them, fast: Redis
// pub/sub across replicas and services, or in-process when there is no
// Redis (`qudao dev`). The bus is only the fast path: a subscriber that may
// have missed messages (a reconnect) is told so and catches up from the
// owner's feed (ListChanges), which is the source of truth. Delivery is at
// least once; handlers tolerate duplicates.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "qudao/type/v1/change_event.pb.h"

namespace qudao::events {

using ChangeEvent = ::qudao::type::v1::ChangeEvent;

class EventBus {
 public:
  using Handler = std::function<void(const ChangeEvent&)>;

  virtual ~EventBus() = default;

  // Publishes `events` of `source`'s feed, in order.
  virtual absl::Status Publish(absl::string_view source,
                               const std::vector<ChangeEvent>& events) = 0;

  // Calls `handler` with every event of `source` published from now on, on
  // a bus thread, in order. `on_gap`, if set, runs whenever events may have
  // been missed (after the bus reconnects): read the feed from the last
  // position seen.
  virtual void Subscribe(std::string source, Handler handler,
                         std::function<void()> on_gap = nullptr) = 0;

  // Stops delivering; called before the handlers' owners go away.
  virtual void Stop() = 0;
};

// Delivers synchronously, in the publisher's thread, to this process only.
std::unique_ptr<EventBus> NewInProcessEventBus();

// Publishes to and subscribes on Redis channels "qudao:events:<source>".
// Fails only on a malformed URL; an unreachable Redis fails Publish (the
// relay retries) and is redialled by subscribers.
absl::StatusOr<std::unique_ptr<EventBus>> NewRedisEventBus(
    absl::string_view url);

// Redis when `redis_url` is set, else in-process.
absl::StatusOr<std::shared_ptr<EventBus>> EventBusFromSetting(
    const std::string& redis_url);

}  // namespace qudao::events
