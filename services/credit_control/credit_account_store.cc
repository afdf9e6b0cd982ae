// CreditAccountStore SQL; see credit_account_store.h.
#include "services/credit_control/credit_account_store.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"

namespace qudao::credit {
namespace {

using storage::Backend;
using storage::Transaction;

// open_receivables_minor and approved_uninvoiced_minor belong to invoicing
// and order approval, which do not exist yet; until they do, nothing writes
// them and they stay 0. The limit history is append-only (guarded in the
// database, not just by this code) because it is the audit trail of who
// granted how much credit and why.
constexpr char kSchema[] = R"sql(
CREATE TABLE credit_accounts (
  dealer_id                 TEXT NOT NULL PRIMARY KEY,
  currency                  TEXT NOT NULL,
  credit_limit_minor        BIGINT NOT NULL CHECK (credit_limit_minor >= 0),
  open_receivables_minor    BIGINT NOT NULL DEFAULT 0,
  approved_uninvoiced_minor BIGINT NOT NULL DEFAULT 0,
  limit_revision            BIGINT NOT NULL,
  limit_update_time         BIGINT NOT NULL,
  version                   BIGINT NOT NULL
);
CREATE TABLE credit_limit_changes (
  dealer_id       TEXT NOT NULL REFERENCES credit_accounts (dealer_id),
  revision        BIGINT NOT NULL,
  currency        TEXT NOT NULL,
  old_limit_minor BIGINT,
  new_limit_minor BIGINT NOT NULL,
  reason          TEXT NOT NULL,
  approved_by     TEXT NOT NULL,
  change_time     BIGINT NOT NULL,
  PRIMARY KEY (dealer_id, revision)
);
)sql";

// Every amount of an account is in the account's one currency.
const storage::TableMapping<CreditAccount>& Accounts() {
  namespace s = storage;
  using A = CreditAccount;
  static const auto* table = new s::TableMapping<A>(
      "credit_accounts",
      {s::Text<A>("dealer_id", &A::dealer_id).InsertOnly(),
       s::MoneyAmount<A>("currency", "credit_limit_minor", &A::credit_limit),
       s::MinorUnitsIn<A>("open_receivables_minor", "currency",
                          &A::open_receivables),
       s::MinorUnitsIn<A>("approved_uninvoiced_minor", "currency",
                          &A::approved_uninvoiced),
       s::Int<A>("limit_revision", &A::limit_revision),
       s::Time<A>("limit_update_time", &A::limit_update_time),
       s::Int<A>("version", &A::version)});
  return *table;
}

const storage::TableMapping<LimitChange>& LimitChanges() {
  namespace s = storage;
  using C = LimitChange;
  static const auto* table = new s::TableMapping<C>(
      "credit_limit_changes",
      {s::Text<C>("dealer_id", &C::dealer_id),
       s::Int<C>("revision", &C::revision),
       s::MoneyAmount<C>("currency", "new_limit_minor", &C::new_limit),
       s::OptionalMinorUnitsIn<C>("old_limit_minor", "currency", &C::old_limit),
       s::Text<C>("reason", &C::reason),
       s::Text<C>("approved_by", &C::approved_by),
       s::Time<C>("change_time", &C::change_time)});
  return *table;
}

}  // namespace

const std::vector<storage::Migration>& CreditAccountStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_credit_accounts",
       kSchema +
           storage::AppendOnlyGuard(Backend::kSqlite, "credit_limit_changes"),
       kSchema + storage::AppendOnlyGuard(Backend::kPostgres,
                                          "credit_limit_changes")},
  };
  return *migrations;
}

absl::StatusOr<std::optional<CreditAccount>> CreditAccountStore::Find(
    Transaction& tx, const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(Accounts().Select("WHERE dealer_id = $1"), {dealer_id}));
  if (rows.empty()) return std::optional<CreditAccount>();
  ASSIGN_OR_RETURN(CreditAccount account, Accounts().Read(rows[0]));
  return std::optional<CreditAccount>(std::move(account));
}

absl::Status CreditAccountStore::Insert(Transaction& tx,
                                        const CreditAccount& account) const {
  absl::Status inserted = Accounts().Insert(tx, account);
  // Another writer opened the account between our read and this insert
  // (possible on PostgreSQL): run again, now reading its account.
  if (absl::IsAlreadyExists(inserted)) {
    return storage::RetryableConflict("credit account opened concurrently");
  }
  return inserted;
}

absl::Status CreditAccountStore::UpdateLimit(Transaction& tx,
                                             const CreditAccount& account,
                                             int64_t read_version) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_accounts SET credit_limit_minor = $2, "
                 "limit_revision = $3, limit_update_time = $4, version = $5 "
                 "WHERE dealer_id = $1 AND version = $6",
                 {account.dealer_id, account.credit_limit.minor_units(),
                  account.limit_revision,
                  storage::ToStoredTime(account.limit_update_time),
                  account.version, read_version}));
  if (changed != 1) {
    return storage::RetryableConflict("credit account changed concurrently");
  }
  return absl::OkStatus();
}

absl::Status CreditAccountStore::AppendLimitChange(
    Transaction& tx, const LimitChange& change) const {
  return LimitChanges().Insert(tx, change);
}

}  // namespace qudao::credit
