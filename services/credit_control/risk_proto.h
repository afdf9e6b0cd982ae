// Alerts, guarantees, inspections and collections in their API form
// (qudao.credit.v1 risk.proto): the conversions the adapter and the stored
// idempotent responses share.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/storage/idempotency.h"
#include "qudao/credit/v1/risk.pb.h"
#include "services/credit_control/alerts.h"
#include "services/credit_control/collections.h"

namespace qudao::credit {

v1::Alert AlertToProto(const Alert& alert);
const storage::ResponseCodec<Alert>& AlertCodec();

v1::Guarantee GuaranteeToProto(const Guarantee& g);
absl::StatusOr<Guarantee> GuaranteeFromProto(const v1::Guarantee& p);
const storage::ResponseCodec<Guarantee>& GuaranteeCodec();

v1::Inspection InspectionToProto(const Inspection& i);
// `today` when no date is given.
absl::StatusOr<Inspection> InspectionFromProto(const v1::Inspection& p,
                                               absl::CivilDay today);
const storage::ResponseCodec<Inspection>& InspectionCodec();

v1::OverdueCase CaseToProto(const OverdueCase& c,
                            const std::vector<CaseRecord>& records = {},
                            const std::vector<PaymentPromise>& promises = {});
const storage::ResponseCodec<OverdueCase>& CaseCodec();

v1::CaseRecord RecordToProto(const CaseRecord& r);
absl::StatusOr<CaseRecord> RecordFromProto(const v1::CaseRecord& p);
const storage::ResponseCodec<CaseRecord>& RecordCodec();

v1::PaymentPromise PromiseToProto(const PaymentPromise& p);
absl::StatusOr<PaymentPromise> PromiseFromProto(const v1::PaymentPromise& p);
const storage::ResponseCodec<PaymentPromise>& PromiseCodec();

}  // namespace qudao::credit
