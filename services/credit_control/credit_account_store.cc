// CreditAccountStore SQL; see credit_account_store.h.
#include "services/credit_control/credit_account_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"
#include "services/credit_control/receivables_store.h"
#include "services/credit_control/risk_store.h"

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
       s::MinorUnitsIn<A>("unapplied_credit_minor", "currency",
                          &A::unapplied_credit),
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

// 5C assessments, append-only: the history a limit above the
// recommendation is judged against.
constexpr char kAssessments[] = R"sql(
CREATE TABLE credit_assessments (
  assessment_id         TEXT NOT NULL PRIMARY KEY,
  dealer_id             TEXT NOT NULL,
  character_score       BIGINT NOT NULL CHECK (character_score BETWEEN 1 AND 5),
  character_evidence    TEXT NOT NULL,
  capacity_score        BIGINT NOT NULL CHECK (capacity_score BETWEEN 1 AND 5),
  capacity_evidence     TEXT NOT NULL,
  capacity_from_record  BIGINT NOT NULL,
  capital_score         BIGINT NOT NULL CHECK (capital_score BETWEEN 1 AND 5),
  capital_evidence      TEXT NOT NULL,
  collateral_score      BIGINT NOT NULL CHECK (collateral_score BETWEEN 1 AND 5),
  collateral_evidence   TEXT NOT NULL,
  conditions_score      BIGINT NOT NULL CHECK (conditions_score BETWEEN 1 AND 5),
  conditions_evidence   TEXT NOT NULL,
  weight_character      BIGINT NOT NULL,
  weight_capacity       BIGINT NOT NULL,
  weight_capital        BIGINT NOT NULL,
  weight_collateral     BIGINT NOT NULL,
  weight_conditions     BIGINT NOT NULL,
  score_hundredths      BIGINT NOT NULL,
  rating                BIGINT NOT NULL,
  capped_by_character   BIGINT NOT NULL,
  currency              TEXT NOT NULL,
  liabilities_minor     BIGINT NOT NULL,
  assets_minor          BIGINT NOT NULL,
  monthly_minor         BIGINT NOT NULL,
  payment_term_days     BIGINT NOT NULL,
  recommended_minor     BIGINT NOT NULL,
  assessed_by           TEXT NOT NULL,
  assess_time           BIGINT NOT NULL
);
CREATE INDEX credit_assessments_by_dealer
  ON credit_assessments (dealer_id, assessment_id);
)sql";

// One row per order's reservation. `reasons` holds one line per reason:
// issue, shortfall in minor units (or empty), detail — tab-separated.
constexpr char kReservations[] = R"sql(
CREATE TABLE credit_reservations (
  reservation_id     TEXT NOT NULL PRIMARY KEY,
  order_id           TEXT NOT NULL UNIQUE,
  dealer_id          TEXT NOT NULL,
  payer_dealer_id    TEXT NOT NULL,
  currency           TEXT NOT NULL,
  amount_minor       BIGINT NOT NULL CHECK (amount_minor > 0),
  payment_term_days  BIGINT NOT NULL,
  cash_in_advance    BIGINT NOT NULL,
  status             BIGINT NOT NULL,
  reasons            TEXT NOT NULL,
  requested_by       TEXT NOT NULL,
  create_time        BIGINT NOT NULL,
  update_time        BIGINT NOT NULL
);
CREATE INDEX credit_reservations_by_payer
  ON credit_reservations (payer_dealer_id, status, reservation_id);
)sql";

// Decisions on held reservations (release, reject): who, why, and which
// holds a release overrode (issue numbers, comma-separated).
constexpr char kReservationDecisions[] = R"sql(
ALTER TABLE credit_reservations ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE credit_reservations ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE credit_reservations ADD COLUMN overridden TEXT NOT NULL DEFAULT '';
CREATE INDEX credit_reservations_by_status
  ON credit_reservations (status, reservation_id);
)sql";

// Credit policy per ABC class, seeded with the defaults (credit_policy.h).
constexpr char kPolicies[] = R"sql(
CREATE TABLE credit_policies (
  abc_class            TEXT NOT NULL PRIMARY KEY,
  overdue_hold_days    BIGINT NOT NULL,
  watch_ratio_percent  BIGINT NOT NULL,
  slow_payment_days    BIGINT NOT NULL,
  updated_by           TEXT NOT NULL,
  update_time          BIGINT NOT NULL
);
INSERT INTO credit_policies VALUES ('A', 30, 90, 15, 'default', 0);
INSERT INTO credit_policies VALUES ('B', 15, 90, 15, 'default', 0);
INSERT INTO credit_policies VALUES ('C', 0, 90, 15, 'default', 0);
)sql";

constexpr char kReservationColumns[] =
    "reservation_id, order_id, dealer_id, payer_dealer_id, currency, "
    "amount_minor, payment_term_days, cash_in_advance, status, reasons, "
    "requested_by, create_time, update_time, decided_by, decision_reason, "
    "overridden, invoiced_minor";

std::string EncodeIssues(const std::vector<ReservationIssue>& issues) {
  std::string out;
  for (ReservationIssue i : issues) {
    absl::StrAppend(&out, out.empty() ? "" : ",", static_cast<int>(i));
  }
  return out;
}

std::string EncodeReasons(const std::vector<ReservationReason>& reasons) {
  std::string out;
  for (const ReservationReason& r : reasons) {
    std::string detail = r.detail;
    for (char& c : detail) {
      if (c == '\t' || c == '\n') c = ' ';
    }
    absl::StrAppend(&out, static_cast<int>(r.issue), "\t",
                    r.shortfall.has_value()
                        ? absl::StrCat(r.shortfall->minor_units())
                        : std::string(),
                    "\t", detail, "\n");
  }
  return out;
}

absl::StatusOr<std::vector<ReservationReason>> DecodeReasons(
    const std::string& text, const std::string& currency) {
  std::vector<ReservationReason> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::MaxSplits('\t', 2));
    int issue = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &issue) || issue < 1 ||
        issue > 7) {
      return absl::DataLossError("a stored reservation reason does not parse");
    }
    ReservationReason r;
    r.issue = static_cast<ReservationIssue>(issue);
    if (!parts[1].empty()) {
      int64_t minor = 0;
      if (!absl::SimpleAtoi(parts[1], &minor)) {
        return absl::DataLossError("a stored shortfall does not parse");
      }
      ASSIGN_OR_RETURN(r.shortfall, Money::Create(currency, minor));
    }
    r.detail = parts[2];
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<Reservation> ReadReservation(const storage::Row& row) {
  Reservation r;
  r.reservation_id = row.Text("reservation_id");
  r.order_id = row.Text("order_id");
  r.dealer_id = row.Text("dealer_id");
  r.payer_dealer_id = row.Text("payer_dealer_id");
  const std::string currency = row.Text("currency");
  ASSIGN_OR_RETURN(r.amount, Money::Create(currency, row.Int("amount_minor")));
  r.payment_term_days = static_cast<int>(row.Int("payment_term_days"));
  r.cash_in_advance = row.Int("cash_in_advance") != 0;
  const int64_t status = row.Int("status");
  ASSIGN_OR_RETURN(r.invoiced,
                   Money::Create(currency, row.Int("invoiced_minor")));
  if (status < 1 || status > 5) {
    return absl::DataLossError(
        absl::StrCat("reservation ", r.reservation_id, " has status ", status));
  }
  r.status = static_cast<ReservationStatus>(status);
  ASSIGN_OR_RETURN(r.reasons, DecodeReasons(row.Text("reasons"), currency));
  r.requested_by = row.Text("requested_by");
  r.create_time = storage::FromStoredTime(row.Int("create_time"));
  r.update_time = storage::FromStoredTime(row.Int("update_time"));
  r.decided_by = row.Text("decided_by");
  r.decision_reason = row.Text("decision_reason");
  for (absl::string_view part :
       absl::StrSplit(row.Text("overridden"), ',', absl::SkipEmpty())) {
    int issue = 0;
    if (!absl::SimpleAtoi(part, &issue) || issue < 1 || issue > 7) {
      return absl::DataLossError("a stored override does not parse");
    }
    r.overridden.push_back(static_cast<ReservationIssue>(issue));
  }
  return r;
}

constexpr char kAssessmentColumns[] =
    "assessment_id, dealer_id, character_score, character_evidence, "
    "capacity_score, capacity_evidence, capacity_from_record, capital_score, "
    "capital_evidence, collateral_score, collateral_evidence, "
    "conditions_score, conditions_evidence, weight_character, "
    "weight_capacity, weight_capital, weight_collateral, weight_conditions, "
    "score_hundredths, rating, capped_by_character, currency, "
    "liabilities_minor, assets_minor, monthly_minor, payment_term_days, "
    "recommended_minor, assessed_by, assess_time";

absl::StatusOr<Assessment> ReadAssessment(const storage::Row& r) {
  Assessment a;
  a.assessment_id = r.Text("assessment_id");
  a.dealer_id = r.Text("dealer_id");
  auto c = [&r](const char* name) {
    return CScore{static_cast<int>(r.Int(absl::StrCat(name, "_score"))),
                  r.Text(absl::StrCat(name, "_evidence"))};
  };
  a.character = c("character");
  a.capacity = c("capacity");
  a.capital = c("capital");
  a.collateral = c("collateral");
  a.conditions = c("conditions");
  a.capacity_from_record = r.Int("capacity_from_record") != 0;
  a.weights = {static_cast<int>(r.Int("weight_character")),
               static_cast<int>(r.Int("weight_capacity")),
               static_cast<int>(r.Int("weight_capital")),
               static_cast<int>(r.Int("weight_collateral")),
               static_cast<int>(r.Int("weight_conditions"))};
  a.score_hundredths = r.Int("score_hundredths");
  const int64_t rating = r.Int("rating");
  if (rating < 1 || rating > 7) {
    return absl::DataLossError(
        absl::StrCat("assessment ", a.assessment_id, " has rating ", rating));
  }
  a.rating = static_cast<CreditRating>(rating);
  a.capped_by_character = r.Int("capped_by_character") != 0;
  const std::string currency = r.Text("currency");
  ASSIGN_OR_RETURN(a.total_liabilities,
                   Money::Create(currency, r.Int("liabilities_minor")));
  ASSIGN_OR_RETURN(a.total_assets,
                   Money::Create(currency, r.Int("assets_minor")));
  ASSIGN_OR_RETURN(a.expected_monthly_purchases,
                   Money::Create(currency, r.Int("monthly_minor")));
  ASSIGN_OR_RETURN(a.recommended_limit,
                   Money::Create(currency, r.Int("recommended_minor")));
  a.payment_term_days = static_cast<int>(r.Int("payment_term_days"));
  a.assessed_by = r.Text("assessed_by");
  a.assess_time = storage::FromStoredTime(r.Int("assess_time"));
  return a;
}

}  // namespace

namespace {
// Every append-only table of credit control refuses TRUNCATE as well as
// UPDATE and DELETE (PostgreSQL; SQLite has no TRUNCATE).
std::string TruncateGuards(Backend backend) {
  std::string out;
  for (const char* table :
       {"credit_limit_changes", "credit_assessments", "credit_ledger_entries",
        "credit_payments", "credit_notes", "credit_note_lines",
        "credit_invoice_lines", "credit_inspections", "credit_case_records"}) {
    out += storage::TruncateGuard(backend, table);
  }
  return out;
}
}  // namespace

const std::vector<storage::Migration>& CreditAccountStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_credit_accounts",
       kSchema +
           storage::AppendOnlyGuard(Backend::kSqlite, "credit_limit_changes"),
       kSchema + storage::AppendOnlyGuard(Backend::kPostgres,
                                          "credit_limit_changes")},
      {2, "create_credit_assessments",
       kAssessments +
           storage::AppendOnlyGuard(Backend::kSqlite, "credit_assessments"),
       kAssessments +
           storage::AppendOnlyGuard(Backend::kPostgres, "credit_assessments")},
      {3, "create_credit_reservations", kReservations, kReservations},
      {4, "credit_reservation_decisions", kReservationDecisions,
       kReservationDecisions},
      {5, "create_credit_policies", kPolicies, kPolicies},
      {6, "create_receivables_ledger",
       ReceivablesStore::Schema(Backend::kSqlite),
       ReceivablesStore::Schema(Backend::kPostgres)},
      {7, "create_risk_controls_and_collections",
       RiskStore::Schema(Backend::kSqlite),
       RiskStore::Schema(Backend::kPostgres)},
      {8, "append_only_tables_refuse_truncate",
       TruncateGuards(Backend::kSqlite), TruncateGuards(Backend::kPostgres)},
  };
  return *migrations;
}

namespace {
// The statements of the reads below that a reservation sends ahead.
std::string AccountSql() { return Accounts().Select("WHERE dealer_id = $1"); }
constexpr char kPoliciesSql[] =
    "SELECT abc_class, overdue_hold_days, watch_ratio_percent, "
    "slow_payment_days, updated_by, update_time FROM credit_policies ORDER "
    "BY abc_class";
std::string ReservationBySql(absl::string_view column);
}  // namespace

absl::Status CreditAccountStore::PrefetchReservationReads(
    Transaction& tx, const std::string& payer_dealer_id,
    const std::string& order_id) const {
  RETURN_IF_ERROR(tx.Prefetch(AccountSql(), {payer_dealer_id}));
  RETURN_IF_ERROR(tx.Prefetch(kPoliciesSql));
  return tx.Prefetch(ReservationBySql("order_id"), {order_id});
}

absl::StatusOr<std::optional<CreditAccount>> CreditAccountStore::Find(
    Transaction& tx, const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(AccountSql(), {dealer_id}));
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

absl::Status CreditAccountStore::AppendAssessment(Transaction& tx,
                                                  const Assessment& a) const {
  const std::string& currency = a.recommended_limit.currency();
  storage::Params params = {a.assessment_id,
                            a.dealer_id,
                            int64_t{a.character.score},
                            a.character.evidence,
                            int64_t{a.capacity.score},
                            a.capacity.evidence,
                            int64_t{a.capacity_from_record ? 1 : 0},
                            int64_t{a.capital.score},
                            a.capital.evidence,
                            int64_t{a.collateral.score},
                            a.collateral.evidence,
                            int64_t{a.conditions.score},
                            a.conditions.evidence,
                            int64_t{a.weights.character},
                            int64_t{a.weights.capacity},
                            int64_t{a.weights.capital},
                            int64_t{a.weights.collateral},
                            int64_t{a.weights.conditions},
                            a.score_hundredths,
                            static_cast<int64_t>(a.rating),
                            int64_t{a.capped_by_character ? 1 : 0},
                            currency,
                            a.total_liabilities.minor_units(),
                            a.total_assets.minor_units(),
                            a.expected_monthly_purchases.minor_units(),
                            int64_t{a.payment_term_days},
                            a.recommended_limit.minor_units(),
                            a.assessed_by,
                            storage::ToStoredTime(a.assess_time)};
  return storage::InsertRow(tx, "credit_assessments", kAssessmentColumns,
                            params);
}

absl::StatusOr<std::optional<Assessment>> CreditAccountStore::LatestAssessment(
    Transaction& tx, const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kAssessmentColumns,
                            " FROM credit_assessments WHERE dealer_id = $1 "
                            "ORDER BY assessment_id DESC LIMIT 1"),
               {dealer_id}));
  if (rows.empty()) return std::optional<Assessment>();
  ASSIGN_OR_RETURN(Assessment a, ReadAssessment(rows[0]));
  return std::optional<Assessment>(std::move(a));
}

absl::StatusOr<std::vector<Assessment>> CreditAccountStore::ListAssessments(
    Transaction& tx, const std::string& dealer_id,
    const PageRequest& page) const {
  const bool first = page.after_key.empty();
  storage::Params params = {dealer_id, static_cast<int64_t>(page.limit + 1)};
  if (!first) params.push_back(page.after_key);
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kAssessmentColumns,
                            " FROM credit_assessments WHERE dealer_id = $1",
                            first ? "" : " AND assessment_id < $3",
                            " ORDER BY assessment_id DESC LIMIT $2"),
               params));
  std::vector<Assessment> out;
  for (const storage::Row& r : rows) {
    ASSIGN_OR_RETURN(Assessment a, ReadAssessment(r));
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::vector<CreditPolicy>> CreditAccountStore::Policies(
    Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(kPoliciesSql));
  std::vector<CreditPolicy> out;
  for (const storage::Row& r : rows) {
    CreditPolicy p;
    p.abc_class = r.Text("abc_class");
    p.overdue_hold_days = static_cast<int>(r.Int("overdue_hold_days"));
    p.watch_ratio_percent = static_cast<int>(r.Int("watch_ratio_percent"));
    p.slow_payment_days = static_cast<int>(r.Int("slow_payment_days"));
    p.updated_by = r.Text("updated_by");
    p.update_time = storage::FromStoredTime(r.Int("update_time"));
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<CreditPolicy> CreditAccountStore::PolicyFor(
    Transaction& tx, const std::string& abc_class) const {
  const std::string policy_class = PolicyClassOf(abc_class);
  ASSIGN_OR_RETURN(const std::vector<CreditPolicy> policies, Policies(tx));
  for (const CreditPolicy& p : policies) {
    if (p.abc_class == policy_class) return p;
  }
  return DefaultPolicy(policy_class);
}

absl::Status CreditAccountStore::UpdatePolicy(Transaction& tx,
                                              const CreditPolicy& p) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_policies SET overdue_hold_days = $2, "
                 "watch_ratio_percent = $3, slow_payment_days = $4, "
                 "updated_by = $5, update_time = $6 WHERE abc_class = $1",
                 {p.abc_class, int64_t{p.overdue_hold_days},
                  int64_t{p.watch_ratio_percent}, int64_t{p.slow_payment_days},
                  p.updated_by, storage::ToStoredTime(p.update_time)}));
  if (changed != 1) {
    return absl::NotFoundError(
        absl::StrCat("there is no credit policy for class ", p.abc_class));
  }
  return absl::OkStatus();
}

namespace {
// Takes `$2` of the payer's room only if it is there: the one statement that
// keeps the limit.
constexpr char kReserveWithinLimit[] =
    "UPDATE credit_accounts SET approved_uninvoiced_minor = "
    "approved_uninvoiced_minor + $2, version = version + 1 WHERE dealer_id = "
    "$1 AND currency = $3 AND credit_limit_minor - open_receivables_minor - "
    "approved_uninvoiced_minor + unapplied_credit_minor >= $2";
}  // namespace

absl::StatusOr<bool> CreditAccountStore::ReserveOnAccount(
    Transaction& tx, const std::string& payer_dealer_id,
    const Money& amount) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute(kReserveWithinLimit,
                 {payer_dealer_id, amount.minor_units(), amount.currency()}));
  return changed == 1;
}

absl::Status CreditAccountStore::ReserveOnAccountAtCommit(
    Transaction& tx, const std::string& payer_dealer_id,
    const Money& amount) const {
  return tx.RequireLater(
      kReserveWithinLimit,
      {payer_dealer_id, amount.minor_units(), amount.currency()},
      absl::StrCat("payer ", payer_dealer_id,
                   "'s exposure changed while reserving; deciding again"));
}

absl::Status CreditAccountStore::ForceReserveOnAccount(
    Transaction& tx, const std::string& payer_dealer_id,
    const Money& amount) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_accounts SET approved_uninvoiced_minor = "
                 "approved_uninvoiced_minor + $2, version = version + 1 "
                 "WHERE dealer_id = $1 AND currency = $3",
                 {payer_dealer_id, amount.minor_units(), amount.currency()}));
  if (changed != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "payer ", payer_dealer_id, " has no credit account in ",
        amount.currency(),
        ": set a limit (even zero) first, so its exposure is counted"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CreditAccountStore::InvoiceOnAccount(
    Transaction& tx, const std::string& payer, const Money& conversion,
    const Money& total, const Money& excess) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute(
          "UPDATE credit_accounts SET approved_uninvoiced_minor = "
          "approved_uninvoiced_minor - $2, open_receivables_minor = "
          "open_receivables_minor + $3, version = version + 1 WHERE "
          "dealer_id = $1 AND currency = $5 AND "
          "approved_uninvoiced_minor >= $2 AND (CAST($4 AS BIGINT) = 0 OR "
          "credit_limit_minor - open_receivables_minor - "
          "approved_uninvoiced_minor + unapplied_credit_minor >= $4)",
          {payer, conversion.minor_units(), total.minor_units(),
           excess.minor_units(), total.currency()}));
  return changed == 1;
}

absl::Status CreditAccountStore::AdjustBalances(
    Transaction& tx, const std::string& payer, const Money& open_delta,
    const Money& unapplied_delta) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_accounts SET open_receivables_minor = "
                 "open_receivables_minor + $2, unapplied_credit_minor = "
                 "unapplied_credit_minor + $3, version = version + 1 WHERE "
                 "dealer_id = $1 AND currency = $4",
                 {payer, open_delta.minor_units(),
                  unapplied_delta.minor_units(), open_delta.currency()}));
  if (changed != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "payer ", payer, " has no credit account in ", open_delta.currency()));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CreditAccountStore::LockAccount(
    Transaction& tx, const std::string& payer) const {
  ASSIGN_OR_RETURN(int64_t changed,
                   tx.Execute("UPDATE credit_accounts SET version = version "
                              "WHERE dealer_id = $1",
                              {payer}));
  return changed == 1;
}

absl::Status CreditAccountStore::EnsureAccount(Transaction& tx,
                                               const std::string& payer,
                                               const std::string& currency,
                                               absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<CreditAccount> found, Find(tx, payer));
  if (found.has_value()) return absl::OkStatus();
  const Money zero = Money::Zero(currency);
  return Insert(tx, CreditAccount{payer, zero, zero, zero, zero, 0, now, 1});
}

absl::StatusOr<std::vector<CreditAccountStore::RankedAccount>>
CreditAccountStore::ListByUtilisation(Transaction& tx, bool highest_first,
                                      const PageRequest& page) const {
  // Exposure in basis points of the limit; a zero limit with exposure
  // ranks above every limit.
  constexpr char kUtilisation[] =
      "(CASE WHEN credit_limit_minor = 0 THEN (CASE WHEN "
      "open_receivables_minor + approved_uninvoiced_minor - "
      "unapplied_credit_minor > 0 THEN 999999999 ELSE 0 END) ELSE "
      "(open_receivables_minor + approved_uninvoiced_minor - "
      "unapplied_credit_minor) * 10000 / credit_limit_minor END)";
  storage::Params params = {static_cast<int64_t>(page.limit + 1)};
  std::string where;
  if (!page.after_key.empty()) {
    const std::vector<std::string> parts =
        absl::StrSplit(page.after_key, absl::MaxSplits(':', 1));
    int64_t after_util = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &after_util)) {
      return absl::InvalidArgumentError("page_token does not continue a list");
    }
    params.push_back(after_util);
    params.push_back(parts[1]);
    where = absl::StrCat(" WHERE (", kUtilisation,
                         highest_first ? " < $2" : " > $2", " OR (",
                         kUtilisation, " = $2 AND dealer_id > $3))");
  }
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          absl::StrCat("SELECT ", Accounts().columns(), ", ", kUtilisation,
                       " AS utilisation FROM "
                       "credit_accounts",
                       where, " ORDER BY utilisation ",
                       highest_first ? "DESC" : "ASC", ", dealer_id LIMIT $1"),
          params));
  std::vector<RankedAccount> out;
  for (const storage::Row& row : rows) {
    ASSIGN_OR_RETURN(CreditAccount account, Accounts().Read(row));
    out.push_back({std::move(account), row.Int("utilisation")});
  }
  return out;
}

absl::StatusOr<std::vector<Reservation>> CreditAccountStore::ListHeld(
    Transaction& tx, const std::string& payer_dealer_id,
    const PageRequest& page) const {
  storage::Params params = {static_cast<int64_t>(ReservationStatus::kHeld),
                            static_cast<int64_t>(page.limit + 1)};
  std::string where = "status = $1";
  if (!payer_dealer_id.empty()) {
    params.push_back(payer_dealer_id);
    absl::StrAppend(&where, " AND payer_dealer_id = $", params.size());
  }
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    absl::StrAppend(&where, " AND reservation_id > $", params.size());
  }
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kReservationColumns,
                            " FROM credit_reservations WHERE ", where,
                            " ORDER BY reservation_id LIMIT $2"),
               params));
  std::vector<Reservation> out;
  for (const storage::Row& row : rows) {
    ASSIGN_OR_RETURN(Reservation r, ReadReservation(row));
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status CreditAccountStore::ReleaseOnAccount(
    Transaction& tx, const std::string& payer_dealer_id,
    const Money& amount) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_accounts SET approved_uninvoiced_minor = "
                 "approved_uninvoiced_minor - $2, version = version + 1 "
                 "WHERE dealer_id = $1 AND currency = $3 AND "
                 "approved_uninvoiced_minor >= $2",
                 {payer_dealer_id, amount.minor_units(), amount.currency()}));
  if (changed != 1) {
    return absl::DataLossError(
        absl::StrCat("credit account ", payer_dealer_id,
                     " holds less approved exposure "
                     "than the reservation being released (",
                     amount.ToString(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CreditAccountStore::InsertReservation(Transaction& tx,
                                                   const Reservation& r) const {
  absl::Status inserted =
      tx.Execute(
            absl::StrCat("INSERT INTO credit_reservations (",
                         kReservationColumns,
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                         "$11, $12, $13, $14, $15, $16, $17)"),
            {r.reservation_id, r.order_id, r.dealer_id, r.payer_dealer_id,
             r.amount.currency(), r.amount.minor_units(),
             int64_t{r.payment_term_days}, int64_t{r.cash_in_advance ? 1 : 0},
             static_cast<int64_t>(r.status), EncodeReasons(r.reasons),
             r.requested_by, storage::ToStoredTime(r.create_time),
             storage::ToStoredTime(r.update_time), r.decided_by,
             r.decision_reason, EncodeIssues(r.overridden),
             r.invoiced.currency().empty() ? int64_t{0}
                                           : r.invoiced.minor_units()})
          .status();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "order ", r.order_id, " already has a credit reservation"));
  }
  return inserted;
}

namespace {

// The reservation whose `column` (reservation_id or order_id, both unique)
// is `value`, or nullopt.
std::string ReservationBySql(absl::string_view column) {
  return absl::StrCat("SELECT ", kReservationColumns,
                      " FROM credit_reservations WHERE ", column, " = $1");
}

absl::StatusOr<std::optional<Reservation>> FindReservationBy(
    Transaction& tx, absl::string_view column, const std::string& value) {
  ASSIGN_OR_RETURN(auto rows, tx.Query(ReservationBySql(column), {value}));
  if (rows.empty()) return std::optional<Reservation>();
  ASSIGN_OR_RETURN(Reservation r, ReadReservation(rows[0]));
  return std::optional<Reservation>(std::move(r));
}

}  // namespace

absl::StatusOr<std::optional<Reservation>> CreditAccountStore::FindReservation(
    Transaction& tx, const std::string& reservation_id) const {
  return FindReservationBy(tx, "reservation_id", reservation_id);
}

absl::StatusOr<std::optional<Reservation>>
CreditAccountStore::FindReservationForOrder(Transaction& tx,
                                            const std::string& order_id) const {
  return FindReservationBy(tx, "order_id", order_id);
}

namespace {

// Finds by `column`, locks the payer's account, and reads it again.
absl::StatusOr<std::optional<Reservation>> FindLocked(
    const CreditAccountStore& store, Transaction& tx, absl::string_view column,
    const std::string& value) {
  ASSIGN_OR_RETURN(std::optional<Reservation> first,
                   FindReservationBy(tx, column, value));
  if (!first.has_value()) return first;
  RETURN_IF_ERROR(store.LockAccount(tx, first->payer_dealer_id).status());
  return FindReservationBy(tx, column, value);
}

}  // namespace

absl::StatusOr<std::optional<Reservation>>
CreditAccountStore::FindReservationLocked(
    Transaction& tx, const std::string& reservation_id) const {
  return FindLocked(*this, tx, "reservation_id", reservation_id);
}

absl::StatusOr<std::optional<Reservation>>
CreditAccountStore::FindReservationForOrderLocked(
    Transaction& tx, const std::string& order_id) const {
  return FindLocked(*this, tx, "order_id", order_id);
}

absl::Status CreditAccountStore::UpdateReservationAmount(
    Transaction& tx, const Reservation& r, const Money& read_amount) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_reservations SET amount_minor = $2, "
                 "update_time = $3 WHERE reservation_id = $1 AND status = $4 "
                 "AND amount_minor = $5 AND invoiced_minor = $6",
                 {r.reservation_id, r.amount.minor_units(),
                  storage::ToStoredTime(r.update_time),
                  static_cast<int64_t>(ReservationStatus::kApproved),
                  read_amount.minor_units(), r.invoiced.minor_units()}));
  if (changed != 1) {
    return storage::RetryableConflict("reservation changed concurrently");
  }
  return absl::OkStatus();
}

absl::Status CreditAccountStore::UpdateReservationInvoiced(
    Transaction& tx, const Reservation& r, const Money& read_invoiced) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute(
          "UPDATE credit_reservations SET invoiced_minor = $2, status "
          "= $3, update_time = $4 WHERE reservation_id = $1 AND "
          "invoiced_minor = $5 AND amount_minor = $6 AND status IN ($7, $8)",
          {r.reservation_id, r.invoiced.minor_units(),
           static_cast<int64_t>(r.status), storage::ToStoredTime(r.update_time),
           read_invoiced.minor_units(), r.amount.minor_units(),
           static_cast<int64_t>(ReservationStatus::kApproved),
           static_cast<int64_t>(ReservationStatus::kInvoiced)}));
  if (changed != 1) {
    return storage::RetryableConflict("reservation invoiced concurrently");
  }
  return absl::OkStatus();
}

absl::Status CreditAccountStore::UpdateReservationStatus(
    Transaction& tx, const Reservation& r, ReservationStatus from) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute(
          "UPDATE credit_reservations SET status = $2, update_time = "
          "$3, reasons = $4, decided_by = $6, decision_reason = $7, "
          "overridden = $8 WHERE reservation_id = $1 AND status = $5 AND "
          "amount_minor = $9 AND invoiced_minor = $10",
          {r.reservation_id, static_cast<int64_t>(r.status),
           storage::ToStoredTime(r.update_time), EncodeReasons(r.reasons),
           static_cast<int64_t>(from), r.decided_by, r.decision_reason,
           EncodeIssues(r.overridden), r.amount.minor_units(),
           r.invoiced.currency().empty() ? int64_t{0}
                                         : r.invoiced.minor_units()}));
  if (changed != 1) {
    return storage::RetryableConflict("reservation changed concurrently");
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
