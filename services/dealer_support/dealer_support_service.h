// gRPC adapter of dealer support: converts proto ⇄ domain, validates the
// request's shape, calls one operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "common/grpc/unary.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/dealer_support/service_ticket_operations.h"

namespace qudao::support {

namespace pb = ::qudao::support::v1;

class DealerSupportService final
    : public ServedService<pb::DealerSupportService> {
 public:
  DealerSupportService(ServiceTicketOperations* tickets, WorkerPool* workers);

 private:
  absl::Status HandleCreateServiceTicket(
      grpc::CallbackServerContext* context,
      const pb::CreateServiceTicketRequest& request,
      pb::ServiceTicket* response);
  absl::Status HandleGetServiceTicket(
      grpc::CallbackServerContext* context,
      const pb::GetServiceTicketRequest& request, pb::ServiceTicket* response);
  absl::Status HandleListServiceTickets(
      grpc::CallbackServerContext* context,
      const pb::ListServiceTicketsRequest& request,
      pb::ListServiceTicketsResponse* response);

  ServiceTicketOperations* tickets_;
};

}  // namespace qudao::support
