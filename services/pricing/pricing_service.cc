// PricingService; see pricing_service.h.
#include "services/pricing/pricing_service.h"

#include <string>

#include "absl/strings/strip.h"
#include "common/grpc/unary.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/pricing/product_proto.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxSkuChars = 64;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxProductLineChars = 64;

}  // namespace

const auth::PermissionTable& PricingPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  const auth::RoleSet readers = auth::RoleSet::Staff().Union(
      {Role::kPricingService, Role::kCreditControlService,
       Role::kCustomerRecordsService, Role::kDealerSupportService,
       Role::kWarehouseService});
  static const auto* table = new auth::PermissionTable(
      pb::PricingService::service_full_name(),
      {
          {"CreateProduct",
           Access::kWrite,
           {Role::kPricingManager, Role::kAdmin},
           PartnerAccess::kNone,
           "products",
           "sku",
           ""},
          {"GetProduct", Access::kRead, readers, PartnerAccess::kShared,
           "products", "sku", "the catalogue is open to partners"},
          {"ListProducts", Access::kRead, readers, PartnerAccess::kShared,
           "products", "", "the catalogue is open to partners"},
          {"ListAuditEvents",
           Access::kRead,
           {Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
      });
  return *table;
}

PricingService::PricingService(ProductOperations* products, Serving serving)
    : ServedService(serving), products_(products) {
  Handle<pb::CreateProductRequest, pb::Product>(
      "CreateProduct",
      [this](const Call& c, const pb::CreateProductRequest& r,
             pb::Product* out) { return HandleCreateProduct(c, r, out); });
  Handle<pb::GetProductRequest, pb::Product>(
      "GetProduct",
      [this](const Call& c, const pb::GetProductRequest& r, pb::Product* out) {
        return HandleGetProduct(c, r, out);
      });
  Handle<pb::ListProductsRequest, pb::ListProductsResponse>(
      "ListProducts", [this](const Call& c, const pb::ListProductsRequest& r,
                             pb::ListProductsResponse* out) {
        return HandleListProducts(c, r, out);
      });
  ServeAuditTrail();
}

absl::Status PricingService::HandleCreateProduct(
    const Call& call, const pb::CreateProductRequest& request,
    pb::Product* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_product()) return InvalidField("product", "is required");
  const pb::Product& in = request.product();
  RETURN_IF_ERROR(RequireCode("product.sku", in.sku(), kMaxSkuChars));
  RETURN_IF_ERROR(RequireText("product.name", in.name(), kMaxNameChars));
  RETURN_IF_ERROR(RequireCode("product.product_line", in.product_line(),
                              kMaxProductLineChars));
  if (!in.has_list_price()) {
    return InvalidField("product.list_price", "is required");
  }
  ASSIGN_OR_RETURN(Money list_price,
                   MoneyFromProto("product.list_price", in.list_price()));
  Product draft{in.sku(), std::string(absl::StripAsciiWhitespace(in.name())),
                in.product_line(), list_price, absl::InfinitePast()};
  ASSIGN_OR_RETURN(
      const Product created,
      products_->Create(draft, call.Idempotent(request.request_id(),
                                               RequestFingerprint(request))));
  *response = ProductToProto(created);
  return absl::OkStatus();
}

absl::Status PricingService::HandleGetProduct(
    const Call& /*call*/, const pb::GetProductRequest& request,
    pb::Product* response) {
  RETURN_IF_ERROR(RequireCode("sku", request.sku(), kMaxSkuChars));
  ASSIGN_OR_RETURN(const Product product, products_->Get(request.sku()));
  *response = ProductToProto(product);
  return absl::OkStatus();
}

absl::Status PricingService::HandleListProducts(
    const Call& /*call*/, const pb::ListProductsRequest& request,
    pb::ListProductsResponse* response) {
  ProductFilter filter;
  if (!request.product_line().empty()) {
    RETURN_IF_ERROR(RequireCode("product_line", request.product_line(),
                                kMaxProductLineChars));
    filter.product_line = request.product_line();
  }
  ASSIGN_OR_RETURN(
      const PageRequest page,
      ParsePage(request.page_size(), request.page_token(), filter.Canonical()));
  ASSIGN_OR_RETURN(const ProductPage result, products_->List(filter, page));
  for (const Product& p : result.products) {
    *response->add_products() = ProductToProto(p);
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

}  // namespace qudao::pricing
