// OrderService; see order_service.h.
#include "services/pricing/order_service.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxReasonChars = 500;

absl::Status RequireOrderId(const std::string& value) {
  return RequireId("order_id", value, kOrderIdPrefix);
}

// A write's idempotency key: required, an order step must never apply
// twice.
absl::Status RequireRequestId(const std::string& value) {
  if (value.empty()) {
    return InvalidField("request_id", "is required (an idempotency key)");
  }
  return ValidRequestId("request_id", value);
}

absl::Status OptionalDealerId(const std::string& value) {
  if (value.empty()) return absl::OkStatus();
  return RequireDealerId("dealer_id", value);
}

absl::StatusOr<std::vector<LineQuantity>> Lines(
    const google::protobuf::RepeatedPtrField<v1::LineQuantity>& in) {
  if (in.empty()) return InvalidField("lines", "needs at least one line");
  if (in.size() > kMaxOrderRequestLines) {
    return InvalidField("lines", absl::StrCat("has more than ",
                                              kMaxOrderRequestLines, " lines"));
  }
  std::vector<LineQuantity> out;
  for (int i = 0; i < in.size(); ++i) {
    if (in[i].line() < 0) {
      return InvalidField(absl::StrCat("lines[", i, "].line"),
                          "must be 0 or more");
    }
    if (in[i].quantity() <= 0 || in[i].quantity() > 1000000) {
      return InvalidField(absl::StrCat("lines[", i, "].quantity"),
                          "must be 1..1,000,000");
    }
    for (const LineQuantity& seen : out) {
      if (seen.line == in[i].line()) {
        return InvalidField(absl::StrCat("lines[", i, "].line"),
                            "repeats a line");
      }
    }
    out.push_back({in[i].line(), in[i].quantity()});
  }
  return out;
}

absl::StatusOr<std::string> Reason(const std::string& value) {
  RETURN_IF_ERROR(RequireText("reason", value, kMaxReasonChars));
  return std::string(absl::StripAsciiWhitespace(value));
}

v1::OrderState StateToProto(OrderState s) {
  switch (s) {
    case OrderState::kPending:
      return v1::ORDER_STATE_PENDING;
    case OrderState::kAccepted:
      return v1::ORDER_STATE_ACCEPTED;
    case OrderState::kHeld:
      return v1::ORDER_STATE_HELD;
    case OrderState::kRejected:
      return v1::ORDER_STATE_REJECTED;
    case OrderState::kPartiallyShipped:
      return v1::ORDER_STATE_PARTIALLY_SHIPPED;
    case OrderState::kInvoiced:
      return v1::ORDER_STATE_INVOICED;
    case OrderState::kCancelled:
      return v1::ORDER_STATE_CANCELLED;
  }
  return v1::ORDER_STATE_UNSPECIFIED;
}

v1::OrderLineState LineStateToProto(LineState s) {
  switch (s) {
    case LineState::kOpen:
      return v1::ORDER_LINE_STATE_OPEN;
    case LineState::kBackOrdered:
      return v1::ORDER_LINE_STATE_BACK_ORDERED;
    case LineState::kShipped:
      return v1::ORDER_LINE_STATE_SHIPPED;
    case LineState::kCancelled:
      return v1::ORDER_LINE_STATE_CANCELLED;
  }
  return v1::ORDER_LINE_STATE_UNSPECIFIED;
}

void LinesToProto(const std::vector<LineQuantity>& in,
                  google::protobuf::RepeatedPtrField<v1::LineQuantity>* out) {
  for (const LineQuantity& q : in) {
    v1::LineQuantity* l = out->Add();
    l->set_line(q.line);
    l->set_quantity(q.quantity);
  }
}

}  // namespace

v1::Order OrderToProto(const Order& o) {
  v1::Order out;
  out.set_order_id(o.order_id);
  out.set_quote_id(o.quote_id);
  out.set_dealer_id(o.dealer_id);
  out.set_state(StateToProto(o.state));
  for (const OrderLine& l : o.lines) {
    v1::OrderLine* p = out.add_lines();
    p->set_line(l.line);
    p->set_sku(l.sku);
    p->set_product_group(l.product_group);
    p->set_quantity(l.quantity);
    *p->mutable_net_unit_price() = MoneyToProto(l.net_unit_price);
    *p->mutable_net_amount() = MoneyToProto(l.net_amount);
    *p->mutable_unit_cost() = MoneyToProto(l.unit_cost);
    p->set_rebate_rule_id(l.rebate_rule_id);
    *p->mutable_rebate_accrual() = MoneyToProto(l.rebate_accrual);
    p->set_shipped_quantity(l.shipped);
    p->set_returned_quantity(l.returned);
    p->set_cancelled_quantity(l.cancelled);
    p->set_state(LineStateToProto(l.state()));
  }
  *out.mutable_goods_total() = MoneyToProto(o.goods_total);
  *out.mutable_freight() = MoneyToProto(o.freight);
  out.set_vat_basis_points(o.vat_basis_points);
  *out.mutable_vat() = MoneyToProto(o.vat);
  *out.mutable_total() = MoneyToProto(o.total);
  *out.mutable_payment_term() = PaymentTermToProto(o.payment_term);
  out.set_reservation_id(o.reservation_id);
  for (const CreditReason& r : o.credit_reasons) {
    v1::CreditReason* p = out.add_credit_reasons();
    p->set_issue(r.issue);
    p->set_detail(r.detail);
  }
  for (const Shipment& s : o.shipments) {
    v1::OrderShipment* p = out.add_shipments();
    p->set_shipment_number(s.number);
    LinesToProto(s.lines, p->mutable_lines());
    p->set_invoice_id(s.invoice_id);
    if (s.invoice_total.has_value()) {
      *p->mutable_invoice_total() = MoneyToProto(*s.invoice_total);
    }
    p->set_shipped_by(s.shipped_by);
    *p->mutable_ship_time() = TimeToProto(s.ship_time);
  }
  for (const OrderReturn& r : o.returns) {
    v1::OrderReturn* p = out.add_returns();
    p->set_return_number(r.number);
    LinesToProto(r.lines, p->mutable_lines());
    std::string notes;
    for (const ReturnPart& part : r.parts) {
      if (part.credit_note_id.empty()) continue;
      absl::StrAppend(&notes, notes.empty() ? "" : ",", part.credit_note_id);
    }
    p->set_credit_note_id(notes);
    *p->mutable_net_amount() = MoneyToProto(r.net_amount);
    p->set_reason(r.reason);
    p->set_returned_by(r.returned_by);
    *p->mutable_return_time() = TimeToProto(r.return_time);
  }
  out.set_cancel_reason(o.cancel_reason);
  out.set_placed_by(o.placed_by);
  *out.mutable_create_time() = TimeToProto(o.create_time);
  *out.mutable_update_time() = TimeToProto(o.update_time);
  out.set_step_attempts(o.step_attempts);
  out.set_last_step_error(o.last_step_error);
  if (o.next_attempt_time > absl::UnixEpoch()) {
    *out.mutable_next_attempt_time() = TimeToProto(o.next_attempt_time);
  }
  return out;
}

const auth::PermissionTable& OrderPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  const auth::RoleSet sales = {Role::kSalesRep, Role::kSalesManager,
                               Role::kAdmin};
  // The warehouse reads what it is to ship.
  const auth::RoleSet readers = {Role::kSalesRep, Role::kSalesManager,
                                 Role::kAdmin, Role::kWarehouseService};
  static const auto* table = new auth::PermissionTable(
      v1::OrderService::service_full_name(),
      {
          {"PlaceOrder", Access::kWrite, sales, PartnerAccess::kOwnDealer,
           "orders", "",
           "partners from their own dealer's quotes only (others' are "
           "NOT_FOUND)"},
          {"GetOrder", Access::kRead, readers, PartnerAccess::kOwnDealer,
           "orders", "order_id",
           "partners their own dealer's orders only (others' are NOT_FOUND)"},
          {"ListOrders", Access::kRead, readers, PartnerAccess::kOwnDealer,
           "orders", "dealer_id", ""},
          {"ShipOrder",
           Access::kWrite,
           {Role::kWarehouseService, Role::kAdmin},
           PartnerAccess::kNone,
           "orders",
           "order_id",
           "invoices exactly what shipped through credit control"},
          {"CancelOrder", Access::kWrite, sales, PartnerAccess::kOwnDealer,
           "orders", "order_id",
           "partners their own dealer's orders only (others' are NOT_FOUND)"},
          {"ReturnOrderLines",
           Access::kWrite,
           {Role::kSalesManager, Role::kCreditController, Role::kCreditManager,
            Role::kAdmin},
           PartnerAccess::kNone,
           "orders",
           "order_id",
           "credit notes through credit control"},
          {"RepriceOrder",
           Access::kWrite,
           {Role::kSalesManager, Role::kPricingManager},
           PartnerAccess::kNone,
           "orders",
           "order_id",
           "before any shipment; the reservation is adjusted"},
          {"ListAuditEvents",
           Access::kRead,
           {Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
      });
  return *table;
}

OrderService::OrderService(OrderOperations* orders, Serving serving)
    : ServedService(serving), orders_(orders) {
  Handle<v1::PlaceOrderRequest, v1::Order>(
      "PlaceOrder",
      [this](const Call& call, const v1::PlaceOrderRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireCode("quote_id", r.quote_id()));
        RETURN_IF_ERROR(RequireRequestId(r.request_id()));
        RETURN_IF_ERROR(OptionalDealerId(r.dealer_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Place(
                call.Outgoing(), call.principal, r.dealer_id(), r.quote_id(),
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  Handle<v1::GetOrderRequest, v1::Order>(
      "GetOrder",
      [this](const Call& call, const v1::GetOrderRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireOrderId(r.order_id()));
        RETURN_IF_ERROR(OptionalDealerId(r.dealer_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Get(call.principal, r.dealer_id(), r.order_id()));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  Handle<v1::ListOrdersRequest, v1::ListOrdersResponse>(
      "ListOrders",
      [this](const Call&, const v1::ListOrdersRequest& r,
             v1::ListOrdersResponse* out) -> absl::Status {
        RETURN_IF_ERROR(RequireDealerId("dealer_id", r.dealer_id()));
        std::optional<OrderState> state;
        if (r.state() != v1::ORDER_STATE_UNSPECIFIED) {
          if (!v1::OrderState_IsValid(r.state())) {
            return InvalidField("state", "is not an order state");
          }
          state = OrderStateFromName(v1::OrderState_Name(r.state()).substr(
              sizeof("ORDER_STATE_") - 1));
        }
        ASSIGN_OR_RETURN(const PageRequest page,
                         ParsePage(std::min(r.page_size(), 500), r.page_token(),
                                   OrderListFilter(r.dealer_id(), state)));
        ASSIGN_OR_RETURN(const OrderPage result,
                         orders_->List(r.dealer_id(), state, page));
        for (const Order& o : result.orders) {
          *out->add_orders() = OrderToProto(o);
        }
        out->set_next_page_token(result.next_page_token);
        return absl::OkStatus();
      });
  Handle<v1::ShipOrderRequest, v1::Order>(
      "ShipOrder",
      [this](const Call& call, const v1::ShipOrderRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireOrderId(r.order_id()));
        ASSIGN_OR_RETURN(const std::vector<LineQuantity> lines,
                         Lines(r.lines()));
        RETURN_IF_ERROR(RequireRequestId(r.request_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Ship(
                call.Outgoing(), call.principal, r.order_id(), lines,
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  Handle<v1::CancelOrderRequest, v1::Order>(
      "CancelOrder",
      [this](const Call& call, const v1::CancelOrderRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireOrderId(r.order_id()));
        ASSIGN_OR_RETURN(const std::string reason, Reason(r.reason()));
        RETURN_IF_ERROR(RequireRequestId(r.request_id()));
        RETURN_IF_ERROR(OptionalDealerId(r.dealer_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Cancel(
                call.Outgoing(), call.principal, r.dealer_id(), r.order_id(),
                reason,
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  Handle<v1::ReturnOrderLinesRequest, v1::Order>(
      "ReturnOrderLines",
      [this](const Call& call, const v1::ReturnOrderLinesRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireOrderId(r.order_id()));
        ASSIGN_OR_RETURN(const std::vector<LineQuantity> lines,
                         Lines(r.lines()));
        ASSIGN_OR_RETURN(const std::string reason, Reason(r.reason()));
        RETURN_IF_ERROR(RequireRequestId(r.request_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Return(
                call.Outgoing(), call.principal, r.order_id(), lines, reason,
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  Handle<v1::RepriceOrderRequest, v1::Order>(
      "RepriceOrder",
      [this](const Call& call, const v1::RepriceOrderRequest& r,
             v1::Order* out) -> absl::Status {
        RETURN_IF_ERROR(RequireOrderId(r.order_id()));
        RETURN_IF_ERROR(RequireCode("quote_id", r.quote_id()));
        RETURN_IF_ERROR(RequireRequestId(r.request_id()));
        ASSIGN_OR_RETURN(
            const Order o,
            orders_->Reprice(
                call.Outgoing(), call.principal, r.order_id(), r.quote_id(),
                call.Idempotent(r.request_id(), RequestFingerprint(r))));
        *out = OrderToProto(o);
        return absl::OkStatus();
      });
  ServeAuditTrail();
}

}  // namespace qudao::pricing
