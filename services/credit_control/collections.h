// Collections (DOMAIN.md §3): an overdue case per payer with overdue debt,
// the cause a controller finds, the strategy it calls for, and the case's
// records — extension agreements, instalment plans, stock transfers,
// contract disputes, escalation steps and an action log — and the
// payer's promises to pay. Plain C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"

namespace qudao::credit {

// The six causes of overdue accounts.
enum class OverdueCause {
  kNone = 0,
  kCashFlow = 1,
  kPoorBusiness = 2,
  kOverstock = 3,
  kContractDispute = 4,
  kWilfulDelay = 5,
  kWeakCollection = 6,
};

// What each cause calls for.
enum class CollectionStrategy {
  kNone = 0,
  // Cash-flow trouble: a short extension under a written agreement.
  kExtension = 1,
  // Poor business: instalments, and help the dealer sell.
  kInstalments = 2,
  // Overstock: move surplus to other dealers, help sell-through.
  kStockTransfer = 3,
  // Contract dispute: settle by the contract's terms.
  kSettleByContract = 4,
  // Wilful delay: state it plainly, press persistently, escalate.
  kEscalate = 5,
  // Weak collection by our own staff: call, write, visit.
  kCallWriteVisit = 6,
};
CollectionStrategy StrategyFor(OverdueCause cause);
std::string CauseName(OverdueCause cause);
std::string StrategyName(CollectionStrategy strategy);

enum class CaseStatus { kOpen = 1, kResolved = 2 };

struct OverdueCase {
  std::string case_id;
  std::string payer_dealer_id;
  CaseStatus status = CaseStatus::kOpen;
  OverdueCause cause = OverdueCause::kNone;
  std::string cause_note;
  CollectionStrategy strategy = CollectionStrategy::kNone;
  // Raised by each broken promise and each escalation step.
  int escalation_level = 0;
  // Overdue debt when the case opened.
  Money overdue_at_open;
  absl::CivilDay opened_day;
  std::optional<absl::CivilDay> resolved_day;
  std::string cause_set_by;
  absl::Time update_time;
};

enum class RecordKind {
  kExtension = 1,
  kInstalmentPlan = 2,
  kStockTransfer = 3,
  kDispute = 4,
  kEscalation = 5,
  kAction = 6,
};
std::string RecordKindName(RecordKind kind);

enum class ActionKind { kCall = 1, kLetter = 2, kVisit = 3 };

struct Instalment {
  absl::CivilDay due;
  Money amount;
  // Set by the daily check once the day passed and payments fell short.
  bool missed = false;
};

// One record of a case. Which fields mean something depends on `kind`:
//   extension       new_due_day, signed_by, text (the agreement's ref)
//   instalment plan instalments (rising dates), text (terms)
//   stock transfer  to_dealer_id, sku, quantity, value, text
//   dispute         text (the contract clause), our_fault, outcome
//   escalation      text (the step, e.g. "formal demand letter")
//   action          action, outcome (what the call/letter/visit achieved)
struct CaseRecord {
  std::string record_id;
  std::string case_id;
  RecordKind kind = RecordKind::kAction;
  std::string text;
  std::string outcome;
  std::optional<absl::CivilDay> new_due_day;
  std::string signed_by;
  std::vector<Instalment> instalments;
  std::string to_dealer_id;
  std::string sku;
  int64_t quantity = 0;
  std::optional<Money> value;
  bool our_fault = false;
  ActionKind action = ActionKind::kCall;
  std::string recorded_by;
  absl::Time record_time;
};
// INVALID_ARGUMENT naming the field ("record.<name>").
absl::Status CheckCaseRecord(const CaseRecord& r, absl::CivilDay today);

enum class PromiseStatus { kOpen = 1, kKept = 2, kBroken = 3 };

struct PaymentPromise {
  std::string promise_id;
  std::string case_id;
  std::string payer_dealer_id;
  Money amount;
  // Pay `amount` by this day (inclusive).
  absl::CivilDay promised_day;
  // Payments from this day count towards it.
  absl::CivilDay made_day;
  PromiseStatus status = PromiseStatus::kOpen;
  std::string recorded_by;
  absl::Time record_time;
};
absl::Status CheckPromise(const PaymentPromise& p, absl::CivilDay today);

// A promise's fate on `today` given what the payer paid from its made day
// through its promised day: kept once paid in full (even early); broken
// once the day passed short; open otherwise.
PromiseStatus JudgePromise(const PaymentPromise& p, const Money& paid,
                           absl::CivilDay today);

}  // namespace qudao::credit
