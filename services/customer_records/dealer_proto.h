// Dealer records in their API form (qudao.customer.v1.Dealer): the one
// conversion the adapter, the cache and the stored idempotent responses
// share.
#pragma once

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/customer/v1/dealer.pb.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

v1::Dealer DealerToProto(const Dealer& dealer);

// The inverse of DealerToProto for messages it produced (stored responses,
// cache entries): DATA_LOSS if the message is not one.
absl::StatusOr<Dealer> DealerFromStoredProto(const v1::Dealer& proto);

// A dealer stored as the bytes of its API message, for idempotent
// responses and the cache.
const storage::ResponseCodec<Dealer>& DealerCodec();

}  // namespace qudao::customer
