// The catalogue in its API form (qudao.pricing.v1): the one conversion the
// adapter and the stored idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/pricing/v1/product.pb.h"
#include "services/pricing/product.h"

namespace qudao::pricing {

v1::Product ProductToProto(const Product& product);
v1::ProductGroup ProductGroupToProto(const ProductGroup& group);

// A product / group stored as the bytes of its API message.
const storage::ResponseCodec<Product>& ProductCodec();
const storage::ResponseCodec<ProductGroup>& ProductGroupCodec();

}  // namespace qudao::pricing
