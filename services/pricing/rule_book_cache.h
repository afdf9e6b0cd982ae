// The active rules a quote prices with, as a RuleBook built once per
// rule-set version and day and reused by every quote while both hold.
//
// Each quote reads the rule-set version (RuleSetCounter, bumped by a
// trigger in the transaction of every rule write) in its own read
// transaction: the same version means the same rules, so the cached book
// is the one ActiveOn would build, on every replica of one database (a
// rule published through another replica is seen by the next quote here).
// The book holds the rules active on one day — in their window, and those
// within kOutOfWindowListedDays of it, which quotes list OUT_OF_WINDOW
// (windows are decided when it is built, as ActiveOn decides them) — so it
// is rebuilt when the business day changes too. Only the newest version is
// kept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/storage/database.h"
#include "services/pricing/price_rule.h"
#include "services/pricing/price_rule_store.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {

// The rules active on `day` at rule-set `version`.
struct ActiveRules {
  int64_t version = 0;
  absl::CivilDay day;
  RuleBook book;
  // Id and version of each rule, in the book's order, and by id.
  std::vector<std::pair<std::string, int64_t>> versions;
  absl::flat_hash_map<std::string, int64_t> version_of;
  // Indexes into book.rules() of the cumulative-volume rules in their
  // window (those a quote asks volumes for).
  std::vector<uint32_t> cumulative;
};

class RuleBookCache {
 public:
  // `enabled` false: every call reads and builds (for measuring).
  explicit RuleBookCache(bool enabled = true) : enabled_(enabled) {}

  // The rules active on `day` as `tx` sees them: the cached book when the
  // version `tx` reads is the one it was built at, else read with
  // `store.ActiveOn` and built (and kept if newest). A stored rule the
  // book refuses is the Build's INVALID_ARGUMENT.
  absl::StatusOr<std::shared_ptr<const ActiveRules>> ActiveOn(
      storage::Transaction& tx, const PriceRuleStore& store,
      absl::CivilDay day);

  // Sends the version's read ahead (none when the cache is off).
  absl::Status Prefetch(storage::Transaction& tx) const {
    return enabled_ ? RuleSetCounter().Prefetch(tx) : absl::OkStatus();
  }

  // Books built so far (a reused book is not counted).
  int64_t builds() const;

 private:
  const bool enabled_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const ActiveRules> current_ ABSL_GUARDED_BY(mu_);
  int64_t builds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace qudao::pricing
