// gRPC adapter of customer records: validates requests, converts between
// proto and domain types, calls the rules and the store, maps errors.
#pragma once

#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/dealer_cache.h"
#include "services/customer_records/dealer_store.h"

namespace qudao::customer {

namespace pb = ::qudao::customer::v1;

class CustomerRecordsService final
    : public pb::CustomerRecordsService::CallbackService {
 public:
  CustomerRecordsService(DealerStore* store, std::unique_ptr<DealerCache> cache,
                         WorkerPool* workers, const Clock* clock)
      : store_(store),
        cache_(std::move(cache)),
        workers_(workers),
        clock_(clock) {}

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

 private:
  DealerStore* store_;
  std::unique_ptr<DealerCache> cache_;
  WorkerPool* workers_;
  const Clock* clock_;
};

// Proto <-> domain conversion, exposed for tests and other adapters (the
// gateway renders the proto form).
pb::Dealer DealerToProto(const Dealer& dealer);

}  // namespace qudao::customer
