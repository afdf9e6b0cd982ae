// Credit reservations (DOMAIN.md §3): an order asks credit control to set
// aside part of its payer's credit. The answer is APPROVED (reserved),
// HELD (waiting for a controller or for exposure to fall) or REJECTED,
// with every reason that applies. Plain C++, no gRPC or SQL; the limit
// itself is enforced by one conditional UPDATE in the store, so concurrent
// reservations never take a payer over its limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "services/credit_control/credit_position.h"

namespace qudao::credit {

inline constexpr char kReasonReservationClosed[] = "RESERVATION_CLOSED";

enum class ReservationStatus {
  kApproved = 1,
  kHeld = 2,
  kRejected = 3,
  kCancelled = 4,
  // Invoiced in full: the credit it held became receivables.
  kInvoiced = 5,
};

// Why a reservation is not simply approved. Values match the proto enum.
enum class ReservationIssue {
  // Exposure + amount would exceed the limit (by the shortfall). Hold.
  kOverLimit = 1,
  // Debt overdue beyond the policy's days. Hold (needs the ledger).
  kOverdue = 2,
  // The payer has no credit limit (or a limit of zero). Hold.
  kNoLimit = 3,
  // Credit control stopped shipments to the payer. Hold.
  kShipmentHold = 4,
  // Credit control suspended trade with the payer. Reject.
  kSuspended = 5,
  // Customer records: the ordering dealer or its payer is suspended. Reject.
  kDealerSuspended = 6,
  // Customer records: the ordering dealer or its payer is terminated.
  // Reject.
  kDealerTerminated = 7,
};

struct ReservationReason {
  ReservationIssue issue = ReservationIssue::kOverLimit;
  // For a person: which dealer, how much, since when.
  std::string detail;
  // kOverLimit: by how much the limit would be exceeded.
  std::optional<Money> shortfall;
};

struct Reservation {
  std::string reservation_id;
  std::string order_id;
  // Who ordered; the payer whose credit it uses (resolved when reserved;
  // a later payer change affects new reservations only).
  std::string dealer_id;
  std::string payer_dealer_id;
  // What the payer will owe: net of discounts, plus freight and VAT.
  Money amount;
  int payment_term_days = 0;
  // Cash in advance: no credit is needed and none is reserved.
  bool cash_in_advance = false;
  // How much of it invoices have converted into receivables so far (a
  // partial shipment converts part and keeps the rest reserved).
  Money invoiced;
  ReservationStatus status = ReservationStatus::kHeld;
  std::vector<ReservationReason> reasons;
  std::string requested_by;
  // A controller's decision on a held reservation: who, why, and which
  // holds the release overrode (NO_LIMIT).
  std::string decided_by;
  std::string decision_reason;
  std::vector<ReservationIssue> overridden;
  absl::Time create_time;
  absl::Time update_time;
  // Whether the payer's approved exposure includes `remaining()` now.
  bool holds_credit() const {
    return status == ReservationStatus::kApproved && !cash_in_advance;
  }
  // What is reserved and not yet invoiced.
  Money remaining() const;
};

// Whether `issue` rejects the order (else it holds it).
bool Rejects(ReservationIssue issue);
std::string IssueName(ReservationIssue issue);

// The status `reasons` lead to: REJECTED if one rejects, else HELD if there
// is any, else APPROVED.
ReservationStatus StatusFor(const std::vector<ReservationReason>& reasons);

// What the dealers' standing in customer records says: the ordering dealer
// and its payer (the same dealer when it pays for itself) must be neither
// suspended nor terminated. `status` values: 1 prospect, 2 active,
// 3 suspended, 4 terminated (DealerStanding).
struct DealerStandingFact {
  std::string dealer_id;
  int status = 0;
};
std::vector<ReservationReason> StandingReasons(
    const DealerStandingFact& ordering, const DealerStandingFact& payer);

// NO_LIMIT when the payer has no account or a limit of zero.
std::optional<ReservationReason> LimitReason(
    const std::optional<CreditAccount>& payer_account,
    const std::string& payer_dealer_id);

// OVER_LIMIT with the shortfall (exposure + amount − limit), from the
// payer's account as it stands.
absl::StatusOr<ReservationReason> OverLimitReason(const CreditAccount& account,
                                                  const Money& amount);

inline constexpr char kReasonNotHeld[] = "RESERVATION_NOT_HELD";
inline constexpr char kReasonNotApproved[] = "RESERVATION_NOT_APPROVED";
inline constexpr char kReasonOverLimit[] = "OVER_LIMIT";

// Whether `decider` may release or reject `reservation`: it must be held
// (FAILED_PRECONDITION RESERVATION_NOT_HELD), and the decider must not be
// who asked for it (PERMISSION_DENIED FOUR_EYES).
absl::Status CheckMayDecide(const std::string& decider,
                            const Reservation& reservation);

// Which of a held reservation's reasons a release may override: NO_LIMIT
// and OVERDUE may be (recorded as overrides); OVER_LIMIT never — it clears
// only when exposure falls or the limit is raised, which the release
// re-checks. Reasons that reject never reach the queue.
bool Overridable(ReservationIssue issue);

// An amount to reserve is positive (INVALID_ARGUMENT naming `field`).
absl::Status CheckReservationAmount(const Money& amount);

}  // namespace qudao::credit
