// Risk controls and collections use cases (DOMAIN.md §3): alerts and
// their acknowledgement, guarantees, the inspection log, overdue cases
// with causes, strategies, records and promises, the monthly review list,
// and the daily check (a leased job) that raises the time-based alerts and
// opens and resolves cases. Plain C++, no gRPC.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/calendar/calendar.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "common/storage/leased_jobs.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/risk_store.h"
#include "services/customer_records/client/dealer_directory.h"

namespace qudao::credit {

inline constexpr char kReasonCaseClosed[] = "CASE_RESOLVED";
inline constexpr char kReasonAlertAcknowledged[] = "ALERT_ACKNOWLEDGED";

class RiskOperations {
 public:
  RiskOperations(storage::Database* db, customer::DealerDirectory* dealers,
                 const Clock* clock, const BusinessCalendar* calendar)
      : db_(db), dealers_(dealers), clock_(clock), calendar_(calendar) {}

  absl::StatusOr<std::vector<Alert>> ListAlerts(const std::string& payer,
                                                bool open_only,
                                                const PageRequest& page);
  // FAILED_PRECONDITION ALERT_ACKNOWLEDGED when already acknowledged.
  absl::StatusOr<Alert> AcknowledgeAlert(
      const auth::Principal& who, const std::string& alert_id,
      const std::string& note, const storage::IdempotentRequest& request);

  // For a payer customer records knows.
  absl::StatusOr<Guarantee> RecordGuarantee(
      const CallContext& call, const auth::Principal& who, Guarantee g,
      const storage::IdempotentRequest& request);
  absl::StatusOr<std::vector<Guarantee>> ListGuarantees(
      const std::string& payer);
  absl::StatusOr<Inspection> RecordInspection(
      const CallContext& call, const auth::Principal& who, Inspection i,
      const storage::IdempotentRequest& request);
  absl::StatusOr<std::vector<Inspection>> ListInspections(
      const std::string& payer);

  absl::StatusOr<std::vector<OverdueCase>> ListCases(const std::string& payer,
                                                     bool open_only,
                                                     const PageRequest& page);
  struct CaseView {
    OverdueCase overdue_case;
    std::vector<CaseRecord> records;
    std::vector<PaymentPromise> promises;
  };
  absl::StatusOr<CaseView> GetCase(const std::string& case_id);
  // The cause sets the strategy. A resolved case takes nothing more
  // (FAILED_PRECONDITION CASE_RESOLVED).
  absl::StatusOr<OverdueCase> SetCause(
      const auth::Principal& who, const std::string& case_id,
      OverdueCause cause, const std::string& note,
      const storage::IdempotentRequest& request);
  // An escalation step raises the case's escalation level.
  absl::StatusOr<CaseRecord> AddRecord(
      const auth::Principal& who, const std::string& case_id, CaseRecord r,
      const storage::IdempotentRequest& request);
  absl::StatusOr<PaymentPromise> RecordPromise(
      const auth::Principal& who, const std::string& case_id, PaymentPromise p,
      const storage::IdempotentRequest& request);

  // Payers due for review this month: class A, or with an alert raised this
  // month or still open; not assessed since the month began.
  struct ReviewEntry {
    customer::DealerFacts payer;
    std::vector<std::string> reasons;
    std::optional<absl::Time> last_assess_time;
  };
  absl::StatusOr<std::vector<ReviewEntry>> ReviewDue(const CallContext& call,
                                                     std::string* month);

  // The daily check for `today` (safe to repeat): opens a case for every
  // payer with overdue debt and none open, resolves open cases whose payer
  // has none; judges promises (kept, or broken: an alert and the case
  // escalates); flags missed instalments (an alert); raises guarantee
  // expiry alerts (within 30 days, and expired).
  absl::Status RunDailyCheck(absl::CivilDay today);
  // The check as a leased job, once per business day across replicas.
  storage::JobSpec DailyJob();

  absl::CivilDay Today() const { return calendar_->DayOf(clock_->Now()); }

 private:
  absl::StatusOr<OverdueCase> LoadOpenCase(storage::Transaction& tx,
                                           const std::string& case_id) const;
  absl::Status Raise(storage::Transaction& tx, const std::string& payer,
                     AlertKind kind, const std::string& detail,
                     const std::string& dedupe_key) const;

  storage::Database* db_;
  customer::DealerDirectory* dealers_;
  const Clock* clock_;
  const BusinessCalendar* calendar_;
  CreditAccountStore accounts_;
  RiskStore risk_;
};

// Raises `kind` for `payer` once per `dedupe_key`, inside the caller's
// transaction (the reservation, payment or check that found it).
absl::Status RaiseAlert(const RiskStore& risk, storage::Transaction& tx,
                        const std::string& payer, AlertKind kind,
                        const std::string& detail,
                        const std::string& dedupe_key, absl::Time now);

}  // namespace qudao::credit
