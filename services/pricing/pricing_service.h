// gRPC adapter of pricing: converts proto ⇄ domain, validates the request's
// shape, calls one operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/product_operations.h"

namespace qudao::pricing {

namespace pb = ::qudao::pricing::v1;

class PricingService final : public pb::PricingService::CallbackService {
 public:
  PricingService(ProductOperations* products, WorkerPool* workers)
      : products_(products), workers_(workers) {}

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
  ProductOperations* products_;
  WorkerPool* workers_;
};

}  // namespace qudao::pricing
