// Persistence of credit accounts and their append-only limit history: the
// tables, their typed row mappings and the SQL the credit operations need,
// each inside the caller's transaction. The same SQL runs on SQLite and
// PostgreSQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "services/credit_control/credit_assessment.h"
#include "services/credit_control/credit_policy.h"
#include "services/credit_control/credit_position.h"
#include "services/credit_control/credit_reservation.h"

namespace qudao::credit {

// One entry of the limit history: who granted how much credit, and why.
struct LimitChange {
  std::string dealer_id;
  // The account's limit_revision after this change.
  int64_t revision = 0;
  // Unset on the change that opened the account: there was no earlier
  // limit, which is not the same as a limit of zero.
  std::optional<Money> old_limit;
  Money new_limit;
  std::string reason;
  std::string approved_by;
  absl::Time change_time;
};

class CreditAccountStore {
 public:
  static const std::vector<storage::Migration>& Migrations();

  // The dealer's account, or nullopt if it has none yet.
  // Sends ahead (Transaction::Prefetch) the reads a reservation of
  // `order_id` on `payer_dealer_id`'s account makes: the account (Find),
  // the policies (PolicyFor) and the order's reservation
  // (FindReservationForOrder).
  absl::Status PrefetchReservationReads(storage::Transaction& tx,
                                        const std::string& payer_dealer_id,
                                        const std::string& order_id) const;
  absl::StatusOr<std::optional<CreditAccount>> Find(
      storage::Transaction& tx, const std::string& dealer_id) const;
  // Opens an account. An account opened concurrently is a retryable
  // conflict (the transaction runs again and finds it).
  absl::Status Insert(storage::Transaction& tx,
                      const CreditAccount& account) const;
  // Writes the limit's columns (limit, revision, time, version) if the
  // account still has `read_version`; receivables and approved orders are
  // changed by their own flows, never by a limit change.
  absl::Status UpdateLimit(storage::Transaction& tx,
                           const CreditAccount& account,
                           int64_t read_version) const;
  absl::Status AppendLimitChange(storage::Transaction& tx,
                                 const LimitChange& change) const;

  // 5C assessments: an append-only history per payer.
  absl::Status AppendAssessment(storage::Transaction& tx,
                                const Assessment& assessment) const;
  // The newest assessment of the dealer, or nullopt.
  absl::StatusOr<std::optional<Assessment>> LatestAssessment(
      storage::Transaction& tx, const std::string& dealer_id) const;
  // Newest first, `page.limit + 1` rows after `page.after_key` (an id).
  absl::StatusOr<std::vector<Assessment>> ListAssessments(
      storage::Transaction& tx, const std::string& dealer_id,
      const PageRequest& page) const;

  // Credit policies, A, B and C (seeded with the defaults).
  absl::StatusOr<std::vector<CreditPolicy>> Policies(
      storage::Transaction& tx) const;
  absl::Status UpdatePolicy(storage::Transaction& tx,
                            const CreditPolicy& policy) const;
  // The policy a dealer of `abc_class` is held to (unclassified: C's).
  absl::StatusOr<CreditPolicy> PolicyFor(storage::Transaction& tx,
                                         const std::string& abc_class) const;

  // Reservations. Adds `amount` to the payer's approved exposure if it
  // fits under the limit — one conditional UPDATE, so concurrent callers
  // never exceed it (in kHotRow a waiting writer re-checks the condition on
  // the row's newest version). Returns whether it fitted.
  absl::StatusOr<bool> ReserveOnAccount(storage::Transaction& tx,
                                        const std::string& payer_dealer_id,
                                        const Money& amount) const;
  // The same, queued to travel with the COMMIT (Transaction::RequireLater):
  // the payer's row is locked for one server-side commit only. When the room
  // is gone by then, the transaction fails with a retryable conflict and is
  // decided again.
  absl::Status ReserveOnAccountAtCommit(storage::Transaction& tx,
                                        const std::string& payer_dealer_id,
                                        const Money& amount) const;
  // An override: adds `amount` to the approved exposure whatever the limit
  // (a released NO_LIMIT hold). NOT_FOUND without an account.
  absl::Status ForceReserveOnAccount(storage::Transaction& tx,
                                     const std::string& payer_dealer_id,
                                     const Money& amount) const;
  // Gives back `amount` of approved exposure (DATA_LOSS if the account
  // does not hold that much: the books disagree).
  absl::Status ReleaseOnAccount(storage::Transaction& tx,
                                const std::string& payer_dealer_id,
                                const Money& amount) const;
  // Receivables. An invoice of `total` converts `conversion` of the
  // payer's approved exposure into open receivables; `excess` (invoiced
  // beyond what was reserved) must fit under the limit like a new
  // reservation — one conditional UPDATE. Returns whether it fitted.
  absl::StatusOr<bool> InvoiceOnAccount(storage::Transaction& tx,
                                        const std::string& payer_dealer_id,
                                        const Money& conversion,
                                        const Money& total,
                                        const Money& excess) const;
  // Adds the deltas to the payer's open receivables and credit on account
  // (NOT_FOUND without an account in that currency).
  absl::Status AdjustBalances(storage::Transaction& tx,
                              const std::string& payer_dealer_id,
                              const Money& open_delta,
                              const Money& unapplied_delta) const;
  // Locks the payer's account row for the rest of the transaction (a no-op
  // update): a payer's movements then apply one at a time, and what is read
  // after it is current (READ COMMITTED reads each statement's snapshot).
  // False when the payer has no account.
  absl::StatusOr<bool> LockAccount(storage::Transaction& tx,
                                   const std::string& payer_dealer_id) const;
  // Opens an account with no limit (revision 0) for a payer invoiced
  // without one (cash in advance), if it has none.
  absl::Status EnsureAccount(storage::Transaction& tx,
                             const std::string& payer_dealer_id,
                             const std::string& currency, absl::Time now) const;
  // Portfolio: accounts by utilisation (exposure ÷ limit, in basis points;
  // a zero limit with exposure counts as the highest), highest first, or
  // lowest first; `page.limit + 1` after `page.after_key`
  // ("<utilisation>:<dealer id>").
  struct RankedAccount {
    CreditAccount account;
    int64_t utilisation_bp = 0;
  };
  absl::StatusOr<std::vector<RankedAccount>> ListByUtilisation(
      storage::Transaction& tx, bool highest_first,
      const PageRequest& page) const;

  // ALREADY_EXISTS when the order has a reservation.
  absl::Status InsertReservation(storage::Transaction& tx,
                                 const Reservation& reservation) const;
  absl::StatusOr<std::optional<Reservation>> FindReservation(
      storage::Transaction& tx, const std::string& reservation_id) const;
  absl::StatusOr<std::optional<Reservation>> FindReservationForOrder(
      storage::Transaction& tx, const std::string& order_id) const;
  // The same, read again after locking its payer's account (LockAccount):
  // what a movement of the reservation's credit then reads is current, so
  // an invoice, a cancel and an adjustment of one reservation apply one at
  // a time.
  absl::StatusOr<std::optional<Reservation>> FindReservationLocked(
      storage::Transaction& tx, const std::string& reservation_id) const;
  absl::StatusOr<std::optional<Reservation>> FindReservationForOrderLocked(
      storage::Transaction& tx, const std::string& order_id) const;
  // Held reservations, oldest first (of one payer when `payer_dealer_id`
  // is set), `page.limit + 1` after `page.after_key` (an id).
  absl::StatusOr<std::vector<Reservation>> ListHeld(
      storage::Transaction& tx, const std::string& payer_dealer_id,
      const PageRequest& page) const;
  // Writes an approved reservation's new amount (conditional on the amount
  // read: a concurrent change is a retryable conflict).
  absl::Status UpdateReservationAmount(storage::Transaction& tx,
                                       const Reservation& reservation,
                                       const Money& read_amount) const;
  // Records how much of a reservation invoices converted, and its status
  // (conditional on the amount read: a concurrent invoice is a retryable
  // conflict).
  absl::Status UpdateReservationInvoiced(storage::Transaction& tx,
                                         const Reservation& reservation,
                                         const Money& read_invoiced) const;
  // Moves a reservation from `from` to its status now (conditional: a
  // concurrent change is a retryable conflict).
  absl::Status UpdateReservationStatus(storage::Transaction& tx,
                                       const Reservation& reservation,
                                       ReservationStatus from) const;
};

}  // namespace qudao::credit
