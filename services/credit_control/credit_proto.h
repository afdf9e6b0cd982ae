// Credit positions in their API form (qudao.credit.v1.CreditPosition): the
// one conversion the adapter and the stored idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/storage/idempotency.h"
#include "qudao/credit/v1/credit_assessment.pb.h"
#include "qudao/credit/v1/credit_policy.pb.h"
#include "qudao/credit/v1/credit_position.pb.h"
#include "qudao/credit/v1/credit_reservation.pb.h"
#include "services/credit_control/credit_assessment.h"
#include "services/credit_control/credit_policy.h"
#include "services/credit_control/credit_position.h"
#include "services/credit_control/credit_reservation.h"

namespace qudao::credit {

// A response codec storing T as the canonical bytes of its API message P;
// a stored message that does not parse or convert is DATA_LOSS.
template <typename T, typename P>
storage::ResponseCodec<T>* ProtoCodec(
    absl::string_view what, P (*to_proto)(const T&),
    absl::StatusOr<T> (*from_proto)(const P&)) {
  const std::string name(what);
  return new storage::ResponseCodec<T>{
      [to_proto](const T& value) { return CanonicalBytes(to_proto(value)); },
      [from_proto, name](absl::string_view bytes) -> absl::StatusOr<T> {
        P proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError(
              absl::StrCat("stored ", name, " does not parse"));
        }
        return from_proto(proto);
      }};
}

v1::CreditPosition CreditPositionToProto(const CreditPosition& position);

// A position stored as the bytes of its API message.
const storage::ResponseCodec<CreditPosition>& CreditPositionCodec();

v1::CreditAssessment AssessmentToProto(const Assessment& assessment);
// What a caller brings to AssessCredit (output-only fields ignored);
// INVALID_ARGUMENT naming the field ("assessment.<name>").
absl::StatusOr<AssessmentInput> AssessmentInputFromProto(
    const v1::CreditAssessment& proto);
// An assessment stored as the bytes of its API message.
const storage::ResponseCodec<Assessment>& AssessmentCodec();

v1::CreditReservation ReservationToProto(const Reservation& reservation);
// A reservation stored as the bytes of its API message.
const storage::ResponseCodec<Reservation>& ReservationCodec();

v1::CreditPolicy PolicyToProto(const CreditPolicy& policy);
const storage::ResponseCodec<CreditPolicy>& PolicyCodec();

}  // namespace qudao::credit
