// The credit use cases: each loads the dealer's account through the store,
// asks the credit rules, and writes in one transaction. Plain C++, no gRPC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/money/money.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {

// A credit limit to set, with who approved it and why.
struct LimitDecision {
  std::string dealer_id;
  Money limit;
  std::string reason;
  std::string approved_by;
};

class CreditOperations {
 public:
  CreditOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  // Sets the dealer's limit (opening its account on the first limit) and
  // appends the change to the limit history, in one serialisable
  // transaction. The answer is the position this change produced, now and
  // to every retry of `request`: a retry never reports a later change made
  // by someone else as its own.
  absl::StatusOr<CreditPosition> SetLimit(
      const LimitDecision& decision, const storage::IdempotentRequest& request);

  // NOT_FOUND when the dealer has no credit account.
  absl::StatusOr<CreditPosition> GetPosition(const std::string& dealer_id);

 private:
  storage::Database* db_;
  const Clock* clock_;
  CreditAccountStore accounts_;
};

}  // namespace qudao::credit
