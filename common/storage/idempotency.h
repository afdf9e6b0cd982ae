// Idempotent writes: a request id maps to the first response, stored in the
// same transaction as the write it describes, so a retry after a timeout or
// a crash returns the original result instead of applying twice.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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

// Runs `write` at most once per (scope, request_id), in one serialisable
// transaction with the idempotency record: on a repeat, returns the stored
// response instead of running `write`. An empty request_id disables the
// check. `request` is the caller's canonical bytes of the request; reusing
// an id with different bytes is INVALID_ARGUMENT.
absl::StatusOr<std::string> RunIdempotent(
    Database& db, absl::string_view scope, absl::string_view request_id,
    absl::string_view request, int64_t now_micros,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write);

// Deletes idempotency records created before `cutoff` and returns how many.
// Retries come within minutes; records are kept for days (see
// kIdempotencyRetention) and then purged so the table stays small.
absl::StatusOr<int64_t> PurgeIdempotencyRecords(Database& db,
                                                absl::Time cutoff);
inline constexpr absl::Duration kIdempotencyRetention = absl::Hours(24 * 7);

// The same for protobuf responses.
template <typename Response, typename Write>
absl::StatusOr<Response> RunIdempotentMessage(Database& db,
                                              absl::string_view scope,
                                              absl::string_view request_id,
                                              absl::string_view request,
                                              int64_t now_micros, Write write) {
  absl::StatusOr<std::string> bytes =
      RunIdempotent(db, scope, request_id, request, now_micros,
                    [&](Transaction& tx) -> absl::StatusOr<std::string> {
                      absl::StatusOr<Response> fresh = write(tx);
                      if (!fresh.ok()) return fresh.status();
                      return fresh->SerializeAsString();
                    });
  if (!bytes.ok()) return bytes.status();
  Response response;
  if (!response.ParseFromString(*bytes)) {
    return absl::DataLossError("stored idempotent response does not parse");
  }
  return response;
}

}  // namespace qudao::storage
