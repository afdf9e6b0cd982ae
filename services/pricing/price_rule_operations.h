// The price rule use cases: create a draft, change it, publish it (four
// eyes), retire it, read and list rules; and the freight settings. Each
// write is one transaction that also records the rule's new revision (who
// changed it, when); the serving layer records every call in the audit
// trail.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/pricing/freight_store.h"
#include "services/pricing/price_rule_store.h"

namespace qudao::pricing {

class PriceRuleOperations {
 public:
  PriceRuleOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  // Stores `draft` (rule and description; an empty id gets a made-up one)
  // as a draft by `author`. INVALID_ARGUMENT naming the field for a rule
  // CheckPriceRule refuses; ALREADY_EXISTS for a taken id.
  absl::StatusOr<RuleRecord> Create(const std::string& author, RuleRecord draft,
                                    const storage::IdempotentRequest& request);
  // Replaces a draft's rule and description (expected_version 0: any).
  absl::StatusOr<RuleRecord> Update(const std::string& editor,
                                    RuleRecord changed,
                                    int64_t expected_version);
  // Draft → active, by a pricing manager other than its author.
  absl::StatusOr<RuleRecord> Publish(const std::string& publisher,
                                     const std::string& rule_id,
                                     int64_t expected_version);
  // Active → retired, with `reason`.
  absl::StatusOr<RuleRecord> Retire(const std::string& retirer,
                                    const std::string& rule_id,
                                    const std::string& reason);
  absl::StatusOr<RuleRecord> Get(const std::string& rule_id);
  absl::StatusOr<std::vector<RuleRevision>> Revisions(
      const std::string& rule_id);
  absl::StatusOr<RulePage> List(const RuleFilter& filter,
                                const PageRequest& page);

 private:
  // Reads the rule, applies `change` to it (which checks the lifecycle),
  // bumps the version and writes it with a revision named `change_name`.
  absl::StatusOr<RuleRecord> Change(
      const std::string& rule_id, int64_t expected_version,
      const std::string& who, const std::string& change_name,
      const std::function<absl::Status(RuleRecord&)>& change);

  storage::Database* db_;
  const Clock* clock_;
  PriceRuleStore store_;
};

class FreightOperations {
 public:
  FreightOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  absl::StatusOr<FreightAssignment> SetAssignment(const std::string& who,
                                                  FreightAssignment a);
  absl::StatusOr<std::vector<FreightAssignment>> ListAssignments();
  absl::StatusOr<StoredFreightRate> SetRate(const std::string& who,
                                            const FreightRate& rate);
  absl::StatusOr<std::vector<StoredFreightRate>> ListRates(
      const std::string& origin);
  absl::StatusOr<StoredZoneAdjustment> SetZoneAdjustment(
      const std::string& who, const ZoneAdjustment& zone);
  absl::StatusOr<std::vector<StoredZoneAdjustment>> ListZoneAdjustments();

 private:
  storage::Database* db_;
  const Clock* clock_;
  FreightStore store_;
};

}  // namespace qudao::pricing
