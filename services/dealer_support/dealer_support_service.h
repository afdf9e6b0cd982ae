// gRPC adapter of dealer support: converts proto ⇄ domain, validates the
// request's shape, calls one operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/dealer_support/service_ticket_operations.h"

namespace qudao::support {

namespace pb = ::qudao::support::v1;

class DealerSupportService final
    : public pb::DealerSupportService::CallbackService {
 public:
  DealerSupportService(ServiceTicketOperations* tickets, WorkerPool* workers)
      : tickets_(tickets), workers_(workers) {}

  grpc::ServerUnaryReactor* CreateServiceTicket(
      grpc::CallbackServerContext* context,
      const pb::CreateServiceTicketRequest* request,
      pb::ServiceTicket* response) override;
  grpc::ServerUnaryReactor* GetServiceTicket(
      grpc::CallbackServerContext* context,
      const pb::GetServiceTicketRequest* request,
      pb::ServiceTicket* response) override;
  grpc::ServerUnaryReactor* ListServiceTickets(
      grpc::CallbackServerContext* context,
      const pb::ListServiceTicketsRequest* request,
      pb::ListServiceTicketsResponse* response) override;

 private:
  ServiceTicketOperations* tickets_;
  WorkerPool* workers_;
};

}  // namespace qudao::support
