// Persistence of alerts, guarantees, inspections and collections (overdue
// cases, their records, instalments and promises), and the queries the
// daily checks need. Each method runs inside the caller's transaction; the
// same SQL runs on SQLite and PostgreSQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/credit_control/alerts.h"
#include "services/credit_control/collections.h"

namespace qudao::credit {

class RiskStore {
 public:
  // Migration 7's DDL.
  static std::string Schema(storage::Backend backend);

  // Raises `alert` unless one with its dedupe key exists; true if raised.
  absl::StatusOr<bool> RaiseAlert(storage::Transaction& tx,
                                  const Alert& alert) const;
  absl::StatusOr<std::optional<Alert>> FindAlert(
      storage::Transaction& tx, const std::string& alert_id) const;
  absl::Status AcknowledgeAlert(storage::Transaction& tx,
                                const Alert& alert) const;
  // Newest first, `page.limit + 1` after `page.after_key`.
  absl::StatusOr<std::vector<Alert>> ListAlerts(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      bool open_only, const PageRequest& page) const;
  // Payers with an alert raised on or after `since` or still open.
  absl::StatusOr<std::vector<std::string>> PayersWithAlerts(
      storage::Transaction& tx, absl::Time since) const;

  absl::Status InsertGuarantee(storage::Transaction& tx,
                               const Guarantee& g) const;
  absl::StatusOr<std::vector<Guarantee>> ListGuarantees(
      storage::Transaction& tx, const std::string& payer_dealer_id) const;
  // Guarantees whose last day is on or before `through`.
  absl::StatusOr<std::vector<Guarantee>> GuaranteesExpiringBy(
      storage::Transaction& tx, absl::CivilDay through) const;

  absl::Status InsertInspection(storage::Transaction& tx,
                                const Inspection& i) const;
  absl::StatusOr<std::vector<Inspection>> ListInspections(
      storage::Transaction& tx, const std::string& payer_dealer_id) const;

  // Overdue cases. Opening a second open case for a payer is
  // ALREADY_EXISTS.
  absl::Status InsertCase(storage::Transaction& tx, const OverdueCase& c) const;
  absl::StatusOr<std::optional<OverdueCase>> FindCase(
      storage::Transaction& tx, const std::string& case_id) const;
  // Writes status, cause, strategy, escalation and resolution.
  absl::Status UpdateCase(storage::Transaction& tx, const OverdueCase& c) const;
  absl::StatusOr<std::vector<OverdueCase>> ListCases(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      bool open_only, const PageRequest& page) const;
  // A record (with its instalments, for a plan made on `day`).
  absl::Status InsertRecord(storage::Transaction& tx, const CaseRecord& r,
                            const std::string& payer_dealer_id,
                            absl::CivilDay day) const;
  absl::StatusOr<std::vector<CaseRecord>> RecordsOf(
      storage::Transaction& tx, const std::string& case_id) const;
  absl::Status InsertPromise(storage::Transaction& tx,
                             const PaymentPromise& p) const;
  absl::StatusOr<std::vector<PaymentPromise>> PromisesOf(
      storage::Transaction& tx, const std::string& case_id) const;
  // Open promises whose day has passed by `today` or that may be kept.
  absl::StatusOr<std::vector<PaymentPromise>> OpenPromises(
      storage::Transaction& tx) const;
  absl::Status SetPromiseStatus(storage::Transaction& tx,
                                const PaymentPromise& p) const;

  // What the payer paid in `currency` with received days in [from,
  // through].
  absl::StatusOr<int64_t> PaidBetween(storage::Transaction& tx,
                                      const std::string& payer,
                                      const std::string& currency,
                                      absl::CivilDay from,
                                      absl::CivilDay through) const;
  // Instalment plans of open cases with an instalment due before `today`
  // not yet flagged: (record, the plan's instalments, its record day).
  struct DuePlan {
    CaseRecord plan;
    std::string payer_dealer_id;
    absl::CivilDay made_day;
  };
  absl::StatusOr<std::vector<DuePlan>> PlansWithDueInstalments(
      storage::Transaction& tx, absl::CivilDay today) const;
  absl::Status FlagInstalmentMissed(storage::Transaction& tx,
                                    const std::string& record_id,
                                    int seq) const;

  // Payers with invoices overdue on `today` and their overdue sum (one
  // currency each), and open cases whose payer has none.
  struct Overdue {
    std::string payer_dealer_id;
    std::string currency;
    int64_t overdue_minor = 0;
  };
  absl::StatusOr<std::vector<Overdue>> OverduePayers(
      storage::Transaction& tx, absl::CivilDay today) const;
};

}  // namespace qudao::credit
