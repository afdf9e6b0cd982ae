// The audit trail of a service: every mutating call, allowed or refused,
// with who made it (principal, roles, the partner it acted for), which RPC
// and resource, when, its correlation and request ids, and the outcome.
// Append-only (database triggers refuse UPDATE and DELETE).
//
// A call's event is pending on its worker thread while the call runs
// (AuditScope, set by the serving layer). A write that commits records it
// in its own transaction (RecordAuditInTransaction, called by the
// idempotency helpers and by writes that do not use them), so a change and
// its audit event exist together or not at all. A call that ends without
// recording it (refused, failed, a replay) has it appended on its own when
// it ends. Calls that did not authenticate are not audited (they name
// nobody); the RPC metrics count them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"

namespace qudao::storage {

struct AuditEvent {
  int64_t seq = 0;
  absl::Time time;
  // The token's subject ("" when the caller did not authenticate).
  std::string principal;
  // The roles it held, "credit_controller, sales_rep".
  std::string roles;
  // The partner dealer a gateway call acted for, or "".
  std::string partner_dealer_id;
  // "CreditControlService/SetCreditLimit".
  std::string method;
  // "dealers/dlr_…", or "" when unknown (a refused create, a bad request).
  std::string resource;
  std::string correlation_id;
  std::string request_id;
  // "OK" or the status code's name ("PERMISSION_DENIED").
  std::string outcome;
  // The refusal's reason ("FOUR_EYES"), "" when OK.
  std::string reason;
};

// Appends `event` (its seq is assigned) in `tx`. Caller-supplied text
// (request id, resource) is kept to its first 128 bytes.
absl::Status AppendAuditEvent(Transaction& tx, const AuditEvent& event);
// Appends `event` in a transaction of its own.
absl::Status AppendAuditEvent(Database& db, const AuditEvent& event);

struct AuditFilter {
  std::string principal;
  std::string resource;
  // [since, until); infinite when unset.
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
};

struct AuditPage {
  // Newest first.
  std::vector<AuditEvent> events;
  std::string next_page_token;
};

// The canonical description of `filter` that page tokens are bound to.
std::string AuditFilterKey(const AuditFilter& filter);

absl::StatusOr<AuditPage> ListAuditEvents(Database& db,
                                          const AuditFilter& filter,
                                          const PageRequest& page);

// The event of the call running on this thread, while the call runs.
class AuditScope {
 public:
  explicit AuditScope(AuditEvent event);
  ~AuditScope();
  AuditScope(const AuditScope&) = delete;
  AuditScope& operator=(const AuditScope&) = delete;

  AuditEvent& event() { return event_; }
  // For a create, whose resource id is known only from its response: the
  // resource named by the response's bytes (as recorded for idempotency).
  std::function<std::string(absl::string_view)> resource_of_response;
  // Whether a committed transaction recorded the event.
  bool recorded() const { return recorded_; }
  // Whether the call was answered from an earlier one's record (an
  // idempotent replay): audited with reason REPLAY.
  bool replayed() const { return replayed_; }
  void MarkReplayed() { replayed_ = true; }

  // The scope of this thread, or null.
  static AuditScope* Current();

 private:
  friend absl::Status RecordAuditInTransaction(Transaction& tx,
                                               absl::string_view response);
  AuditEvent event_;
  bool recorded_ = false;
  bool replayed_ = false;
  // The transaction attempt that appended the event, until it commits.
  uint64_t appended_in_ = 0;
  AuditScope* previous_;
};

// Appends this thread's pending event, with outcome OK, in `tx` (a write
// about to commit), and marks it recorded once `tx` commits. Does nothing
// without a scope or when already recorded. `response`: the bytes of the
// call's response, when known (names a created resource).
absl::Status RecordAuditInTransaction(Transaction& tx,
                                      absl::string_view response = "");

}  // namespace qudao::storage
