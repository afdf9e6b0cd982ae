// DealerSupportService; see dealer_support_service.h.
#include "services/dealer_support/dealer_support_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/grpc/validation.h"

namespace qudao::support {
namespace {

// Validates the client-settable fields of a new ticket and converts them.
// The dealer is checked for syntax only: whether it exists is owned by
// customer records, and this service does not read another service's
// tables. The gateway (and the next issue, over gRPC) checks existence.
absl::StatusOr<ServiceTicket> TicketFromProto(const pb::ServiceTicket& in) {
  ServiceTicket ticket;
  if (absl::Status s = RequireDealerId("ticket.dealer_id", in.dealer_id());
      !s.ok()) {
    return s;
  }
  ticket.dealer_id = in.dealer_id();
  if (in.type() == pb::TICKET_TYPE_UNSPECIFIED ||
      !pb::TicketType_IsValid(in.type())) {
    return InvalidField("ticket.type",
                        "must be one of INSTALLATION, OPERATOR_TRAINING, "
                        "FOLLOW_UP, SPARE_PARTS, WARRANTY_REPAIR, PAID_REPAIR, "
                        "SERVICE_COMPLAINT, TECHNICAL_CONSULTATION");
  }
  ticket.type = static_cast<TicketType>(in.type());
  if (!pb::TicketPriority_IsValid(in.priority())) {
    return InvalidField("ticket.priority",
                        "must be LOW, NORMAL, HIGH or URGENT (or unset for "
                        "NORMAL)");
  }
  // The proto documents an unset priority as normal; storing NORMAL keeps
  // what the ticket shows consistent with the response time it promises.
  ticket.priority = in.priority() == pb::TICKET_PRIORITY_UNSPECIFIED
                        ? TicketPriority::kNormal
                        : static_cast<TicketPriority>(in.priority());
  if (absl::Status s = RequireText("ticket.subject", in.subject(), 200);
      !s.ok()) {
    return s;
  }
  ticket.subject = std::string(absl::StripAsciiWhitespace(in.subject()));
  if (absl::Status s =
          OptionalMultilineText("ticket.description", in.description(), 4000);
      !s.ok()) {
    return s;
  }
  ticket.description = in.description();
  return ticket;
}

}  // namespace

pb::ServiceTicket TicketToProto(const ServiceTicket& t) {
  pb::ServiceTicket out;
  out.set_ticket_id(t.id);
  out.set_dealer_id(t.dealer_id);
  out.set_type(static_cast<pb::TicketType>(t.type));
  out.set_priority(static_cast<pb::TicketPriority>(t.priority));
  out.set_subject(t.subject);
  out.set_description(t.description);
  out.set_status(static_cast<pb::TicketStatus>(t.status));
  *out.mutable_create_time() = TimeToProto(t.create_time);
  *out.mutable_respond_by_time() = TimeToProto(t.respond_by_time);
  return out;
}

grpc::ServerUnaryReactor* DealerSupportService::CreateServiceTicket(
    grpc::CallbackServerContext* context,
    const pb::CreateServiceTicketRequest* request,
    pb::ServiceTicket* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = ValidRequestId("request_id", request->request_id());
        !s.ok()) {
      return s;
    }
    if (!request->has_ticket()) return InvalidField("ticket", "is required");
    absl::StatusOr<ServiceTicket> ticket = TicketFromProto(request->ticket());
    if (!ticket.ok()) return ticket.status();
    const absl::Time now = clock_->Now();
    ticket->id = NewResourceId("tkt", now);
    const StatusChange opening = OpenTicket(*ticket, now);

    // Output-only fields are ignored, so they must not make a retry look
    // like a different request either.
    pb::CreateServiceTicketRequest fingerprint = *request;
    fingerprint.clear_request_id();
    pb::ServiceTicket* fp = fingerprint.mutable_ticket();
    fp->clear_ticket_id();
    fp->clear_status();
    fp->clear_create_time();
    fp->clear_respond_by_time();
    auto created = store_->Create(*ticket, opening, request->request_id(),
                                  CanonicalBytes(fingerprint));
    if (!created.ok()) return created.status();
    *response = TicketToProto(*created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DealerSupportService::GetServiceTicket(
    grpc::CallbackServerContext* context,
    const pb::GetServiceTicketRequest* request, pb::ServiceTicket* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = RequireId("ticket_id", request->ticket_id(), "tkt");
        !s.ok()) {
      return s;
    }
    auto ticket = store_->Get(request->ticket_id());
    if (!ticket.ok()) return ticket.status();
    *response = TicketToProto(*ticket);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DealerSupportService::ListServiceTickets(
    grpc::CallbackServerContext* context,
    const pb::ListServiceTicketsRequest* request,
    pb::ListServiceTicketsResponse* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    // Always one dealer's tickets: a partner may see only its own, and an
    // unfiltered list across dealers has no use case yet.
    if (absl::Status s = RequireDealerId("dealer_id", request->dealer_id());
        !s.ok()) {
      return s;
    }
    TicketFilter filter{request->dealer_id()};
    auto page = ParsePage(request->page_size(), request->page_token(),
                          filter.Canonical());
    if (!page.ok()) return page.status();
    auto result = store_->List(filter, *page);
    if (!result.ok()) return result.status();
    for (const ServiceTicket& t : result->tickets) {
      *response->add_tickets() = TicketToProto(t);
    }
    response->set_next_page_token(result->next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace qudao::support
