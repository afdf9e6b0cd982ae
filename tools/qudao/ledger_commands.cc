// `qudao credit invoices|invoice|pay|credit-note|aging|revenue|positions|
// restrict|lift|restrictions|consistency`: the receivables ledger for
// credit staff.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto/conversion.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::credit::v1;
using Stub = pb::CreditControlService::Stub;

void AddInvoices(CLI::App* credit, int* exit_code) {
  ClientCommand list =
      NewClientCommand(credit, "invoices",
                       "invoices a dealer ordered or pays for, newest first");
  auto req = std::make_shared<pb::ListInvoicesRequest>();
  list.cmd->add_option("dealer_id", *req->mutable_dealer_id(), "dlr_...")
      ->required();
  auto open = std::make_shared<bool>(false);
  list.cmd->add_flag("--open", *open, "only invoices with something owed");
  list.cmd->add_option("--page_token", *req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, req, open, exit_code] {
    req->set_open_only(*open);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListInvoices, *stub, *req,
                 [&o](const pb::ListInvoicesResponse& r) {
                   PrintList(*o, r, "invoices",
                             {"invoice_id", "order_id", "dealer_id",
                              "payer_dealer_id", "total", "outstanding",
                              "invoice_date", "due_date", "settled_date"});
                 });
  });

  ClientCommand get = NewClientCommand(credit, "invoice",
                                       "one invoice with its ledger entries");
  auto get_req = std::make_shared<pb::GetInvoiceRequest>();
  get.cmd->add_option("invoice_id", *get_req->mutable_invoice_id(), "inv_...")
      ->required();
  get.cmd->callback([o = get.options, get_req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetInvoice, *stub, *get_req,
                 [&o](const pb::Invoice& r) { PrintResource(*o, r); });
  });
}

struct PayFlags {
  std::string payer, amount, currency = "CNY", reference, received;
  std::vector<std::string> invoices;
  std::string request_id;
};

void AddPay(CLI::App* credit, int* exit_code) {
  ClientCommand v =
      NewClientCommand(credit, "pay",
                       "record money received from a payer: applied to the "
                       "named invoices, else oldest due first (a settling "
                       "payment inside the discount window earns it)");
  auto f = std::make_shared<PayFlags>();
  v.cmd->add_option("payer_id", f->payer, "the payer (dlr_...)")->required();
  v.cmd->add_option("--amount", f->amount, "e.g. 9800.00")->required();
  v.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  v.cmd->add_option("--reference", f->reference, "the bank's reference")
      ->required();
  v.cmd->add_option("--received", f->received,
                    "the day the money arrived, YYYY-MM-DD (default today)");
  v.cmd->add_option("--invoice", f->invoices,
                    "an invoice to pay (repeat, in order)");
  v.cmd->add_option("--request_id", f->request_id, "idempotency key");
  v.cmd->callback([o = v.options, f, exit_code] {
    pb::RecordPaymentRequest req;
    pb::Payment* p = req.mutable_payment();
    p->set_payer_dealer_id(f->payer);
    if (!ToMoney(f->currency, f->amount, "--amount", p->mutable_amount())) {
      *exit_code = 2;
      return;
    }
    p->set_reference(f->reference);
    p->set_received_date(f->received);
    for (const std::string& id : f->invoices) p->add_invoice_ids(id);
    req.set_request_id(f->request_id);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RecordPayment, *stub, req,
                 [&o](const pb::Payment& r) { PrintResource(*o, r); });
  });
}

struct NoteFlags {
  std::string dealer, kind, source, reason, invoice, net, vat = "0",
                                                          currency = "CNY";
  std::vector<std::string> lines;
  std::string request_id;
};

void AddCreditNote(CLI::App* credit, int* exit_code) {
  ClientCommand v =
      NewClientCommand(credit, "credit-note",
                       "issue a credit note: return (lines), price correction, "
                       "rebate, contest payout or support settlement");
  auto f = std::make_shared<NoteFlags>();
  v.cmd->add_option("dealer_id", f->dealer, "the ordering dealer (dlr_...)")
      ->required();
  v.cmd->add_option("--kind", f->kind, "what it is for")
      ->required()
      ->check(CLI::IsMember({"return", "price-correction", "rebate",
                             "contest-payout", "support-settlement"}));
  v.cmd
      ->add_option("--source", f->source,
                   "where it comes from, e.g. \"contest 2026-Q3\"")
      ->required();
  v.cmd->add_option("--reason", f->reason, "why");
  v.cmd->add_option("--invoice", f->invoice,
                    "the invoice it corrects (returns, price corrections)");
  v.cmd->add_option("--net", f->net, "net amount before VAT (not returns)");
  v.cmd->add_option("--vat", f->vat, "VAT credited")->capture_default_str();
  v.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  v.cmd->add_option("--line", f->lines,
                    "a returned line SKU:QUANTITY:NET:COST, e.g. "
                    "PM-100:2:600.00:400.00 (repeat)");
  v.cmd->add_option("--request_id", f->request_id, "idempotency key");
  v.cmd->callback([o = v.options, f, exit_code] {
    pb::IssueCreditNoteRequest req;
    pb::CreditNote* n = req.mutable_credit_note();
    const std::vector<std::pair<std::string, pb::CreditNoteKind>> kinds = {
        {"return", pb::CREDIT_NOTE_KIND_RETURN},
        {"price-correction", pb::CREDIT_NOTE_KIND_PRICE_CORRECTION},
        {"rebate", pb::CREDIT_NOTE_KIND_REBATE},
        {"contest-payout", pb::CREDIT_NOTE_KIND_CONTEST_PAYOUT},
        {"support-settlement", pb::CREDIT_NOTE_KIND_SUPPORT_SETTLEMENT}};
    for (const auto& [name, kind] : kinds) {
      if (name == f->kind) n->set_kind(kind);
    }
    n->set_dealer_id(f->dealer);
    n->set_source(f->source);
    n->set_reason(f->reason);
    n->set_invoice_id(f->invoice);
    if (!f->net.empty() &&
        !ToMoney(f->currency, f->net, "--net", n->mutable_net_amount())) {
      *exit_code = 2;
      return;
    }
    if (!ToMoney(f->currency, f->vat, "--vat", n->mutable_vat())) {
      *exit_code = 2;
      return;
    }
    for (const std::string& text : f->lines) {
      std::vector<std::string> parts = absl::StrSplit(text, ':');
      int64_t qty = 0;
      pb::CreditNoteLine* line = n->add_lines();
      if (parts.size() != 4 || !absl::SimpleAtoi(parts[1], &qty) ||
          !ToMoney(f->currency, parts[2], "--line NET",
                   line->mutable_net_amount()) ||
          !ToMoney(f->currency, parts[3], "--line COST",
                   line->mutable_cost())) {
        std::cerr << "--line: '" << text << "' is not SKU:QUANTITY:NET:COST\n";
        *exit_code = 2;
        return;
      }
      line->set_sku(parts[0]);
      line->set_quantity(qty);
    }
    req.set_request_id(f->request_id);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::IssueCreditNote, *stub, req,
                 [&o](const pb::CreditNote& r) { PrintResource(*o, r); });
  });
}

// Prints an aging report as one table: group, buckets, total.
void PrintAging(const ClientOptions& o, const pb::AgingReport& r) {
  if (o.output == "json") {
    PrintResource(o, r);
    return;
  }
  std::vector<std::string> header = {"group"};
  for (const std::string& label : r.bucket_labels()) header.push_back(label);
  header.push_back("total");
  header.push_back("invoices");
  header.push_back("oldest days");
  std::vector<std::vector<std::string>> rows;
  auto add = [&rows](const pb::AgingRow& row) {
    std::vector<std::string> cells = {row.group()};
    for (const type::v1::Money& m : row.buckets()) {
      cells.push_back(
          Money::Create(m.currency_code(), m.minor_units()).value().ToString());
    }
    cells.push_back(
        Money::Create(row.total().currency_code(), row.total().minor_units())
            .value()
            .ToString());
    cells.push_back(absl::StrCat(row.open_invoices()));
    cells.push_back(absl::StrCat(row.max_days_overdue()));
    rows.push_back(std::move(cells));
  };
  for (const pb::AgingRow& row : r.rows()) add(row);
  for (const pb::AgingRow& row : r.totals()) add(row);
  std::cout << "as of " << r.as_of() << "\n";
  PrintTable(header, rows);
}

void AddAging(CLI::App* credit, int* exit_code) {
  ClientCommand v = NewClientCommand(
      credit, "aging", "open receivables by days overdue, as of any day");
  auto req = std::make_shared<pb::GetAgingRequest>();
  auto by = std::make_shared<std::string>("due");
  auto group = std::make_shared<std::string>("dealer");
  auto buckets = std::make_shared<std::vector<int>>();
  v.cmd->add_option("--as_of", *req->mutable_as_of(),
                    "YYYY-MM-DD (default today)");
  v.cmd->add_option("--by", *by, "count days from the due or invoice date")
      ->check(CLI::IsMember({"due", "invoice"}))
      ->capture_default_str();
  v.cmd
      ->add_option("--group", *group,
                   "rows per dealer, payer, territory "
                   "or owner")
      ->check(CLI::IsMember({"dealer", "payer", "territory", "owner"}))
      ->capture_default_str();
  v.cmd
      ->add_option("--buckets", *buckets,
                   "upper bounds in days, e.g. 30,60,90 (the default)")
      ->delimiter(',');
  v.cmd->add_option("--dealer", *req->mutable_dealer_id(),
                    "only this ordering dealer");
  v.cmd->add_option("--payer", *req->mutable_payer_dealer_id(),
                    "only this payer");
  v.cmd->callback([o = v.options, req, by, group, buckets, exit_code] {
    req->set_basis(*by == "invoice" ? pb::AGING_BASIS_INVOICE_DATE
                                    : pb::AGING_BASIS_DUE_DATE);
    req->set_group_by(*group == "payer"       ? pb::AGING_GROUP_BY_PAYER
                      : *group == "territory" ? pb::AGING_GROUP_BY_TERRITORY
                      : *group == "owner"     ? pb::AGING_GROUP_BY_OWNER
                                              : pb::AGING_GROUP_BY_DEALER);
    for (int b : *buckets) req->add_bucket_upper_bounds(b);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetAging, *stub, *req,
                 [&o](const pb::AgingReport& r) { PrintAging(*o, r); });
  });
}

void AddRevenue(CLI::App* credit, int* exit_code) {
  ClientCommand v = NewClientCommand(
      credit, "revenue",
      "revenue per ordering dealer over a period: net of "
      "returns and price corrections, cost, margin; incentives "
      "beside it");
  auto req = std::make_shared<pb::GetRevenueSummaryRequest>();
  auto by = std::make_shared<std::string>("dealer");
  v.cmd->add_option("--from", *req->mutable_from_date(), "YYYY-MM-DD")
      ->required();
  v.cmd->add_option("--to", *req->mutable_to_date(), "YYYY-MM-DD")->required();
  v.cmd->add_option("--dealer", *req->mutable_dealer_id(), "only this dealer");
  v.cmd->add_option("--by", *by, "break down per product group or SKU")
      ->check(CLI::IsMember({"dealer", "group", "sku"}))
      ->capture_default_str();
  v.cmd->callback([o = v.options, req, by, exit_code] {
    req->set_breakdown(*by == "group" ? pb::REVENUE_BREAKDOWN_PRODUCT_GROUP
                       : *by == "sku" ? pb::REVENUE_BREAKDOWN_SKU
                                      : pb::REVENUE_BREAKDOWN_UNSPECIFIED);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(
        *o, exit_code, &Stub::GetRevenueSummary, *stub, *req,
        [&o](const pb::RevenueSummary& r) {
          PrintList(
              *o, r, "rows",
              {"dealer_id", "key", "invoiced_net", "returns", "net_revenue",
               "cost", "margin", "units", "invoices", "last_purchase_date"});
          if (o->output != "json" && r.incentives_size() > 0) {
            PrintList(*o, r, "incentives", {"dealer_id", "kind", "amount"});
          }
        });
  });
}

void AddPositions(CLI::App* credit, int* exit_code) {
  ClientCommand v =
      NewClientCommand(credit, "positions",
                       "the portfolio's credit positions, highest utilisation "
                       "first");
  auto req = std::make_shared<pb::ListCreditPositionsRequest>();
  auto lowest = std::make_shared<bool>(false);
  v.cmd->add_option("--territory", *req->mutable_sales_territory(),
                    "only payers in this sales territory");
  v.cmd->add_option("--class", *req->mutable_abc_class(), "A, B or C");
  v.cmd->add_flag("--lowest_first", *lowest, "lowest utilisation first");
  v.cmd->add_option("--page_token", *req->mutable_page_token(),
                    "next_page_token of the previous page");
  v.cmd->callback([o = v.options, req, lowest, exit_code] {
    req->set_lowest_first(*lowest);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListCreditPositions, *stub, *req,
                 [&o](const pb::ListCreditPositionsResponse& r) {
                   PrintList(
                       *o, r, "positions",
                       {"position.dealer_id", "legal_name", "sales_territory",
                        "abc_class", "position.credit_limit",
                        "position.exposure", "utilisation_basis_points"});
                 });
  });
}

void AddRestrictions(CLI::App* credit, int* exit_code) {
  ClientCommand place = NewClientCommand(
      credit, "restrict", "suspend trade with a payer or hold its shipments");
  auto req = std::make_shared<pb::PlaceRestrictionRequest>();
  auto kind = std::make_shared<std::string>();
  pb::Restriction* r = req->mutable_restriction();
  place.cmd->add_option("payer_id", *r->mutable_payer_dealer_id(), "dlr_...")
      ->required();
  place.cmd
      ->add_option("--kind", *kind,
                   "suspend (orders rejected) or hold "
                   "(orders held, nothing ships)")
      ->required()
      ->check(CLI::IsMember({"suspend", "hold"}));
  place.cmd->add_option("--reason", *r->mutable_reason(), "why")->required();
  place.cmd->add_option("--until", *r->mutable_until(),
                        "last day in force, YYYY-MM-DD (default: until "
                        "lifted)");
  place.cmd->add_option("--request_id", *req->mutable_request_id(),
                        "idempotency key");
  place.cmd->callback([o = place.options, req, kind, exit_code] {
    req->mutable_restriction()->set_kind(
        *kind == "suspend" ? pb::RESTRICTION_KIND_TRADE_SUSPENSION
                           : pb::RESTRICTION_KIND_SHIPMENT_HOLD);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::PlaceRestriction, *stub, *req,
                 [&o](const pb::Restriction& x) { PrintResource(*o, x); });
  });

  ClientCommand lift =
      NewClientCommand(credit, "lift", "lift a suspension or shipment hold");
  auto lift_req = std::make_shared<pb::LiftRestrictionRequest>();
  lift.cmd
      ->add_option("restriction_id", *lift_req->mutable_restriction_id(),
                   "rst_...")
      ->required();
  lift.cmd->add_option("--reason", *lift_req->mutable_reason(), "why")
      ->required();
  lift.cmd->add_option("--request_id", *lift_req->mutable_request_id(),
                       "idempotency key");
  lift.cmd->callback([o = lift.options, lift_req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::LiftRestriction, *stub, *lift_req,
                 [&o](const pb::Restriction& x) { PrintResource(*o, x); });
  });

  ClientCommand list = NewClientCommand(
      credit, "restrictions", "suspensions and shipment holds, newest first");
  auto list_req = std::make_shared<pb::ListRestrictionsRequest>();
  auto in_force = std::make_shared<bool>(false);
  list.cmd->add_option("--payer", *list_req->mutable_payer_dealer_id(),
                       "only this payer's");
  list.cmd->add_flag("--in_force", *in_force, "only those in force today");
  list.cmd->callback([o = list.options, list_req, in_force, exit_code] {
    list_req->set_in_force_only(*in_force);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListRestrictions, *stub, *list_req,
                 [&o](const pb::ListRestrictionsResponse& r) {
                   PrintList(*o, r, "restrictions",
                             {"restriction_id", "payer_dealer_id", "kind",
                              "reason", "until", "in_force", "placed_by"});
                 });
  });
}

void AddConsistency(CLI::App* credit, int* exit_code) {
  ClientCommand v =
      NewClientCommand(credit, "consistency",
                       "recompute every balance from the ledger entries and "
                       "list differences (exit 3 if any)");
  v.cmd->callback([o = v.options, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::CheckLedgerConsistency, *stub,
                 pb::CheckLedgerConsistencyRequest(),
                 [&o, exit_code](const pb::CheckLedgerConsistencyResponse& r) {
                   PrintList(*o, r, "differences",
                             {"what", "stored_minor", "from_entries_minor"});
                   if (r.differences_size() > 0) *exit_code = 3;
                 });
  });
}

}  // namespace

void AddLedgerCommands(CLI::App* credit, int* exit_code) {
  AddInvoices(credit, exit_code);
  AddPay(credit, exit_code);
  AddCreditNote(credit, exit_code);
  AddAging(credit, exit_code);
  AddRevenue(credit, exit_code);
  AddPositions(credit, exit_code);
  AddRestrictions(credit, exit_code);
  AddConsistency(credit, exit_code);
}

}  // namespace qudao::cli
