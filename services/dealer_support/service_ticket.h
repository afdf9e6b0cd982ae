// After-sales service tickets (DOMAIN.md §4, 售后服务): ticket types and
// priorities, the response time each priority promises, the status
// lifecycle and its history entries, and the broken-promise check. Plain
// C++ with no gRPC or SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qudao::support {

// Stable reasons for callers to branch on.
inline constexpr char kReasonInvalidStatusTransition[] =
    "INVALID_STATUS_TRANSITION";
inline constexpr char kReasonCloseReasonRequired[] = "CLOSE_REASON_REQUIRED";

// The kind of after-sales service asked for. Values match the proto enum.
enum class TicketType {
  kInstallation = 1,
  kOperatorTraining = 2,
  kFollowUp = 3,
  kSpareParts = 4,
  kWarrantyRepair = 5,
  kPaidRepair = 6,
  kServiceComplaint = 7,
  kTechnicalConsultation = 8,
};

// How urgent a ticket is. Values match the proto enum; an unset priority
// is taken as kNormal at the API boundary, so it never reaches the rules.
enum class TicketPriority {
  kLow = 1,
  kNormal = 2,
  kHigh = 3,
  kUrgent = 4,
};

// Values match the proto enum.
enum class TicketStatus {
  kOpen = 1,
  kInProgress = 2,
  kResolved = 3,
  kClosed = 4,
};

struct ServiceTicket {
  std::string id;
  // The dealer asking for service. Its existence is owned by customer
  // records; the rules here take it as given.
  std::string dealer_id;
  TicketType type = TicketType::kInstallation;
  TicketPriority priority = TicketPriority::kNormal;
  std::string subject;
  std::string description;
  TicketStatus status = TicketStatus::kOpen;
  absl::Time create_time;
  // The promised response time: create_time + TargetResponseTime(priority).
  absl::Time respond_by_time;
  // When the ticket first left OPEN (someone responded, or it was closed);
  // unset while still OPEN. Kept so a late response stays a broken promise.
  std::optional<absl::Time> first_response_time;
  // Incremented by the store on every write (as DealerStore does), not by
  // the rules.
  int64_t version = 0;
};

// One entry of a ticket's status history. The history is append-only: a
// change of status adds an entry, nothing rewrites one, so it stays the
// record of when the promise was kept or broken.
struct StatusChange {
  TicketStatus status = TicketStatus::kOpen;
  // Who did what, or why; required when closing a ticket nobody worked on.
  std::string note;
  absl::Time time;
};

// The response time promised for a priority: urgent (equipment down) 2h,
// high 8h, normal 24h, low 72h.
absl::Duration TargetResponseTime(TicketPriority priority);

// Opens `ticket`, received at `now`: status OPEN, version 1, respond_by_time
// from its priority. Returns the first entry of its status history.
StatusChange OpenTicket(ServiceTicket& ticket, absl::Time now);

// The status lifecycle:
//
//   from \ to     OPEN  IN_PROGRESS  RESOLVED  CLOSED
//   OPEN           -        yes         -      with note
//   IN_PROGRESS    -         -         yes        -
//   RESOLVED       -     yes (reopen)   -        yes
//   CLOSED         -         -          -         -
//
// An engineer picks an open ticket up, resolves it, and it is closed after
// the dealer's satisfaction follow-up; a dealer who is not satisfied gets
// the ticket reopened. Closing an open ticket without work (a duplicate, a
// request the dealer withdrew) is allowed only with a note saying why, so
// the history explains it. CLOSED is final: a new problem is a new ticket.
// Staying in the same status is not a transition and is refused, so every
// history entry records a real change.
absl::Status CheckStatusTransition(TicketStatus from, TicketStatus to,
                                   absl::string_view note);

// Moves `ticket` to `to` if the lifecycle allows it and returns the history
// entry to append. Leaves `ticket` unchanged on error.
absl::StatusOr<StatusChange> ChangeStatus(ServiceTicket& ticket,
                                          TicketStatus to,
                                          absl::string_view note,
                                          absl::Time now);

// Whether the response promise is broken at `now`: the first response came
// after respond_by_time, or there is none yet and respond_by_time has
// passed. A late response stays broken for good. Exactly at respond_by_time
// the promise still holds.
bool IsResponsePromiseBroken(const ServiceTicket& ticket, absl::Time now);

// Lower-case names for messages, e.g. "in progress".
absl::string_view StatusName(TicketStatus status);

}  // namespace qudao::support
