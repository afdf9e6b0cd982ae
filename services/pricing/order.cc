// The order rules; see order.h.
#include "services/pricing/order.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"

namespace qudao::pricing {
namespace {

constexpr std::pair<OrderState, absl::string_view> kStateNames[] = {
    {OrderState::kPending, "PENDING"},
    {OrderState::kAccepted, "ACCEPTED"},
    {OrderState::kHeld, "HELD"},
    {OrderState::kRejected, "REJECTED"},
    {OrderState::kPartiallyShipped, "PARTIALLY_SHIPPED"},
    {OrderState::kInvoiced, "INVOICED"},
    {OrderState::kCancelled, "CANCELLED"},
};

OrderLine* MutableLine(Order& order, int line) {
  for (OrderLine& l : order.lines) {
    if (l.line == line) return &l;
  }
  return nullptr;
}

}  // namespace

absl::string_view OrderStateName(OrderState state) {
  for (const auto& [s, name] : kStateNames) {
    if (s == state) return name;
  }
  return "UNKNOWN";
}

std::optional<OrderState> OrderStateFromName(absl::string_view name) {
  for (const auto& [s, n] : kStateNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

LineState OrderLine::state() const {
  if (shipped >= quantity) return LineState::kShipped;
  if (cancelled > 0) return LineState::kCancelled;
  if (shipped > 0) return LineState::kBackOrdered;
  return LineState::kOpen;
}

const OrderLine* Order::FindLine(int line) const {
  for (const OrderLine& l : lines) {
    if (l.line == line) return &l;
  }
  return nullptr;
}

OrderState ShippingState(const Order& order) {
  bool any_shipped = false;
  bool all_shipped = true;
  for (const OrderLine& l : order.lines) {
    if (l.shipped > 0) any_shipped = true;
    if (l.shipped < l.quantity) all_shipped = false;
  }
  if (all_shipped) return OrderState::kInvoiced;
  return any_shipped ? OrderState::kPartiallyShipped : OrderState::kAccepted;
}

absl::Status CheckLineQuantities(const Order& order,
                                 const std::vector<LineQuantity>& lines,
                                 absl::string_view field) {
  if (lines.empty()) return InvalidField(field, "needs at least one line");
  if (lines.size() > static_cast<size_t>(kMaxOrderRequestLines)) {
    return InvalidField(
        field, absl::StrCat("has more than ", kMaxOrderRequestLines, " lines"));
  }
  std::set<int> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    if (order.FindLine(lines[i].line) == nullptr) {
      return InvalidField(absl::StrCat(at, ".line"),
                          absl::StrCat("order ", order.order_id,
                                       " has no line ", lines[i].line));
    }
    if (!seen.insert(lines[i].line).second) {
      return InvalidField(absl::StrCat(at, ".line"),
                          absl::StrCat("line ", lines[i].line, " is repeated"));
    }
    if (lines[i].quantity <= 0) {
      return InvalidField(absl::StrCat(at, ".quantity"), "must be positive");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckShipment(const Order& order,
                           const std::vector<LineQuantity>& lines) {
  RETURN_IF_ERROR(CheckLineQuantities(order, lines, "lines"));
  if (order.state != OrderState::kAccepted &&
      order.state != OrderState::kPartiallyShipped) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   kReasonOrderNotShippable,
                   absl::StrCat("order ", order.order_id, " is ",
                                OrderStateName(order.state),
                                "; only an accepted order ships"));
  }
  if (!order.reprice_quote_id.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonRepricePending,
                   absl::StrCat("order ", order.order_id,
                                " is being re-priced; ship it after that"));
  }
  for (const LineQuantity& q : lines) {
    const OrderLine& l = *order.FindLine(q.line);
    if (l.cancelled > 0) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kReasonLineCancelled,
          absl::StrCat("line ", l.line, " (", l.sku, ") is cancelled"));
    }
    if (q.quantity > l.open()) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kReasonShipsMoreThanOrdered,
          absl::StrCat("line ", l.line, " (", l.sku, ") has ", l.open(), " of ",
                       l.quantity, " left to ship; ", q.quantity,
                       " is more than ordered"));
    }
  }
  return absl::OkStatus();
}

void ApplyShipment(Order& order, int number,
                   const std::vector<LineQuantity>& lines,
                   const std::string& shipped_by, absl::Time now) {
  for (const LineQuantity& q : lines)
    MutableLine(order, q.line)->shipped += q.quantity;
  Shipment s;
  s.number = number;
  s.lines = lines;
  s.shipped_by = shipped_by;
  s.ship_time = now;
  order.shipments.push_back(std::move(s));
  order.state = ShippingState(order);
  order.update_time = now;
}

absl::StatusOr<InvoiceDraft> ShipmentInvoice(const Order& order,
                                             const Shipment& shipment) {
  InvoiceDraft d;
  d.net = Money::Zero(order.currency);
  for (const LineQuantity& q : shipment.lines) {
    const OrderLine* l = order.FindLine(q.line);
    if (l == nullptr) {
      return absl::InternalError(absl::StrCat("shipment ", shipment.number,
                                              " names no line ", q.line));
    }
    d.lines.push_back({l->sku, l->product_group, q.quantity, l->net_unit_price,
                       l->unit_cost});
    ASSIGN_OR_RETURN(const Money amount,
                     l->net_unit_price.Multiply(q.quantity));
    ASSIGN_OR_RETURN(d.net, d.net.Add(amount));
  }
  const bool first = !order.shipments.empty() &&
                     order.shipments.front().number == shipment.number;
  d.freight = first ? order.freight : Money::Zero(order.currency);
  ASSIGN_OR_RETURN(const Money taxable, d.net.Add(d.freight));
  ASSIGN_OR_RETURN(d.vat, taxable.ApplyBasisPoints(order.vat_basis_points));
  ASSIGN_OR_RETURN(d.total, taxable.Add(d.vat));
  return d;
}

absl::StatusOr<std::vector<ShipmentRebate>> ShipmentAccruals(
    const Order& order, const Shipment& shipment) {
  std::vector<ShipmentRebate> out;
  for (const LineQuantity& q : shipment.lines) {
    const OrderLine* l = order.FindLine(q.line);
    if (l == nullptr || l->rebate_rule_id.empty() ||
        l->rebate_accrual.is_zero()) {
      continue;
    }
    ASSIGN_OR_RETURN(const Money amount,
                     l->rebate_accrual.MultiplyRatio(q.quantity, l->quantity));
    out.push_back({l->line, l->rebate_rule_id, amount});
  }
  return out;
}

absl::StatusOr<std::vector<ShipmentRebate>> ReturnClawbacks(
    const Order& order, const ReturnPart& part) {
  std::vector<ShipmentRebate> out;
  for (const LineQuantity& q : part.lines) {
    const OrderLine* l = order.FindLine(q.line);
    if (l == nullptr || l->rebate_rule_id.empty() ||
        l->rebate_accrual.is_zero()) {
      continue;
    }
    ASSIGN_OR_RETURN(const Money share,
                     l->rebate_accrual.MultiplyRatio(q.quantity, l->quantity));
    ASSIGN_OR_RETURN(const Money amount, share.Negate());
    out.push_back({l->line, l->rebate_rule_id, amount});
  }
  return out;
}

bool HasUnfinishedStep(const Order& order) {
  if (order.state == OrderState::kPending || order.state == OrderState::kHeld ||
      order.release_pending || !order.reprice_quote_id.empty()) {
    return true;
  }
  for (const Shipment& s : order.shipments) {
    if (s.invoice_id.empty()) return true;
  }
  for (const OrderReturn& r : order.returns) {
    if (!r.done()) return true;
  }
  return false;
}

absl::Duration StepRetryDelay(int attempts, absl::Duration first) {
  absl::Duration d = first;
  for (int i = 1; i < attempts && d < absl::Hours(1); ++i) d *= 2;
  return std::min(d, absl::Hours(1));
}

absl::Status CheckCancel(const Order& order) {
  switch (order.state) {
    case OrderState::kAccepted:
    case OrderState::kHeld:
    case OrderState::kPartiallyShipped:
      break;
    case OrderState::kPending:
      return Refusal(absl::StatusCode::kFailedPrecondition, kReasonOrderPending,
                     absl::StrCat("order ", order.order_id,
                                  " waits for credit control's answer; "
                                  "cancel it once it has one"));
    default:
      return Refusal(absl::StatusCode::kFailedPrecondition, kReasonOrderClosed,
                     absl::StrCat("order ", order.order_id, " is ",
                                  OrderStateName(order.state),
                                  "; there is nothing left to cancel"));
  }
  if (!order.reprice_quote_id.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonRepricePending,
                   absl::StrCat("order ", order.order_id,
                                " is being re-priced; cancel it after that"));
  }
  return absl::OkStatus();
}

void ApplyCancel(Order& order, const std::string& reason, absl::Time now) {
  for (OrderLine& l : order.lines) l.cancelled += l.open();
  order.state = OrderState::kCancelled;
  order.cancel_reason = reason;
  order.release_pending = !order.reservation_id.empty();
  order.update_time = now;
}

absl::Status CheckReturn(const Order& order,
                         const std::vector<LineQuantity>& lines) {
  RETURN_IF_ERROR(CheckLineQuantities(order, lines, "lines"));
  for (const LineQuantity& q : lines) {
    const OrderLine& l = *order.FindLine(q.line);
    if (q.quantity > l.shipped - l.returned) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kReasonReturnsMoreThanShipped,
          absl::StrCat("line ", l.line, " (", l.sku, ") shipped ", l.shipped,
                       " and had ", l.returned, " returned; ", q.quantity,
                       " is more than can come back"));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyReturn(Order& order, int number,
                         const std::vector<LineQuantity>& lines,
                         const std::string& reason,
                         const std::string& returned_by, absl::Time now) {
  OrderReturn r;
  r.number = number;
  r.lines = lines;
  r.reason = reason;
  r.returned_by = returned_by;
  r.return_time = now;
  r.net_amount = Money::Zero(order.currency);
  std::map<int, std::vector<LineQuantity>> by_shipment;
  for (const LineQuantity& q : lines) {
    OrderLine& l = *MutableLine(order, q.line);
    // Units already returned come off the earliest shipments first; the
    // new ones continue from there.
    int64_t skip = l.returned;
    int64_t left = q.quantity;
    for (const Shipment& s : order.shipments) {
      for (const LineQuantity& sq : s.lines) {
        if (sq.line != q.line || left == 0) continue;
        const int64_t passed = std::min(skip, sq.quantity);
        skip -= passed;
        const int64_t take = std::min(left, sq.quantity - passed);
        if (take > 0) {
          by_shipment[s.number].push_back({q.line, take});
          left -= take;
        }
      }
    }
    if (left != 0) {
      return absl::InternalError(absl::StrCat(
          "line ", q.line, " has fewer shipped units than CheckReturn saw"));
    }
    l.returned += q.quantity;
    ASSIGN_OR_RETURN(const Money amount, l.net_unit_price.Multiply(q.quantity));
    ASSIGN_OR_RETURN(r.net_amount, r.net_amount.Add(amount));
  }
  for (auto& [shipment, part_lines] : by_shipment) {
    r.parts.push_back({shipment, std::move(part_lines), ""});
  }
  order.returns.push_back(std::move(r));
  order.update_time = now;
  return absl::OkStatus();
}

absl::StatusOr<CreditNoteDraft> ReturnCreditNote(const Order& order,
                                                 const ReturnPart& part) {
  CreditNoteDraft d;
  d.net = Money::Zero(order.currency);
  for (const LineQuantity& q : part.lines) {
    const OrderLine* l = order.FindLine(q.line);
    if (l == nullptr) {
      return absl::InternalError(
          absl::StrCat("a return names no line ", q.line));
    }
    d.lines.push_back({l->sku, l->product_group, q.quantity, l->net_unit_price,
                       l->unit_cost});
    ASSIGN_OR_RETURN(const Money net, l->net_unit_price.Multiply(q.quantity));
    ASSIGN_OR_RETURN(const Money cost, l->unit_cost.Multiply(q.quantity));
    d.line_net.push_back(net);
    d.line_cost.push_back(cost);
    ASSIGN_OR_RETURN(d.net, d.net.Add(net));
  }
  ASSIGN_OR_RETURN(d.vat, d.net.ApplyBasisPoints(order.vat_basis_points));
  return d;
}

absl::Status CheckReprice(const Order& order, const Order& repriced) {
  if (!order.reprice_quote_id.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonRepricePending,
                   absl::StrCat("order ", order.order_id,
                                " is being re-priced with quote ",
                                order.reprice_quote_id));
  }
  if (!order.shipments.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonAlreadyShipped,
                   absl::StrCat("order ", order.order_id,
                                " has shipped; its prices stay as invoiced"));
  }
  if (order.state != OrderState::kAccepted) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   kReasonOrderNotShippable,
                   absl::StrCat("order ", order.order_id, " is ",
                                OrderStateName(order.state),
                                "; only an accepted order is re-priced"));
  }
  auto mismatch = [&](const std::string& what) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonQuoteMismatch,
                   absl::StrCat("quote ", repriced.quote_id, " ", what,
                                "; a re-pricing quote has the order's dealer, "
                                "SKUs and quantities"));
  };
  if (repriced.dealer_id != order.dealer_id) {
    return mismatch(absl::StrCat("is for dealer ", repriced.dealer_id));
  }
  if (repriced.currency != order.currency) {
    return mismatch(absl::StrCat("is in ", repriced.currency));
  }
  if (!(repriced.payment_term == order.payment_term)) {
    return mismatch(absl::StrCat("has payment term ",
                                 FormatPaymentTerm(repriced.payment_term)));
  }
  if (repriced.lines.size() != order.lines.size()) {
    return mismatch(absl::StrCat("has ", repriced.lines.size(), " lines, not ",
                                 order.lines.size()));
  }
  for (size_t i = 0; i < order.lines.size(); ++i) {
    const OrderLine& a = order.lines[i];
    const OrderLine& b = repriced.lines[i];
    if (a.line != b.line || a.sku != b.sku || a.quantity != b.quantity) {
      return mismatch(absl::StrCat("line ", b.line, " is ", b.quantity, " x ",
                                   b.sku, ", not ", a.quantity, " x ", a.sku));
    }
  }
  return absl::OkStatus();
}

}  // namespace qudao::pricing
