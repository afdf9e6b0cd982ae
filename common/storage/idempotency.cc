// Idempotency records; see idempotency.h. Requests and responses are stored
// base64-encoded so the same TEXT column works on both backends.
#include "common/storage/idempotency.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/audit.h"

namespace qudao::storage {

IdempotentRequest IdempotentRequest::FromCaller(absl::string_view method,
                                                absl::string_view caller,
                                                absl::string_view request_id,
                                                std::string fingerprint) {
  return {absl::StrCat("call|", method, "|", caller), std::string(request_id),
          std::move(fingerprint)};
}

IdempotentRequest IdempotentRequest::ForStep(absl::string_view object_step,
                                             std::string fingerprint) {
  return {"step", std::string(object_step), std::move(fingerprint)};
}

absl::StatusOr<std::optional<std::string>> FindIdempotentResponse(
    Transaction& tx, const IdempotentRequest& request) {
  auto rows = tx.Query(
      "SELECT request, response FROM idempotency_keys WHERE scope = $1 AND "
      "request_id = $2",
      {request.scope, request.request_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  std::string stored_request, response;
  if (!absl::Base64Unescape((*rows)[0].Text("request"), &stored_request) ||
      !absl::Base64Unescape((*rows)[0].Text("response"), &response)) {
    return absl::DataLossError("idempotency record is not valid base64");
  }
  if (stored_request != request.fingerprint) {
    return WithField(
        Refusal(absl::StatusCode::kInvalidArgument, kReasonIdempotencyKeyReused,
                absl::StrCat("request_id ", QuoteInput(request.request_id),
                             " was already used for a different request; use "
                             "a new request_id for a new operation")),
        "request_id");
  }
  return std::optional<std::string>(std::move(response));
}

absl::Status RecordIdempotentResponse(Transaction& tx,
                                      const IdempotentRequest& request,
                                      absl::string_view response,
                                      absl::Time now) {
  absl::Status s =
      tx.Execute(
            "INSERT INTO idempotency_keys (scope, request_id, request, "
            "response, created_at) VALUES ($1, $2, $3, $4, $5)",
            {request.scope, request.request_id,
             absl::Base64Escape(request.fingerprint),
             absl::Base64Escape(response), ToStoredTime(now)})
          .status();
  // A duplicate committed the same key between our lookup and this insert:
  // run again, and the lookup finds its response.
  if (absl::IsAlreadyExists(s)) {
    return RetryableConflict("a concurrent duplicate of this request won");
  }
  return s;
}

absl::StatusOr<int64_t> PurgeIdempotencyRecords(Database& db,
                                                absl::Time cutoff) {
  int64_t purged = 0;
  absl::Status s = db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        auto n =
            tx.Execute("DELETE FROM idempotency_keys WHERE created_at < $1",
                       {ToStoredTime(cutoff)});
        if (!n.ok()) return n.status();
        purged = *n;
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return purged;
}

absl::StatusOr<std::optional<std::string>> FindReplayBytes(
    Database& db, const IdempotentRequest& request) {
  std::optional<std::string> response;
  if (!request.enabled()) return response;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto previous = FindIdempotentResponse(tx, request);
        if (!previous.ok()) return previous.status();
        response = *std::move(previous);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (response.has_value()) {
    if (AuditScope* scope = AuditScope::Current()) scope->MarkReplayed();
  }
  return response;
}

absl::StatusOr<std::string> RunIdempotentBytes(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write) {
  std::string response;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        if (request.enabled()) {
          auto previous = FindIdempotentResponse(tx, request);
          if (!previous.ok()) return previous.status();
          if (previous->has_value()) {
            response = **std::move(previous);
            if (AuditScope* scope = AuditScope::Current()) {
              scope->MarkReplayed();
            }
            return absl::OkStatus();
          }
        }
        absl::StatusOr<std::string> fresh = write(tx);
        if (!fresh.ok()) return fresh.status();
        response = *std::move(fresh);
        RETURN_IF_ERROR(RecordAuditInTransaction(tx, response));
        if (!request.enabled()) return absl::OkStatus();
        return RecordIdempotentResponse(tx, request, response, now);
      });
  if (!status.ok()) return status;
  return response;
}

namespace {

// Claims `request`'s key in `tx` (kHotRow): nullopt when this call claimed
// it, else the response recorded by the call that did (a duplicate in
// flight holds the key's row lock, so this waits for it to commit, or to
// roll back and leave the key to this call).
absl::StatusOr<std::optional<std::string>> ClaimKey(
    Transaction& tx, const IdempotentRequest& request, absl::Time now) {
  auto claimed = tx.Execute(
      "INSERT INTO idempotency_keys (scope, request_id, request, response, "
      "created_at) VALUES ($1, $2, $3, '', $4) ON CONFLICT (scope, "
      "request_id) DO NOTHING",
      {request.scope, request.request_id,
       absl::Base64Escape(request.fingerprint), ToStoredTime(now)});
  if (!claimed.ok()) return claimed.status();
  if (*claimed == 1) return std::optional<std::string>();
  auto previous = FindIdempotentResponse(tx, request);
  if (!previous.ok()) return previous.status();
  if (!previous->has_value()) {
    return RetryableConflict("idempotency claim vanished");
  }
  if (AuditScope* scope = AuditScope::Current()) scope->MarkReplayed();
  return previous;
}

}  // namespace

absl::StatusOr<std::string> RunHotRowIdempotentBytes(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write,
    const std::function<absl::Status(Transaction&)>& prefetch) {
  std::string response;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
        if (prefetch) RETURN_IF_ERROR(prefetch(tx));
        if (request.enabled()) {
          ASSIGN_OR_RETURN(std::optional<std::string> previous,
                           ClaimKey(tx, request, now));
          if (previous.has_value()) {
            response = *std::move(previous);
            return absl::OkStatus();
          }
        }
        ASSIGN_OR_RETURN(response, write(tx));
        RETURN_IF_ERROR(RecordAuditInTransaction(tx, response));
        if (!request.enabled()) return absl::OkStatus();
        // With the audit row and whatever the write queued, it travels with
        // the COMMIT.
        return tx.ExecuteLater(
            "UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND "
            "request_id = $2",
            {request.scope, request.request_id, absl::Base64Escape(response)});
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<HotRowOutcome> RunHotRowWrite(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<FinalStatement>(Transaction&)>&
        prepare) {
  HotRowOutcome outcome;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
        outcome = HotRowOutcome();
        if (request.enabled()) {
          ASSIGN_OR_RETURN(std::optional<std::string> previous,
                           ClaimKey(tx, request, now));
          if (previous.has_value()) {
            outcome.response = *std::move(previous);
            outcome.replayed = true;
            return absl::OkStatus();
          }
        }
        absl::StatusOr<FinalStatement> final_statement = prepare(tx);
        if (!final_statement.ok()) return final_statement.status();
        // Before the final statement, which may commit.
        RETURN_IF_ERROR(
            RecordAuditInTransaction(tx, final_statement->response_if_applied));
        const FinalStatement& f = *final_statement;
        if (tx.backend() == Backend::kSqlite) {
          // One writer at a time: nothing waits on this row.
          auto changed = tx.Execute(f.sql, f.params);
          if (!changed.ok()) return changed.status();
          outcome.applied = *changed > 0;
          outcome.response = outcome.applied ? f.response_if_applied
                                             : f.response_if_not_applied;
          if (!request.enabled()) return absl::OkStatus();
          return tx
              .Execute(
                  "UPDATE idempotency_keys SET response = $3 WHERE scope = "
                  "$1 AND request_id = $2",
                  {request.scope, request.request_id,
                   absl::Base64Escape(outcome.response)})
              .status();
        }
        absl::StatusOr<std::vector<Row>> rows;
        if (!request.enabled()) {
          rows =
              tx.QueryAndCommit(absl::StrCat(f.sql, " RETURNING 1"), f.params);
          if (!rows.ok()) return rows.status();
          outcome.applied = !rows->empty();
        } else {
          // The statement and the record of its response in one: which
          // response is recorded depends on whether the statement applied.
          Params params = f.params;
          const size_t n = params.size();
          params.push_back(absl::Base64Escape(f.response_if_applied));
          params.push_back(absl::Base64Escape(f.response_if_not_applied));
          params.push_back(request.scope);
          params.push_back(request.request_id);
          rows = tx.QueryAndCommit(
              absl::StrCat(
                  "WITH applied AS (", f.sql,
                  " RETURNING 1) UPDATE idempotency_keys SET response = CASE "
                  "WHEN EXISTS (SELECT 1 FROM applied) THEN $",
                  n + 1, " ELSE $", n + 2, " END WHERE scope = $", n + 3,
                  " AND request_id = $", n + 4,
                  " RETURNING (SELECT COUNT(*) FROM applied) AS applied"),
              params);
          if (!rows.ok()) return rows.status();
          outcome.applied = !rows->empty() && (*rows)[0].Int("applied") > 0;
        }
        outcome.response =
            outcome.applied ? f.response_if_applied : f.response_if_not_applied;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return outcome;
}

}  // namespace qudao::storage
