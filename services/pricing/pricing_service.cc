// PricingService; see pricing_service.h.
#include "services/pricing/pricing_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/grpc/validation.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxSkuChars = 64;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxProductLineChars = 64;

}  // namespace

pb::Product ProductToProto(const Product& p) {
  pb::Product out;
  out.set_sku(p.sku);
  out.set_name(p.name);
  out.set_product_line(p.product_line);
  *out.mutable_list_price() = MoneyToProto(p.list_price);
  *out.mutable_create_time() = TimeToProto(p.create_time);
  return out;
}

grpc::ServerUnaryReactor* PricingService::CreateProduct(
    grpc::CallbackServerContext* context,
    const pb::CreateProductRequest* request, pb::Product* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = ValidRequestId("request_id", request->request_id());
        !s.ok()) {
      return s;
    }
    if (!request->has_product()) return InvalidField("product", "is required");
    const pb::Product& in = request->product();
    if (absl::Status s = RequireCode("product.sku", in.sku(), kMaxSkuChars);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireText("product.name", in.name(), kMaxNameChars);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireCode("product.product_line", in.product_line(),
                                     kMaxProductLineChars);
        !s.ok()) {
      return s;
    }
    if (!in.has_list_price()) {
      return InvalidField("product.list_price", "is required");
    }
    auto list_price = MoneyFromProto("product.list_price", in.list_price());
    if (!list_price.ok()) return list_price.status();

    const Product product{in.sku(),
                          std::string(absl::StripAsciiWhitespace(in.name())),
                          in.product_line(), *list_price, clock_->Now()};
    if (absl::Status s = CheckProductInvariants(product); !s.ok()) return s;

    // create_time is output only, so it must not make a retry look like a
    // different request.
    pb::CreateProductRequest fingerprint = *request;
    fingerprint.clear_request_id();
    fingerprint.mutable_product()->clear_create_time();
    auto created = store_->Create(product, request->request_id(),
                                  CanonicalBytes(fingerprint));
    if (!created.ok()) return created.status();
    *response = ProductToProto(*created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PricingService::GetProduct(
    grpc::CallbackServerContext* context, const pb::GetProductRequest* request,
    pb::Product* response) {
  return ServeUnary(context, *workers_, [=]() -> absl::Status {
    if (absl::Status s = RequireCode("sku", request->sku(), kMaxSkuChars);
        !s.ok()) {
      return s;
    }
    auto product = store_->Get(request->sku());
    if (!product.ok()) return product.status();
    *response = ProductToProto(*product);
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
      if (absl::Status s = RequireCode("product_line", request->product_line(),
                                       kMaxProductLineChars);
          !s.ok()) {
        return s;
      }
      filter.product_line = request->product_line();
    }
    auto page = ParsePage(request->page_size(), request->page_token(),
                          filter.Canonical());
    if (!page.ok()) return page.status();
    auto result = store_->List(filter, *page);
    if (!result.ok()) return result.status();
    for (const Product& p : result->products) {
      *response->add_products() = ProductToProto(p);
    }
    response->set_next_page_token(result->next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace qudao::pricing
