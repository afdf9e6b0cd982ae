// PriceRuleOperations and FreightOperations; see price_rule_operations.h.
#include "services/pricing/price_rule_operations.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/pricing/price_rule_proto.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

using storage::Transaction;
using storage::TransactionMode;

constexpr size_t kMaxDescriptionChars = 500;
constexpr size_t kMaxReasonChars = 500;

absl::Status CheckDraft(const RuleRecord& r) {
  RETURN_IF_ERROR(CheckPriceRule("price_rule", r.rule, ""));
  return OptionalMultilineText("price_rule.description", r.description,
                               kMaxDescriptionChars);
}

}  // namespace

absl::StatusOr<RuleRecord> PriceRuleOperations::Create(
    const std::string& author, RuleRecord draft,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  if (draft.rule.rule_id.empty())
    draft.rule.rule_id = NewResourceId("prl", now);
  draft.rule.state = RuleState::kDraft;
  RETURN_IF_ERROR(CheckDraft(draft));
  draft.version = 1;
  draft.created_by = author;
  draft.create_time = now;
  draft.updated_by = author;
  draft.update_time = now;
  return storage::RunIdempotent<RuleRecord>(
      *db_, request, now, RuleCodec(),
      [&](Transaction& tx) -> absl::StatusOr<RuleRecord> {
        RETURN_IF_ERROR(store_.Insert(tx, draft, "created"));
        return draft;
      });
}

absl::StatusOr<RuleRecord> PriceRuleOperations::Change(
    const std::string& rule_id, int64_t expected_version,
    const std::string& who, const std::string& change_name,
    const std::function<absl::Status(RuleRecord&)>& change) {
  RuleRecord result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(RuleRecord current, store_.Get(tx, rule_id));
        if (expected_version != 0 && current.version != expected_version) {
          return Refusal(
              absl::StatusCode::kAborted, kReasonEtagMismatch,
              absl::StrCat("price rule ", rule_id,
                           " was changed by someone else (etag ",
                           EtagOfVersion(current.version), "); read it again"));
        }
        const int64_t read_version = current.version;
        RETURN_IF_ERROR(change(current));
        current.version = read_version + 1;
        current.updated_by = who;
        current.update_time = clock_->Now();
        RETURN_IF_ERROR(store_.Update(tx, current, read_version, change_name));
        result = std::move(current);
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<RuleRecord> PriceRuleOperations::Update(
    const std::string& editor, RuleRecord changed, int64_t expected_version) {
  changed.rule.state = RuleState::kDraft;
  RETURN_IF_ERROR(CheckDraft(changed));
  return Change(changed.rule.rule_id, expected_version, editor, "updated",
                [&](RuleRecord& current) -> absl::Status {
                  RETURN_IF_ERROR(CheckCanUpdate(current));
                  current.rule = changed.rule;
                  current.description = changed.description;
                  return absl::OkStatus();
                });
}

absl::StatusOr<RuleRecord> PriceRuleOperations::Publish(
    const std::string& publisher, const std::string& rule_id,
    int64_t expected_version) {
  return Change(rule_id, expected_version, publisher, "published",
                [&](RuleRecord& current) -> absl::Status {
                  RETURN_IF_ERROR(CheckCanPublish(current, publisher));
                  current.rule.state = RuleState::kActive;
                  current.published_by = publisher;
                  current.publish_time = clock_->Now();
                  return absl::OkStatus();
                });
}

absl::StatusOr<RuleRecord> PriceRuleOperations::Retire(
    const std::string& retirer, const std::string& rule_id,
    const std::string& reason) {
  RETURN_IF_ERROR(RequireText("reason", reason, kMaxReasonChars));
  return Change(rule_id, 0, retirer, "retired",
                [&](RuleRecord& current) -> absl::Status {
                  RETURN_IF_ERROR(CheckCanRetire(current));
                  current.rule.state = RuleState::kRetired;
                  current.retired_by = retirer;
                  current.retire_time = clock_->Now();
                  current.retire_reason = reason;
                  return absl::OkStatus();
                });
}

absl::StatusOr<RuleRecord> PriceRuleOperations::Get(
    const std::string& rule_id) {
  absl::StatusOr<RuleRecord> result;
  RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                        [&](Transaction& tx) -> absl::Status {
                                          result = store_.Get(tx, rule_id);
                                          return result.status();
                                        }));
  return result;
}

absl::StatusOr<std::vector<RuleRevision>> PriceRuleOperations::Revisions(
    const std::string& rule_id) {
  absl::StatusOr<std::vector<RuleRevision>> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.Revisions(tx, rule_id);
        return result.status();
      }));
  return result;
}

absl::StatusOr<RulePage> PriceRuleOperations::List(const RuleFilter& filter,
                                                   const PageRequest& page) {
  absl::StatusOr<RulePage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.List(tx, filter, page);
        return result.status();
      }));
  return result;
}

absl::StatusOr<FreightAssignment> FreightOperations::SetAssignment(
    const std::string& who, FreightAssignment a) {
  RETURN_IF_ERROR(CheckFreightAssignment("assignment", a));
  a.updated_by = who;
  a.update_time = clock_->Now();
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite,
      [&](Transaction& tx) { return store_.SetAssignment(tx, a); }));
  return a;
}

absl::StatusOr<std::vector<FreightAssignment>>
FreightOperations::ListAssignments() {
  absl::StatusOr<std::vector<FreightAssignment>> result;
  RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                        [&](Transaction& tx) -> absl::Status {
                                          result = store_.ListAssignments(tx);
                                          return result.status();
                                        }));
  return result;
}

absl::StatusOr<StoredFreightRate> FreightOperations::SetRate(
    const std::string& who, const FreightRate& rate) {
  RETURN_IF_ERROR(CheckFreightRate("rate", rate));
  StoredFreightRate stored{rate, who, clock_->Now()};
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite,
      [&](Transaction& tx) { return store_.SetRate(tx, stored); }));
  return stored;
}

absl::StatusOr<std::vector<StoredFreightRate>> FreightOperations::ListRates(
    const std::string& origin) {
  absl::StatusOr<std::vector<StoredFreightRate>> result;
  RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                        [&](Transaction& tx) -> absl::Status {
                                          result = store_.ListRates(tx, origin);
                                          return result.status();
                                        }));
  return result;
}

absl::StatusOr<StoredZoneAdjustment> FreightOperations::SetZoneAdjustment(
    const std::string& who, const ZoneAdjustment& zone) {
  RETURN_IF_ERROR(CheckZoneAdjustment("adjustment", zone));
  StoredZoneAdjustment stored{zone, who, clock_->Now()};
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite,
      [&](Transaction& tx) { return store_.SetZoneAdjustment(tx, stored); }));
  return stored;
}

absl::StatusOr<std::vector<StoredZoneAdjustment>>
FreightOperations::ListZoneAdjustments() {
  absl::StatusOr<std::vector<StoredZoneAdjustment>> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.ListZoneAdjustments(tx);
        return result.status();
      }));
  return result;
}

}  // namespace qudao::pricing
