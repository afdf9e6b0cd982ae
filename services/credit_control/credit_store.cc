// CreditStore SQL; see credit_store.h.
#include "services/credit_control/credit_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/storage/idempotency.h"

namespace qudao::credit {
namespace {

using storage::Backend;
using storage::Params;
using storage::Row;
using storage::Transaction;
using storage::TransactionMode;

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

constexpr char kColumns[] =
    "dealer_id, currency, credit_limit_minor, open_receivables_minor, "
    "approved_uninvoiced_minor, limit_revision, limit_update_time, version";

absl::StatusOr<CreditAccount> FromRow(const Row& r) {
  const std::string currency = r.Text(1);
  auto limit = MoneyFromStorage(currency, r.Int(2));
  auto receivables = MoneyFromStorage(currency, r.Int(3));
  auto uninvoiced = MoneyFromStorage(currency, r.Int(4));
  for (const auto* m : {&limit, &receivables, &uninvoiced}) {
    if (!m->ok()) return m->status();
  }
  return CreditAccount{r.Text(0),   *limit,   *receivables,
                       *uninvoiced, r.Int(5), storage::FromStoredTime(r.Int(6)),
                       r.Int(7)};
}

absl::StatusOr<std::optional<CreditAccount>> FindIn(
    Transaction& tx, const std::string& dealer_id) {
  auto rows =
      tx.Query(absl::StrCat("SELECT ", kColumns,
                            " FROM credit_accounts WHERE dealer_id = $1"),
               {dealer_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<CreditAccount>();
  auto account = FromRow((*rows)[0]);
  if (!account.ok()) return account.status();
  return std::optional<CreditAccount>(*std::move(account));
}

absl::Status WriteAccount(Transaction& tx,
                          const std::optional<CreditAccount>& current,
                          const CreditAccount& updated) {
  if (!current.has_value()) {
    auto inserted = tx.Execute(
        absl::StrCat("INSERT INTO credit_accounts (", kColumns,
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        Params{
            updated.dealer_id, updated.credit_limit.currency(),
            updated.credit_limit.minor_units(),
            updated.open_receivables.minor_units(),
            updated.approved_uninvoiced.minor_units(), updated.limit_revision,
            storage::ToStoredTime(updated.limit_update_time), updated.version});
    // Another writer opened the account between our read and this insert
    // (possible on PostgreSQL): run again, now reading its account.
    if (absl::IsAlreadyExists(inserted.status())) {
      return storage::RetryableConflict("credit account opened concurrently");
    }
    return inserted.status();
  }
  // Only the limit's columns: receivables and approved orders are changed
  // by their own flows, never by a limit change.
  auto n = tx.Execute(
      "UPDATE credit_accounts SET credit_limit_minor = $2, limit_revision = "
      "$3, limit_update_time = $4, version = $5 WHERE dealer_id = $1 AND "
      "version = $6",
      {updated.dealer_id, updated.credit_limit.minor_units(),
       updated.limit_revision, storage::ToStoredTime(updated.limit_update_time),
       updated.version, current->version});
  if (!n.ok()) return n.status();
  if (*n != 1) {
    return storage::RetryableConflict("credit account changed concurrently");
  }
  return absl::OkStatus();
}

// The stored response of a SetLimit: the account's fields joined by '|'
// (dealer ids, currency codes and numbers never contain one).
std::string EncodeAccount(const CreditAccount& a) {
  return absl::StrCat(
      "v1|", a.dealer_id, "|", a.credit_limit.currency(), "|",
      a.credit_limit.minor_units(), "|", a.open_receivables.minor_units(), "|",
      a.approved_uninvoiced.minor_units(), "|", a.limit_revision, "|",
      storage::ToStoredTime(a.limit_update_time), "|", a.version);
}

absl::StatusOr<CreditAccount> DecodeAccount(absl::string_view text) {
  std::vector<std::string> f = absl::StrSplit(text, '|');
  int64_t n[6];
  bool ok = f.size() == 9 && f[0] == "v1";
  for (int i = 0; ok && i < 6; ++i) {
    ok = absl::SimpleAtoi(f[i + 3], &n[i]);
  }
  if (!ok)
    return absl::DataLossError("stored SetCreditLimit answer is corrupt");
  auto limit = MoneyFromStorage(f[2], n[0]);
  auto receivables = MoneyFromStorage(f[2], n[1]);
  auto uninvoiced = MoneyFromStorage(f[2], n[2]);
  for (const auto* m : {&limit, &receivables, &uninvoiced}) {
    if (!m->ok()) return m->status();
  }
  return CreditAccount{f[1],        *limit, *receivables,
                       *uninvoiced, n[3],   storage::FromStoredTime(n[4]),
                       n[5]};
}

}  // namespace

const std::vector<storage::Migration>& CreditStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_credit_accounts",
       kSchema +
           storage::AppendOnlyGuard(Backend::kSqlite, "credit_limit_changes"),
       kSchema + storage::AppendOnlyGuard(Backend::kPostgres,
                                          "credit_limit_changes")},
  };
  return *migrations;
}

absl::StatusOr<CreditAccount> CreditStore::SetLimit(
    const std::string& dealer_id, const LimitApproval& approval,
    const std::string& request_id, const std::string& request_fingerprint,
    absl::Time now, const LimitChangeRule& rule) {
  absl::StatusOr<std::string> revision = storage::RunIdempotent(
      *db_, "qudao.credit.v1.CreditControlService/SetCreditLimit", request_id,
      request_fingerprint, storage::ToStoredTime(now),
      [&](Transaction& tx) -> absl::StatusOr<std::string> {
        auto current = FindIn(tx, dealer_id);
        if (!current.ok()) return current.status();
        absl::StatusOr<CreditAccount> updated = rule(*current);
        if (!updated.ok()) return updated.status();
        if (absl::Status s = WriteAccount(tx, *current, *updated); !s.ok()) {
          return s;
        }
        auto appended = tx.Execute(
            "INSERT INTO credit_limit_changes (dealer_id, revision, currency, "
            "old_limit_minor, new_limit_minor, reason, approved_by, "
            "change_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {updated->dealer_id, updated->limit_revision,
             updated->credit_limit.currency(),
             // NULL on the change that opened the account: there was no
             // earlier limit, which is not the same as a limit of zero.
             current->has_value()
                 ? storage::Value((*current)->credit_limit.minor_units())
                 : storage::Value(),
             updated->credit_limit.minor_units(), approval.reason,
             approval.approved_by,
             storage::ToStoredTime(updated->limit_update_time)});
        if (!appended.ok()) return appended.status();
        // The account as this change left it is the answer, now and to
        // any retry of the same request: a retry must not report a later
        // change made by someone else as its own.
        return EncodeAccount(*updated);
      });
  if (!revision.ok()) return revision.status();
  return DecodeAccount(*revision);
}

absl::StatusOr<CreditAccount> CreditStore::GetAccount(
    const std::string& dealer_id) {
  absl::StatusOr<CreditAccount> account;
  absl::Status s = db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto found = FindIn(tx, dealer_id);
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          return absl::NotFoundError(
              absl::StrCat("dealer ", dealer_id,
                           " has no credit account; SetCreditLimit opens one"));
        }
        account = **std::move(found);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return account;
}

}  // namespace qudao::credit
