// Change feeds; see change_feed.h.
#include "common/events/change_feed.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::events {

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr char kRelayCursor[] = "relay";

}  // namespace

ChangeEvent ToChangeEvent(absl::string_view source,
                          const storage::StoredEvent& event) {
  ChangeEvent out;
  out.set_cursor(event.cursor.Encode());
  out.set_source(std::string(source));
  out.set_topic(event.event.topic);
  out.set_key(event.event.key);
  (void)out.mutable_payload()->ParseFromString(event.event.payload);
  const int64_t micros = absl::ToUnixMicros(event.create_time);
  out.mutable_create_time()->set_seconds(micros / 1000000);
  out.mutable_create_time()->set_nanos(
      static_cast<int32_t>(micros % 1000000 * 1000));
  return out;
}

absl::StatusOr<type::v1::ListChangesResponse> ListChanges(
    storage::Database& db, absl::string_view source,
    const type::v1::ListChangesRequest& request) {
  if (request.page_size() < 0) {
    return InvalidField("page_size", "must not be negative");
  }
  const int limit = request.page_size() == 0
                        ? kDefaultPageSize
                        : std::min(request.page_size(), kMaxPageSize);
  if (request.start_at_end()) {
    ASSIGN_OR_RETURN(const storage::ChangeCursor end, storage::FeedEnd(db));
    type::v1::ListChangesResponse response;
    response.set_next_cursor(end.Encode());
    return response;
  }
  absl::StatusOr<storage::ChangeCursor> after =
      storage::ChangeCursor::Decode(request.after_cursor());
  if (!after.ok())
    return InvalidField("after_cursor", after.status().message());
  if (request.topic_prefix().size() > 64) {
    return InvalidField("topic_prefix", "must be at most 64 characters");
  }
  ASSIGN_OR_RETURN(
      std::vector<storage::StoredEvent> events,
      storage::ReadChanges(db, *after, limit, request.topic_prefix()));
  type::v1::ListChangesResponse response;
  for (const storage::StoredEvent& e : events) {
    *response.add_events() = ToChangeEvent(source, e);
  }
  response.set_next_cursor(events.empty() ? request.after_cursor()
                                          : events.back().cursor.Encode());
  return response;
}

OutboxRelay::OutboxRelay(storage::Database* db, EventBus* bus,
                         const Clock* clock, Options options)
    : db_(db),
      bus_(bus),
      options_(std::move(options)),
      lease_(db, storage::LeasedJobs::ProcessHolder(), clock) {}

OutboxRelay::~OutboxRelay() { Stop(); }

absl::StatusOr<int> OutboxRelay::RunOnce() {
  ASSIGN_OR_RETURN(bool publisher, lease_.TakeOrRenew("outbox_relay", "leader",
                                                      options_.leadership));
  if (!publisher) return 0;
  ASSIGN_OR_RETURN(storage::ChangeCursor cursor,
                   storage::LoadCursor(*db_, kRelayCursor));
  ASSIGN_OR_RETURN(std::vector<storage::StoredEvent> events,
                   storage::ReadChanges(*db_, cursor, options_.batch));
  if (events.empty()) return 0;
  std::vector<ChangeEvent> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(ToChangeEvent(options_.source, e));
  RETURN_IF_ERROR(bus_->Publish(options_.source, out));
  RETURN_IF_ERROR(
      storage::SaveCursor(*db_, kRelayCursor, events.back().cursor));
  return static_cast<int>(events.size());
}

void OutboxRelay::Start() {
  thread_ = std::thread([this] {
    absl::Duration backoff = absl::Milliseconds(100);
    while (!stop_.HasBeenNotified()) {
      absl::StatusOr<int> published = RunOnce();
      if (!published.ok()) {
        log::Warning("outbox relay pass failed",
                     {{"source", options_.source},
                      {"error", published.status().ToString()}});
        stop_.WaitForNotificationWithTimeout(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(5));
        continue;
      }
      backoff = absl::Milliseconds(100);
      // A full batch: there is more; otherwise wait for the next commit.
      if (*published < options_.batch) db_->WaitForOutbox(options_.poll);
    }
  });
}

void OutboxRelay::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  db_->SignalOutbox();
  thread_.join();
}

}  // namespace qudao::events
