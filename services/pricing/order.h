// An order (订单): a confirmed quote with its prices locked. The rules of
// its life: which states it moves through as credit control decides, what a
// shipment, a cancellation, a return and a re-pricing may do, and what each
// shipment invoices and each return credits. Plain C++, no gRPC or SQL.
//
//   PENDING ─┬─▶ ACCEPTED ─▶ PARTIALLY_SHIPPED ─▶ INVOICED
//            ├─▶ HELD ──┬─▶ ACCEPTED
//            │          └─▶ REJECTED
//            └─▶ REJECTED
//   ACCEPTED, HELD, PARTIALLY_SHIPPED ─▶ CANCELLED (what has not shipped)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"

namespace qudao::pricing {

// Order ids: "ord" and a time-ordered suffix.
inline constexpr char kOrderIdPrefix[] = "ord";

// Refusal reasons of the order flow.
inline constexpr char kReasonOrderNotFound[] = "ORDER_NOT_FOUND";
inline constexpr char kReasonOrderPending[] = "ORDER_PENDING";
inline constexpr char kReasonOrderNotShippable[] = "ORDER_NOT_SHIPPABLE";
inline constexpr char kReasonOrderClosed[] = "ORDER_CLOSED";
inline constexpr char kReasonLineCancelled[] = "LINE_CANCELLED";
inline constexpr char kReasonShipsMoreThanOrdered[] = "SHIPS_MORE_THAN_ORDERED";
inline constexpr char kReasonReturnsMoreThanShipped[] =
    "RETURNS_MORE_THAN_SHIPPED";
inline constexpr char kReasonAlreadyShipped[] = "ALREADY_SHIPPED";
inline constexpr char kReasonQuoteMismatch[] = "QUOTE_MISMATCH";
inline constexpr char kReasonRepricePending[] = "REPRICE_PENDING";

// At most this many lines in a shipment or a return.
inline constexpr int kMaxOrderRequestLines = 500;

enum class OrderState {
  kPending,
  kAccepted,
  kHeld,
  kRejected,
  kPartiallyShipped,
  kInvoiced,
  kCancelled,
};
absl::string_view OrderStateName(OrderState state);
std::optional<OrderState> OrderStateFromName(absl::string_view name);

enum class LineState { kOpen, kBackOrdered, kShipped, kCancelled };

struct OrderLine {
  // The quote line's index.
  int line = 0;
  std::string sku;
  std::string product_group;
  int64_t quantity = 0;
  // Locked from the quote: per unit before VAT, the line's net amount, the
  // standard cost per unit (zero without one).
  Money net_unit_price;
  Money net_amount;
  Money unit_cost;
  std::string rebate_rule_id;
  Money rebate_accrual;
  int64_t shipped = 0;
  int64_t returned = 0;
  int64_t cancelled = 0;

  // Ordered, not shipped and not cancelled.
  int64_t open() const { return quantity - shipped - cancelled; }
  LineState state() const;
};

// A line index and a quantity (shipped, returned).
struct LineQuantity {
  int line = 0;
  int64_t quantity = 0;
  friend bool operator==(const LineQuantity& a, const LineQuantity& b) {
    return a.line == b.line && a.quantity == b.quantity;
  }
};

struct Shipment {
  int number = 0;
  std::vector<LineQuantity> lines;
  // Empty while credit control has not issued it.
  std::string invoice_id;
  std::optional<Money> invoice_total;
  std::string shipped_by;
  absl::Time ship_time;
};

// One credit note of a return: the returned quantities of one shipment.
struct ReturnPart {
  int shipment = 0;
  std::vector<LineQuantity> lines;
  std::string credit_note_id;
};

struct OrderReturn {
  int number = 0;
  std::vector<LineQuantity> lines;
  std::vector<ReturnPart> parts;
  Money net_amount;
  std::string reason;
  std::string returned_by;
  absl::Time return_time;
  bool done() const {
    for (const ReturnPart& p : parts) {
      if (p.credit_note_id.empty()) return false;
    }
    return true;
  }
};

struct CreditReason {
  std::string issue;
  std::string detail;
};

struct Order {
  std::string order_id;
  std::string quote_id;
  std::string dealer_id;
  std::string currency;
  OrderState state = OrderState::kPending;
  std::vector<OrderLine> lines;
  Money goods_total;
  // Freight and the zone adjustment, charged on the first shipment.
  Money freight;
  int64_t vat_basis_points = 0;
  Money vat;
  Money total;
  PaymentTerm payment_term;
  std::string reservation_id;
  std::vector<CreditReason> credit_reasons;
  std::vector<Shipment> shipments;
  std::vector<OrderReturn> returns;
  std::string cancel_reason;
  // A cancellation whose credit release credit control has not confirmed.
  bool release_pending = false;
  // A re-pricing credit control has not answered yet: the new quote.
  std::string reprice_quote_id;
  // Re-pricings asked for so far (numbers the reservation adjustments).
  int reprice_count = 0;
  std::string placed_by;
  absl::Time create_time;
  absl::Time update_time;
  // Bumped by every write (optimistic concurrency).
  int64_t version = 0;
  // The reconciler's attempts in a row at a step credit control has not
  // confirmed, the last one's error, and when it tries next (zero, empty
  // and the epoch once an order write moves it on). Written only by
  // OrderStore::RecordAttempt; OrderStore::Update clears them.
  int step_attempts = 0;
  std::string last_step_error;
  absl::Time next_attempt_time = absl::UnixEpoch();

  const OrderLine* FindLine(int line) const;
};

// Whether a step of `order` waits for credit control: PENDING or HELD, a
// release or re-pricing pending, a shipment without invoice, a return part
// without credit note (what OrderStore::Unfinished finds).
bool HasUnfinishedStep(const Order& order);

// How long the reconciler waits after `attempts` tries in a row without
// progress: `first` (the reconciler's period, a minute by default),
// doubling, at most 1 hour.
absl::Duration StepRetryDelay(int attempts,
                              absl::Duration first = absl::Minutes(1));

// After this many failed tries in a row a step is logged as an error
// (someone must look: credit control keeps refusing it).
inline constexpr int kStepAttemptsBeforeAlert = 5;

// The state that follows from the lines once credit is approved: ACCEPTED
// (nothing shipped), PARTIALLY_SHIPPED or INVOICED.
OrderState ShippingState(const Order& order);

// INVALID_ARGUMENT naming `field` ("lines") unless `lines` is 1..500
// distinct lines of the order with positive quantities.
absl::Status CheckLineQuantities(const Order& order,
                                 const std::vector<LineQuantity>& lines,
                                 absl::string_view field);

// Whether `lines` may ship now: the order ACCEPTED or PARTIALLY_SHIPPED
// and not being re-priced (FAILED_PRECONDITION ORDER_NOT_SHIPPABLE /
// REPRICE_PENDING), no cancelled line (LINE_CANCELLED), nothing beyond
// what is open (SHIPS_MORE_THAN_ORDERED).
absl::Status CheckShipment(const Order& order,
                           const std::vector<LineQuantity>& lines);
// Records shipment `number` (CheckShipment passed) and moves the state.
void ApplyShipment(Order& order, int number,
                   const std::vector<LineQuantity>& lines,
                   const std::string& shipped_by, absl::Time now);

// What a shipment invoices: each line at its locked unit price and cost;
// the order's whole freight on the first shipment; VAT at the order's
// rate on the shipment's net + freight, half-up.
struct InvoiceLineDraft {
  std::string sku;
  std::string product_group;
  int64_t quantity = 0;
  Money net_price;
  Money unit_cost;
};
struct InvoiceDraft {
  std::vector<InvoiceLineDraft> lines;
  Money net;
  Money freight;
  Money vat;
  Money total;
};
absl::StatusOr<InvoiceDraft> ShipmentInvoice(const Order& order,
                                             const Shipment& shipment);

// The rebate a shipment accrues per line: the line's accrual × shipped ÷
// ordered, half-up (lines without a rule accrue nothing).
struct ShipmentRebate {
  int line = 0;
  std::string rule_id;
  Money amount;
};
absl::StatusOr<std::vector<ShipmentRebate>> ShipmentAccruals(
    const Order& order, const Shipment& shipment);
// What a return part claws back of the rebate its lines accrued: per line
// the line's accrual × returned ÷ ordered, half-up (the same share a
// shipment of that quantity accrued), negative.
absl::StatusOr<std::vector<ShipmentRebate>> ReturnClawbacks(
    const Order& order, const ReturnPart& part);

// Whether the order may be cancelled: ACCEPTED, HELD or PARTIALLY_SHIPPED
// (FAILED_PRECONDITION ORDER_PENDING while credit control has not
// answered, ORDER_CLOSED after REJECTED, INVOICED, CANCELLED; also while a
// re-pricing is pending).
absl::Status CheckCancel(const Order& order);
// Cancels every open quantity; the order is CANCELLED with its release
// pending.
void ApplyCancel(Order& order, const std::string& reason, absl::Time now);

// Whether `lines` may be returned: no more per line than shipped and not
// yet returned (FAILED_PRECONDITION RETURNS_MORE_THAN_SHIPPED).
absl::Status CheckReturn(const Order& order,
                         const std::vector<LineQuantity>& lines);
// Records return `number` (CheckReturn passed): each returned unit is
// taken from the earliest shipment whose units of the line are not yet all
// returned, one part (credit note) per shipment.
absl::Status ApplyReturn(Order& order, int number,
                         const std::vector<LineQuantity>& lines,
                         const std::string& reason,
                         const std::string& returned_by, absl::Time now);
// The credit note lines of one part: net = unit price × quantity, cost =
// unit cost × quantity; and the VAT on their net at the order's rate.
struct CreditNoteDraft {
  std::vector<InvoiceLineDraft> lines;
  std::vector<Money> line_net;
  std::vector<Money> line_cost;
  Money net;
  Money vat;
};
absl::StatusOr<CreditNoteDraft> ReturnCreditNote(const Order& order,
                                                 const ReturnPart& part);

// Whether the order may be re-priced with a quote of `dealer_id` and
// these (sku, quantity) lines: ACCEPTED with nothing shipped and no other
// re-pricing pending (FAILED_PRECONDITION ALREADY_SHIPPED /
// ORDER_NOT_SHIPPABLE / REPRICE_PENDING), same dealer and the same SKUs
// and quantities line by line (FAILED_PRECONDITION QUOTE_MISMATCH).
absl::Status CheckReprice(const Order& order, const Order& repriced);

}  // namespace qudao::pricing
