// Service ticket rules; see service_ticket.h.
#include "services/dealer_support/service_ticket.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::support {

absl::string_view StatusName(TicketStatus status) {
  switch (status) {
    case TicketStatus::kOpen:
      return "open";
    case TicketStatus::kInProgress:
      return "in progress";
    case TicketStatus::kResolved:
      return "resolved";
    case TicketStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

absl::Duration TargetResponseTime(TicketPriority priority) {
  switch (priority) {
    case TicketPriority::kUrgent:
      return absl::Hours(2);
    case TicketPriority::kHigh:
      return absl::Hours(8);
    case TicketPriority::kNormal:
      return absl::Hours(24);
    case TicketPriority::kLow:
      return absl::Hours(72);
  }
  // Out-of-range values are refused at the API boundary; promise the
  // normal time rather than none if one slips through.
  return absl::Hours(24);
}

StatusChange OpenTicket(ServiceTicket& ticket, absl::Time now) {
  ticket.status = TicketStatus::kOpen;
  ticket.create_time = now;
  ticket.respond_by_time = now + TargetResponseTime(ticket.priority);
  ticket.version = 1;
  return StatusChange{TicketStatus::kOpen, "", now};
}

absl::Status CheckStatusTransition(TicketStatus from, TicketStatus to,
                                   absl::string_view note) {
  using S = TicketStatus;
  bool allowed = false;
  switch (from) {
    case S::kOpen:
      allowed = to == S::kInProgress || to == S::kClosed;
      break;
    case S::kInProgress:
      allowed = to == S::kResolved;
      break;
    case S::kResolved:
      allowed = to == S::kInProgress || to == S::kClosed;
      break;
    case S::kClosed:
      allowed = false;
      break;
  }
  if (!allowed) {
    std::string hint;
    if (from == to) {
      hint = ": it already is";
    } else if (from == S::kClosed) {
      hint = ": closing is final; open a new ticket";
    } else if (from == S::kInProgress && to == S::kClosed) {
      hint = ": resolve it first so the dealer's satisfaction is followed up";
    }
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   kReasonInvalidStatusTransition,
                   absl::StrCat("a ticket cannot go from ", StatusName(from),
                                " to ", StatusName(to), hint));
  }
  if (from == S::kOpen && to == S::kClosed &&
      absl::StripAsciiWhitespace(note).empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   kReasonCloseReasonRequired,
                   "closing a ticket nobody worked on needs a note saying why "
                   "(duplicate, withdrawn by the dealer, ...)");
  }
  return absl::OkStatus();
}

absl::StatusOr<StatusChange> ChangeStatus(ServiceTicket& ticket,
                                          TicketStatus to,
                                          absl::string_view note,
                                          absl::Time now) {
  RETURN_IF_ERROR(CheckStatusTransition(ticket.status, to, note));
  if (ticket.status == TicketStatus::kOpen && !ticket.first_response_time) {
    ticket.first_response_time = now;
  }
  ticket.status = to;
  return StatusChange{to, std::string(note), now};
}

bool IsResponsePromiseBroken(const ServiceTicket& ticket, absl::Time now) {
  return ticket.first_response_time.value_or(now) > ticket.respond_by_time;
}

}  // namespace qudao::support
