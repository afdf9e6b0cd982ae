// RiskStore SQL; see risk_store.h.
#include "services/credit_control/risk_store.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/storage/migrations.h"
#include "common/storage/table_mapping.h"
#include "services/credit_control/receivables.h"

namespace qudao::credit {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;

// Alerts are unique per dedupe key (raising one twice is a no-op); at most
// one open overdue case per payer (a partial unique index).
constexpr char kRisk[] = R"sql(
CREATE TABLE credit_alerts (
  alert_id          TEXT NOT NULL PRIMARY KEY,
  payer_dealer_id   TEXT NOT NULL,
  kind              BIGINT NOT NULL,
  detail            TEXT NOT NULL,
  dedupe_key        TEXT NOT NULL UNIQUE,
  raise_time        BIGINT NOT NULL,
  acknowledged_by   TEXT NOT NULL,
  acknowledge_note  TEXT NOT NULL,
  acknowledge_time  BIGINT
);
CREATE INDEX credit_alerts_by_payer ON credit_alerts (payer_dealer_id, alert_id);
CREATE INDEX credit_alerts_open ON credit_alerts (alert_id)
  WHERE acknowledge_time IS NULL;
CREATE TABLE credit_guarantees (
  guarantee_id     TEXT NOT NULL PRIMARY KEY,
  payer_dealer_id  TEXT NOT NULL,
  kind             BIGINT NOT NULL,
  provider         TEXT NOT NULL,
  currency         TEXT NOT NULL,
  value_minor      BIGINT NOT NULL,
  expiry_day       BIGINT NOT NULL,
  reference        TEXT NOT NULL,
  recorded_by      TEXT NOT NULL,
  record_time      BIGINT NOT NULL
);
CREATE INDEX credit_guarantees_by_payer ON credit_guarantees (payer_dealer_id);
CREATE INDEX credit_guarantees_by_expiry ON credit_guarantees (expiry_day);
CREATE TABLE credit_inspections (
  inspection_id    TEXT NOT NULL PRIMARY KEY,
  payer_dealer_id  TEXT NOT NULL,
  inspection_day   BIGINT NOT NULL,
  inspector        TEXT NOT NULL,
  findings         TEXT NOT NULL,
  concern          BIGINT NOT NULL,
  recorded_by      TEXT NOT NULL,
  record_time      BIGINT NOT NULL
);
CREATE INDEX credit_inspections_by_payer ON credit_inspections (payer_dealer_id, inspection_id);
CREATE TABLE credit_overdue_cases (
  case_id                TEXT NOT NULL PRIMARY KEY,
  payer_dealer_id        TEXT NOT NULL,
  status                 BIGINT NOT NULL,
  cause                  BIGINT NOT NULL,
  cause_note             TEXT NOT NULL,
  strategy               BIGINT NOT NULL,
  escalation_level       BIGINT NOT NULL,
  currency               TEXT NOT NULL,
  overdue_at_open_minor  BIGINT NOT NULL,
  opened_day             BIGINT NOT NULL,
  resolved_day           BIGINT,
  cause_set_by           TEXT NOT NULL,
  update_time            BIGINT NOT NULL
);
CREATE UNIQUE INDEX credit_overdue_cases_one_open
  ON credit_overdue_cases (payer_dealer_id) WHERE status = 1;
CREATE INDEX credit_overdue_cases_by_status ON credit_overdue_cases (status, case_id);
CREATE TABLE credit_case_records (
  record_id      TEXT NOT NULL PRIMARY KEY,
  case_id        TEXT NOT NULL,
  kind           BIGINT NOT NULL,
  text           TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  new_due_day    BIGINT,
  signed_by      TEXT NOT NULL,
  to_dealer_id   TEXT NOT NULL,
  sku            TEXT NOT NULL,
  quantity       BIGINT NOT NULL,
  currency       TEXT NOT NULL,
  value_minor    BIGINT,
  our_fault      BIGINT NOT NULL,
  action         BIGINT NOT NULL,
  recorded_by    TEXT NOT NULL,
  record_time    BIGINT NOT NULL
);
CREATE INDEX credit_case_records_by_case ON credit_case_records (case_id, record_id);
CREATE TABLE credit_instalments (
  record_id        TEXT NOT NULL,
  seq              BIGINT NOT NULL,
  case_id          TEXT NOT NULL,
  payer_dealer_id  TEXT NOT NULL,
  due_day          BIGINT NOT NULL,
  currency         TEXT NOT NULL,
  amount_minor     BIGINT NOT NULL,
  missed           BIGINT NOT NULL,
  made_day         BIGINT NOT NULL,
  PRIMARY KEY (record_id, seq)
);
CREATE INDEX credit_instalments_due ON credit_instalments (due_day)
  WHERE missed = 0;
CREATE TABLE credit_promises (
  promise_id       TEXT NOT NULL PRIMARY KEY,
  case_id          TEXT NOT NULL,
  payer_dealer_id  TEXT NOT NULL,
  currency         TEXT NOT NULL,
  amount_minor     BIGINT NOT NULL,
  promised_day     BIGINT NOT NULL,
  made_day         BIGINT NOT NULL,
  status           BIGINT NOT NULL,
  recorded_by      TEXT NOT NULL,
  record_time      BIGINT NOT NULL
);
CREATE INDEX credit_promises_by_case ON credit_promises (case_id, promise_id);
CREATE INDEX credit_promises_open ON credit_promises (promised_day)
  WHERE status = 1;
)sql";

constexpr char kAlertColumns[] =
    "alert_id, payer_dealer_id, kind, detail, dedupe_key, raise_time, "
    "acknowledged_by, acknowledge_note, acknowledge_time";

Alert ReadAlert(const Row& r) {
  Alert a;
  a.alert_id = r.Text("alert_id");
  a.payer_dealer_id = r.Text("payer_dealer_id");
  a.kind = static_cast<AlertKind>(r.Int("kind"));
  a.detail = r.Text("detail");
  a.dedupe_key = r.Text("dedupe_key");
  a.raise_time = storage::FromStoredTime(r.Int("raise_time"));
  a.acknowledged_by = r.Text("acknowledged_by");
  a.acknowledge_note = r.Text("acknowledge_note");
  if (!r.IsNull("acknowledge_time")) {
    a.acknowledge_time = storage::FromStoredTime(r.Int("acknowledge_time"));
  }
  return a;
}

constexpr char kGuaranteeColumns[] =
    "guarantee_id, payer_dealer_id, kind, provider, currency, value_minor, "
    "expiry_day, reference, recorded_by, record_time";

absl::StatusOr<Guarantee> ReadGuarantee(const Row& r) {
  Guarantee g;
  g.guarantee_id = r.Text("guarantee_id");
  g.payer_dealer_id = r.Text("payer_dealer_id");
  g.kind = static_cast<GuaranteeKind>(r.Int("kind"));
  g.provider = r.Text("provider");
  ASSIGN_OR_RETURN(g.value,
                   Money::Create(r.Text("currency"), r.Int("value_minor")));
  g.expiry = DayFromNumber(r.Int("expiry_day"));
  g.reference = r.Text("reference");
  g.recorded_by = r.Text("recorded_by");
  g.record_time = storage::FromStoredTime(r.Int("record_time"));
  return g;
}

constexpr char kCaseColumns[] =
    "case_id, payer_dealer_id, status, cause, cause_note, strategy, "
    "escalation_level, currency, overdue_at_open_minor, opened_day, "
    "resolved_day, cause_set_by, update_time";

absl::StatusOr<OverdueCase> ReadCase(const Row& r) {
  OverdueCase c;
  c.case_id = r.Text("case_id");
  c.payer_dealer_id = r.Text("payer_dealer_id");
  c.status = static_cast<CaseStatus>(r.Int("status"));
  c.cause = static_cast<OverdueCause>(r.Int("cause"));
  c.cause_note = r.Text("cause_note");
  c.strategy = static_cast<CollectionStrategy>(r.Int("strategy"));
  c.escalation_level = static_cast<int>(r.Int("escalation_level"));
  ASSIGN_OR_RETURN(
      c.overdue_at_open,
      Money::Create(r.Text("currency"), r.Int("overdue_at_open_minor")));
  c.opened_day = DayFromNumber(r.Int("opened_day"));
  if (!r.IsNull("resolved_day")) {
    c.resolved_day = DayFromNumber(r.Int("resolved_day"));
  }
  c.cause_set_by = r.Text("cause_set_by");
  c.update_time = storage::FromStoredTime(r.Int("update_time"));
  return c;
}

constexpr char kRecordColumns[] =
    "record_id, case_id, kind, text, outcome, new_due_day, signed_by, "
    "to_dealer_id, sku, quantity, currency, value_minor, our_fault, action, "
    "recorded_by, record_time";

constexpr char kPromiseColumns[] =
    "promise_id, case_id, payer_dealer_id, currency, amount_minor, "
    "promised_day, made_day, status, recorded_by, record_time";

absl::StatusOr<PaymentPromise> ReadPromise(const Row& r) {
  PaymentPromise p;
  p.promise_id = r.Text("promise_id");
  p.case_id = r.Text("case_id");
  p.payer_dealer_id = r.Text("payer_dealer_id");
  ASSIGN_OR_RETURN(p.amount,
                   Money::Create(r.Text("currency"), r.Int("amount_minor")));
  p.promised_day = DayFromNumber(r.Int("promised_day"));
  p.made_day = DayFromNumber(r.Int("made_day"));
  p.status = static_cast<PromiseStatus>(r.Int("status"));
  p.recorded_by = r.Text("recorded_by");
  p.record_time = storage::FromStoredTime(r.Int("record_time"));
  return p;
}

// `after_key` keyset pagination, newest first.
std::string PageTail(Params& params, const PageRequest& page,
                     absl::string_view key_column) {
  std::string where;
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    where = absl::StrCat(" AND ", key_column, " < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  return absl::StrCat(where, " ORDER BY ", key_column, " DESC LIMIT $",
                      params.size());
}

// A plan's instalments, in order.
absl::StatusOr<std::vector<Instalment>> InstalmentsOf(
    Transaction& tx, const std::string& record_id) {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT due_day, currency, amount_minor, missed "
                            "FROM credit_instalments WHERE record_id = $1 "
                            "ORDER BY seq",
                            {record_id}));
  std::vector<Instalment> out;
  for (const Row& i : rows) {
    ASSIGN_OR_RETURN(Money amount,
                     Money::Create(i.Text("currency"), i.Int("amount_minor")));
    out.push_back(
        {DayFromNumber(i.Int("due_day")), amount, i.Int("missed") != 0});
  }
  return out;
}

}  // namespace

std::string RiskStore::Schema(storage::Backend backend) {
  return absl::StrCat(kRisk,
                      storage::AppendOnlyGuard(backend, "credit_inspections"),
                      storage::AppendOnlyGuard(backend, "credit_case_records"));
}

absl::StatusOr<bool> RiskStore::RaiseAlert(Transaction& tx,
                                           const Alert& a) const {
  ASSIGN_OR_RETURN(
      int64_t inserted,
      tx.Execute(absl::StrCat("INSERT INTO credit_alerts (", kAlertColumns,
                              ") VALUES (", storage::Placeholders(9),
                              ") ON CONFLICT (dedupe_key) DO NOTHING"),
                 {a.alert_id, a.payer_dealer_id, static_cast<int64_t>(a.kind),
                  a.detail, a.dedupe_key, storage::ToStoredTime(a.raise_time),
                  "", "", nullptr}));
  return inserted == 1;
}

absl::StatusOr<std::optional<Alert>> RiskStore::FindAlert(
    Transaction& tx, const std::string& id) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kAlertColumns,
                                                    " FROM credit_alerts WHERE "
                                                    "alert_id = $1"),
                                       {id}));
  if (rows.empty()) return std::optional<Alert>();
  return std::optional<Alert>(ReadAlert(rows[0]));
}

absl::Status RiskStore::AcknowledgeAlert(Transaction& tx,
                                         const Alert& a) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_alerts SET acknowledged_by = $2, "
                 "acknowledge_note = $3, acknowledge_time = $4 WHERE "
                 "alert_id = $1 AND acknowledge_time IS NULL",
                 {a.alert_id, a.acknowledged_by, a.acknowledge_note,
                  storage::ToStoredTime(*a.acknowledge_time)}));
  if (changed != 1) {
    return storage::RetryableConflict("alert acknowledged concurrently");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Alert>> RiskStore::ListAlerts(
    Transaction& tx, const std::string& payer, bool open_only,
    const PageRequest& page) const {
  Params params;
  std::string where = "1 = 1";
  if (!payer.empty()) {
    params.push_back(payer);
    absl::StrAppend(&where, " AND payer_dealer_id = $", params.size());
  }
  if (open_only) absl::StrAppend(&where, " AND acknowledge_time IS NULL");
  const std::string tail = PageTail(params, page, "alert_id");
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kAlertColumns,
                            " FROM credit_alerts WHERE ", where, tail),
               params));
  std::vector<Alert> out;
  for (const Row& r : rows) out.push_back(ReadAlert(r));
  return out;
}

absl::StatusOr<std::vector<std::string>> RiskStore::PayersWithAlerts(
    Transaction& tx, absl::Time since) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT DISTINCT payer_dealer_id FROM "
                            "credit_alerts WHERE raise_time >= $1 OR "
                            "acknowledge_time IS NULL ORDER BY "
                            "payer_dealer_id",
                            {storage::ToStoredTime(since)}));
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.Text(0));
  return out;
}

absl::Status RiskStore::InsertGuarantee(Transaction& tx,
                                        const Guarantee& g) const {
  return storage::InsertRow(
      tx, "credit_guarantees", kGuaranteeColumns,
      {g.guarantee_id, g.payer_dealer_id, static_cast<int64_t>(g.kind),
       g.provider, g.value.currency(), g.value.minor_units(),
       DayNumber(g.expiry), g.reference, g.recorded_by,
       storage::ToStoredTime(g.record_time)});
}

absl::StatusOr<std::vector<Guarantee>> RiskStore::ListGuarantees(
    Transaction& tx, const std::string& payer) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kGuaranteeColumns,
                            " FROM credit_guarantees WHERE payer_dealer_id = "
                            "$1 ORDER BY expiry_day, guarantee_id"),
               {payer}));
  std::vector<Guarantee> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(Guarantee g, ReadGuarantee(r));
    out.push_back(std::move(g));
  }
  return out;
}

absl::StatusOr<std::vector<Guarantee>> RiskStore::GuaranteesExpiringBy(
    Transaction& tx, absl::CivilDay through) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kGuaranteeColumns,
                            " FROM credit_guarantees WHERE expiry_day <= $1 "
                            "ORDER BY expiry_day, guarantee_id"),
               {DayNumber(through)}));
  std::vector<Guarantee> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(Guarantee g, ReadGuarantee(r));
    out.push_back(std::move(g));
  }
  return out;
}

absl::Status RiskStore::InsertInspection(Transaction& tx,
                                         const Inspection& i) const {
  return storage::InsertRow(
      tx, "credit_inspections",
      "inspection_id, payer_dealer_id, inspection_day, inspector, "
      "findings, concern, recorded_by, record_time",
      {i.inspection_id, i.payer_dealer_id, DayNumber(i.inspection_day),
       i.inspector, i.findings, i.concern, i.recorded_by,
       storage::ToStoredTime(i.record_time)});
}

absl::StatusOr<std::vector<Inspection>> RiskStore::ListInspections(
    Transaction& tx, const std::string& payer) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT inspection_id, payer_dealer_id, inspection_day, "
               "inspector, findings, concern, recorded_by, record_time FROM "
               "credit_inspections WHERE payer_dealer_id = $1 ORDER BY "
               "inspection_day DESC, inspection_id DESC LIMIT 500",
               {payer}));
  std::vector<Inspection> out;
  for (const Row& r : rows) {
    Inspection i;
    i.inspection_id = r.Text("inspection_id");
    i.payer_dealer_id = r.Text("payer_dealer_id");
    i.inspection_day = DayFromNumber(r.Int("inspection_day"));
    i.inspector = r.Text("inspector");
    i.findings = r.Text("findings");
    i.concern = r.Int("concern") != 0;
    i.recorded_by = r.Text("recorded_by");
    i.record_time = storage::FromStoredTime(r.Int("record_time"));
    out.push_back(std::move(i));
  }
  return out;
}

absl::Status RiskStore::InsertCase(Transaction& tx,
                                   const OverdueCase& c) const {
  absl::Status s = storage::InsertRow(
      tx, "credit_overdue_cases", kCaseColumns,
      {c.case_id, c.payer_dealer_id, static_cast<int64_t>(c.status),
       static_cast<int64_t>(c.cause), c.cause_note,
       static_cast<int64_t>(c.strategy), int64_t{c.escalation_level},
       c.overdue_at_open.currency(), c.overdue_at_open.minor_units(),
       DayNumber(c.opened_day),
       c.resolved_day.has_value() ? storage::Value(DayNumber(*c.resolved_day))
                                  : storage::Value(nullptr),
       c.cause_set_by, storage::ToStoredTime(c.update_time)});
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "payer ", c.payer_dealer_id, " already has an open overdue case"));
  }
  return s;
}

absl::StatusOr<std::optional<OverdueCase>> RiskStore::FindCase(
    Transaction& tx, const std::string& id) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(absl::StrCat("SELECT ", kCaseColumns,
                                         " FROM credit_overdue_cases WHERE "
                                         "case_id = $1"),
                            {id}));
  if (rows.empty()) return std::optional<OverdueCase>();
  ASSIGN_OR_RETURN(OverdueCase c, ReadCase(rows[0]));
  return std::optional<OverdueCase>(std::move(c));
}

absl::Status RiskStore::UpdateCase(Transaction& tx,
                                   const OverdueCase& c) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE credit_overdue_cases SET status = $2, cause = $3, "
                 "cause_note = $4, strategy = $5, escalation_level = $6, "
                 "resolved_day = $7, cause_set_by = $8, update_time = $9 "
                 "WHERE case_id = $1",
                 {c.case_id, static_cast<int64_t>(c.status),
                  static_cast<int64_t>(c.cause), c.cause_note,
                  static_cast<int64_t>(c.strategy), int64_t{c.escalation_level},
                  c.resolved_day.has_value()
                      ? storage::Value(DayNumber(*c.resolved_day))
                      : storage::Value(nullptr),
                  c.cause_set_by, storage::ToStoredTime(c.update_time)}));
  if (changed != 1) {
    return absl::NotFoundError(
        absl::StrCat("overdue case ", c.case_id, " does not exist"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OverdueCase>> RiskStore::ListCases(
    Transaction& tx, const std::string& payer, bool open_only,
    const PageRequest& page) const {
  Params params;
  std::string where = "1 = 1";
  if (!payer.empty()) {
    params.push_back(payer);
    absl::StrAppend(&where, " AND payer_dealer_id = $", params.size());
  }
  if (open_only) absl::StrAppend(&where, " AND status = 1");
  const std::string tail = PageTail(params, page, "case_id");
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kCaseColumns,
                            " FROM credit_overdue_cases WHERE ", where, tail),
               params));
  std::vector<OverdueCase> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(OverdueCase c, ReadCase(r));
    out.push_back(std::move(c));
  }
  return out;
}

absl::Status RiskStore::InsertRecord(Transaction& tx, const CaseRecord& r,
                                     const std::string& payer,
                                     absl::CivilDay day) const {
  std::string currency;
  if (r.value.has_value()) currency = r.value->currency();
  if (!r.instalments.empty()) currency = r.instalments[0].amount.currency();
  RETURN_IF_ERROR(storage::InsertRow(
      tx, "credit_case_records", kRecordColumns,
      {r.record_id, r.case_id, static_cast<int64_t>(r.kind), r.text, r.outcome,
       r.new_due_day.has_value() ? storage::Value(DayNumber(*r.new_due_day))
                                 : storage::Value(nullptr),
       r.signed_by, r.to_dealer_id, r.sku, r.quantity, currency,
       r.value.has_value() ? storage::Value(r.value->minor_units())
                           : storage::Value(nullptr),
       r.our_fault, static_cast<int64_t>(r.action), r.recorded_by,
       storage::ToStoredTime(r.record_time)}));
  for (size_t i = 0; i < r.instalments.size(); ++i) {
    const Instalment& in = r.instalments[i];
    RETURN_IF_ERROR(storage::InsertRow(
        tx, "credit_instalments",
        "record_id, seq, case_id, payer_dealer_id, "
        "due_day, currency, amount_minor, missed, made_day",
        {r.record_id, static_cast<int64_t>(i), r.case_id, payer,
         DayNumber(in.due), in.amount.currency(), in.amount.minor_units(),
         in.missed, DayNumber(day)}));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CaseRecord>> RiskStore::RecordsOf(
    Transaction& tx, const std::string& case_id) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(absl::StrCat("SELECT ", kRecordColumns,
                                         " FROM credit_case_records WHERE "
                                         "case_id = $1 ORDER BY record_id"),
                            {case_id}));
  std::vector<CaseRecord> out;
  for (const Row& row : rows) {
    CaseRecord r;
    r.record_id = row.Text("record_id");
    r.case_id = row.Text("case_id");
    r.kind = static_cast<RecordKind>(row.Int("kind"));
    r.text = row.Text("text");
    r.outcome = row.Text("outcome");
    if (!row.IsNull("new_due_day")) {
      r.new_due_day = DayFromNumber(row.Int("new_due_day"));
    }
    r.signed_by = row.Text("signed_by");
    r.to_dealer_id = row.Text("to_dealer_id");
    r.sku = row.Text("sku");
    r.quantity = row.Int("quantity");
    const std::string currency = row.Text("currency");
    if (!row.IsNull("value_minor")) {
      ASSIGN_OR_RETURN(r.value,
                       Money::Create(currency, row.Int("value_minor")));
    }
    r.our_fault = row.Int("our_fault") != 0;
    r.action = static_cast<ActionKind>(row.Int("action"));
    r.recorded_by = row.Text("recorded_by");
    r.record_time = storage::FromStoredTime(row.Int("record_time"));
    ASSIGN_OR_RETURN(r.instalments, InstalmentsOf(tx, r.record_id));
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status RiskStore::InsertPromise(Transaction& tx,
                                      const PaymentPromise& p) const {
  return storage::InsertRow(
      tx, "credit_promises", kPromiseColumns,
      {p.promise_id, p.case_id, p.payer_dealer_id, p.amount.currency(),
       p.amount.minor_units(), DayNumber(p.promised_day), DayNumber(p.made_day),
       static_cast<int64_t>(p.status), p.recorded_by,
       storage::ToStoredTime(p.record_time)});
}

absl::StatusOr<std::vector<PaymentPromise>> RiskStore::PromisesOf(
    Transaction& tx, const std::string& case_id) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(absl::StrCat("SELECT ", kPromiseColumns,
                                         " FROM credit_promises WHERE "
                                         "case_id = $1 ORDER BY promise_id"),
                            {case_id}));
  std::vector<PaymentPromise> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(PaymentPromise p, ReadPromise(r));
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<std::vector<PaymentPromise>> RiskStore::OpenPromises(
    Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(absl::StrCat("SELECT ", kPromiseColumns,
                                         " FROM credit_promises WHERE status "
                                         "= 1 ORDER BY promised_day, "
                                         "promise_id")));
  std::vector<PaymentPromise> out;
  for (const Row& r : rows) {
    ASSIGN_OR_RETURN(PaymentPromise p, ReadPromise(r));
    out.push_back(std::move(p));
  }
  return out;
}

absl::Status RiskStore::SetPromiseStatus(Transaction& tx,
                                         const PaymentPromise& p) const {
  return tx
      .Execute(
          "UPDATE credit_promises SET status = $2 WHERE promise_id = $1 "
          "AND status = 1",
          {p.promise_id, static_cast<int64_t>(p.status)})
      .status();
}

absl::StatusOr<int64_t> RiskStore::PaidBetween(Transaction& tx,
                                               const std::string& payer,
                                               const std::string& currency,
                                               absl::CivilDay from,
                                               absl::CivilDay through) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT COALESCE(SUM(amount_minor), 0) FROM "
               "credit_payments WHERE payer_dealer_id = $1 AND "
               "currency = $4 AND received_day BETWEEN $2 AND $3",
               {payer, DayNumber(from), DayNumber(through), currency}));
  return rows[0].Int(0);
}

absl::StatusOr<std::vector<RiskStore::DuePlan>>
RiskStore::PlansWithDueInstalments(Transaction& tx,
                                   absl::CivilDay today) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT DISTINCT i.record_id, i.case_id, "
                            "i.payer_dealer_id, i.made_day FROM "
                            "credit_instalments i JOIN credit_overdue_cases c "
                            "ON c.case_id = i.case_id WHERE c.status = 1 AND "
                            "i.missed = 0 AND i.due_day < $1 ORDER BY "
                            "i.record_id",
                            {DayNumber(today)}));
  std::vector<DuePlan> out;
  for (const Row& r : rows) {
    DuePlan plan;
    plan.plan.record_id = r.Text("record_id");
    plan.plan.case_id = r.Text("case_id");
    plan.payer_dealer_id = r.Text("payer_dealer_id");
    plan.made_day = DayFromNumber(r.Int("made_day"));
    ASSIGN_OR_RETURN(plan.plan.instalments,
                     InstalmentsOf(tx, plan.plan.record_id));
    out.push_back(std::move(plan));
  }
  return out;
}

absl::Status RiskStore::FlagInstalmentMissed(Transaction& tx,
                                             const std::string& record_id,
                                             int seq) const {
  return tx
      .Execute(
          "UPDATE credit_instalments SET missed = 1 WHERE record_id = $1 "
          "AND seq = $2",
          {record_id, int64_t{seq}})
      .status();
}

absl::StatusOr<std::vector<RiskStore::Overdue>> RiskStore::OverduePayers(
    Transaction& tx, absl::CivilDay today) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT payer_dealer_id, currency, "
                            "SUM(outstanding_minor) AS overdue FROM "
                            "credit_invoices WHERE outstanding_minor > 0 AND "
                            "due_day < $1 GROUP BY payer_dealer_id, currency "
                            "ORDER BY payer_dealer_id",
                            {DayNumber(today)}));
  std::vector<Overdue> out;
  for (const Row& r : rows) {
    out.push_back(
        {r.Text("payer_dealer_id"), r.Text("currency"), r.Int("overdue")});
  }
  return out;
}

}  // namespace qudao::credit
