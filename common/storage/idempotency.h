// The one idempotency pattern of qudao: a mutating request carries a key;
// its first response is stored, as the bytes of the API's response message,
// in the same transaction as the write it describes; a retry with the same
// key gets those bytes back instead of applying the write again, after a
// timeout, a crash or a concurrent duplicate alike. Reusing a key for a
// different request is INVALID_ARGUMENT (reason IDEMPOTENCY_KEY_REUSED,
// field request_id).
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

inline constexpr char kReasonIdempotencyKeyReused[] = "IDEMPOTENCY_KEY_REUSED";

// What identifies one logical request, and what it asked for.
struct IdempotentRequest {
  // Keys of different scopes never collide.
  std::string scope;
  // Empty: the request is not idempotent (every call applies).
  std::string request_id;
  // Canonical bytes of what the operation reads from the request (never
  // output-only fields): a reuse of the key with other bytes is refused.
  std::string fingerprint;

  // A key sent by a person or partner (the request_id of AIP-155), scoped
  // by the service method and the caller, so two callers' keys never
  // collide and nobody can replay another's answer.
  static IdempotentRequest FromCaller(absl::string_view method,
                                      absl::string_view caller,
                                      absl::string_view request_id,
                                      std::string fingerprint);
  // A step one service takes on behalf of a business object, keyed by the
  // object and the step (e.g. "order/ord_…/reserve") whoever sends it: a
  // reconciler retrying with its own identity still gets the first answer.
  static IdempotentRequest ForStep(absl::string_view object_step,
                                   std::string fingerprint);

  bool enabled() const { return !request_id.empty(); }
};

// How a response of type T is stored: the bytes of the API's response
// message (encode must be deterministic).
template <typename T>
struct ResponseCodec {
  std::function<std::string(const T&)> encode;
  std::function<absl::StatusOr<T>(absl::string_view)> decode;
};

// Inside a transaction: the stored response of `request`, nullopt if it
// was never seen, or IDEMPOTENCY_KEY_REUSED if the key was used for a
// different request.
absl::StatusOr<std::optional<std::string>> FindIdempotentResponse(
    Transaction& tx, const IdempotentRequest& request);

// Stores the response of a first execution; must run in the transaction
// that made the write. A concurrent duplicate that committed first is a
// retryable conflict: the transaction runs again and finds its response.
absl::Status RecordIdempotentResponse(Transaction& tx,
                                      const IdempotentRequest& request,
                                      absl::string_view response,
                                      absl::Time now);

// Runs `write` at most once per request key, in one read-write
// transaction with its idempotency record, and returns the stored response
// bytes (the first execution's, on a replay). A request without a key runs
// `write` every time.
absl::StatusOr<std::string> RunIdempotentBytes(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write);

// The typed form every mutating operation uses. The answer is always the
// decoding of the stored bytes, so the first call and every replay return
// the same response, byte for byte.
template <typename T>
absl::StatusOr<T> RunIdempotent(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const ResponseCodec<T>& codec,
    const std::function<absl::StatusOr<T>(Transaction&)>& write) {
  absl::StatusOr<std::string> bytes = RunIdempotentBytes(
      db, request, now, [&](Transaction& tx) -> absl::StatusOr<std::string> {
        absl::StatusOr<T> fresh = write(tx);
        if (!fresh.ok()) return fresh.status();
        return codec.encode(*fresh);
      });
  if (!bytes.ok()) return bytes.status();
  return codec.decode(*bytes);
}

// The answer already given to `request`, if there is one (a read, nothing
// written; audited as a replay). An operation that asks another service
// before its transaction (is the dealer known, still trading?) looks here
// first, so a retry of a call that succeeded is answered as it was the
// first time, whatever that service says now. IDEMPOTENCY_KEY_REUSED as
// RunIdempotent.
absl::StatusOr<std::optional<std::string>> FindReplayBytes(
    Database& db, const IdempotentRequest& request);

template <typename T>
absl::StatusOr<std::optional<T>> FindReplay(Database& db,
                                            const IdempotentRequest& request,
                                            const ResponseCodec<T>& codec) {
  absl::StatusOr<std::optional<std::string>> bytes =
      FindReplayBytes(db, request);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<T>();
  absl::StatusOr<T> decoded = codec.decode(**bytes);
  if (!decoded.ok()) return decoded.status();
  return std::optional<T>(*std::move(decoded));
}

// The last step of a hot-row write: one conditional data-modifying
// statement on the busy row (`UPDATE accounts SET reserved = reserved + $1
// WHERE id = $2 AND limit - reserved >= $1`, without RETURNING), and the
// response to record for either outcome.
struct FinalStatement {
  std::string sql;
  Params params;
  std::string response_if_applied;
  std::string response_if_not_applied;
};

struct HotRowOutcome {
  // Whether the final statement changed a row. On a replay it is false:
  // the response (the first call's) says what happened.
  bool applied = false;
  std::string response;
  // A duplicate of a request already answered.
  bool replayed = false;
};

// The hot-row form of the idempotency pattern, for a write whose invariant
// is one conditional statement on a busy row (TransactionMode::kHotRow:
// READ COMMITTED on PostgreSQL, where a waiting writer re-checks the
// condition on the row's newest version instead of failing). The key is
// claimed first, so a concurrent duplicate waits on the claim and then
// replays the first response; `prepare` runs next (reads, inserts of the
// request's own rows) and returns the final statement, which is sent
// together with the response's record and COMMIT in one round trip: the
// busy row's lock is held only while the server executes and commits.
absl::StatusOr<HotRowOutcome> RunHotRowWrite(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<FinalStatement>(Transaction&)>& prepare);

// The idempotency pattern for a write of several statements around a busy
// row, in TransactionMode::kHotRow (READ COMMITTED on PostgreSQL: a
// conditional UPDATE that waited on the row re-checks its condition on the
// row's newest version, so an invariant held by that condition never
// breaks and nobody fails a serialisation check). The key is claimed first
// (a concurrent duplicate waits on the claim, then replays); `write` runs
// with the row's lock taken by its conditional statement for the rest of
// the transaction; its response is recorded and returned. Use it when the
// outcome of the conditional statement decides what else is written (a
// reservation approved or held); RunHotRowWrite when one statement is all.
// `prefetch` (optional) sends ahead the reads `write` will make
// (Transaction::Prefetch): they travel with the claim, in one round trip.
absl::StatusOr<std::string> RunHotRowIdempotentBytes(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const std::function<absl::StatusOr<std::string>(Transaction&)>& write,
    const std::function<absl::Status(Transaction&)>& prefetch = nullptr);

template <typename T>
absl::StatusOr<T> RunHotRowIdempotent(
    Database& db, const IdempotentRequest& request, absl::Time now,
    const ResponseCodec<T>& codec,
    const std::function<absl::StatusOr<T>(Transaction&)>& write,
    const std::function<absl::Status(Transaction&)>& prefetch = nullptr) {
  absl::StatusOr<std::string> bytes = RunHotRowIdempotentBytes(
      db, request, now,
      [&](Transaction& tx) -> absl::StatusOr<std::string> {
        absl::StatusOr<T> fresh = write(tx);
        if (!fresh.ok()) return fresh.status();
        return codec.encode(*fresh);
      },
      prefetch);
  if (!bytes.ok()) return bytes.status();
  return codec.decode(*bytes);
}

// Deletes idempotency records created before `cutoff` and returns how many.
// Retries come within minutes; records are kept for days (see
// kIdempotencyRetention) and then purged so the table stays small.
absl::StatusOr<int64_t> PurgeIdempotencyRecords(Database& db,
                                                absl::Time cutoff);
inline constexpr absl::Duration kIdempotencyRetention = absl::Hours(24 * 7);

}  // namespace qudao::storage
