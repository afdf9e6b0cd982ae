// gRPC adapter of dealer support: converts proto ⇄ domain, validates the
// request's shape, calls one operation and maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/dealer_support/service_ticket_operations.h"

namespace qudao::support {

namespace pb = ::qudao::support::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& DealerSupportPermissions();

class DealerSupportService final
    : public ServedService<pb::DealerSupportService> {
 public:
  // `serving` is made with DealerSupportPermissions().
  DealerSupportService(ServiceTicketOperations* tickets, Serving serving);

 private:
  absl::Status HandleCreateServiceTicket(
      const Call& call, const pb::CreateServiceTicketRequest& request,
      pb::ServiceTicket* response);
  absl::Status HandleGetServiceTicket(
      const Call& call, const pb::GetServiceTicketRequest& request,
      pb::ServiceTicket* response);
  absl::Status HandleListServiceTickets(
      const Call& call, const pb::ListServiceTicketsRequest& request,
      pb::ListServiceTicketsResponse* response);

  ServiceTicketOperations* tickets_;
};

}  // namespace qudao::support
