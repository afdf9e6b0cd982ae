// A service's change feed: its outbox events as ChangeEvent messages, read
// after a cursor (ListChanges), and the relay that publishes them on the
// event bus as they commit.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/clock/clock.h"
#include "common/events/event_bus.h"
#include "common/storage/database.h"
#include "common/storage/leased_jobs.h"
#include "common/storage/outbox.h"
#include "qudao/type/v1/change_event.pb.h"

namespace qudao::events {

// The event as the feed and the bus carry it.
ChangeEvent ToChangeEvent(absl::string_view source,
                          const storage::StoredEvent& event);

// ListChanges of `source`'s feed in `db`: validates the request (a bad
// cursor or page size is INVALID_ARGUMENT naming the field) and reads the
// page.
absl::StatusOr<type::v1::ListChangesResponse> ListChanges(
    storage::Database& db, absl::string_view source,
    const type::v1::ListChangesRequest& request);

// Publishes a service's outbox on the event bus, in order, as soon as
// transactions commit (woken by them; polling as a fallback). Any number of
// replicas may run one: a lease makes one of them the publisher. It saves
// its position after publishing, so a crash in between publishes again
// (at least once); nothing committed is lost.
class OutboxRelay {
 public:
  struct Options {
    // The feed's name on the bus: the service, e.g. "customer_records".
    std::string source;
    // How long to wait for a commit before looking anyway.
    absl::Duration poll = absl::Milliseconds(500);
    int batch = 500;
    // How long a replica stays the publisher without renewing.
    absl::Duration leadership = absl::Seconds(5);
  };

  OutboxRelay(storage::Database* db, EventBus* bus, const Clock* clock,
              Options options);
  ~OutboxRelay();

  void Start();
  void Stop();

  // One pass: if this replica publishes, publishes what follows the saved
  // position and saves the new one. Returns how many events it published.
  absl::StatusOr<int> RunOnce();

 private:
  storage::Database* db_;
  EventBus* bus_;
  const Options options_;
  storage::LeasedJobs lease_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace qudao::events
