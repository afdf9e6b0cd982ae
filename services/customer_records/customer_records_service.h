// gRPC adapter of customer records: converts proto ⇄ domain, validates the
// request's shape, calls one dealer operation and maps its status. Nothing
// else lives here.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/dealer_operations.h"

namespace qudao::customer {

namespace pb = ::qudao::customer::v1;

class CustomerRecordsService final
    : public pb::CustomerRecordsService::CallbackService {
 public:
  // `feed` is the database whose outbox ListChanges reads.
  CustomerRecordsService(DealerOperations* dealers, storage::Database* feed,
                         WorkerPool* workers)
      : dealers_(dealers), feed_(feed), workers_(workers) {}

  grpc::ServerUnaryReactor* CreateDealer(grpc::CallbackServerContext* context,
                                         const pb::CreateDealerRequest* request,
                                         pb::Dealer* response) override;
  grpc::ServerUnaryReactor* GetDealer(grpc::CallbackServerContext* context,
                                      const pb::GetDealerRequest* request,
                                      pb::Dealer* response) override;
  grpc::ServerUnaryReactor* ListDealers(
      grpc::CallbackServerContext* context,
      const pb::ListDealersRequest* request,
      pb::ListDealersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDealer(grpc::CallbackServerContext* context,
                                         const pb::UpdateDealerRequest* request,
                                         pb::Dealer* response) override;
  grpc::ServerUnaryReactor* ListChanges(
      grpc::CallbackServerContext* context,
      const type::v1::ListChangesRequest* request,
      type::v1::ListChangesResponse* response) override;

 private:
  DealerOperations* dealers_;
  storage::Database* feed_;
  WorkerPool* workers_;
};

}  // namespace qudao::customer
