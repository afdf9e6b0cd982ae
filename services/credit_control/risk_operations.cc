// Risk controls and collections; see risk_operations.h.
#include "services/credit_control/risk_operations.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_assessment.h"
#include "services/credit_control/receivables.h"
#include "services/credit_control/risk_proto.h"

namespace qudao::credit {

using storage::Transaction;
using storage::TransactionMode;

absl::Status RaiseAlert(const RiskStore& risk, Transaction& tx,
                        const std::string& payer, AlertKind kind,
                        const std::string& detail,
                        const std::string& dedupe_key, absl::Time now) {
  Alert a;
  a.alert_id = NewResourceId("alr", now);
  a.payer_dealer_id = payer;
  a.kind = kind;
  a.detail = detail;
  a.dedupe_key = dedupe_key;
  a.raise_time = now;
  return risk.RaiseAlert(tx, a).status();
}

absl::Status RiskOperations::Raise(Transaction& tx, const std::string& payer,
                                   AlertKind kind, const std::string& detail,
                                   const std::string& dedupe_key) const {
  return RaiseAlert(risk_, tx, payer, kind, detail, dedupe_key, clock_->Now());
}

absl::StatusOr<std::vector<Alert>> RiskOperations::ListAlerts(
    const std::string& payer, bool open_only, const PageRequest& page) {
  std::vector<Alert> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, risk_.ListAlerts(tx, payer, open_only, page));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Alert> RiskOperations::AcknowledgeAlert(
    const auth::Principal& who, const std::string& alert_id,
    const std::string& note, const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<Alert>(
      *db_, request, now, AlertCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Alert> {
        ASSIGN_OR_RETURN(std::optional<Alert> a, risk_.FindAlert(tx, alert_id));
        if (!a.has_value()) {
          return absl::NotFoundError(
              absl::StrCat("alert ", alert_id, " does not exist"));
        }
        if (a->acknowledge_time.has_value()) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonAlertAcknowledged,
              absl::StrCat("alert ", alert_id, " was already acknowledged by ",
                           a->acknowledged_by));
        }
        a->acknowledged_by = who.subject;
        a->acknowledge_note = note;
        a->acknowledge_time = now;
        RETURN_IF_ERROR(risk_.AcknowledgeAlert(tx, *a));
        return *std::move(a);
      });
}

absl::StatusOr<Guarantee> RiskOperations::RecordGuarantee(
    const CallContext& call, const auth::Principal& who, Guarantee g,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<Guarantee> replay,
                   storage::FindReplay(*db_, request, GuaranteeCodec()));
  if (replay.has_value()) return *std::move(replay);
  RETURN_IF_ERROR(CheckGuarantee(g, Today()));
  ASSIGN_OR_RETURN(const customer::DealerFacts payer,
                   dealers_->Get(call, g.payer_dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(payer.dealer_id, payer.payer_dealer_id));
  const absl::Time now = clock_->Now();
  g.guarantee_id = NewResourceId("grt", now);
  g.recorded_by = who.subject;
  g.record_time = now;
  return storage::RunIdempotent<Guarantee>(
      *db_, request, now, GuaranteeCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Guarantee> {
        RETURN_IF_ERROR(risk_.InsertGuarantee(tx, g));
        return g;
      });
}

absl::StatusOr<std::vector<Guarantee>> RiskOperations::ListGuarantees(
    const std::string& payer) {
  std::vector<Guarantee> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, risk_.ListGuarantees(tx, payer));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Inspection> RiskOperations::RecordInspection(
    const CallContext& call, const auth::Principal& who, Inspection i,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<Inspection> replay,
                   storage::FindReplay(*db_, request, InspectionCodec()));
  if (replay.has_value()) return *std::move(replay);
  RETURN_IF_ERROR(CheckInspection(i, Today()));
  ASSIGN_OR_RETURN(const customer::DealerFacts payer,
                   dealers_->Get(call, i.payer_dealer_id));
  (void)payer;
  const absl::Time now = clock_->Now();
  i.inspection_id = NewResourceId("ins", now);
  i.recorded_by = who.subject;
  i.record_time = now;
  return storage::RunIdempotent<Inspection>(
      *db_, request, now, InspectionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Inspection> {
        RETURN_IF_ERROR(risk_.InsertInspection(tx, i));
        return i;
      });
}

absl::StatusOr<std::vector<Inspection>> RiskOperations::ListInspections(
    const std::string& payer) {
  std::vector<Inspection> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, risk_.ListInspections(tx, payer));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<std::vector<OverdueCase>> RiskOperations::ListCases(
    const std::string& payer, bool open_only, const PageRequest& page) {
  std::vector<OverdueCase> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, risk_.ListCases(tx, payer, open_only, page));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<RiskOperations::CaseView> RiskOperations::GetCase(
    const std::string& case_id) {
  CaseView view;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<OverdueCase> c,
                         risk_.FindCase(tx, case_id));
        if (!c.has_value()) {
          return absl::NotFoundError(
              absl::StrCat("overdue case ", case_id, " does not exist"));
        }
        view.overdue_case = *std::move(c);
        ASSIGN_OR_RETURN(view.records, risk_.RecordsOf(tx, case_id));
        ASSIGN_OR_RETURN(view.promises, risk_.PromisesOf(tx, case_id));
        return absl::OkStatus();
      }));
  return view;
}

absl::StatusOr<OverdueCase> RiskOperations::LoadOpenCase(
    Transaction& tx, const std::string& case_id) const {
  ASSIGN_OR_RETURN(std::optional<OverdueCase> c, risk_.FindCase(tx, case_id));
  if (!c.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("overdue case ", case_id, " does not exist"));
  }
  if (c->status != CaseStatus::kOpen) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonCaseClosed,
                   absl::StrCat("overdue case ", case_id,
                                " is resolved: the payer has no overdue debt"));
  }
  return *std::move(c);
}

absl::StatusOr<OverdueCase> RiskOperations::SetCause(
    const auth::Principal& who, const std::string& case_id, OverdueCause cause,
    const std::string& note, const storage::IdempotentRequest& request) {
  if (cause < OverdueCause::kCashFlow ||
      cause > OverdueCause::kWeakCollection) {
    return InvalidField("cause",
                        "must be CASH_FLOW, POOR_BUSINESS, OVERSTOCK, "
                        "CONTRACT_DISPUTE, WILFUL_DELAY or WEAK_COLLECTION");
  }
  RETURN_IF_ERROR(RequireText("note", note, 500));
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<OverdueCase>(
      *db_, request, now, CaseCodec(),
      [&](Transaction& tx) -> absl::StatusOr<OverdueCase> {
        ASSIGN_OR_RETURN(OverdueCase c, LoadOpenCase(tx, case_id));
        c.cause = cause;
        c.cause_note = note;
        c.strategy = StrategyFor(cause);
        c.cause_set_by = who.subject;
        c.update_time = now;
        RETURN_IF_ERROR(risk_.UpdateCase(tx, c));
        return c;
      });
}

absl::StatusOr<CaseRecord> RiskOperations::AddRecord(
    const auth::Principal& who, const std::string& case_id, CaseRecord r,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<CaseRecord> replay,
                   storage::FindReplay(*db_, request, RecordCodec()));
  if (replay.has_value()) return *std::move(replay);
  const absl::CivilDay today = Today();
  RETURN_IF_ERROR(CheckCaseRecord(r, today));
  // Sales staff log calls, letters and visits; agreements, plans,
  // transfers, disputes and escalations are credit staff's.
  if (r.kind != RecordKind::kAction &&
      !who.Has(auth::Role::kCreditController) &&
      !who.Has(auth::Role::kCreditManager)) {
    return Refusal(absl::StatusCode::kPermissionDenied, "CREDIT_ROLE_REQUIRED",
                   absl::StrCat("a ", RecordKindName(r.kind),
                                " record is for credit_controller or "
                                "credit_manager; sales log actions"));
  }
  const absl::Time now = clock_->Now();
  r.record_id = NewResourceId("rec", now);
  r.case_id = case_id;
  r.recorded_by = who.subject;
  r.record_time = now;
  return storage::RunIdempotent<CaseRecord>(
      *db_, request, now, RecordCodec(),
      [&](Transaction& tx) -> absl::StatusOr<CaseRecord> {
        ASSIGN_OR_RETURN(OverdueCase c, LoadOpenCase(tx, case_id));
        const std::string& currency = c.overdue_at_open.currency();
        for (const Instalment& in : r.instalments) {
          if (in.amount.currency() != currency) {
            return InvalidField(
                "record.instalments",
                absl::StrCat("must be in ", currency, ", the case's currency"));
          }
        }
        RETURN_IF_ERROR(risk_.InsertRecord(tx, r, c.payer_dealer_id, today));
        if (r.kind == RecordKind::kEscalation) {
          ++c.escalation_level;
          c.update_time = now;
          RETURN_IF_ERROR(risk_.UpdateCase(tx, c));
        }
        return r;
      });
}

absl::StatusOr<PaymentPromise> RiskOperations::RecordPromise(
    const auth::Principal& who, const std::string& case_id, PaymentPromise p,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<PaymentPromise> replay,
                   storage::FindReplay(*db_, request, PromiseCodec()));
  if (replay.has_value()) return *std::move(replay);
  const absl::CivilDay today = Today();
  RETURN_IF_ERROR(CheckPromise(p, today));
  const absl::Time now = clock_->Now();
  p.promise_id = NewResourceId("prm", now);
  p.case_id = case_id;
  p.made_day = today;
  p.status = PromiseStatus::kOpen;
  p.recorded_by = who.subject;
  p.record_time = now;
  return storage::RunIdempotent<PaymentPromise>(
      *db_, request, now, PromiseCodec(),
      [&](Transaction& tx) -> absl::StatusOr<PaymentPromise> {
        ASSIGN_OR_RETURN(OverdueCase c, LoadOpenCase(tx, case_id));
        if (p.amount.currency() != c.overdue_at_open.currency()) {
          return InvalidField(
              "promise.amount",
              absl::StrCat("must be in ", c.overdue_at_open.currency(),
                           ", the case's currency"));
        }
        p.payer_dealer_id = c.payer_dealer_id;
        RETURN_IF_ERROR(risk_.InsertPromise(tx, p));
        return p;
      });
}

absl::StatusOr<std::vector<RiskOperations::ReviewEntry>>
RiskOperations::ReviewDue(const CallContext& call, std::string* month_key) {
  const absl::Time now = clock_->Now();
  const absl::CivilMonth month = calendar_->MonthOf(now);
  *month_key = BusinessCalendar::Key(month);
  const absl::Time month_start = calendar_->StartOf(month);
  std::vector<std::string> payers;
  std::set<std::string> alerted;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto with_alerts,
                         risk_.PayersWithAlerts(tx, month_start));
        alerted = std::set<std::string>(with_alerts.begin(), with_alerts.end());
        ASSIGN_OR_RETURN(auto ranked,
                         accounts_.ListByUtilisation(tx, true, {100000, ""}));
        payers.clear();
        for (const auto& r : ranked) payers.push_back(r.account.dealer_id);
        return absl::OkStatus();
      }));
  std::vector<ReviewEntry> out;
  for (const std::string& id : payers) {
    ASSIGN_OR_RETURN(customer::DealerFacts facts, dealers_->Get(call, id));
    ReviewEntry e;
    if (facts.abc_class == "A") e.reasons.push_back("A_CLASS");
    if (alerted.count(id) > 0) e.reasons.push_back("ALERTS");
    if (e.reasons.empty()) continue;
    std::optional<Assessment> latest;
    RETURN_IF_ERROR(db_->RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          ASSIGN_OR_RETURN(latest, accounts_.LatestAssessment(tx, id));
          return absl::OkStatus();
        }));
    if (latest.has_value()) {
      if (latest->assess_time >= month_start) continue;  // reviewed already
      e.last_assess_time = latest->assess_time;
    }
    e.payer = std::move(facts);
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status RiskOperations::RunDailyCheck(absl::CivilDay today) {
  const absl::Time now = clock_->Now();
  const std::string day = FormatDay(today);
  return db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        // Cases follow overdue debt.
        ASSIGN_OR_RETURN(const std::vector<RiskStore::Overdue> overdue,
                         risk_.OverduePayers(tx, today));
        std::set<std::string> overdue_payers;
        for (const RiskStore::Overdue& o : overdue) {
          overdue_payers.insert(o.payer_dealer_id);
          ASSIGN_OR_RETURN(
              auto open, risk_.ListCases(tx, o.payer_dealer_id, true, {1, ""}));
          if (!open.empty()) continue;
          OverdueCase c;
          c.case_id = NewResourceId("odc", now);
          c.payer_dealer_id = o.payer_dealer_id;
          ASSIGN_OR_RETURN(c.overdue_at_open,
                           Money::Create(o.currency, o.overdue_minor));
          c.opened_day = today;
          c.update_time = now;
          RETURN_IF_ERROR(risk_.InsertCase(tx, c));
        }
        ASSIGN_OR_RETURN(auto open_cases,
                         risk_.ListCases(tx, "", true, {100000, ""}));
        for (OverdueCase& c : open_cases) {
          if (overdue_payers.count(c.payer_dealer_id) > 0) continue;
          c.status = CaseStatus::kResolved;
          c.resolved_day = today;
          c.update_time = now;
          RETURN_IF_ERROR(risk_.UpdateCase(tx, c));
        }
        // Promises: kept, or broken (an alert; the case escalates).
        ASSIGN_OR_RETURN(auto promises, risk_.OpenPromises(tx));
        for (PaymentPromise& p : promises) {
          // A case resolved meanwhile (the debt cleared, e.g. by a credit
          // note) leaves nothing to judge its promises by.
          ASSIGN_OR_RETURN(std::optional<OverdueCase> owner,
                           risk_.FindCase(tx, p.case_id));
          if (!owner.has_value() || owner->status != CaseStatus::kOpen) {
            continue;
          }
          ASSIGN_OR_RETURN(
              const int64_t paid,
              risk_.PaidBetween(tx, p.payer_dealer_id, p.amount.currency(),
                                p.made_day, std::min(today, p.promised_day)));
          ASSIGN_OR_RETURN(const Money paid_money,
                           Money::Create(p.amount.currency(), paid));
          const PromiseStatus fate = JudgePromise(p, paid_money, today);
          if (fate == PromiseStatus::kOpen) continue;
          p.status = fate;
          RETURN_IF_ERROR(risk_.SetPromiseStatus(tx, p));
          if (fate != PromiseStatus::kBroken) continue;
          RETURN_IF_ERROR(Raise(tx, p.payer_dealer_id,
                                AlertKind::kBrokenPromise,
                                absl::StrCat("promised ", p.amount.ToString(),
                                             " by ", FormatDay(p.promised_day),
                                             "; paid ", paid_money.ToString()),
                                absl::StrCat("promise:", p.promise_id)));
          ASSIGN_OR_RETURN(std::optional<OverdueCase> c,
                           risk_.FindCase(tx, p.case_id));
          if (c.has_value() && c->status == CaseStatus::kOpen) {
            ++c->escalation_level;
            c->update_time = now;
            RETURN_IF_ERROR(risk_.UpdateCase(tx, *c));
          }
        }
        // Instalments: due before today, payments since the plan short of
        // what was due by then.
        ASSIGN_OR_RETURN(auto plans, risk_.PlansWithDueInstalments(tx, today));
        for (const RiskStore::DuePlan& plan : plans) {
          int64_t due = 0;
          for (size_t i = 0; i < plan.plan.instalments.size(); ++i) {
            const Instalment& in = plan.plan.instalments[i];
            if (in.due >= today) break;
            due += in.amount.minor_units();
            if (in.missed) continue;
            ASSIGN_OR_RETURN(
                const int64_t paid,
                risk_.PaidBetween(tx, plan.payer_dealer_id,
                                  in.amount.currency(), plan.made_day, in.due));
            if (paid >= due) continue;
            RETURN_IF_ERROR(risk_.FlagInstalmentMissed(tx, plan.plan.record_id,
                                                       static_cast<int>(i)));
            RETURN_IF_ERROR(Raise(
                tx, plan.payer_dealer_id, AlertKind::kMissedInstalment,
                absl::StrCat("instalment ", i + 1, " of ", in.amount.ToString(),
                             " due ", FormatDay(in.due), " was missed (case ",
                             plan.plan.case_id, ")"),
                absl::StrCat("instalment:", plan.plan.record_id, ":", i)));
          }
        }
        // Guarantees expiring within 30 days, or expired.
        ASSIGN_OR_RETURN(
            auto guarantees,
            risk_.GuaranteesExpiringBy(tx, today + kGuaranteeWarningDays));
        for (const Guarantee& g : guarantees) {
          const bool expired = g.expiry < today;
          RETURN_IF_ERROR(
              Raise(tx, g.payer_dealer_id, AlertKind::kGuaranteeExpiry,
                    absl::StrCat(expired ? "expired " : "expires ",
                                 FormatDay(g.expiry), ": ", g.provider, " ",
                                 g.value.ToString(), " (", g.guarantee_id, ")"),
                    absl::StrCat("guarantee:", g.guarantee_id,
                                 expired ? ":expired" : ":expiring")));
        }
        (void)day;
        return absl::OkStatus();
      });
}

storage::JobSpec RiskOperations::DailyJob() {
  storage::JobSpec job;
  job.name = "credit_daily_check";
  job.period = [this](absl::Time now) {
    return BusinessCalendar::Key(calendar_->DayOf(now));
  };
  job.lease = absl::Minutes(10);
  job.run = [this](const std::string&) { return RunDailyCheck(Today()); };
  return job;
}

}  // namespace qudao::credit
