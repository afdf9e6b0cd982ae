// gRPC adapter of pricing: validates requests, converts between proto and
// domain types, calls the rules and the store, maps errors.
#pragma once

#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

namespace pb = ::qudao::pricing::v1;

class PricingService final : public pb::PricingService::CallbackService {
 public:
  PricingService(ProductStore* store, WorkerPool* workers, const Clock* clock)
      : store_(store), workers_(workers), clock_(clock) {}

  grpc::ServerUnaryReactor* CreateProduct(
      grpc::CallbackServerContext* context,
      const pb::CreateProductRequest* request, pb::Product* response) override;
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const pb::GetProductRequest* request,
                                       pb::Product* response) override;
  grpc::ServerUnaryReactor* ListProducts(
      grpc::CallbackServerContext* context,
      const pb::ListProductsRequest* request,
      pb::ListProductsResponse* response) override;

 private:
  ProductStore* store_;
  WorkerPool* workers_;
  const Clock* clock_;
};

// Domain -> proto, exposed for tests and other adapters.
pb::Product ProductToProto(const Product& product);

}  // namespace qudao::pricing
