// Credit use cases; see credit_operations.h.
#include "services/credit_control/credit_operations.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_proto.h"

namespace qudao::credit {

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<CreditPosition> CreditOperations::SetLimit(
    const CallContext& call, const auth::Principal& approver,
    const LimitDecision& decision, const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CheckCreditLimit(decision.limit));
  // A retry of a limit already set gets its answer, whatever customer
  // records says of the dealer now.
  ASSIGN_OR_RETURN(std::optional<CreditPosition> replay,
                   storage::FindReplay(*db_, request, CreditPositionCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, decision.dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(dealer.dealer_id, dealer.payer_dealer_id));
  RETURN_IF_ERROR(
      CheckLimitApprover(approver, decision.dealer_id, dealer.owner));
  if (!decision.limit.is_zero()) {
    RETURN_IF_ERROR(customer::CheckNotTerminated(
        dealer,
        "it can be given no credit (a limit of zero closes its account)"));
  }
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<CreditPosition>(
      *db_, request, now, CreditPositionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<CreditPosition> {
        ASSIGN_OR_RETURN(const std::optional<Assessment> assessment,
                         accounts_.LatestAssessment(tx, decision.dealer_id));
        RETURN_IF_ERROR(CheckLimitAgainstAssessment(
            approver, decision.dealer_id, decision.limit, assessment));
        ASSIGN_OR_RETURN(const std::optional<CreditAccount> current,
                         accounts_.Find(tx, decision.dealer_id));
        ASSIGN_OR_RETURN(
            const CreditAccount updated,
            ApplyCreditLimit(current, decision.dealer_id, decision.limit, now));
        if (current.has_value()) {
          RETURN_IF_ERROR(accounts_.UpdateLimit(tx, updated, current->version));
        } else {
          RETURN_IF_ERROR(accounts_.Insert(tx, updated));
        }
        LimitChange change;
        change.dealer_id = updated.dealer_id;
        change.revision = updated.limit_revision;
        if (current.has_value()) change.old_limit = current->credit_limit;
        change.new_limit = updated.credit_limit;
        change.reason = decision.reason;
        change.approved_by = approver.subject;
        change.change_time = updated.limit_update_time;
        RETURN_IF_ERROR(accounts_.AppendLimitChange(tx, change));
        return ComputeCreditPosition(updated);
      });
}

absl::StatusOr<CreditPosition> CreditOperations::GetPosition(
    const std::string& dealer_id) {
  std::optional<CreditAccount> account;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(account, accounts_.Find(tx, dealer_id));
        return absl::OkStatus();
      }));
  if (!account.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("dealer ", dealer_id,
                     " has no credit account; SetCreditLimit opens one"));
  }
  return ComputeCreditPosition(*account);
}

absl::StatusOr<Assessment> CreditOperations::Assess(
    const CallContext& call, const auth::Principal& assessor,
    const AssessmentInput& input, const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<Assessment> replay,
                   storage::FindReplay(*db_, request, AssessmentCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, input.dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(dealer.dealer_id, dealer.payer_dealer_id));
  RETURN_IF_ERROR(CheckLimitApprover(assessor, input.dealer_id, dealer.owner));
  RETURN_IF_ERROR(customer::CheckNotTerminated(
      dealer, "it is not assessed for credit any more"));
  // The payment record (paid invoices) comes with the receivables ledger;
  // until then the controller scores Capacity.
  ASSIGN_OR_RETURN(Assessment assessment, credit::Assess(input, weights_, {}));
  const absl::Time now = clock_->Now();
  assessment.assessment_id = NewResourceId("cas", now);
  assessment.assessed_by = assessor.subject;
  assessment.assess_time = now;
  return storage::RunIdempotent<Assessment>(
      *db_, request, now, AssessmentCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Assessment> {
        RETURN_IF_ERROR(accounts_.AppendAssessment(tx, assessment));
        return assessment;
      });
}

absl::StatusOr<std::vector<Assessment>> CreditOperations::ListAssessments(
    const std::string& dealer_id, const PageRequest& page) {
  std::vector<Assessment> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, accounts_.ListAssessments(tx, dealer_id, page));
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace qudao::credit
