// Product proto conversion; see product_proto.h.
#include "services/pricing/product_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"

namespace qudao::pricing {

v1::Product ProductToProto(const Product& p) {
  v1::Product out;
  out.set_sku(p.sku);
  out.set_name(p.name);
  out.set_product_line(p.product_line);
  *out.mutable_list_price() = MoneyToProto(p.list_price);
  *out.mutable_create_time() = TimeToProto(p.create_time);
  return out;
}

const storage::ResponseCodec<Product>& ProductCodec() {
  static const auto* codec = new storage::ResponseCodec<Product>{
      [](const Product& p) { return CanonicalBytes(ProductToProto(p)); },
      [](absl::string_view bytes) -> absl::StatusOr<Product> {
        v1::Product proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored product does not parse");
        }
        auto price = MoneyFromProto("list_price", proto.list_price());
        if (!price.ok()) {
          return absl::DataLossError(absl::StrCat(
              "stored product ", proto.sku(), ": ", price.status().message()));
        }
        return Product{proto.sku(), proto.name(), proto.product_line(), *price,
                       TimeFromProto(proto.create_time())};
      }};
  return *codec;
}

}  // namespace qudao::pricing
