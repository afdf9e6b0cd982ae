// Credit positions in their API form (qudao.credit.v1.CreditPosition): the
// one conversion the adapter and the stored idempotent responses share.
#pragma once

#include "absl/status/statusor.h"
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
