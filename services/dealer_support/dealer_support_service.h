// gRPC adapter of dealer support: validates requests, converts between
// proto and domain types, calls the ticket rules and the store, maps errors.
#pragma once

#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/dealer_support/service_ticket_store.h"

namespace qudao::support {

namespace pb = ::qudao::support::v1;

class DealerSupportService final
    : public pb::DealerSupportService::CallbackService {
 public:
  DealerSupportService(ServiceTicketStore* store, WorkerPool* workers,
                       const Clock* clock)
      : store_(store), workers_(workers), clock_(clock) {}

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
  ServiceTicketStore* store_;
  WorkerPool* workers_;
  const Clock* clock_;
};

// Domain -> proto, exposed for tests and other adapters (the gateway renders
// the proto form).
pb::ServiceTicket TicketToProto(const ServiceTicket& ticket);

}  // namespace qudao::support
