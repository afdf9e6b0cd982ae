// Persistence of credit accounts and their append-only limit history. One
// implementation over the storage interface: its SQL runs unchanged on
// SQLite and PostgreSQL, and credit_control_service_test.cc runs the same
// suite against both.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {

// Who approved a limit change and why; recorded with the change.
struct LimitApproval {
  std::string reason;
  std::string approved_by;
};

// Decides the account after a limit change from the account as read in the
// same transaction (nullopt if the dealer has none); an error vetoes it.
using LimitChangeRule = std::function<absl::StatusOr<CreditAccount>(
    const std::optional<CreditAccount>&)>;

class CreditStore {
 public:
  explicit CreditStore(storage::Database* db) : db_(db) {}

  static const std::vector<storage::Migration>& Migrations();

  // In one serialisable transaction: reads the dealer's account, lets
  // `rule` decide the new one, writes it (a new row, or an update
  // conditional on the version read) and appends the change with `approval`
  // to credit_limit_changes. With a request_id, a repeat returns the
  // dealer's current account instead of applying the change again.
  absl::StatusOr<CreditAccount> SetLimit(const std::string& dealer_id,
                                         const LimitApproval& approval,
                                         const std::string& request_id,
                                         const std::string& request_fingerprint,
                                         absl::Time now,
                                         const LimitChangeRule& rule);

  // NOT_FOUND when the dealer has no credit account.
  absl::StatusOr<CreditAccount> GetAccount(const std::string& dealer_id);

  absl::Status Ping() { return db_->Ping(); }

 private:
  storage::Database* db_;
};

}  // namespace qudao::credit
