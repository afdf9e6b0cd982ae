// `qudao order place|show|list|ship|cancel|return|reprice`: orders placed
// from quotes, for sales staff (place, cancel), the warehouse (ship),
// returns and re-pricing.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::pricing::v1;
using Stub = pb::OrderService::Stub;

const std::vector<std::string> kOrderColumns = {
    "order_id", "dealer_id", "state", "total", "quote_id", "create_time"};

void PrintOrder(const ClientOptions& o, const pb::Order& order) {
  PrintResource(o, order);
}

// "0:4,1:2" (line:quantity) into the request's lines; false with a message
// naming --lines otherwise.
bool ParseLines(const std::string& text,
                google::protobuf::RepeatedPtrField<pb::LineQuantity>* out) {
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, ':');
    int line = 0;
    int64_t quantity = 0;
    if (!absl::SimpleAtoi(kv.first, &line) ||
        !absl::SimpleAtoi(kv.second, &quantity)) {
      std::cerr << "--lines: expected line:quantity,… (e.g. 0:4,1:2), got '"
                << part << "'\n";
      return false;
    }
    pb::LineQuantity* l = out->Add();
    l->set_line(line);
    l->set_quantity(quantity);
  }
  return true;
}

void AddPlace(CLI::App* order, int* exit_code) {
  ClientCommand place =
      NewClientCommand(order, "place", "place an order from a quote");
  auto req = std::make_shared<pb::PlaceOrderRequest>();
  place.cmd->add_option("quote_id", *req->mutable_quote_id(), "the quote")
      ->required();
  place.cmd
      ->add_option("--request_id", *req->mutable_request_id(),
                   "idempotency key (retry with the same one)")
      ->required();
  place.cmd->callback([o = place.options, req, exit_code] {
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::PlaceOrder, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

void AddShow(CLI::App* order, int* exit_code) {
  ClientCommand show = NewClientCommand(order, "show", "one order");
  auto req = std::make_shared<pb::GetOrderRequest>();
  show.cmd->add_option("order_id", *req->mutable_order_id(), "ord_…")
      ->required();
  show.cmd->callback([o = show.options, req, exit_code] {
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetOrder, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

void AddList(CLI::App* order, int* exit_code) {
  ClientCommand list =
      NewClientCommand(order, "list", "a dealer's orders, newest first");
  auto req = std::make_shared<pb::ListOrdersRequest>();
  auto state = std::make_shared<std::string>();
  list.cmd->add_option("dealer_id", *req->mutable_dealer_id(), "dlr_…")
      ->required();
  list.cmd->add_option("--state", *state,
                       "pending, accepted, held, rejected, partially_shipped, "
                       "invoiced or cancelled");
  list.cmd->add_option("--page_token", *req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, req, state, exit_code] {
    if (!state->empty()) {
      pb::OrderState s;
      if (!pb::OrderState_Parse(
              absl::StrCat("ORDER_STATE_", absl::AsciiStrToUpper(*state)),
              &s)) {
        std::cerr << "--state: unknown state '" << *state << "'\n";
        *exit_code = 2;
        return;
      }
      req->set_state(s);
    }
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListOrders, *stub, *req,
                 [&o](const pb::ListOrdersResponse& r) {
                   PrintList(*o, r, "orders", kOrderColumns);
                 });
  });
}

void AddShip(CLI::App* order, int* exit_code) {
  ClientCommand ship = NewClientCommand(
      order, "ship", "record a shipment and invoice it (the warehouse)");
  auto req = std::make_shared<pb::ShipOrderRequest>();
  auto lines = std::make_shared<std::string>();
  ship.cmd->add_option("order_id", *req->mutable_order_id(), "ord_…")
      ->required();
  ship.cmd->add_option("--lines", *lines, "line:quantity,… e.g. 0:4,1:2")
      ->required();
  ship.cmd
      ->add_option("--request_id", *req->mutable_request_id(),
                   "idempotency key")
      ->required();
  ship.cmd->callback([o = ship.options, req, lines, exit_code] {
    if (!ParseLines(*lines, req->mutable_lines())) {
      *exit_code = 2;
      return;
    }
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ShipOrder, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

void AddCancel(CLI::App* order, int* exit_code) {
  ClientCommand cancel = NewClientCommand(
      order, "cancel", "cancel what has not shipped and release its credit");
  auto req = std::make_shared<pb::CancelOrderRequest>();
  cancel.cmd->add_option("order_id", *req->mutable_order_id(), "ord_…")
      ->required();
  cancel.cmd->add_option("--reason", *req->mutable_reason(), "why")->required();
  cancel.cmd
      ->add_option("--request_id", *req->mutable_request_id(),
                   "idempotency key")
      ->required();
  cancel.cmd->callback([o = cancel.options, req, exit_code] {
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::CancelOrder, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

void AddReturn(CLI::App* order, int* exit_code) {
  ClientCommand ret =
      NewClientCommand(order, "return", "book returned goods as a credit note");
  auto req = std::make_shared<pb::ReturnOrderLinesRequest>();
  auto lines = std::make_shared<std::string>();
  ret.cmd->add_option("order_id", *req->mutable_order_id(), "ord_…")
      ->required();
  ret.cmd->add_option("--lines", *lines, "line:quantity,… e.g. 0:1")
      ->required();
  ret.cmd->add_option("--reason", *req->mutable_reason(), "why")->required();
  ret.cmd
      ->add_option("--request_id", *req->mutable_request_id(),
                   "idempotency key")
      ->required();
  ret.cmd->callback([o = ret.options, req, lines, exit_code] {
    if (!ParseLines(*lines, req->mutable_lines())) {
      *exit_code = 2;
      return;
    }
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ReturnOrderLines, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

void AddReprice(CLI::App* order, int* exit_code) {
  ClientCommand reprice = NewClientCommand(
      order, "reprice", "replace the locked prices with a newer quote's");
  auto req = std::make_shared<pb::RepriceOrderRequest>();
  reprice.cmd->add_option("order_id", *req->mutable_order_id(), "ord_…")
      ->required();
  reprice.cmd->add_option("--quote", *req->mutable_quote_id(), "the new quote")
      ->required();
  reprice.cmd
      ->add_option("--request_id", *req->mutable_request_id(),
                   "idempotency key")
      ->required();
  reprice.cmd->callback([o = reprice.options, req, exit_code] {
    auto stub = NewStub<pb::OrderService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RepriceOrder, *stub, *req,
                 [&o](const pb::Order& r) { PrintOrder(*o, r); });
  });
}

}  // namespace

void AddOrderCommands(CLI::App& app, int* exit_code) {
  auto* order = app.add_subcommand(
      "order", "orders placed from quotes: credit, shipments, returns (订单)");
  order->require_subcommand(1);
  AddPlace(order, exit_code);
  AddShow(order, exit_code);
  AddList(order, exit_code);
  AddShip(order, exit_code);
  AddCancel(order, exit_code);
  AddReturn(order, exit_code);
  AddReprice(order, exit_code);
}

}  // namespace qudao::cli
