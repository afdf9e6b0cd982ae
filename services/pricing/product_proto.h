// Products in their API form (qudao.pricing.v1.Product): the one conversion
// the adapter and the stored idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/pricing/v1/product.pb.h"
#include "services/pricing/product.h"

namespace qudao::pricing {

v1::Product ProductToProto(const Product& product);

// A product stored as the bytes of its API message.
const storage::ResponseCodec<Product>& ProductCodec();

}  // namespace qudao::pricing
