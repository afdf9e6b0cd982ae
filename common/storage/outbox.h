// The transactional outbox and the change feed read from it.
//
// A store appends a domain event (e.g. "dealer.updated" with the dealer as
// it now is) in the same transaction as the change, so an event exists iff
// its change committed. A relay publishes events (events/outbox_relay.h);
// other services follow the feed with ReadChanges/ListChanges, so the owner
// never calls anyone back.
//
// Order and gaps: a follower reads in (transaction, sequence) order and
// only events of transactions that have finished, so it never skips an
// event that commits after a later-numbered one was read. On PostgreSQL
// sequence numbers are handed out at insert time and transactions commit
// in any order: each row records the id of its writing transaction, and a
// read returns only rows of transactions older than every transaction
// still in flight (pg_snapshot_xmin). On SQLite writers are serialised and
// sequence order is commit order.
//
// Delivery is at least once: after a crash between publishing and saving
// its position a relay publishes again, so consumers tolerate duplicates
// (events carry the resource's revision for that).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/storage/database.h"

namespace qudao::storage {

struct Event {
  // What happened, "<resource>.<verb>": "dealer.created", "dealer.updated".
  std::string topic;
  // The resource it happened to, e.g. the dealer id.
  std::string key;
  // The event's message, serialized (a google.protobuf.Any in practice).
  std::string payload;
};

// A position in a feed. Opaque to clients (Encode/Decode).
struct ChangeCursor {
  int64_t txid = 0;
  int64_t seq = 0;

  std::string Encode() const;
  // INVALID_ARGUMENT for a string Encode did not make; "" is the start.
  static absl::StatusOr<ChangeCursor> Decode(absl::string_view text);
  friend bool operator==(const ChangeCursor& a, const ChangeCursor& b) {
    return a.txid == b.txid && a.seq == b.seq;
  }
};

struct StoredEvent {
  ChangeCursor cursor;
  Event event;
  absl::Time create_time;
};

// Appends `event` to the outbox in `tx`; wakes the relay when `tx` commits.
absl::Status AppendEvent(Transaction& tx, const Event& event, absl::Time now);

// Up to `limit` events after `after`, in feed order, whose transactions
// have finished; only topics starting with `topic_prefix` ("" for all).
absl::StatusOr<std::vector<StoredEvent>> ReadChanges(
    Database& db, const ChangeCursor& after, int limit,
    absl::string_view topic_prefix = "");

// The position after the last event whose transaction has finished: a
// follower starting there sees every later change (and none before).
absl::StatusOr<ChangeCursor> FeedEnd(Database& db);

// A named follower's saved position (e.g. a relay's), or the start.
absl::StatusOr<ChangeCursor> LoadCursor(Database& db, absl::string_view name);
absl::Status SaveCursor(Database& db, absl::string_view name,
                        const ChangeCursor& cursor);

// Deletes events older than `cutoff` that every named cursor has passed.
absl::StatusOr<int64_t> PurgeOutbox(Database& db, absl::Time cutoff);
inline constexpr absl::Duration kOutboxRetention = absl::Hours(24 * 7);

}  // namespace qudao::storage
