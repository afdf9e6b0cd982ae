// Idempotent writes: a request id maps to the first response, stored in the
// same transaction as the write it describes, so a retry after a timeout or
// a crash returns the original result instead of applying twice.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace qudao::storage {

// Looks up `request_id` in `scope` (usually the RPC's full method name).
// Returns the stored response if the same request was seen before, nullopt
// if never seen, INVALID_ARGUMENT if the id was used for a different request.
absl::StatusOr<std::optional<std::string>> FindIdempotentResponse(
    Transaction& tx, absl::string_view scope, absl::string_view request_id,
    absl::string_view request);

// Stores the response of a first execution. Must run in the transaction
// that made the write.
absl::Status RecordIdempotentResponse(Transaction& tx, absl::string_view scope,
                                      absl::string_view request_id,
                                      absl::string_view request,
                                      absl::string_view response,
                                      int64_t created_at_micros);

// Runs `write` at most once per (scope, request_id): on a repeat, returns
// the stored response instead. An empty request_id disables the check.
// `Response` is any type with SerializeAsString/ParseFromString (protobuf
// messages); `request` is the caller's canonical bytes of the request.
template <typename Response, typename Write>
absl::StatusOr<Response> RunIdempotent(Database& db, absl::string_view scope,
                                       absl::string_view request_id,
                                       absl::string_view request,
                                       int64_t now_micros, Write write) {
  Response response;
  absl::Status status = db.RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        if (!request_id.empty()) {
          auto previous =
              FindIdempotentResponse(tx, scope, request_id, request);
          if (!previous.ok()) return previous.status();
          if (previous->has_value()) {
            response = Response();
            if (!response.ParseFromString(**previous)) {
              return absl::DataLossError(
                  "stored idempotent response does not parse");
            }
            return absl::OkStatus();
          }
        }
        absl::StatusOr<Response> fresh = write(tx);
        if (!fresh.ok()) return fresh.status();
        response = *std::move(fresh);
        if (request_id.empty()) return absl::OkStatus();
        return RecordIdempotentResponse(tx, scope, request_id, request,
                                        response.SerializeAsString(),
                                        now_micros);
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace qudao::storage
