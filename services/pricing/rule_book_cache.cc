// RuleBookCache; see rule_book_cache.h.
#include "services/pricing/rule_book_cache.h"

#include "common/status/macros.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {

absl::StatusOr<std::shared_ptr<const ActiveRules>> RuleBookCache::ActiveOn(
    storage::Transaction& tx, const PriceRuleStore& store, absl::CivilDay day) {
  // Read even with the cache off: a quote records the version it used.
  ASSIGN_OR_RETURN(const int64_t version, RuleSetCounter().Read(tx));
  if (enabled_) {
    absl::ReaderMutexLock lock(&mu_);
    if (current_ != nullptr && current_->version == version &&
        current_->day == day) {
      return current_;
    }
  }
  ASSIGN_OR_RETURN(std::vector<RuleRecord> records,
                   store.ActiveOn(tx, day, kOutOfWindowListedDays));
  std::vector<PriceRule> rules;
  std::vector<std::pair<std::string, int64_t>> versions;
  absl::flat_hash_map<std::string, int64_t> version_of;
  std::vector<uint32_t> cumulative;
  rules.reserve(records.size());
  versions.reserve(records.size());
  for (RuleRecord& r : records) {
    if (r.rule.type == RuleType::kCumulativeVolume && InWindow(r.rule, day)) {
      cumulative.push_back(static_cast<uint32_t>(rules.size()));
    }
    versions.emplace_back(r.rule.rule_id, r.version);
    version_of.emplace(r.rule.rule_id, r.version);
    rules.push_back(std::move(r.rule));
  }
  ASSIGN_OR_RETURN(RuleBook book, RuleBook::Build(std::move(rules)));
  auto built = std::make_shared<const ActiveRules>(
      ActiveRules{version, day, std::move(book), std::move(versions),
                  std::move(version_of), std::move(cumulative)});
  absl::MutexLock lock(&mu_);
  ++builds_;
  // A replica that read an older version (a transaction begun before a
  // publish) does not replace a newer book.
  if (enabled_ && (current_ == nullptr || current_->version < version ||
                   (current_->version == version && current_->day < day))) {
    current_ = built;
  }
  return built;
}

int64_t RuleBookCache::builds() const {
  absl::MutexLock lock(&mu_);
  return builds_;
}

}  // namespace qudao::pricing
