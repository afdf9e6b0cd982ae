// The order use cases: place an order from a quote, ship it, cancel it,
// book a return, re-price it, and keep it in step with credit control.
//
// Every step that involves credit control runs in three parts, so that a
// crash between the two services never loses or doubles anything: (1) one
// transaction writes what the step intends (the order PENDING, a shipment
// without its invoice, a cancellation with its release pending, a return
// part without its credit note, a re-pricing pending), idempotent on the
// caller's request id; (2) credit control is asked with a request id
// derived from the order and the step ("order:<id>:reserve",
// "order:<id>:shipment:<n>", …), which it applies once; (3) a second
// transaction records the answer. A retry of the caller's request, the
// reservation feed follower and the reconciler all continue from what (1)
// left, with the same derived request ids. Plain C++, no gRPC of our own:
// credit control is reached through its typed client.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/calendar/calendar.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/events/feed_follower.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "common/storage/leased_jobs.h"
#include "services/credit_control/client/credit_control_client.h"
#include "services/pricing/order.h"
#include "services/pricing/order_store.h"
#include "services/pricing/quote_store.h"

namespace qudao::pricing {

// How long a step may stay unconfirmed before the reconciler takes it up.
inline constexpr absl::Duration kOrderStepGrace = absl::Minutes(1);

class OrderOperations {
 public:
  OrderOperations(
      storage::Database* db, credit::CreditControlClient* credit,
      const Clock* clock,
      const BusinessCalendar* calendar = &BusinessCalendar::Default())
      : db_(db), credit_(credit), clock_(clock), calendar_(calendar) {}

  // Places an order from `quote_id` for `who` (a partner only from its own
  // dealer's quotes: NOT_FOUND QUOTE_NOT_FOUND otherwise, as for a missing
  // one); FAILED_PRECONDITION QUOTE_EXPIRED after the quote's expiry. The
  // order is written PENDING with the quote's lines and prices, then credit
  // control reserves the quote's total: ACCEPTED, HELD (with its reasons)
  // or REJECTED. Credit control unreachable: UNAVAILABLE, the order stays
  // PENDING (a retry or the reconciler continues).
  // `dealer_id`, if set, must be the quote's (NOT_FOUND otherwise).
  absl::StatusOr<Order> Place(const CallContext& call,
                              const auth::Principal& who,
                              const std::string& dealer_id,
                              const std::string& quote_id,
                              const storage::IdempotentRequest& request);
  // NOT_FOUND ORDER_NOT_FOUND when missing, not `who`'s to see or not
  // of `dealer_id` (if set).
  absl::StatusOr<Order> Get(const auth::Principal& who,
                            const std::string& dealer_id,
                            const std::string& order_id);
  absl::StatusOr<OrderPage> List(const std::string& dealer_id,
                                 std::optional<OrderState> state,
                                 const PageRequest& page);
  // Records a shipment (see CheckShipment) and has credit control invoice
  // it. A refusal by credit control (a shipment hold) is returned; the
  // shipment stays recorded and its invoice is asked for again by the
  // reconciler.
  absl::StatusOr<Order> Ship(const CallContext& call,
                             const auth::Principal& who,
                             const std::string& order_id,
                             const std::vector<LineQuantity>& lines,
                             const storage::IdempotentRequest& request);
  // Cancels what has not shipped (see CheckCancel) and releases the rest of
  // the reservation (credit control keeps what was invoiced).
  absl::StatusOr<Order> Cancel(const CallContext& call,
                               const auth::Principal& who,
                               const std::string& dealer_id,
                               const std::string& order_id,
                               const std::string& reason,
                               const storage::IdempotentRequest& request);
  // Books a return (see CheckReturn) as credit notes of kind RETURN, one
  // per invoice the units came from.
  absl::StatusOr<Order> Return(const CallContext& call,
                               const auth::Principal& who,
                               const std::string& order_id,
                               const std::vector<LineQuantity>& lines,
                               const std::string& reason,
                               const storage::IdempotentRequest& request);
  // Re-prices an accepted, unshipped order with `quote_id` (see
  // CheckReprice): the reservation is adjusted to the new total first; a
  // refusal (OVER_LIMIT) leaves the order as it was.
  absl::StatusOr<Order> Reprice(const CallContext& call,
                                const auth::Principal& who,
                                const std::string& order_id,
                                const std::string& quote_id,
                                const storage::IdempotentRequest& request);

  // A reservation as credit control's feed reports it: a PENDING or HELD
  // order moves to ACCEPTED or REJECTED. Idempotent and order-tolerant.
  absl::Status ApplyReservation(const credit::v1::CreditReservation& r);
  // Follows credit control's feed (topics "reservation."): starts a
  // follower that applies every reservation change. `bus` may be null.
  std::unique_ptr<events::FeedFollower> FollowReservations(
      events::EventBus* bus);

  // How long a step may stay unconfirmed before the reconciler takes it
  // up, which is also how often ReconcilerJob runs: kOrderStepGrace unless
  // set (--order_reconcile_seconds; end-to-end tests shorten it). Whole
  // seconds, at least one.
  void set_reconcile_after(absl::Duration d) { reconcile_after_ = d; }

  // Finishes every step left unconfirmed for longer than reconcile_after
  // (a crash between the services): asks credit control again with the
  // same request ids and records the answers. Returns how many orders it
  // tried without error. An order whose step is still unconfirmed (held,
  // or credit control refused or could not be reached) is tried again
  // after a backoff of reconcile_after (1 minute) doubling to 1 hour
  // (RecordAttempt), the longest due first, so long-held orders do not
  // crowd out new ones.
  absl::StatusOr<int> Reconcile();
  // Every reconcile_after (a minute by default; leased).
  storage::JobSpec ReconcilerJob();

  // Pays what each dealer is owed per rule through `period` ("YYYY-MM"):
  // accruals less claw-backs less earlier payments (OrderStore::
  // RebateTotals), one credit note of kind REBATE per dealer and rule when
  // positive, once (request id "rebate:<dealer>:<rule>:<period>").
  absl::StatusOr<int> SettleRebates(const std::string& period);
  // Once a month, for the month before (leased).
  storage::JobSpec RebateJob();

 private:
  // The order written PENDING for a quote.
  absl::StatusOr<Order> OrderFromQuote(const Quote& quote,
                                       const std::string& placed_by,
                                       absl::Time now) const;
  absl::StatusOr<Quote> LoadQuote(storage::Transaction& tx,
                                  const auth::Principal& who,
                                  const std::string& dealer_id,
                                  const std::string& quote_id,
                                  absl::Time now) const;
  absl::StatusOr<Order> Load(const std::string& order_id);
  // "YYYY-MM" of a credit control document issued at `issued` (company
  // calendar): the month its rebate accrual or claw-back counts in.
  std::string DocumentMonth(const google::protobuf::Timestamp& issued) const;
  // After the reconciler tried the order (`before`, as it found it) with
  // `outcome`: when a step is still unconfirmed and nothing moved the
  // order on, counts the try (and the failure) and backs off
  // (StepRetryDelay); the kStepAttemptsBeforeAlert-th failure in a row and
  // later ones are logged as errors.
  absl::Status RecordAttempt(const Order& before, const absl::Status& outcome);
  // Loads, changes (returns false: nothing to write) and writes an order
  // in one transaction, with `also`'s writes when it changed; the order as
  // stored afterwards.
  absl::StatusOr<Order> Change(
      const std::string& order_id,
      const std::function<absl::StatusOr<bool>(Order&)>& change,
      const std::function<absl::Status(storage::Transaction&)>& also = {});

  // The steps (2) and (3) of each use case, for whatever is unconfirmed.
  // Each returns the first refusal of credit control it met.
  absl::Status FinishReservation(const CallContext& call,
                                 const std::string& order_id);
  absl::Status FinishShipments(const CallContext& call,
                               const std::string& order_id);
  absl::Status FinishRelease(const CallContext& call,
                             const std::string& order_id);
  absl::Status FinishReturns(const CallContext& call,
                             const std::string& order_id);
  absl::Status FinishReprice(const CallContext& call,
                             const std::string& order_id);
  absl::Status FinishAll(const CallContext& call, const std::string& order_id);

  // A call as pricing's own account (credit control trusts that, never a
  // forwarded user token), with `call`'s deadline.
  static CallContext AsPricing(const CallContext& call);
  CallContext Background() const;

  storage::Database* db_;
  credit::CreditControlClient* credit_;
  const Clock* clock_;
  const BusinessCalendar* calendar_;
  absl::Duration reconcile_after_ = kOrderStepGrace;
  OrderStore orders_;
  QuoteStore quotes_;
};

}  // namespace qudao::pricing
