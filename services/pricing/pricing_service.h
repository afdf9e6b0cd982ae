// gRPC adapter of pricing: converts proto ⇄ domain, validates the request's
// shape, calls one operation and maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/product_operations.h"

namespace qudao::pricing {

namespace pb = ::qudao::pricing::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& PricingPermissions();

class PricingService final : public ServedService<pb::PricingService> {
 public:
  // `serving` is made with PricingPermissions().
  PricingService(ProductOperations* products, Serving serving);

 private:
  absl::Status HandleCreateProduct(const Call& call,
                                   const pb::CreateProductRequest& request,
                                   pb::Product* response);
  absl::Status HandleGetProduct(const Call& call,
                                const pb::GetProductRequest& request,
                                pb::Product* response);
  absl::Status HandleListProducts(const Call& call,
                                  const pb::ListProductsRequest& request,
                                  pb::ListProductsResponse* response);

  ProductOperations* products_;
};

}  // namespace qudao::pricing
