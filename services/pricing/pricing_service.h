// gRPC adapter of pricing: converts proto ⇄ domain, validates the request's
// shape, calls one operation and maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/price_list_operations.h"
#include "services/pricing/price_rule_operations.h"
#include "services/pricing/product_operations.h"
#include "services/pricing/quote_operations.h"

namespace qudao::pricing {

namespace pb = ::qudao::pricing::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& PricingPermissions();

// The use cases the adapter calls.
struct PricingOperations {
  ProductOperations* products = nullptr;
  PriceListOperations* prices = nullptr;
  PriceRuleOperations* rules = nullptr;
  FreightOperations* freight = nullptr;
  QuoteOperations* quotes = nullptr;
};

class PricingService final : public ServedService<pb::PricingService> {
 public:
  // `serving` is made with PricingPermissions().
  PricingService(PricingOperations ops, Serving serving);

 private:
  absl::Status HandleCreateProduct(const Call& call,
                                   const pb::CreateProductRequest& request,
                                   pb::Product* response);
  absl::Status HandleGetProduct(const Call& call,
                                const pb::GetProductRequest& request,
                                pb::Product* response);
  absl::Status HandleUpdateProduct(const Call& call,
                                   const pb::UpdateProductRequest& request,
                                   pb::Product* response);
  absl::Status HandleListProducts(const Call& call,
                                  const pb::ListProductsRequest& request,
                                  pb::ListProductsResponse* response);
  absl::Status HandleCreateProductGroup(
      const Call& call, const pb::CreateProductGroupRequest& request,
      pb::ProductGroup* response);
  absl::Status HandleListProductGroups(
      const Call& call, const pb::ListProductGroupsRequest& request,
      pb::ListProductGroupsResponse* response);
  absl::Status HandlePublishPriceList(
      const Call& call, const pb::PublishPriceListRequest& request,
      pb::PriceListVersion* response);
  absl::Status HandleGetPriceListVersion(
      const Call& call, const pb::GetPriceListVersionRequest& request,
      pb::PriceListVersion* response);
  absl::Status HandleListPriceListVersions(
      const Call& call, const pb::ListPriceListVersionsRequest& request,
      pb::ListPriceListVersionsResponse* response);
  absl::Status HandleGetPrice(const Call& call,
                              const pb::GetPriceRequest& request,
                              pb::Price* response);
  absl::Status HandleSetStandardCost(const Call& call,
                                     const pb::SetStandardCostRequest& request,
                                     pb::StandardCost* response);
  absl::Status HandleGetStandardCost(const Call& call,
                                     const pb::GetStandardCostRequest& request,
                                     pb::GetStandardCostResponse* response);

  // Price rules, freight and quotes (price_rule_service.cc).
  void ServeRulesAndQuotes();

  ProductOperations* products_;
  PriceListOperations* prices_;
  PriceRuleOperations* rules_;
  FreightOperations* freight_;
  QuoteOperations* quotes_;
};

}  // namespace qudao::pricing
