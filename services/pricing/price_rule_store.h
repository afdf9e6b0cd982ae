// Persistence of price rules: the current rule (price_rules) and every
// version of it (price_rule_revisions, append-only), inside the caller's
// transaction. The same SQL runs on SQLite and PostgreSQL; the tables are
// migration 3 of the pricing service (ProductStore::Migrations()), the
// rule-set version migration 6 (RuleSetCounter; bumped by triggers on
// price_rules, migration 7, in the writing transaction).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/pricing/price_rule.h"

namespace qudao::pricing {

// What ListPriceRules filters on; unset fields match every rule.
struct RuleFilter {
  std::optional<RuleState> state;
  std::optional<RuleType> type;
  std::optional<DealerScope> dealer_scope;
  std::optional<ProductScope> product_scope;
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

struct RulePage {
  std::vector<RuleRecord> rules;
  std::string next_page_token;
};

class PriceRuleStore {
 public:
  // The DDL of the rule tables on `backend` (pricing migration 3).
  static std::string Schema(storage::Backend backend);

  // Writes a new rule (version 1) and its first revision (the rule-set
  // version moves with it). ALREADY_EXISTS when the id is taken.
  absl::Status Insert(storage::Transaction& tx, const RuleRecord& record,
                      const std::string& change) const;
  // Writes `record` (its version already the next one) if the stored
  // version is still `expected_version`, and its revision (the rule-set
  // version moves with it); ABORTED ETAG_MISMATCH when another change came
  // first.
  absl::Status Update(storage::Transaction& tx, const RuleRecord& record,
                      int64_t expected_version,
                      const std::string& change) const;
  // NOT_FOUND PRICE_RULE_NOT_FOUND naming the id when there is none.
  absl::StatusOr<RuleRecord> Get(storage::Transaction& tx,
                                 const std::string& rule_id) const;
  // Every version, oldest first.
  absl::StatusOr<std::vector<RuleRevision>> Revisions(
      storage::Transaction& tx, const std::string& rule_id) const;
  // Rules by id, keyset-paginated.
  absl::StatusOr<RulePage> List(storage::Transaction& tx,
                                const RuleFilter& filter,
                                const PageRequest& page) const;
  // The active rules whose window covers `day`, by id; with `margin_days`
  // also those whose window ends or begins within that many days of it
  // (a quote lists them OUT_OF_WINDOW: kOutOfWindowListedDays).
  absl::StatusOr<std::vector<RuleRecord>> ActiveOn(storage::Transaction& tx,
                                                   absl::CivilDay day,
                                                   int margin_days = 0) const;
};

}  // namespace qudao::pricing
