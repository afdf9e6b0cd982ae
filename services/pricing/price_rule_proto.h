// Price rule and freight proto conversion. FromProto checks shape (enum
// values known, days and money well-formed; errors name the field); the
// rules (CheckPriceRule, CheckFreight*) check the rest.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/pricing/v1/freight.pb.h"
#include "qudao/pricing/v1/price_rule.pb.h"
#include "services/pricing/freight.h"
#include "services/pricing/price_rule.h"

namespace qudao::pricing {

namespace v1 = ::qudao::pricing::v1;

v1::PriceRule RuleToProto(const RuleRecord& record);
v1::PriceRuleRevision RevisionToProto(const RuleRevision& revision);
// The rule and description of `in` (rule id as given; state draft).
absl::StatusOr<RuleRecord> RuleFromProto(const std::string& field,
                                         const v1::PriceRule& in);
absl::StatusOr<DealerScope> DealerScopeFromProto(const std::string& field,
                                                 const v1::DealerScope& in);
absl::StatusOr<ProductScope> ProductScopeFromProto(const std::string& field,
                                                   const v1::ProductScope& in);
absl::StatusOr<RuleState> RuleStateFromProto(const std::string& field,
                                             v1::PriceRuleState state);
absl::StatusOr<RuleType> RuleTypeFromProto(const std::string& field,
                                           v1::PriceRuleType type);
const storage::ResponseCodec<RuleRecord>& RuleCodec();

v1::FreightAssignment AssignmentToProto(const FreightAssignment& a);
absl::StatusOr<FreightAssignment> AssignmentFromProto(
    const std::string& field, const v1::FreightAssignment& in);
v1::FreightRate RateToProto(const StoredFreightRate& r);
absl::StatusOr<FreightRate> RateFromProto(const std::string& field,
                                          const v1::FreightRate& in);
v1::ZoneAdjustment ZoneToProto(const StoredZoneAdjustment& z);
absl::StatusOr<ZoneAdjustment> ZoneFromProto(const std::string& field,
                                             const v1::ZoneAdjustment& in);

}  // namespace qudao::pricing
