// Catalogue proto conversion; see product_proto.h.
#include "services/pricing/product_proto.h"

#include "common/proto/conversion.h"

namespace qudao::pricing {

v1::Product ProductToProto(const Product& p) {
  v1::Product out;
  out.set_sku(p.sku);
  out.set_name(p.name);
  out.set_product_group(p.product_group);
  out.set_product_line(p.product_line);
  *out.mutable_create_time() = TimeToProto(p.create_time);
  *out.mutable_update_time() = TimeToProto(p.update_time);
  out.set_etag(EtagOf(p));
  return out;
}

v1::ProductGroup ProductGroupToProto(const ProductGroup& g) {
  v1::ProductGroup out;
  out.set_group_code(g.group_code);
  out.set_product_line(g.product_line);
  out.set_name(g.name);
  *out.mutable_create_time() = TimeToProto(g.create_time);
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
        Product p;
        p.sku = proto.sku();
        p.name = proto.name();
        p.product_group = proto.product_group();
        p.product_line = proto.product_line();
        auto version = VersionFromEtag("etag", proto.etag());
        if (!version.ok()) {
          return absl::DataLossError("stored product has no valid etag");
        }
        p.version = *version;
        p.create_time = TimeFromProto(proto.create_time());
        p.update_time = TimeFromProto(proto.update_time());
        return p;
      }};
  return *codec;
}

const storage::ResponseCodec<ProductGroup>& ProductGroupCodec() {
  static const auto* codec = new storage::ResponseCodec<ProductGroup>{
      [](const ProductGroup& g) {
        return CanonicalBytes(ProductGroupToProto(g));
      },
      [](absl::string_view bytes) -> absl::StatusOr<ProductGroup> {
        v1::ProductGroup proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored product group does not parse");
        }
        return ProductGroup{proto.group_code(), proto.product_line(),
                            proto.name(), TimeFromProto(proto.create_time())};
      }};
  return *codec;
}

}  // namespace qudao::pricing
