// Credit use cases; see credit_operations.h.
#include "services/credit_control/credit_operations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/outbox.h"
#include "common/validation/validation.h"
#include "google/protobuf/any.pb.h"
#include "services/credit_control/credit_proto.h"
#include "services/credit_control/risk_operations.h"

namespace qudao::credit {
namespace {

// A reservation's change on credit control's feed: the order flow follows
// it instead of being called back.
absl::Status AppendReservationEvent(storage::Transaction& tx, const char* topic,
                                    const Reservation& r, absl::Time now) {
  google::protobuf::Any payload;
  payload.PackFrom(ReservationToProto(r));
  return storage::AppendEvent(
      tx, {topic, r.reservation_id, payload.SerializeAsString()}, now);
}

// The payer of `dealer`: itself when `payer_dealer_id` is empty or its own
// id, else asked of customer records.
absl::StatusOr<customer::DealerFacts> PayerFacts(
    customer::DealerDirectory& dealers, const CallContext& call,
    const customer::DealerFacts& dealer, const std::string& payer_dealer_id) {
  if (payer_dealer_id.empty() || payer_dealer_id == dealer.dealer_id) {
    return dealer;
  }
  return dealers.Get(call, payer_dealer_id);
}

// What customer records' standing of the dealer and its payer says.
std::vector<ReservationReason> StandingOf(const customer::DealerFacts& dealer,
                                          const customer::DealerFacts& payer) {
  return StandingReasons({dealer.dealer_id, static_cast<int>(dealer.status)},
                         {payer.dealer_id, static_cast<int>(payer.status)});
}

}  // namespace

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<std::vector<ReservationReason>>
CreditOperations::CreditControlReasons(Transaction& tx,
                                       const std::string& payer,
                                       const std::string& payer_abc_class,
                                       bool on_credit) const {
  const absl::CivilDay today = calendar_->DayOf(clock_->Now());
  std::vector<ReservationReason> out;
  ASSIGN_OR_RETURN(const std::vector<Restriction> restrictions,
                   ledger_.ListRestrictions(tx, payer, today));
  for (const Restriction& r : restrictions) {
    const bool suspension = r.kind == RestrictionKind::kTradeSuspension;
    out.push_back(
        {suspension ? ReservationIssue::kSuspended
                    : ReservationIssue::kShipmentHold,
         absl::StrCat(
             "payer ", payer, ": ", RestrictionKindName(r.kind), " ",
             r.restriction_id, " by ", r.placed_by, " (", r.reason, ")",
             r.until.has_value() ? absl::StrCat(" until ", FormatDay(*r.until))
                                 : std::string()),
         std::nullopt});
  }
  if (!on_credit) return out;
  ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> oldest_due,
                   ledger_.OldestOpenDueDay(tx, payer));
  if (oldest_due.has_value()) {
    const int64_t days = BusinessCalendar::DaysBetween(*oldest_due, today);
    ASSIGN_OR_RETURN(const CreditPolicy policy,
                     accounts_.PolicyFor(tx, payer_abc_class));
    const std::string policy_class = policy.abc_class;
    if (days > policy.overdue_hold_days) {
      out.push_back(
          {ReservationIssue::kOverdue,
           absl::StrCat("payer ", payer, ": oldest open invoice due ",
                        FormatDay(*oldest_due), " is ", days,
                        " days overdue; class ", policy_class,
                        " holds orders beyond ", policy.overdue_hold_days),
           std::nullopt});
    }
  }
  return out;
}

absl::StatusOr<CreditPosition> CreditOperations::SetLimit(
    const CallContext& call, const auth::Principal& approver,
    const LimitDecision& decision, const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CheckCreditLimit(decision.limit));
  // A retry of a limit already set gets its answer, whatever customer
  // records says of the dealer now.
  ASSIGN_OR_RETURN(std::optional<CreditPosition> replay,
                   storage::FindReplay(*db_, request, CreditPositionCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, decision.dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(dealer.dealer_id, dealer.payer_dealer_id));
  RETURN_IF_ERROR(
      CheckLimitApprover(approver, decision.dealer_id, dealer.owner));
  if (!decision.limit.is_zero()) {
    RETURN_IF_ERROR(customer::CheckNotTerminated(
        dealer,
        "it can be given no credit (a limit of zero closes its account)"));
  }
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<CreditPosition>(
      *db_, request, now, CreditPositionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<CreditPosition> {
        ASSIGN_OR_RETURN(const std::optional<Assessment> assessment,
                         accounts_.LatestAssessment(tx, decision.dealer_id));
        RETURN_IF_ERROR(CheckLimitAgainstAssessment(
            approver, decision.dealer_id, decision.limit, assessment));
        ASSIGN_OR_RETURN(const std::optional<CreditAccount> current,
                         accounts_.Find(tx, decision.dealer_id));
        ASSIGN_OR_RETURN(
            const CreditAccount updated,
            ApplyCreditLimit(current, decision.dealer_id, decision.limit, now));
        if (current.has_value()) {
          RETURN_IF_ERROR(accounts_.UpdateLimit(tx, updated, current->version));
        } else {
          RETURN_IF_ERROR(accounts_.Insert(tx, updated));
        }
        LimitChange change;
        change.dealer_id = updated.dealer_id;
        change.revision = updated.limit_revision;
        if (current.has_value()) change.old_limit = current->credit_limit;
        change.new_limit = updated.credit_limit;
        change.reason = decision.reason;
        change.approved_by = approver.subject;
        change.change_time = updated.limit_update_time;
        RETURN_IF_ERROR(accounts_.AppendLimitChange(tx, change));
        return ComputeCreditPosition(updated);
      });
}

absl::StatusOr<CreditPosition> CreditOperations::GetPosition(
    const std::string& dealer_id) {
  std::optional<CreditAccount> account;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(account, accounts_.Find(tx, dealer_id));
        return absl::OkStatus();
      }));
  if (!account.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("dealer ", dealer_id,
                     " has no credit account; SetCreditLimit opens one"));
  }
  return ComputeCreditPosition(*account);
}

absl::StatusOr<Assessment> CreditOperations::Assess(
    const CallContext& call, const auth::Principal& assessor,
    const AssessmentInput& input, const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<Assessment> replay,
                   storage::FindReplay(*db_, request, AssessmentCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, input.dealer_id));
  RETURN_IF_ERROR(CheckIsPayer(dealer.dealer_id, dealer.payer_dealer_id));
  RETURN_IF_ERROR(CheckLimitApprover(assessor, input.dealer_id, dealer.owner));
  RETURN_IF_ERROR(customer::CheckNotTerminated(
      dealer, "it is not assessed for credit any more"));
  // Capacity from the payer's own record once it has 6 settled invoices.
  std::vector<int64_t> record;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(record, ledger_.PaymentRecord(tx, input.dealer_id, 6));
        return absl::OkStatus();
      }));
  ASSIGN_OR_RETURN(Assessment assessment,
                   credit::Assess(input, weights_, record));
  const absl::Time now = clock_->Now();
  assessment.assessment_id = NewResourceId("cas", now);
  assessment.assessed_by = assessor.subject;
  assessment.assess_time = now;
  return storage::RunIdempotent<Assessment>(
      *db_, request, now, AssessmentCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Assessment> {
        RETURN_IF_ERROR(accounts_.AppendAssessment(tx, assessment));
        return assessment;
      });
}

absl::StatusOr<std::vector<Assessment>> CreditOperations::ListAssessments(
    const std::string& dealer_id, const PageRequest& page) {
  std::vector<Assessment> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, accounts_.ListAssessments(tx, dealer_id, page));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Reservation> CreditOperations::Reserve(
    const CallContext& call, const auth::Principal& requester,
    const ReservationRequest& order,
    const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CheckReservationAmount(order.amount));
  // The dealer facts come from the directory's cache; a retry is answered
  // by the key claim in the transaction below (one transaction per
  // reservation, not a lookup first). Only when customer records cannot
  // be asked is the stored answer looked up here, so a retry of a
  // reservation already made still gets it.
  absl::StatusOr<customer::DealerFacts> dealer =
      dealers_->Get(call, order.dealer_id);
  absl::StatusOr<customer::DealerFacts> payer =
      dealer.ok()
          ? PayerFacts(*dealers_, call, *dealer, dealer->payer_dealer_id)
          : dealer;
  if (!payer.ok()) {
    ASSIGN_OR_RETURN(std::optional<Reservation> replay,
                     storage::FindReplay(*db_, request, ReservationCodec()));
    if (replay.has_value()) return *std::move(replay);
    return payer.status();
  }
  const absl::Time now = clock_->Now();
  Reservation r;
  r.reservation_id = NewResourceId("crs", now);
  r.order_id = order.order_id;
  r.dealer_id = dealer->dealer_id;
  r.payer_dealer_id = payer->dealer_id;
  r.amount = order.amount;
  r.payment_term_days = order.payment_term_days;
  r.cash_in_advance = order.payment_term_days == 0;
  r.requested_by = requester.subject;
  r.create_time = now;
  r.update_time = now;
  r.invoiced = Money::Zero(order.amount.currency());
  r.reasons = StandingOf(*dealer, *payer);
  return storage::RunHotRowIdempotent<Reservation>(
      *db_, request, now, ReservationCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        Reservation out = r;
        ASSIGN_OR_RETURN(
            std::vector<ReservationReason> own,
            CreditControlReasons(tx, payer->dealer_id, payer->abc_class,
                                 !out.cash_in_advance));
        out.reasons.insert(out.reasons.end(), own.begin(), own.end());
        ASSIGN_OR_RETURN(std::optional<Reservation> existing,
                         accounts_.FindReservationForOrder(tx, order.order_id));
        if (existing.has_value()) {
          return absl::AlreadyExistsError(absl::StrCat(
              "order ", order.order_id, " already has reservation ",
              existing->reservation_id, " (", existing->amount.ToString(),
              "); cancel it to reserve again"));
        }
        // Every reason that applies is given; credit is taken only when
        // nothing else stands in the way.
        bool take_credit = false;
        if (!out.cash_in_advance) {
          ASSIGN_OR_RETURN(std::optional<CreditAccount> account,
                           accounts_.Find(tx, payer->dealer_id));
          if (account.has_value() &&
              account->credit_limit.currency() != order.amount.currency()) {
            return Refusal(
                absl::StatusCode::kFailedPrecondition, kCurrencyMismatch,
                absl::StrCat(
                    "payer ", payer->dealer_id, "'s credit is kept in ",
                    account->credit_limit.currency(), "; an order in ",
                    order.amount.currency(), " cannot be reserved against it"));
          }
          if (std::optional<ReservationReason> no_limit =
                  LimitReason(account, payer->dealer_id)) {
            out.reasons.push_back(*no_limit);
          } else if (out.reasons.empty()) {
            // Decided on the account as read. The one statement that keeps
            // the limit comes last (below), so the payer's busy row is
            // locked only from it to COMMIT; if others took the room in
            // between, it changes nothing and the transaction runs again on
            // what they left.
            ASSIGN_OR_RETURN(ReservationReason over,
                             OverLimitReason(*account, order.amount));
            if (over.shortfall->minor_units() > 0) {
              RETURN_IF_ERROR(RaiseAlert(
                  risk_, tx, payer->dealer_id, AlertKind::kLimitBreachAttempted,
                  absl::StrCat("order ", order.order_id, ": ", over.detail),
                  absl::StrCat("breach:", out.reservation_id), now));
              out.reasons.push_back(std::move(over));
            } else {
              take_credit = true;
              // Has exposure reached the watch share? (As this reservation
              // leaves it on the account read; a concurrent one that
              // crosses it raises the day's alert itself.)
              CreditAccount after = *account;
              ASSIGN_OR_RETURN(after.approved_uninvoiced,
                               after.approved_uninvoiced.Add(order.amount));
              ASSIGN_OR_RETURN(const CreditPosition position,
                               ComputeCreditPosition(after));
              ASSIGN_OR_RETURN(const CreditPolicy policy,
                               accounts_.PolicyFor(tx, payer->abc_class));
              if (std::optional<std::string> watch =
                      WatchDetail(position, policy)) {
                RETURN_IF_ERROR(RaiseAlert(
                    risk_, tx, payer->dealer_id, AlertKind::kWatchRatio, *watch,
                    absl::StrCat("watch:", payer->dealer_id, ":",
                                 BusinessCalendar::Key(calendar_->DayOf(now))),
                    now));
              }
            }
          } else {
            // Held for another reason: say whether the limit would hold too.
            ASSIGN_OR_RETURN(ReservationReason over,
                             OverLimitReason(*account, order.amount));
            if (over.shortfall->minor_units() > 0) {
              out.reasons.push_back(std::move(over));
            }
          }
        }
        out.status = StatusFor(out.reasons);
        RETURN_IF_ERROR(accounts_.InsertReservation(tx, out));
        RETURN_IF_ERROR(
            AppendReservationEvent(tx, kReservationCreated, out, now));
        if (take_credit) {
          RETURN_IF_ERROR(accounts_.ReserveOnAccountAtCommit(
              tx, payer->dealer_id, order.amount));
        }
        return out;
      },
      // The reads above travel with the key's claim, in one round trip
      // (the claim writes nothing they read).
      [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(ledger_.PrefetchStanding(tx, payer->dealer_id,
                                                 calendar_->DayOf(now)));
        return accounts_.PrefetchReservationReads(tx, payer->dealer_id,
                                                  order.order_id);
      });
}

absl::StatusOr<Reservation> CreditOperations::LoadReservation(
    Transaction& tx, const std::string& reservation_id, bool lock) const {
  ASSIGN_OR_RETURN(std::optional<Reservation> found,
                   lock ? accounts_.FindReservationLocked(tx, reservation_id)
                        : accounts_.FindReservation(tx, reservation_id));
  if (!found.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("credit reservation ", reservation_id, " does not exist"));
  }
  return *std::move(found);
}

absl::StatusOr<Reservation> CreditOperations::GetReservation(
    const std::string& reservation_id) {
  absl::StatusOr<Reservation> found;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        found = LoadReservation(tx, reservation_id);
        return found.status();
      }));
  return found;
}

absl::StatusOr<Reservation> CreditOperations::CancelReservation(
    const std::string& reservation_id,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  return storage::RunHotRowIdempotent<Reservation>(
      *db_, request, now, ReservationCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        ASSIGN_OR_RETURN(Reservation r,
                         LoadReservation(tx, reservation_id, /*lock=*/true));
        if (r.status == ReservationStatus::kRejected ||
            r.status == ReservationStatus::kCancelled ||
            r.status == ReservationStatus::kInvoiced) {
          return Refusal(
              absl::StatusCode::kFailedPrecondition, kReasonReservationClosed,
              absl::StrCat("credit reservation ", reservation_id,
                           " is already ",
                           r.status == ReservationStatus::kRejected ? "rejected"
                           : r.status == ReservationStatus::kCancelled
                               ? "cancelled"
                               : "invoiced in full"));
        }
        const ReservationStatus from = r.status;
        // What is not invoiced yet goes back; invoiced parts stay
        // receivables.
        if (r.holds_credit() && !r.remaining().is_zero()) {
          RETURN_IF_ERROR(
              accounts_.ReleaseOnAccount(tx, r.payer_dealer_id, r.remaining()));
        }
        r.status = ReservationStatus::kCancelled;
        r.update_time = now;
        RETURN_IF_ERROR(accounts_.UpdateReservationStatus(tx, r, from));
        RETURN_IF_ERROR(
            AppendReservationEvent(tx, kReservationCancelled, r, now));
        return r;
      });
}

absl::StatusOr<Reservation> CreditOperations::AdjustReservation(
    const std::string& reservation_id, const Money& new_amount,
    const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CheckReservationAmount(new_amount));
  const absl::Time now = clock_->Now();
  return storage::RunHotRowIdempotent<Reservation>(
      *db_, request, now, ReservationCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        ASSIGN_OR_RETURN(Reservation r,
                         LoadReservation(tx, reservation_id, /*lock=*/true));
        if (r.status != ReservationStatus::kApproved) {
          return Refusal(absl::StatusCode::kFailedPrecondition,
                         kReasonNotApproved,
                         absl::StrCat("credit reservation ", reservation_id,
                                      " is not approved; only an approved "
                                      "reservation's amount changes"));
        }
        if (new_amount.currency() != r.amount.currency()) {
          return InvalidField("amount",
                              absl::StrCat("must be in ", r.amount.currency(),
                                           " like the reservation"));
        }
        if (new_amount.minor_units() < r.invoiced.minor_units()) {
          return Refusal(absl::StatusCode::kFailedPrecondition,
                         "BELOW_INVOICED",
                         absl::StrCat("credit reservation ", reservation_id,
                                      " has ", r.invoiced.ToString(),
                                      " invoiced already; it cannot fall "
                                      "below that"));
        }
        const Money read_amount = r.amount;
        ASSIGN_OR_RETURN(const Money delta, new_amount.Subtract(read_amount));
        if (!r.cash_in_advance && !delta.is_zero()) {
          if (delta.is_negative()) {
            ASSIGN_OR_RETURN(const Money less, delta.Negate());
            RETURN_IF_ERROR(
                accounts_.ReleaseOnAccount(tx, r.payer_dealer_id, less));
          } else {
            ASSIGN_OR_RETURN(
                const bool fitted,
                accounts_.ReserveOnAccount(tx, r.payer_dealer_id, delta));
            if (!fitted) {
              ASSIGN_OR_RETURN(std::optional<CreditAccount> account,
                               accounts_.Find(tx, r.payer_dealer_id));
              ASSIGN_OR_RETURN(const ReservationReason over,
                               OverLimitReason(*account, delta));
              return Refusal(
                  absl::StatusCode::kFailedPrecondition, kReasonOverLimit,
                  absl::StrCat(over.detail, ": the reservation keeps ",
                               read_amount.ToString()));
            }
          }
        }
        r.amount = new_amount;
        r.update_time = now;
        RETURN_IF_ERROR(accounts_.UpdateReservationAmount(tx, r, read_amount));
        RETURN_IF_ERROR(
            AppendReservationEvent(tx, kReservationAdjusted, r, now));
        return r;
      });
}

absl::StatusOr<std::vector<CreditPolicy>> CreditOperations::Policies() {
  std::vector<CreditPolicy> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, accounts_.Policies(tx));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<CreditPolicy> CreditOperations::UpdatePolicy(
    const auth::Principal& manager, CreditPolicy policy,
    const storage::IdempotentRequest& request) {
  RETURN_IF_ERROR(CheckPolicy(policy));
  const absl::Time now = clock_->Now();
  policy.updated_by = manager.subject;
  policy.update_time = now;
  return storage::RunIdempotent<CreditPolicy>(
      *db_, request, now, PolicyCodec(),
      [&](Transaction& tx) -> absl::StatusOr<CreditPolicy> {
        RETURN_IF_ERROR(accounts_.UpdatePolicy(tx, policy));
        return policy;
      });
}

absl::StatusOr<std::vector<CreditOperations::QueueEntry>>
CreditOperations::HoldQueue(const std::string& payer_dealer_id,
                            const PageRequest& page) {
  std::vector<QueueEntry> out;
  const absl::CivilDay today = calendar_->DayOf(clock_->Now());
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        out.clear();
        ASSIGN_OR_RETURN(std::vector<Reservation> held,
                         accounts_.ListHeld(tx, payer_dealer_id, page));
        for (Reservation& r : held) {
          QueueEntry entry;
          ASSIGN_OR_RETURN(std::optional<CreditAccount> account,
                           accounts_.Find(tx, r.payer_dealer_id));
          if (account.has_value()) {
            ASSIGN_OR_RETURN(entry.payer_position,
                             ComputeCreditPosition(*account));
          }
          ASSIGN_OR_RETURN(entry.payer_overdue,
                           ledger_.OverdueOf(tx, r.payer_dealer_id, today));
          ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> oldest,
                           ledger_.OldestOpenDueDay(tx, r.payer_dealer_id));
          if (oldest.has_value() && *oldest < today) {
            entry.payer_oldest_overdue_days = today - *oldest;
          }
          entry.reservation = std::move(r);
          out.push_back(std::move(entry));
        }
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Reservation> CreditOperations::ReleaseReservation(
    const CallContext& call, const auth::Principal& controller,
    const std::string& reservation_id, const std::string& reason,
    const storage::IdempotentRequest& request) {
  ASSIGN_OR_RETURN(std::optional<Reservation> replay,
                   storage::FindReplay(*db_, request, ReservationCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const Reservation before, GetReservation(reservation_id));
  RETURN_IF_ERROR(CheckMayDecide(controller.subject, before));
  // Standing now, not when it was held.
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, before.dealer_id));
  ASSIGN_OR_RETURN(const customer::DealerFacts payer,
                   PayerFacts(*dealers_, call, dealer, before.payer_dealer_id));
  const std::vector<ReservationReason> standing = StandingOf(dealer, payer);
  if (!standing.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   IssueName(standing[0].issue),
                   absl::StrCat(standing[0].detail,
                                ": the reservation cannot be released "
                                "(reject it instead)"));
  }
  const absl::Time now = clock_->Now();
  return storage::RunHotRowIdempotent<Reservation>(
      *db_, request, now, ReservationCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        ASSIGN_OR_RETURN(Reservation r,
                         LoadReservation(tx, reservation_id, /*lock=*/true));
        RETURN_IF_ERROR(CheckMayDecide(controller.subject, r));
        // Credit control's own stops are lifted, never overridden.
        ASSIGN_OR_RETURN(
            const std::vector<ReservationReason> own,
            CreditControlReasons(tx, r.payer_dealer_id, payer.abc_class,
                                 /*on_credit=*/false));
        if (!own.empty()) {
          return Refusal(absl::StatusCode::kFailedPrecondition,
                         IssueName(own[0].issue),
                         absl::StrCat(own[0].detail,
                                      ": lift it before releasing the "
                                      "reservation (or reject it)"));
        }
        ASSIGN_OR_RETURN(std::optional<CreditAccount> account,
                         accounts_.Find(tx, r.payer_dealer_id));
        r.overridden.clear();
        if (r.cash_in_advance) {
          // Nothing to reserve: held only for reasons a release overrides.
        } else if (LimitReason(account, r.payer_dealer_id).has_value()) {
          // No limit: overridden, counted against the account as it is.
          r.overridden.push_back(ReservationIssue::kNoLimit);
          RETURN_IF_ERROR(
              accounts_.ForceReserveOnAccount(tx, r.payer_dealer_id, r.amount));
        } else {
          ASSIGN_OR_RETURN(
              const bool fitted,
              accounts_.ReserveOnAccount(tx, r.payer_dealer_id, r.amount));
          if (!fitted) {
            ASSIGN_OR_RETURN(account, accounts_.Find(tx, r.payer_dealer_id));
            ASSIGN_OR_RETURN(const ReservationReason over,
                             OverLimitReason(*account, r.amount));
            return Refusal(
                absl::StatusCode::kFailedPrecondition, kReasonOverLimit,
                absl::StrCat(over.detail,
                             ": an over-limit hold is never overridden; it "
                             "releases once exposure falls or the limit is "
                             "raised"));
          }
        }
        for (const ReservationReason& held : r.reasons) {
          if (Overridable(held.issue) &&
              std::find(r.overridden.begin(), r.overridden.end(), held.issue) ==
                  r.overridden.end()) {
            r.overridden.push_back(held.issue);
          }
        }
        return RecordDecision(tx, std::move(r), ReservationStatus::kApproved,
                              controller, reason, now);
      });
}

absl::StatusOr<Reservation> CreditOperations::RecordDecision(
    Transaction& tx, Reservation held, ReservationStatus decision,
    const auth::Principal& controller, const std::string& reason,
    absl::Time now) const {
  held.status = decision;
  held.decided_by = controller.subject;
  held.decision_reason = reason;
  held.update_time = now;
  RETURN_IF_ERROR(
      accounts_.UpdateReservationStatus(tx, held, ReservationStatus::kHeld));
  RETURN_IF_ERROR(AppendReservationEvent(
      tx,
      decision == ReservationStatus::kApproved ? kReservationReleased
                                               : kReservationRejected,
      held, now));
  return held;
}

absl::StatusOr<Reservation> CreditOperations::RejectReservation(
    const auth::Principal& controller, const std::string& reservation_id,
    const std::string& reason, const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<Reservation>(
      *db_, request, now, ReservationCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Reservation> {
        ASSIGN_OR_RETURN(Reservation r, LoadReservation(tx, reservation_id));
        RETURN_IF_ERROR(CheckMayDecide(controller.subject, r));
        return RecordDecision(tx, std::move(r), ReservationStatus::kRejected,
                              controller, reason, now);
      });
}

}  // namespace qudao::credit
