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

grpc::ServerUnaryReactor* PricingService::CreateProduct(
    grpc::CallbackServerContext* context,
    const pb::CreateProductRequest* request, pb::Product* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    RETURN_IF_ERROR(ValidRequestId("request_id", request->request_id()));
    if (!request->has_product()) return InvalidField("product", "is required");
    const pb::Product& in = request->product();
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
        products_->Create(
            draft, storage::IdempotentRequest::FromCaller(
                       "PricingService/CreateProduct", CallerOf(*context),
                       request->request_id(), RequestFingerprint(*request))));
    *response = ProductToProto(created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PricingService::GetProduct(
    grpc::CallbackServerContext* context, const pb::GetProductRequest* request,
    pb::Product* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    RETURN_IF_ERROR(RequireCode("sku", request->sku(), kMaxSkuChars));
    ASSIGN_OR_RETURN(const Product product, products_->Get(request->sku()));
    *response = ProductToProto(product);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PricingService::ListProducts(
    grpc::CallbackServerContext* context,
    const pb::ListProductsRequest* request,
    pb::ListProductsResponse* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    ProductFilter filter;
    if (!request->product_line().empty()) {
      RETURN_IF_ERROR(RequireCode("product_line", request->product_line(),
                                  kMaxProductLineChars));
      filter.product_line = request->product_line();
    }
    ASSIGN_OR_RETURN(const PageRequest page,
                     ParsePage(request->page_size(), request->page_token(),
                               filter.Canonical()));
    ASSIGN_OR_RETURN(const ProductPage result, products_->List(filter, page));
    for (const Product& p : result.products) {
      *response->add_products() = ProductToProto(p);
    }
    response->set_next_page_token(result.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace qudao::pricing
