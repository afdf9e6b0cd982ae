// Idempotency records; see idempotency.h. Requests and responses are stored
// base64-encoded so the same TEXT column works on both backends.
#include "common/storage/idempotency.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace qudao::storage {

absl::StatusOr<std::optional<std::string>> FindIdempotentResponse(
    Transaction& tx, absl::string_view scope, absl::string_view request_id,
    absl::string_view request) {
  auto rows = tx.Query(
      "SELECT request, response FROM idempotency_keys WHERE scope = $1 AND "
      "request_id = $2",
      {scope, request_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  std::string stored_request, response;
  if (!absl::Base64Unescape((*rows)[0].Text(0), &stored_request) ||
      !absl::Base64Unescape((*rows)[0].Text(1), &response)) {
    return absl::DataLossError("idempotency record is not valid base64");
  }
  if (stored_request != request) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id '", request_id,
        "' was already used for a different request; use a new request_id "
        "for a new operation"));
  }
  return std::optional<std::string>(std::move(response));
}

absl::Status RecordIdempotentResponse(Transaction& tx, absl::string_view scope,
                                      absl::string_view request_id,
                                      absl::string_view request,
                                      absl::string_view response,
                                      int64_t created_at_micros) {
  return tx
      .Execute(
          "INSERT INTO idempotency_keys (scope, request_id, request, response, "
          "created_at) VALUES ($1, $2, $3, $4, $5)",
          {scope, request_id, absl::Base64Escape(request),
           absl::Base64Escape(response), created_at_micros})
      .status();
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

absl::StatusOr<std::string> RunIdempotent(
    Database& db, absl::string_view scope, absl::string_view request_id,
    absl::string_view request, int64_t now_micros,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write) {
  std::string response;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        if (!request_id.empty()) {
          auto previous =
              FindIdempotentResponse(tx, scope, request_id, request);
          if (!previous.ok()) return previous.status();
          if (previous->has_value()) {
            response = **std::move(previous);
            return absl::OkStatus();
          }
        }
        absl::StatusOr<std::string> fresh = write(tx);
        if (!fresh.ok()) return fresh.status();
        response = *std::move(fresh);
        if (request_id.empty()) return absl::OkStatus();
        return RecordIdempotentResponse(tx, scope, request_id, request,
                                        response, now_micros);
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace qudao::storage
