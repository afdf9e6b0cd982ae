// Credit positions in their API form (qudao.credit.v1.CreditPosition): the
// one conversion the adapter and the stored idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/credit/v1/credit_position.pb.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {

v1::CreditPosition CreditPositionToProto(const CreditPosition& position);

// A position stored as the bytes of its API message.
const storage::ResponseCodec<CreditPosition>& CreditPositionCodec();

}  // namespace qudao::credit
