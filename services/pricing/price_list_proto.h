// Price lists, prices and standard costs in their API form
// (qudao.pricing.v1): the conversions the adapter and the stored
// idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/pricing/v1/price_list.pb.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {

// With the entries the struct holds (none when only the header was read).
v1::PriceListVersion PriceListVersionToProto(const PriceListVersion& version);
// The same, filled into `out`, a fresh message (built in place on a served
// call's arena).
void PriceListVersionToProto(const PriceListVersion& version,
                             v1::PriceListVersion* out);
v1::Price PriceToProto(const ListPrice& price, absl::CivilDay day);
v1::StandardCost StandardCostToProto(const StandardCost& cost);

// Stored as the bytes of their API messages.
const storage::ResponseCodec<PriceListVersion>& PriceListVersionCodec();
const storage::ResponseCodec<StandardCost>& StandardCostCodec();

}  // namespace qudao::pricing
