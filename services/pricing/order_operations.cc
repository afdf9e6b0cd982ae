// OrderOperations; see order_operations.h.
#include "services/pricing/order_operations.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/failpoint/failpoint.h"
#include "common/log/log.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::pricing {
namespace {

using storage::Transaction;
using storage::TransactionMode;

// A step's result worth trying again later (credit control unreachable,
// overloaded, slow): the step stays unconfirmed. Anything else is credit
// control's answer.
bool Transient(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

// The step ids credit control sees: the same for every retry of a step.
std::string StepId(const Order& o, absl::string_view step) {
  return absl::StrCat("order:", o.order_id, ":", step);
}

storage::ResponseCodec<std::string> TextCodec() {
  return {[](const std::string& s) { return s; },
          [](absl::string_view b) -> absl::StatusOr<std::string> {
            return std::string(b);
          }};
}

absl::Status NotFound(const std::string& order_id) {
  return Refusal(absl::StatusCode::kNotFound, kReasonOrderNotFound,
                 absl::StrCat("order ", order_id, " does not exist"));
}

// Credit control's answer on a reservation, as the order records it.
void RecordReservation(Order& o, const credit::v1::CreditReservation& r) {
  o.reservation_id = r.reservation_id();
  o.credit_reasons.clear();
  for (const auto& reason : r.reasons()) {
    o.credit_reasons.push_back(
        {credit::v1::ReservationIssue_Name(reason.issue())
             .substr(std::string("RESERVATION_ISSUE_").size()),
         reason.detail()});
  }
  switch (r.status()) {
    case credit::v1::RESERVATION_STATUS_APPROVED:
    case credit::v1::RESERVATION_STATUS_INVOICED:
      o.credit_reasons.clear();
      o.state = ShippingState(o);
      break;
    case credit::v1::RESERVATION_STATUS_HELD:
      o.state = OrderState::kHeld;
      break;
    case credit::v1::RESERVATION_STATUS_REJECTED:
      if (!r.decision_reason().empty()) {
        o.credit_reasons.push_back(
            {"REJECTED",
             absl::StrCat(r.decided_by(), ": ", r.decision_reason())});
      }
      o.state = OrderState::kRejected;
      break;
    default:
      break;
  }
}

}  // namespace

CallContext OrderOperations::AsPricing(const CallContext& call) {
  CallContext out = call;
  out.authorization.clear();
  out.partner_dealer_id.clear();
  return out;
}

CallContext OrderOperations::Background() const {
  CallContext call;
  call.deadline = absl::Now() + absl::Seconds(10);
  call.correlation_id = "order-reconciler";
  return call;
}

absl::StatusOr<Quote> OrderOperations::LoadQuote(Transaction& tx,
                                                 const auth::Principal& who,
                                                 const std::string& dealer_id,
                                                 const std::string& quote_id,
                                                 absl::Time now) const {
  ASSIGN_OR_RETURN(std::optional<Quote> quote, quotes_.Find(tx, quote_id));
  if (!quote.has_value() || !who.Reaches(quote->dealer_id) ||
      (!dealer_id.empty() && dealer_id != quote->dealer_id)) {
    return Refusal(absl::StatusCode::kNotFound, kReasonQuoteNotFound,
                   absl::StrCat("quote ", quote_id, " does not exist"));
  }
  if (QuoteExpired(*quote, now)) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonQuoteExpired,
                   absl::StrCat("quote ", quote_id, " expired at ",
                                absl::FormatTime(quote->expire_time),
                                "; ask for a new quote"));
  }
  return *std::move(quote);
}

absl::StatusOr<Order> OrderOperations::OrderFromQuote(
    const Quote& q, const std::string& placed_by, absl::Time now) const {
  Order o;
  o.quote_id = q.quote_id;
  o.dealer_id = q.dealer_id;
  o.currency = q.currency;
  o.state = OrderState::kPending;
  const Money zero = Money::Zero(q.currency);
  for (const QuoteLine& ql : q.lines) {
    OrderLine l;
    l.line = ql.line;
    l.sku = ql.sku;
    l.product_group = ql.product_group;
    l.quantity = ql.quantity;
    l.net_unit_price = ql.net_unit_price;
    l.net_amount = ql.net_amount;
    l.unit_cost = ql.standard_cost.value_or(zero);
    l.rebate_rule_id = ql.rebate_rule_id;
    l.rebate_accrual = ql.rebate_rule_id.empty() ? zero : ql.rebate_accrual;
    o.lines.push_back(std::move(l));
  }
  o.goods_total = q.goods_total;
  // The zone adjustment travels with the freight: both are charged once,
  // on the first shipment, so the invoices add up to what was reserved.
  ASSIGN_OR_RETURN(o.freight, q.freight.Add(q.zone_adjustment));
  o.vat_basis_points = q.vat_basis_points;
  o.vat = q.vat;
  o.total = q.total;
  o.payment_term = q.payment_term;
  o.placed_by = placed_by;
  o.create_time = now;
  o.update_time = now;
  return o;
}

absl::StatusOr<Order> OrderOperations::Load(const std::string& order_id) {
  std::optional<Order> out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, orders_.Find(tx, order_id));
        return absl::OkStatus();
      }));
  if (!out.has_value()) return NotFound(order_id);
  return *std::move(out);
}

std::string OrderOperations::DocumentMonth(
    const google::protobuf::Timestamp& issued) const {
  // A document without its time (an older credit control) counts now.
  const absl::Time t =
      issued.seconds() > 0 ? TimeFromProto(issued) : clock_->Now();
  return BusinessCalendar::Key(absl::CivilMonth(calendar_->DayOf(t)));
}

absl::StatusOr<Order> OrderOperations::Change(
    const std::string& order_id,
    const std::function<absl::StatusOr<bool>(Order&)>& change,
    const std::function<absl::Status(Transaction&)>& also) {
  Order out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<Order> found,
                         orders_.Find(tx, order_id));
        if (!found.has_value()) return NotFound(order_id);
        out = *std::move(found);
        ASSIGN_OR_RETURN(const bool changed, change(out));
        if (!changed) return absl::OkStatus();
        out.update_time = clock_->Now();
        if (also) RETURN_IF_ERROR(also(tx));
        return orders_.Update(tx, out);
      }));
  return out;
}

absl::StatusOr<Order> OrderOperations::Place(
    const CallContext& call, const auth::Principal& who,
    const std::string& dealer_id, const std::string& quote_id,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(
      const std::string order_id,
      storage::RunIdempotent<std::string>(
          *db_, request, now, TextCodec(),
          [&](Transaction& tx) -> absl::StatusOr<std::string> {
            ASSIGN_OR_RETURN(const Quote quote,
                             LoadQuote(tx, who, dealer_id, quote_id, now));
            ASSIGN_OR_RETURN(Order o,
                             OrderFromQuote(quote, who.DisplayName(), now));
            o.order_id = NewResourceId(kOrderIdPrefix, now);
            RETURN_IF_ERROR(orders_.Insert(tx, o));
            return o.order_id;
          }));
  RETURN_IF_ERROR(FinishReservation(AsPricing(call), order_id));
  return Load(order_id);
}

absl::Status OrderOperations::FinishReservation(const CallContext& call,
                                                const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  if (o.state != OrderState::kPending) return absl::OkStatus();
  credit::v1::ReserveCreditRequest req;
  req.set_order_id(o.order_id);
  req.set_dealer_id(o.dealer_id);
  *req.mutable_amount() = MoneyToProto(o.total);
  req.set_payment_term_days(o.payment_term.net_days);
  req.set_request_id(StepId(o, "reserve"));
  absl::StatusOr<credit::v1::CreditReservation> r =
      credit_->ReserveCredit(call, req);
  if (!r.ok() && Transient(r.status())) {
    return Refusal(absl::StatusCode::kUnavailable, "CREDIT_CONTROL_UNAVAILABLE",
                   absl::StrCat("order ", o.order_id,
                                " is placed and waits for credit control (",
                                r.status().message(),
                                "); retry with the same request_id"));
  }
  // A crash here leaves credit control's answer unrecorded: a retry or the
  // reconciler asks again with the same request id.
  Failpoint("order.after_reserve");
  return Change(
             order_id,
             [&](Order& stored) -> absl::StatusOr<bool> {
               if (stored.state != OrderState::kPending) return false;
               if (r.ok()) {
                 RecordReservation(stored, *r);
               } else {
                 // Credit control refused the request itself (the dealer is
                 // unknown to it, the amount is not acceptable): the order
                 // cannot go on.
                 stored.state = OrderState::kRejected;
                 stored.credit_reasons = {
                     {ReasonOf(r.status()), std::string(r.status().message())}};
               }
               return true;
             })
      .status();
}

absl::Status OrderOperations::ApplyReservation(
    const credit::v1::CreditReservation& r) {
  if (r.order_id().empty()) return absl::OkStatus();
  absl::StatusOr<Order> changed =
      Change(r.order_id(), [&](Order& o) -> absl::StatusOr<bool> {
        if (o.state != OrderState::kPending && o.state != OrderState::kHeld) {
          return false;
        }
        if (!o.reservation_id.empty() &&
            o.reservation_id != r.reservation_id()) {
          return false;
        }
        const OrderState before = o.state;
        const std::string before_id = o.reservation_id;
        RecordReservation(o, r);
        return o.state != before || o.reservation_id != before_id;
      });
  // Another service's order ids are not ours to know.
  if (absl::IsNotFound(changed.status())) return absl::OkStatus();
  return changed.status();
}

std::unique_ptr<events::FeedFollower> OrderOperations::FollowReservations(
    events::EventBus* bus) {
  events::FeedFollower::Options options;
  options.source = "credit_control";
  options.topic_prefix = "reservation.";
  auto follower = std::make_unique<events::FeedFollower>(
      bus,
      [this](const type::v1::ListChangesRequest& req) {
        return credit_->ListChanges(Background(), req);
      },
      [this](const events::ChangeEvent& event) {
        credit::v1::CreditReservation r;
        if (!event.payload().UnpackTo(&r)) return;
        if (absl::Status s = ApplyReservation(r); !s.ok()) {
          // The reconciler asks credit control for held orders anyway.
          log::Warning("reservation change not applied",
                       {{"order_id", r.order_id()},
                        {"error", std::string(s.message())}});
        }
      },
      // Nothing derived to drop: held orders are re-read by the reconciler.
      [] {}, options);
  follower->Start();
  return follower;
}

absl::StatusOr<Order> OrderOperations::Get(const auth::Principal& who,
                                           const std::string& dealer_id,
                                           const std::string& order_id) {
  absl::StatusOr<Order> o = Load(order_id);
  if (o.ok() && (!who.Reaches(o->dealer_id) ||
                 (!dealer_id.empty() && dealer_id != o->dealer_id))) {
    return NotFound(order_id);
  }
  return o;
}

absl::StatusOr<OrderPage> OrderOperations::List(const std::string& dealer_id,
                                                std::optional<OrderState> state,
                                                const PageRequest& page) {
  OrderPage out;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(out, orders_.List(tx, dealer_id, state, page));
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<Order> OrderOperations::Ship(
    const CallContext& call, const auth::Principal& who,
    const std::string& order_id, const std::vector<LineQuantity>& lines,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(
      storage::RunIdempotent<std::string>(
          *db_, request, now, TextCodec(),
          [&](Transaction& tx) -> absl::StatusOr<std::string> {
            ASSIGN_OR_RETURN(std::optional<Order> o,
                             orders_.Find(tx, order_id));
            if (!o.has_value()) return NotFound(order_id);
            RETURN_IF_ERROR(CheckShipment(*o, lines));
            const int number = static_cast<int>(o->shipments.size()) + 1;
            ApplyShipment(*o, number, lines, who.DisplayName(), now);
            RETURN_IF_ERROR(orders_.Update(tx, *o));
            return absl::StrCat(number);
          })
          .status());
  RETURN_IF_ERROR(FinishShipments(AsPricing(call), order_id));
  return Load(order_id);
}

absl::Status OrderOperations::FinishShipments(const CallContext& call,
                                              const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  for (const Shipment& s : o.shipments) {
    if (!s.invoice_id.empty()) continue;
    ASSIGN_OR_RETURN(const InvoiceDraft d, ShipmentInvoice(o, s));
    credit::v1::IssueInvoiceRequest req;
    req.set_order_id(o.order_id);
    for (const InvoiceLineDraft& l : d.lines) {
      credit::v1::InvoiceLine* out = req.add_lines();
      out->set_sku(l.sku);
      out->set_product_group(l.product_group);
      out->set_quantity(l.quantity);
      *out->mutable_net_price() = MoneyToProto(l.net_price);
      *out->mutable_unit_cost() = MoneyToProto(l.unit_cost);
    }
    *req.mutable_freight() = MoneyToProto(d.freight);
    *req.mutable_vat() = MoneyToProto(d.vat);
    *req.mutable_payment_term() = PaymentTermToProto(o.payment_term);
    req.set_request_id(StepId(o, absl::StrCat("shipment:", s.number)));
    ASSIGN_OR_RETURN(const credit::v1::Invoice invoice,
                     credit_->IssueInvoice(call, req));
    Failpoint("order.after_invoice");
    ASSIGN_OR_RETURN(const std::vector<ShipmentRebate> accruals,
                     ShipmentAccruals(o, s));
    // The month of the invoice (credit control's time of issue), not of
    // this record: a reconciler finishing it after midnight on the 1st
    // still accrues to the month the goods were invoiced in.
    const std::string period = DocumentMonth(invoice.create_time());
    RETURN_IF_ERROR(db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          ASSIGN_OR_RETURN(std::optional<Order> stored,
                           orders_.Find(tx, order_id));
          if (!stored.has_value()) return NotFound(order_id);
          for (Shipment& mine : stored->shipments) {
            if (mine.number != s.number || !mine.invoice_id.empty()) continue;
            mine.invoice_id = invoice.invoice_id();
            ASSIGN_OR_RETURN(mine.invoice_total,
                             MoneyFromProto("total", invoice.total()));
            for (const ShipmentRebate& a : accruals) {
              RETURN_IF_ERROR(orders_.InsertAccrual(
                  tx, {o.order_id, s.number, a.line, /*return_number=*/0,
                       o.dealer_id, a.rule_id, a.amount, period}));
            }
            stored->update_time = clock_->Now();
            return orders_.Update(tx, *stored);
          }
          return absl::OkStatus();
        }));
  }
  return absl::OkStatus();
}

absl::StatusOr<Order> OrderOperations::Cancel(
    const CallContext& call, const auth::Principal& who,
    const std::string& dealer_id, const std::string& order_id,
    const std::string& reason, const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(storage::RunIdempotent<std::string>(
                      *db_, request, now, TextCodec(),
                      [&](Transaction& tx) -> absl::StatusOr<std::string> {
                        ASSIGN_OR_RETURN(std::optional<Order> o,
                                         orders_.Find(tx, order_id));
                        if (!o.has_value() || !who.Reaches(o->dealer_id) ||
                            (!dealer_id.empty() && dealer_id != o->dealer_id)) {
                          return NotFound(order_id);
                        }
                        RETURN_IF_ERROR(CheckCancel(*o));
                        ApplyCancel(*o, reason, now);
                        RETURN_IF_ERROR(orders_.Update(tx, *o));
                        return std::string("cancelled");
                      })
                      .status());
  RETURN_IF_ERROR(FinishRelease(AsPricing(call), order_id));
  return Load(order_id);
}

absl::Status OrderOperations::FinishRelease(const CallContext& call,
                                            const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  if (!o.release_pending) return absl::OkStatus();
  // Credit control releases what is not invoiced and keeps what is: one
  // cancellation whether or not part of the order shipped.
  credit::v1::CancelCreditReservationRequest req;
  req.set_reservation_id(o.reservation_id);
  req.set_reason(
      absl::StrCat("order ", o.order_id, " cancelled: ", o.cancel_reason));
  req.set_request_id(StepId(o, "cancel"));
  Failpoint("order.before_release");
  absl::StatusOr<credit::v1::CreditReservation> r =
      credit_->CancelCreditReservation(call, req);
  // Already closed there (rejected, cancelled, invoiced in full): nothing
  // is left to release.
  if (!r.ok() && r.status().code() != absl::StatusCode::kFailedPrecondition) {
    return r.status();
  }
  return Change(order_id,
                [](Order& stored) -> absl::StatusOr<bool> {
                  if (!stored.release_pending) return false;
                  stored.release_pending = false;
                  return true;
                })
      .status();
}

absl::StatusOr<Order> OrderOperations::Return(
    const CallContext& call, const auth::Principal& who,
    const std::string& order_id, const std::vector<LineQuantity>& lines,
    const std::string& reason, const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(storage::RunIdempotent<std::string>(
                      *db_, request, now, TextCodec(),
                      [&](Transaction& tx) -> absl::StatusOr<std::string> {
                        ASSIGN_OR_RETURN(std::optional<Order> o,
                                         orders_.Find(tx, order_id));
                        if (!o.has_value() || !who.Reaches(o->dealer_id)) {
                          return NotFound(order_id);
                        }
                        RETURN_IF_ERROR(CheckReturn(*o, lines));
                        const int number =
                            static_cast<int>(o->returns.size()) + 1;
                        RETURN_IF_ERROR(ApplyReturn(*o, number, lines, reason,
                                                    who.DisplayName(), now));
                        RETURN_IF_ERROR(orders_.Update(tx, *o));
                        return absl::StrCat(number);
                      })
                      .status());
  RETURN_IF_ERROR(FinishReturns(AsPricing(call), order_id));
  return Load(order_id);
}

absl::Status OrderOperations::FinishReturns(const CallContext& call,
                                            const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  for (const OrderReturn& ret : o.returns) {
    for (const ReturnPart& part : ret.parts) {
      if (!part.credit_note_id.empty()) continue;
      std::string invoice_id;
      for (const Shipment& s : o.shipments) {
        if (s.number == part.shipment) invoice_id = s.invoice_id;
      }
      // The shipment's own invoice is still being issued: next time.
      if (invoice_id.empty()) continue;
      ASSIGN_OR_RETURN(const CreditNoteDraft d, ReturnCreditNote(o, part));
      credit::v1::IssueCreditNoteRequest req;
      credit::v1::CreditNote* n = req.mutable_credit_note();
      n->set_kind(credit::v1::CREDIT_NOTE_KIND_RETURN);
      n->set_dealer_id(o.dealer_id);
      n->set_invoice_id(invoice_id);
      n->set_source(absl::StrCat("order ", o.order_id, " return ", ret.number));
      n->set_reason(ret.reason);
      for (size_t i = 0; i < d.lines.size(); ++i) {
        credit::v1::CreditNoteLine* l = n->add_lines();
        l->set_sku(d.lines[i].sku);
        l->set_product_group(d.lines[i].product_group);
        l->set_quantity(d.lines[i].quantity);
        *l->mutable_net_amount() = MoneyToProto(d.line_net[i]);
        *l->mutable_cost() = MoneyToProto(d.line_cost[i]);
      }
      *n->mutable_net_amount() = MoneyToProto(d.net);
      *n->mutable_vat() = MoneyToProto(d.vat);
      req.set_request_id(
          StepId(o, absl::StrCat("return:", ret.number, ":", part.shipment)));
      ASSIGN_OR_RETURN(const credit::v1::CreditNote note,
                       credit_->IssueCreditNote(call, req));
      ASSIGN_OR_RETURN(const std::vector<ShipmentRebate> clawbacks,
                       ReturnClawbacks(o, ret, part));
      const std::string period = DocumentMonth(note.create_time());
      RETURN_IF_ERROR(
          Change(
              order_id,
              [&](Order& stored) -> absl::StatusOr<bool> {
                for (OrderReturn& r : stored.returns) {
                  if (r.number != ret.number) continue;
                  for (ReturnPart& p : r.parts) {
                    if (p.shipment == part.shipment &&
                        p.credit_note_id.empty()) {
                      p.credit_note_id = note.credit_note_id();
                      return true;
                    }
                  }
                }
                return false;
              },
              [&](Transaction& tx) -> absl::Status {
                // With the credit note's id: the rebate the goods returned
                // had accrued is taken back from the next settlement.
                for (const ShipmentRebate& c : clawbacks) {
                  RETURN_IF_ERROR(orders_.InsertAccrual(
                      tx, {o.order_id, part.shipment, c.line, ret.number,
                           o.dealer_id, c.rule_id, c.amount, period}));
                }
                return absl::OkStatus();
              })
              .status());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Order> OrderOperations::Reprice(
    const CallContext& call, const auth::Principal& who,
    const std::string& order_id, const std::string& quote_id,
    const storage::IdempotentRequest& request) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(storage::RunIdempotent<std::string>(
                      *db_, request, now, TextCodec(),
                      [&](Transaction& tx) -> absl::StatusOr<std::string> {
                        ASSIGN_OR_RETURN(std::optional<Order> o,
                                         orders_.Find(tx, order_id));
                        if (!o.has_value() || !who.Reaches(o->dealer_id)) {
                          return NotFound(order_id);
                        }
                        ASSIGN_OR_RETURN(const Quote quote,
                                         LoadQuote(tx, who, "", quote_id, now));
                        ASSIGN_OR_RETURN(const Order repriced,
                                         OrderFromQuote(quote, "", now));
                        RETURN_IF_ERROR(CheckReprice(*o, repriced));
                        o->reprice_quote_id = quote_id;
                        ++o->reprice_count;
                        o->update_time = now;
                        RETURN_IF_ERROR(orders_.Update(tx, *o));
                        return absl::StrCat(o->reprice_count);
                      })
                      .status());
  RETURN_IF_ERROR(FinishReprice(AsPricing(call), order_id));
  return Load(order_id);
}

absl::Status OrderOperations::FinishReprice(const CallContext& call,
                                            const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  if (o.reprice_quote_id.empty()) return absl::OkStatus();
  std::optional<Quote> quote;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(quote, quotes_.Find(tx, o.reprice_quote_id));
        return absl::OkStatus();
      }));
  if (!quote.has_value()) {
    return absl::DataLossError(absl::StrCat("quote ", o.reprice_quote_id,
                                            " of order ", o.order_id,
                                            "'s re-pricing is gone"));
  }
  credit::v1::AdjustCreditReservationRequest req;
  req.set_reservation_id(o.reservation_id);
  *req.mutable_amount() = MoneyToProto(quote->total);
  req.set_reason(absl::StrCat("order ", o.order_id, " re-priced with quote ",
                              quote->quote_id));
  req.set_request_id(StepId(o, absl::StrCat("reprice:", o.reprice_count)));
  absl::StatusOr<credit::v1::CreditReservation> r =
      credit_->AdjustCreditReservation(call, req);
  if (!r.ok() && Transient(r.status())) return r.status();
  ASSIGN_OR_RETURN(const Order repriced,
                   OrderFromQuote(*quote, o.placed_by, o.create_time));
  RETURN_IF_ERROR(Change(order_id, [&](Order& stored) -> absl::StatusOr<bool> {
                    if (stored.reprice_quote_id != quote->quote_id) {
                      return false;
                    }
                    stored.reprice_quote_id.clear();
                    if (!r.ok()) return true;  // refused: the old prices stay
                    stored.quote_id = repriced.quote_id;
                    stored.lines = repriced.lines;
                    stored.goods_total = repriced.goods_total;
                    stored.freight = repriced.freight;
                    stored.vat_basis_points = repriced.vat_basis_points;
                    stored.vat = repriced.vat;
                    stored.total = repriced.total;
                    return true;
                  }).status());
  return r.status();
}

absl::Status OrderOperations::FinishAll(const CallContext& call,
                                        const std::string& order_id) {
  ASSIGN_OR_RETURN(const Order o, Load(order_id));
  if (o.state == OrderState::kPending) {
    return FinishReservation(call, order_id);
  }
  if (o.state == OrderState::kHeld && !o.reservation_id.empty()) {
    // The feed's safety net: ask for the reservation as it is now.
    ASSIGN_OR_RETURN(const credit::v1::CreditReservation r,
                     credit_->GetCreditReservation(call, o.reservation_id));
    RETURN_IF_ERROR(ApplyReservation(r));
  }
  absl::Status first = FinishShipments(call, order_id);
  for (absl::Status s :
       {FinishRelease(call, order_id), FinishReturns(call, order_id),
        FinishReprice(call, order_id)}) {
    if (first.ok()) first = s;
  }
  return first;
}

absl::StatusOr<int> OrderOperations::Reconcile() {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        const absl::Time now = clock_->Now();
        ASSIGN_OR_RETURN(
            ids, orders_.Unfinished(tx, now - reconcile_after_, now, 500));
        return absl::OkStatus();
      }));
  int finished = 0;
  for (const std::string& id : ids) {
    // The order as this try found it: the try is recorded on it only if
    // nothing (this try included) moved it on meanwhile.
    absl::StatusOr<Order> before = Load(id);
    if (!before.ok()) continue;
    const absl::Status s = FinishAll(Background(), id);
    absl::Status recorded = RecordAttempt(*before, s);
    if (s.ok() && recorded.ok()) ++finished;
    if (!recorded.ok()) {
      log::Warning("order attempt not recorded",
                   {{"order_id", id}, {"error", recorded.ToString()}});
    }
  }
  return finished;
}

absl::Status OrderOperations::RecordAttempt(const Order& before,
                                            const absl::Status& outcome) {
  return db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(const std::optional<Order> o,
                         orders_.Find(tx, before.order_id));
        // Gone, finished, or moved on by this try or another writer (whose
        // write cleared the attempts): the next try is due at once.
        if (!o.has_value() || o->version != before.version ||
            !HasUnfinishedStep(*o)) {
          return absl::OkStatus();
        }
        const int attempts = o->step_attempts + 1;
        const int failures = outcome.ok() ? 0 : o->step_failures + 1;
        const std::string error =
            outcome.ok() ? "" : std::string(outcome.message());
        const absl::Time next =
            clock_->Now() +
            StepRetryDelay(attempts, reconcile_after_, IsTransient(outcome));
        if (failures >= kStepAttemptsBeforeAlert) {
          log::Error("order step keeps failing",
                     {{"order_id", o->order_id},
                      {"failures", absl::StrCat(failures)},
                      {"error", error},
                      {"next_attempt", absl::FormatTime(next)}});
        } else if (!outcome.ok()) {
          log::Warning("order not reconciled yet",
                       {{"order_id", o->order_id},
                        {"failures", absl::StrCat(failures)},
                        {"error", error}});
        }
        return orders_.RecordAttempt(tx, *o, attempts, failures, error, next);
      });
}

storage::JobSpec OrderOperations::ReconcilerJob() {
  storage::JobSpec job;
  job.name = "order_reconciler";
  // One run per reconcile_after_ (by default per clock minute).
  job.period = [this](absl::Time now) {
    const int64_t every =
        std::max<int64_t>(1, absl::ToInt64Seconds(reconcile_after_));
    return absl::FormatTime(
        "%Y-%m-%dT%H:%M:%S",
        absl::FromUnixSeconds(absl::ToUnixSeconds(now) / every * every),
        absl::UTCTimeZone());
  };
  job.lease = absl::Minutes(1);
  job.run = [this](const std::string&) { return Reconcile().status(); };
  return job;
}

absl::StatusOr<int> OrderOperations::SettleRebates(const std::string& period) {
  // 1. Decide, in one transaction, what each dealer is paid for `period`:
  // the balance owed, recorded as the period's settlement before any
  // credit note exists, so a retry after a crash pays exactly that amount
  // (the credit note's request id then answers with the same note) and a
  // balance that grew meanwhile is left for next month.
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(const std::vector<RebateTotal> totals,
                         orders_.RebateTotals(tx, period));
        for (const RebateTotal& t : totals) {
          if (t.amount.minor_units() <= 0) continue;
          ASSIGN_OR_RETURN(const std::optional<std::string> settled,
                           orders_.FindSettlement(tx, t, period));
          if (settled.has_value()) continue;
          RETURN_IF_ERROR(
              orders_.InsertSettlement(tx, t, period, "", clock_->Now()));
        }
        return absl::OkStatus();
      }));
  // 2. Issue what is decided and not issued yet — of this period and of
  // any earlier one a failure left (each settlement on its own: one
  // dealer credit control refuses does not hold up the others).
  std::vector<UnpaidSettlement> unpaid;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(unpaid, orders_.UnpaidSettlements(tx));
        return absl::OkStatus();
      }));
  int issued = 0;
  absl::Status first_error;
  for (const UnpaidSettlement& u : unpaid) {
    const RebateTotal& t = u.total;
    credit::v1::IssueCreditNoteRequest req;
    credit::v1::CreditNote* n = req.mutable_credit_note();
    n->set_kind(credit::v1::CREDIT_NOTE_KIND_REBATE);
    n->set_dealer_id(t.dealer_id);
    n->set_source(absl::StrCat("rebate rule ", t.rule_id, " ", u.period));
    n->set_reason(absl::StrCat("rebate earned up to ", u.period,
                               " (less returns and earlier payments)"));
    *n->mutable_net_amount() = MoneyToProto(t.amount);
    req.set_request_id(absl::StrCat("rebate:", t.dealer_id, ":", t.rule_id, ":",
                                    u.period, ":", t.amount.currency()));
    absl::StatusOr<credit::v1::CreditNote> note =
        credit_->IssueCreditNote(Background(), req);
    absl::Status recorded = note.status();
    if (note.ok()) {
      recorded = db_->RunInTransaction(
          TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
            return orders_.RecordSettlementNote(tx, u, note->credit_note_id());
          });
    }
    if (recorded.ok()) {
      ++issued;
      continue;
    }
    log::Error("rebate not paid yet", {{"dealer_id", t.dealer_id},
                                       {"rule_id", t.rule_id},
                                       {"period", u.period},
                                       {"amount", t.amount.ToString()},
                                       {"error", recorded.ToString()}});
    if (first_error.ok()) first_error = recorded;
  }
  // The job runs again (and retries what failed) while it reports one.
  if (!first_error.ok()) return first_error;
  return issued;
}

storage::JobSpec OrderOperations::RebateJob() {
  storage::JobSpec job;
  job.name = "rebate_settlement";
  job.period = [this](absl::Time now) {
    return BusinessCalendar::Key(absl::CivilMonth(calendar_->DayOf(now)));
  };
  job.lease = absl::Minutes(10);
  job.run = [this](const std::string& month) {
    // Run in month M: settle month M-1, whose invoicing is complete.
    absl::CivilMonth m;
    if (!absl::ParseCivilTime(month, &m)) {
      return absl::InternalError(absl::StrCat("bad period ", month));
    }
    return SettleRebates(BusinessCalendar::Key(m - 1)).status();
  };
  return job;
}

}  // namespace qudao::pricing
