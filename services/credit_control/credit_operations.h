// The credit use cases: each loads the dealer's account through the store,
// asks the credit rules, and writes in one transaction. Plain C++, no gRPC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/calendar/calendar.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/money/money.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/credit_position.h"
#include "services/credit_control/receivables_store.h"
#include "services/credit_control/risk_store.h"
#include "services/customer_records/client/dealer_directory.h"

namespace qudao::credit {

// A credit limit to set, and why. Who approved it is the caller.
struct LimitDecision {
  std::string dealer_id;
  Money limit;
  std::string reason;
};

// Credit control's change feed and its reservation topics (payload: the
// CreditReservation as the change left it).
inline constexpr char kCreditFeedSource[] = "credit_control";
inline constexpr char kReservationCreated[] = "reservation.created";
inline constexpr char kReservationAdjusted[] = "reservation.adjusted";
inline constexpr char kReservationReleased[] = "reservation.released";
inline constexpr char kReservationRejected[] = "reservation.rejected";
inline constexpr char kReservationCancelled[] = "reservation.cancelled";
inline constexpr char kReservationInvoiced[] = "reservation.invoiced";

class CreditOperations {
 public:
  // `dealers` answers who the dealers are (customer records).
  // `weights` score every 5C assessment (CheckWeights must have passed).
  // `calendar` says which business day it is (the company's time zone).
  CreditOperations(
      storage::Database* db, customer::DealerDirectory* dealers,
      const Clock* clock, AssessmentWeights weights = {},
      const BusinessCalendar* calendar = &BusinessCalendar::Default())
      : db_(db),
        dealers_(dealers),
        clock_(clock),
        weights_(weights),
        calendar_(calendar) {}

  // Sets the dealer's limit (opening its account on the first limit) and
  // appends the change to the limit history, in one serialisable
  // transaction. The dealer must exist in customer records (NOT_FOUND,
  // DEALER_NOT_FOUND) and, for a limit above zero, not be terminated
  // (FAILED_PRECONDITION, DEALER_TERMINATED); customer records being
  // unreachable is UNAVAILABLE, never a pass. The answer is the position
  // this change produced, now and to every retry of `request`: a retry
  // never reports a later change made by someone else as its own.
  // `approver` is recorded as who approved it; four eyes: nobody sets the
  // limit of a dealer they own (PERMISSION_DENIED FOUR_EYES). Only a payer
  // has a limit (NOT_A_PAYER); a limit above the latest 5C recommendation,
  // or with none on file, needs a credit_manager other than the assessor
  // (ABOVE_RECOMMENDATION / FOUR_EYES), checked in the transaction.
  absl::StatusOr<CreditPosition> SetLimit(
      const CallContext& call, const auth::Principal& approver,
      const LimitDecision& decision, const storage::IdempotentRequest& request);

  // NOT_FOUND when the dealer has no credit account.
  absl::StatusOr<CreditPosition> GetPosition(const std::string& dealer_id);

  // Records a 5C assessment of a payer by `assessor` (who may not hold a
  // sales role nor own the dealer; an ownerless dealer needs a
  // credit_manager), scored with the service's weights. The dealer must
  // exist, pay for itself (NOT_A_PAYER) and not be terminated.
  absl::StatusOr<Assessment> Assess(const CallContext& call,
                                    const auth::Principal& assessor,
                                    const AssessmentInput& input,
                                    const storage::IdempotentRequest& request);
  // A payer's assessments, newest first; the page token continues after the
  // last id.
  absl::StatusOr<std::vector<Assessment>> ListAssessments(
      const std::string& dealer_id, const PageRequest& page);

  // What an order asks for.
  struct ReservationRequest {
    std::string order_id;
    std::string dealer_id;
    Money amount;
    int payment_term_days = 0;
  };
  // Reserves credit for an order from its payer (resolved now from
  // customer records): APPROVED when exposure + amount ≤ limit (one
  // conditional update of the payer's account), else HELD or REJECTED with
  // every reason (dealer or payer suspended/terminated reject; no limit and
  // over the limit hold). Cash in advance (term 0) needs no credit: approved
  // without touching the account, unless a reason rejects. One reservation
  // per order (ALREADY_EXISTS).
  absl::StatusOr<Reservation> Reserve(
      const CallContext& call, const auth::Principal& requester,
      const ReservationRequest& order,
      const storage::IdempotentRequest& request);
  absl::StatusOr<Reservation> GetReservation(const std::string& reservation_id);
  // Cancels a held or approved reservation, releasing approved credit;
  // FAILED_PRECONDITION (RESERVATION_CLOSED) for one rejected or cancelled.
  absl::StatusOr<Reservation> CancelReservation(
      const std::string& reservation_id,
      const storage::IdempotentRequest& request);

  // A re-priced order: an approved reservation's amount changes, down
  // always, up only if the increase fits the payer's limit (one
  // conditional update; else FAILED_PRECONDITION OVER_LIMIT and nothing
  // changes); FAILED_PRECONDITION RESERVATION_NOT_APPROVED otherwise.
  absl::StatusOr<Reservation> AdjustReservation(
      const std::string& reservation_id, const Money& new_amount,
      const storage::IdempotentRequest& request);

  // The credit policies of classes A, B and C.
  absl::StatusOr<std::vector<CreditPolicy>> Policies();
  // Changes one class's policy; who changed it is `manager`.
  absl::StatusOr<CreditPolicy> UpdatePolicy(
      const auth::Principal& manager, CreditPolicy policy,
      const storage::IdempotentRequest& request);

  // The release queue: held reservations oldest first, each with its
  // payer's position now (nullopt without an account).
  struct QueueEntry {
    Reservation reservation;
    std::optional<CreditPosition> payer_position;
    // The payer's debt past due today and its oldest invoice's days
    // overdue (0 when none).
    std::optional<Money> payer_overdue;
    int64_t payer_oldest_overdue_days = 0;
  };
  absl::StatusOr<std::vector<QueueEntry>> HoldQueue(
      const std::string& payer_dealer_id, const PageRequest& page);
  // A controller's decision on a held reservation (not the requester's):
  // a release re-checks in one hot-row transaction — NO_LIMIT and OVERDUE
  // are overridden and recorded (a payer with no account at all must get
  // one first: its exposure has to be counted), OVER_LIMIT only releases
  // when the amount now fits (else FAILED_PRECONDITION OVER_LIMIT with the
  // shortfall). The ordering dealer and its payer must still be in good
  // standing (customer records).
  absl::StatusOr<Reservation> ReleaseReservation(
      const CallContext& call, const auth::Principal& controller,
      const std::string& reservation_id, const std::string& reason,
      const storage::IdempotentRequest& request);
  absl::StatusOr<Reservation> RejectReservation(
      const auth::Principal& controller, const std::string& reservation_id,
      const std::string& reason, const storage::IdempotentRequest& request);

 private:
  // The reservation, or NOT_FOUND naming it; with `lock`, read after its
  // payer's account is locked (for a change of the credit it holds).
  absl::StatusOr<Reservation> LoadReservation(storage::Transaction& tx,
                                              const std::string& reservation_id,
                                              bool lock = false) const;
  // A controller's decision on a held reservation (approved by a release,
  // or rejected): recorded, and published on the feed.
  absl::StatusOr<Reservation> RecordDecision(storage::Transaction& tx,
                                             Reservation held,
                                             ReservationStatus decision,
                                             const auth::Principal& controller,
                                             const std::string& reason,
                                             absl::Time now) const;

  // What credit control itself says of the payer today: trade suspended
  // (rejects), shipments held (holds), and — for orders on credit — debt
  // overdue beyond its class's policy (holds).
  absl::StatusOr<std::vector<ReservationReason>> CreditControlReasons(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      const std::string& payer_abc_class, bool on_credit) const;

  storage::Database* db_;
  customer::DealerDirectory* dealers_;
  const Clock* clock_;
  const AssessmentWeights weights_;
  const BusinessCalendar* calendar_;
  CreditAccountStore accounts_;
  ReceivablesStore ledger_;
  RiskStore risk_;
};

}  // namespace qudao::credit
