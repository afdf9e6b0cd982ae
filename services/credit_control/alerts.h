// Credit alerts and the records behind risk controls (DOMAIN.md §3):
// guarantees and collateral, the inspection log, and the alerts credit
// staff work through (watch ratio crossed, limit breach attempted, slow
// payment, broken promise, missed instalment, guarantee expiry). Plain C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "services/credit_control/credit_policy.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {

enum class AlertKind {
  kWatchRatio = 1,
  kLimitBreachAttempted = 2,
  kSlowPayment = 3,
  kBrokenPromise = 4,
  kMissedInstalment = 5,
  kGuaranteeExpiry = 6,
};
std::string AlertKindName(AlertKind kind);

struct Alert {
  std::string alert_id;
  std::string payer_dealer_id;
  AlertKind kind = AlertKind::kWatchRatio;
  // For a person: what crossed what.
  std::string detail;
  // One alert per key: e.g. "watch:<payer>:<day>" — raising it again is a
  // no-op.
  std::string dedupe_key;
  absl::Time raise_time;
  std::string acknowledged_by;
  std::string acknowledge_note;
  std::optional<absl::Time> acknowledge_time;
};

// The watch alert: exposure at or above the policy's share of the limit
// (a payer with a limit only). nullopt when below.
std::optional<std::string> WatchDetail(const CreditPosition& position,
                                       const CreditPolicy& policy);
// Slow payment: the average days beyond terms of the last 6 settled
// invoices (newest first) above the policy's days. nullopt otherwise, or
// with fewer than 6.
std::optional<std::string> SlowPaymentDetail(
    const std::vector<int64_t>& days_beyond_terms, const CreditPolicy& policy);

enum class GuaranteeKind {
  kBankGuarantee = 1,
  kMortgage = 2,
  kPledge = 3,
  kPersonalGuarantee = 4,
  kCreditInsurance = 5,
};

struct Guarantee {
  std::string guarantee_id;
  std::string payer_dealer_id;
  GuaranteeKind kind = GuaranteeKind::kBankGuarantee;
  // Who stands behind it: the bank, the guarantor, the insurer.
  std::string provider;
  Money value;
  // The last day it holds.
  absl::CivilDay expiry;
  std::string reference;
  std::string recorded_by;
  absl::Time record_time;
};
// INVALID_ARGUMENT naming the field: a provider, a positive value, an
// expiry not before `today`.
absl::Status CheckGuarantee(const Guarantee& g, absl::CivilDay today);
// Guarantees are flagged this many days before they expire.
inline constexpr int kGuaranteeWarningDays = 30;

// One supervision visit or inspection of a payer's business.
struct Inspection {
  std::string inspection_id;
  std::string payer_dealer_id;
  absl::CivilDay inspection_day;
  std::string inspector;
  // What was found: stock, books, premises.
  std::string findings;
  // Whether what was found raises concern.
  bool concern = false;
  std::string recorded_by;
  absl::Time record_time;
};
absl::Status CheckInspection(const Inspection& i, absl::CivilDay today);

}  // namespace qudao::credit
