// gRPC adapter of customer records: converts proto ⇄ domain, validates the
// request's shape, calls one dealer operation and maps its status. Nothing
// else lives here.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "common/grpc/unary.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/dealer_operations.h"

namespace qudao::customer {

namespace pb = ::qudao::customer::v1;

class CustomerRecordsService final
    : public ServedService<pb::CustomerRecordsService> {
 public:
  // `feed` is the database whose outbox ListChanges reads.
  CustomerRecordsService(DealerOperations* dealers, storage::Database* feed,
                         WorkerPool* workers);

 private:
  absl::Status HandleCreateDealer(grpc::CallbackServerContext* context,
                                  const pb::CreateDealerRequest& request,
                                  pb::Dealer* response);
  absl::Status HandleGetDealer(grpc::CallbackServerContext* context,
                               const pb::GetDealerRequest& request,
                               pb::Dealer* response);
  absl::Status HandleListDealers(grpc::CallbackServerContext* context,
                                 const pb::ListDealersRequest& request,
                                 pb::ListDealersResponse* response);
  absl::Status HandleUpdateDealer(grpc::CallbackServerContext* context,
                                  const pb::UpdateDealerRequest& request,
                                  pb::Dealer* response);
  absl::Status HandleListChanges(grpc::CallbackServerContext* context,
                                 const type::v1::ListChangesRequest& request,
                                 type::v1::ListChangesResponse* response);

  DealerOperations* dealers_;
  storage::Database* feed_;
};

}  // namespace qudao::customer
