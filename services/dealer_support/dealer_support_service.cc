// DealerSupportService; see dealer_support_service.h.
#include "services/dealer_support/dealer_support_service.h"

#include "absl/strings/strip.h"
#include "common/grpc/unary.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/dealer_support/service_ticket_proto.h"

namespace qudao::support {
namespace {

// Validates the client-settable fields of a new ticket and converts them.
// The dealer is checked for syntax only: whether it exists is owned by
// customer records, and this service does not read another service's
// tables. The gateway (and the next issue, over gRPC) checks existence.
absl::StatusOr<ServiceTicket> TicketFromProto(const pb::ServiceTicket& in) {
  ServiceTicket ticket;
  RETURN_IF_ERROR(RequireDealerId("ticket.dealer_id", in.dealer_id()));
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
  RETURN_IF_ERROR(RequireText("ticket.subject", in.subject(), 200));
  ticket.subject = std::string(absl::StripAsciiWhitespace(in.subject()));
  RETURN_IF_ERROR(
      OptionalMultilineText("ticket.description", in.description(), 4000));
  ticket.description = in.description();
  return ticket;
}

}  // namespace

const auth::PermissionTable& DealerSupportPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  const auth::RoleSet filers = {Role::kSupportAgent,    Role::kSupportManager,
                                Role::kServiceEngineer, Role::kSalesRep,
                                Role::kSalesManager,    Role::kAdmin};
  const auth::RoleSet readers = auth::RoleSet::Staff().Union(
      {Role::kDealerSupportService, Role::kCreditControlService,
       Role::kCustomerRecordsService});
  static const auto* table = new auth::PermissionTable(
      pb::DealerSupportService::service_full_name(),
      {
          {"CreateServiceTicket", Access::kWrite, filers, PartnerAccess::kNone,
           "tickets", "ticket_id", ""},
          {"GetServiceTicket", Access::kRead, readers, PartnerAccess::kNone,
           "tickets", "ticket_id", ""},
          {"ListServiceTickets", Access::kRead, readers,
           PartnerAccess::kOwnDealer, "tickets", "", ""},
          {"ListAuditEvents",
           Access::kRead,
           {Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
      });
  return *table;
}

DealerSupportService::DealerSupportService(ServiceTicketOperations* tickets,
                                           Serving serving)
    : ServedService(serving), tickets_(tickets) {
  Handle<pb::CreateServiceTicketRequest, pb::ServiceTicket>(
      "CreateServiceTicket",
      [this](const Call& c, const pb::CreateServiceTicketRequest& r,
             pb::ServiceTicket* out) {
        return HandleCreateServiceTicket(c, r, out);
      });
  Handle<pb::GetServiceTicketRequest, pb::ServiceTicket>(
      "GetServiceTicket",
      [this](const Call& c, const pb::GetServiceTicketRequest& r,
             pb::ServiceTicket* out) {
        return HandleGetServiceTicket(c, r, out);
      });
  Handle<pb::ListServiceTicketsRequest, pb::ListServiceTicketsResponse>(
      "ListServiceTickets",
      [this](const Call& c, const pb::ListServiceTicketsRequest& r,
             pb::ListServiceTicketsResponse* out) {
        return HandleListServiceTickets(c, r, out);
      });
  ServeAuditTrail();
}

absl::Status DealerSupportService::HandleCreateServiceTicket(
    const Call& call, const pb::CreateServiceTicketRequest& request,
    pb::ServiceTicket* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_ticket()) return InvalidField("ticket", "is required");
  ASSIGN_OR_RETURN(ServiceTicket draft, TicketFromProto(request.ticket()));
  ASSIGN_OR_RETURN(
      const ServiceTicket created,
      tickets_->Create(
          call.Outgoing(), draft,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = TicketToProto(created);
  return absl::OkStatus();
}

absl::Status DealerSupportService::HandleGetServiceTicket(
    const Call& /*call*/, const pb::GetServiceTicketRequest& request,
    pb::ServiceTicket* response) {
  RETURN_IF_ERROR(RequireId("ticket_id", request.ticket_id(), "tkt"));
  ASSIGN_OR_RETURN(const ServiceTicket ticket,
                   tickets_->Get(request.ticket_id()));
  *response = TicketToProto(ticket);
  return absl::OkStatus();
}

absl::Status DealerSupportService::HandleListServiceTickets(
    const Call& /*call*/, const pb::ListServiceTicketsRequest& request,
    pb::ListServiceTicketsResponse* response) {
  // Always one dealer's tickets: a partner may see only its own, and an
  // unfiltered list across dealers has no use case yet.
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  const TicketFilter filter{request.dealer_id()};
  ASSIGN_OR_RETURN(
      const PageRequest page,
      ParsePage(request.page_size(), request.page_token(), filter.Canonical()));
  ASSIGN_OR_RETURN(const TicketPage result, tickets_->List(filter, page));
  for (const ServiceTicket& t : result.tickets) {
    *response->add_tickets() = TicketToProto(t);
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

}  // namespace qudao::support
