// Following another service's change feed to keep something derived from it
// (a cache) current: events from the event bus as they are published, and
// the feed itself (ListChanges) as the catch-up path — after the bus
// reports a gap (a reconnect), every `poll` when there is no bus, and now
// and then anyway. The follower starts at the feed's end (it needs only
// what happens from now on) and remembers the position of the last event it
// read from the feed; bus events never move it, so a catch-up after a gap
// starts before whatever the gap swallowed. Events arrive twice and out of
// step between the two paths, so `apply` must be idempotent and
// order-tolerant (a revision check does both).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/events/event_bus.h"
#include "common/storage/outbox.h"
#include "qudao/type/v1/change_event.pb.h"

namespace qudao::events {

class FeedFollower {
 public:
  using Fetch = std::function<absl::StatusOr<type::v1::ListChangesResponse>(
      const type::v1::ListChangesRequest&)>;
  using Apply = std::function<void(const ChangeEvent&)>;

  struct Options {
    // The feed's name on the bus, e.g. "customer_records".
    std::string source;
    // Only these topics, e.g. "dealer.".
    std::string topic_prefix;
    // How often to read the feed anyway: without a bus, and with one (a
    // safety net for messages lost without a reconnect).
    absl::Duration poll = absl::Seconds(2);
    absl::Duration poll_with_bus = absl::Seconds(30);
    // After a failed read of the feed: when to try again.
    absl::Duration retry = absl::Seconds(1);
  };

  // `bus` may be null (poll the feed). `on_position_lost` runs when changes
  // may have been missed and cannot be replayed (the follower never knew
  // its position): drop everything derived.
  FeedFollower(EventBus* bus, Fetch fetch, Apply apply,
               std::function<void()> on_position_lost, Options options);
  ~FeedFollower();

  void Start();
  void Stop();

  // Reads the feed from the last position to its end, applying every
  // event; finds the position first if it is not known.
  absl::Status CatchUp();
  // Events applied so far, by either path.
  int64_t applied() const;
  bool knows_position() const;
  // Whether what is derived from the feed can be trusted now: the position
  // is known, the last read of the feed reached its end, and the bus has
  // reported no gap since that read began. A cache that cannot be kept
  // current is not to be served from (its owner asks the source instead).
  // Without a bus, "current" is as of the last poll.
  bool current() const;

 private:
  void Run();
  void Deliver(const ChangeEvent& event);
  void Advance(const std::string& cursor);
  absl::Status ReadToEnd();

  EventBus* const bus_;
  const Fetch fetch_;
  const Apply apply_;
  const std::function<void()> on_position_lost_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::optional<storage::ChangeCursor> position_ ABSL_GUARDED_BY(mu_);
  bool catch_up_due_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  bool current_ ABSL_GUARDED_BY(mu_) = false;
  // Gaps the bus reported, so a read that began before one is not taken
  // as current.
  int64_t gaps_ ABSL_GUARDED_BY(mu_) = 0;
  // Serialises catch-ups (the thread's and a test's).
  absl::Mutex catch_up_mu_;
  std::thread thread_;
};

}  // namespace qudao::events
