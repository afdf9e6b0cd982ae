// Persistence of orders: the order header (orders), its lines
// (order_lines), shipments (order_shipments), returns and their credit
// notes (order_returns, order_return_parts) and the rebates invoicing
// accrued (order_rebate_accruals, rebate_settlements), inside the caller's
// transaction. The same SQL runs on SQLite and PostgreSQL; the tables are
// migration 4 of the pricing service (ProductStore::Migrations()).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "services/pricing/order.h"

namespace qudao::pricing {

// The canonical filter of a dealer's order listing (page tokens are bound
// to it).
std::string OrderListFilter(const std::string& dealer_id,
                            std::optional<OrderState> state);

struct OrderPage {
  // Newest first, complete (lines, shipments, returns).
  std::vector<Order> orders;
  std::string next_page_token;
};

// A rebate a shipment accrued, or (return_number > 0) what a return of
// that shipment's goods clawed back (amount ≤ 0), for the period-end
// settlement.
struct StoredAccrual {
  std::string order_id;
  int shipment = 0;
  int line = 0;
  // The return's number; 0 for a shipment's accrual.
  int return_number = 0;
  std::string dealer_id;
  std::string rule_id;
  Money amount;
  // "YYYY-MM" of the invoicing (or credit note) day (company calendar).
  std::string period;
};

// What a dealer earned under a rule and is not paid yet (in one currency).
struct RebateTotal {
  std::string dealer_id;
  std::string rule_id;
  Money amount;
};

// A settlement decided for `period` whose credit note is not recorded yet.
struct UnpaidSettlement {
  RebateTotal total;
  std::string period;
};

class OrderStore {
 public:
  // The DDL of the order tables on `backend` (pricing migration 4).
  static std::string Schema(storage::Backend backend);
  // The claw-back table (pricing migration 5).
  static std::string ClawbackSchema(storage::Backend backend);

  // ALREADY_EXISTS when the id is taken.
  absl::Status Insert(storage::Transaction& tx, const Order& order) const;
  // The whole order; nullopt when there is none.
  absl::StatusOr<std::optional<Order>> Find(storage::Transaction& tx,
                                            const std::string& order_id) const;
  // Writes `order` (header, lines, shipments, returns) if its stored
  // version is `order.version` and bumps it, clearing the reconciler's
  // attempts (the order moved on); ABORTED (retryable) when another write
  // came first.
  absl::Status Update(storage::Transaction& tx, Order& order) const;
  // A dealer's orders newest first, of one state if given.
  absl::StatusOr<OrderPage> List(storage::Transaction& tx,
                                 const std::string& dealer_id,
                                 std::optional<OrderState> state,
                                 const PageRequest& page) const;
  // Ids of orders with a step credit control has not confirmed, last
  // written before `before`: PENDING or HELD orders, cancellations whose
  // release is pending, re-pricings pending, shipments without invoice,
  // return parts without credit note (HasUnfinishedStep, kept as an
  // indexed flag by every Insert and Update, so finding them does not scan
  // every order) — whose next attempt is due at `now`.
  // At most `limit`, the longest due first.
  absl::StatusOr<std::vector<std::string>> Unfinished(storage::Transaction& tx,
                                                      absl::Time before,
                                                      absl::Time now,
                                                      int limit) const;
  // The reconciler tried the order's unconfirmed step without progress:
  // its tries and failed tries in a row, the last error, when to try
  // next. Only if the order is still at `order.version` (nothing moved it
  // on meanwhile); leaves the version alone (bookkeeping, not a change).
  absl::Status RecordAttempt(storage::Transaction& tx, const Order& order,
                             int attempts, int failures,
                             const std::string& error,
                             absl::Time next_attempt) const;
  // Ids of HELD orders whose reservation is `reservation_id`.
  absl::StatusOr<std::optional<std::string>> FindByReservation(
      storage::Transaction& tx, const std::string& reservation_id) const;

  // Records an accrual or claw-back (again: the same key is kept once).
  absl::Status InsertAccrual(storage::Transaction& tx,
                             const StoredAccrual& accrual) const;
  // What each dealer is owed per rule for the periods up to `period`
  // ("YYYY-MM"), per currency: Σ accruals − Σ claw-backs − Σ settlements
  // of those periods. Negative when returns clawed back more than was
  // earned since the last payment (it carries into the next period).
  absl::StatusOr<std::vector<RebateTotal>> RebateTotals(
      storage::Transaction& tx, const std::string& period) const;
  // The credit note that settled (dealer, rule, period, currency), if any
  // (empty while it is being issued).
  absl::StatusOr<std::optional<std::string>> FindSettlement(
      storage::Transaction& tx, const RebateTotal& total,
      const std::string& period) const;
  // Records that (dealer, rule, period) is settled with total.amount
  // (credit_note_id empty: decided, the credit note not issued yet); kept
  // once.
  absl::Status InsertSettlement(storage::Transaction& tx,
                                const RebateTotal& total,
                                const std::string& period,
                                const std::string& credit_note_id,
                                absl::Time now) const;
  // Settlements of any period decided and not yet issued as credit
  // notes, oldest period first.
  absl::StatusOr<std::vector<UnpaidSettlement>> UnpaidSettlements(
      storage::Transaction& tx) const;
  absl::Status RecordSettlementNote(storage::Transaction& tx,
                                    const UnpaidSettlement& settlement,
                                    const std::string& credit_note_id) const;
};

}  // namespace qudao::pricing
