// The outbox; see outbox.h.
#include "common/storage/outbox.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/macros.h"

namespace qudao::storage {

std::string ChangeCursor::Encode() const {
  if (txid == 0 && seq == 0) return "";
  return absl::WebSafeBase64Escape(absl::StrCat("c1:", txid, ":", seq));
}

absl::StatusOr<ChangeCursor> ChangeCursor::Decode(absl::string_view text) {
  ChangeCursor cursor;
  if (text.empty()) return cursor;
  std::string plain;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(text, &plain)) {
    parts = absl::StrSplit(plain, ':');
  }
  if (parts.size() != 3 || parts[0] != "c1" ||
      !absl::SimpleAtoi(parts[1], &cursor.txid) ||
      !absl::SimpleAtoi(parts[2], &cursor.seq) || cursor.txid < 0 ||
      cursor.seq < 0) {
    return absl::InvalidArgumentError(
        "is not a cursor returned by this feed; start from \"\"");
  }
  return cursor;
}

absl::Status AppendEvent(Transaction& tx, const Event& event, absl::Time now) {
  RETURN_IF_ERROR(tx.ExecuteLater(
      "INSERT INTO outbox (topic, event_key, payload, created_at) VALUES ($1, "
      "$2, $3, $4)",
      {event.topic, event.key, absl::Base64Escape(event.payload),
       ToStoredTime(now)}));
  if (Database* db = tx.database()) {
    tx.OnCommit([db] { db->SignalOutbox(); });
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredEvent>> ReadChanges(
    Database& db, const ChangeCursor& after, int limit,
    absl::string_view topic_prefix) {
  std::vector<StoredEvent> events;
  RETURN_IF_ERROR(db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        events.clear();
        const bool pg = tx.backend() == Backend::kPostgres;
        // Only transactions older than every one still in flight: no row
        // can appear later with a position before the ones returned.
        // Row-value comparison on (txid, seq) walks the (txid, seq) index.
        const std::string sql = absl::StrCat(
            "SELECT ", pg ? "txid::text::bigint" : "txid",
            " AS tx, seq, topic, event_key, payload, created_at FROM outbox "
            "WHERE (txid, seq) > (",
            pg ? "$1::text::xid8" : "$1", ", $2)",
            pg ? " AND txid < pg_snapshot_xmin(pg_current_snapshot())" : "",
            " AND substr(topic, 1, $3) = $4 ORDER BY txid, seq LIMIT $5");
        ASSIGN_OR_RETURN(
            auto rows,
            tx.Query(sql, {after.txid, after.seq,
                           static_cast<int64_t>(topic_prefix.size()),
                           topic_prefix, static_cast<int64_t>(limit)}));
        for (const Row& r : rows) {
          StoredEvent e;
          e.cursor = {r.Int("tx"), r.Int("seq")};
          e.event.topic = r.Text("topic");
          e.event.key = r.Text("event_key");
          if (!absl::Base64Unescape(r.Text("payload"), &e.event.payload)) {
            return absl::DataLossError(
                absl::StrCat("outbox event ", e.cursor.seq, " is corrupt"));
          }
          e.create_time = FromStoredTime(r.Int("created_at"));
          events.push_back(std::move(e));
        }
        return absl::OkStatus();
      }));
  return events;
}

absl::StatusOr<ChangeCursor> FeedEnd(Database& db) {
  ChangeCursor end;
  RETURN_IF_ERROR(db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        const bool pg = tx.backend() == Backend::kPostgres;
        // As ReadChanges: transactions still in flight come later.
        const std::string sql = absl::StrCat(
            "SELECT ", pg ? "txid::text::bigint" : "txid",
            " AS tx, seq FROM outbox",
            pg ? " WHERE txid < pg_snapshot_xmin(pg_current_snapshot())" : "",
            " ORDER BY txid DESC, seq DESC LIMIT 1");
        ASSIGN_OR_RETURN(auto rows, tx.Query(sql, {}));
        if (!rows.empty()) end = {rows[0].Int("tx"), rows[0].Int("seq")};
        return absl::OkStatus();
      }));
  return end;
}

absl::StatusOr<ChangeCursor> LoadCursor(Database& db, absl::string_view name) {
  ChangeCursor cursor;
  RETURN_IF_ERROR(db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            auto rows,
            tx.Query("SELECT txid, seq FROM outbox_cursors WHERE name = $1",
                     {name}));
        if (!rows.empty()) cursor = {rows[0].Int("txid"), rows[0].Int("seq")};
        return absl::OkStatus();
      }));
  return cursor;
}

absl::Status SaveCursor(Database& db, absl::string_view name,
                        const ChangeCursor& cursor) {
  return db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        return tx
            .Execute(
                "INSERT INTO outbox_cursors (name, txid, seq) VALUES ($1, $2, "
                "$3) ON CONFLICT (name) DO UPDATE SET txid = excluded.txid, "
                "seq = excluded.seq",
                {name, cursor.txid, cursor.seq})
            .status();
      });
}

absl::StatusOr<int64_t> PurgeOutbox(Database& db, absl::Time cutoff) {
  int64_t purged = 0;
  RETURN_IF_ERROR(db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        const bool pg = tx.backend() == Backend::kPostgres;
        // Never beyond the slowest named follower.
        ASSIGN_OR_RETURN(
            purged,
            tx.Execute(
                absl::StrCat(
                    "DELETE FROM outbox WHERE created_at < $1 AND NOT "
                    "EXISTS (SELECT 1 FROM outbox_cursors c WHERE (c.txid "
                    "< ",
                    pg ? "outbox.txid::text::bigint" : "outbox.txid",
                    ") OR (c.txid = ",
                    pg ? "outbox.txid::text::bigint" : "outbox.txid",
                    " AND c.seq < outbox.seq))"),
                {ToStoredTime(cutoff)}));
        return absl::OkStatus();
      }));
  return purged;
}

}  // namespace qudao::storage
