// gRPC adapter of pricing: converts proto ⇄ domain, validates the request's
// shape, calls one operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "common/grpc/unary.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/product_operations.h"

namespace qudao::pricing {

namespace pb = ::qudao::pricing::v1;

class PricingService final : public ServedService<pb::PricingService> {
 public:
  PricingService(ProductOperations* products, WorkerPool* workers);

 private:
  absl::Status HandleCreateProduct(grpc::CallbackServerContext* context,
                                   const pb::CreateProductRequest& request,
                                   pb::Product* response);
  absl::Status HandleGetProduct(grpc::CallbackServerContext* context,
                                const pb::GetProductRequest& request,
                                pb::Product* response);
  absl::Status HandleListProducts(grpc::CallbackServerContext* context,
                                  const pb::ListProductsRequest& request,
                                  pb::ListProductsResponse* response);

  ProductOperations* products_;
};

}  // namespace qudao::pricing
