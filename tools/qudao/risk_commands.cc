// `qudao credit alerts|ack|guarantees|guarantee|inspections|inspect|
// collections|case|cause|case-record|promise|review`: risk controls and
// collections for credit staff.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::credit::v1;
using Stub = pb::CreditControlService::Stub;

void AddAlerts(CLI::App* credit, int* exit_code) {
  ClientCommand list =
      NewClientCommand(credit, "alerts", "credit alerts, newest first");
  auto req = std::make_shared<pb::ListAlertsRequest>();
  auto open = std::make_shared<bool>(false);
  list.cmd->add_option("--payer", *req->mutable_payer_dealer_id(),
                       "only this payer's");
  list.cmd->add_flag("--open", *open, "only those not acknowledged");
  list.cmd->add_option("--page_token", *req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, req, open, exit_code] {
    req->set_open_only(*open);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListAlerts, *stub, *req,
                 [&o](const pb::ListAlertsResponse& r) {
                   PrintList(*o, r, "alerts",
                             {"alert_id", "payer_dealer_id", "kind", "detail",
                              "raise_time", "acknowledged_by"});
                 });
  });
  ClientCommand ack =
      NewClientCommand(credit, "ack", "acknowledge an alert with a note");
  auto ack_req = std::make_shared<pb::AcknowledgeAlertRequest>();
  ack.cmd->add_option("alert_id", *ack_req->mutable_alert_id(), "alr_...")
      ->required();
  ack.cmd
      ->add_option("--note", *ack_req->mutable_note(), "what was done about it")
      ->required();
  ack.cmd->add_option("--request_id", *ack_req->mutable_request_id(),
                      "idempotency key");
  ack.cmd->callback([o = ack.options, ack_req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::AcknowledgeAlert, *stub, *ack_req,
                 [&o](const pb::Alert& r) { PrintResource(*o, r); });
  });
}

struct GuaranteeFlags {
  std::string payer, kind, provider, value, currency = "CNY", expiry, reference,
                                            request_id;
};

void AddGuarantees(CLI::App* credit, int* exit_code) {
  ClientCommand list =
      NewClientCommand(credit, "guarantees",
                       "a payer's guarantees and collateral, soonest expiry "
                       "first");
  auto req = std::make_shared<pb::ListGuaranteesRequest>();
  list.cmd->add_option("payer_id", *req->mutable_payer_dealer_id(), "dlr_...")
      ->required();
  list.cmd->callback([o = list.options, req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListGuarantees, *stub, *req,
                 [&o](const pb::ListGuaranteesResponse& r) {
                   PrintList(*o, r, "guarantees",
                             {"guarantee_id", "kind", "provider", "value",
                              "expiry_date", "reference"});
                 });
  });
  ClientCommand add = NewClientCommand(
      credit, "guarantee", "record a guarantee or collateral for a payer");
  auto f = std::make_shared<GuaranteeFlags>();
  add.cmd->add_option("payer_id", f->payer, "dlr_...")->required();
  add.cmd->add_option("--kind", f->kind, "what it is")
      ->required()
      ->check(CLI::IsMember({"bank-guarantee", "mortgage", "pledge",
                             "personal-guarantee", "credit-insurance"}));
  add.cmd
      ->add_option("--provider", f->provider, "the bank, guarantor or insurer")
      ->required();
  add.cmd->add_option("--value", f->value, "e.g. 500000.00")->required();
  add.cmd->add_option("--currency", f->currency, "ISO 4217")
      ->capture_default_str();
  add.cmd->add_option("--expiry", f->expiry, "last day it holds, YYYY-MM-DD")
      ->required();
  add.cmd->add_option("--reference", f->reference, "the document's number");
  add.cmd->add_option("--request_id", f->request_id, "idempotency key");
  add.cmd->callback([o = add.options, f, exit_code] {
    pb::RecordGuaranteeRequest req;
    pb::Guarantee* g = req.mutable_guarantee();
    g->set_payer_dealer_id(f->payer);
    const std::vector<std::pair<std::string, pb::GuaranteeKind>> kinds = {
        {"bank-guarantee", pb::GUARANTEE_KIND_BANK_GUARANTEE},
        {"mortgage", pb::GUARANTEE_KIND_MORTGAGE},
        {"pledge", pb::GUARANTEE_KIND_PLEDGE},
        {"personal-guarantee", pb::GUARANTEE_KIND_PERSONAL_GUARANTEE},
        {"credit-insurance", pb::GUARANTEE_KIND_CREDIT_INSURANCE}};
    for (const auto& [name, kind] : kinds) {
      if (name == f->kind) g->set_kind(kind);
    }
    g->set_provider(f->provider);
    if (!ToMoney(f->currency, f->value, "--value", g->mutable_value())) {
      *exit_code = 2;
      return;
    }
    g->set_expiry_date(f->expiry);
    g->set_reference(f->reference);
    req.set_request_id(f->request_id);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RecordGuarantee, *stub, req,
                 [&o](const pb::Guarantee& r) { PrintResource(*o, r); });
  });
}

void AddInspections(CLI::App* credit, int* exit_code) {
  ClientCommand list = NewClientCommand(
      credit, "inspections", "a payer's inspection log, newest first");
  auto req = std::make_shared<pb::ListInspectionsRequest>();
  list.cmd->add_option("payer_id", *req->mutable_payer_dealer_id(), "dlr_...")
      ->required();
  list.cmd->callback([o = list.options, req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListInspections, *stub, *req,
                 [&o](const pb::ListInspectionsResponse& r) {
                   PrintList(*o, r, "inspections",
                             {"inspection_date", "inspector", "concern",
                              "findings", "recorded_by"});
                 });
  });
  ClientCommand add = NewClientCommand(
      credit, "inspect", "log a supervision visit or inspection of a payer");
  auto add_req = std::make_shared<pb::RecordInspectionRequest>();
  pb::Inspection* i = add_req->mutable_inspection();
  auto concern = std::make_shared<bool>(false);
  add.cmd->add_option("payer_id", *i->mutable_payer_dealer_id(), "dlr_...")
      ->required();
  add.cmd->add_option("--inspector", *i->mutable_inspector(), "who went")
      ->required();
  add.cmd->add_option("--findings", *i->mutable_findings(), "what was found")
      ->required();
  add.cmd->add_option("--date", *i->mutable_inspection_date(),
                      "YYYY-MM-DD (default today)");
  add.cmd->add_flag("--concern", *concern, "what was found raises concern");
  add.cmd->add_option("--request_id", *add_req->mutable_request_id(),
                      "idempotency key");
  add.cmd->callback([o = add.options, add_req, concern, exit_code] {
    add_req->mutable_inspection()->set_concern(*concern);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RecordInspection, *stub, *add_req,
                 [&o](const pb::Inspection& r) { PrintResource(*o, r); });
  });
}

void AddCollections(CLI::App* credit, int* exit_code) {
  ClientCommand list =
      NewClientCommand(credit, "collections",
                       "overdue cases, newest first (one open per payer with "
                       "overdue debt)");
  auto req = std::make_shared<pb::ListOverdueCasesRequest>();
  auto open = std::make_shared<bool>(false);
  list.cmd->add_option("--payer", *req->mutable_payer_dealer_id(),
                       "only this payer's");
  list.cmd->add_flag("--open", *open, "only open cases");
  list.cmd->add_option("--page_token", *req->mutable_page_token(),
                       "next_page_token of the previous page");
  list.cmd->callback([o = list.options, req, open, exit_code] {
    req->set_open_only(*open);
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListOverdueCases, *stub, *req,
                 [&o](const pb::ListOverdueCasesResponse& r) {
                   PrintList(*o, r, "cases",
                             {"case_id", "payer_dealer_id", "status", "cause",
                              "strategy", "escalation_level", "overdue_at_open",
                              "opened_date"});
                 });
  });
  ClientCommand get =
      NewClientCommand(credit, "case", "one overdue case with its records");
  auto get_req = std::make_shared<pb::GetOverdueCaseRequest>();
  get.cmd->add_option("case_id", *get_req->mutable_case_id(), "odc_...")
      ->required();
  get.cmd->callback([o = get.options, get_req, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::GetOverdueCase, *stub, *get_req,
                 [&o](const pb::OverdueCase& r) { PrintResource(*o, r); });
  });
  ClientCommand cause = NewClientCommand(
      credit, "cause", "record why a payer is overdue (sets the strategy)");
  auto cause_req = std::make_shared<pb::SetOverdueCauseRequest>();
  auto cause_name = std::make_shared<std::string>();
  cause.cmd->add_option("case_id", *cause_req->mutable_case_id(), "odc_...")
      ->required();
  cause.cmd->add_option("--cause", *cause_name, "one of the six causes")
      ->required()
      ->check(CLI::IsMember({"cash-flow", "poor-business", "overstock",
                             "contract-dispute", "wilful-delay",
                             "weak-collection"}));
  cause.cmd->add_option("--note", *cause_req->mutable_note(), "what was found")
      ->required();
  cause.cmd->add_option("--request_id", *cause_req->mutable_request_id(),
                        "idempotency key");
  cause.cmd->callback([o = cause.options, cause_req, cause_name, exit_code] {
    const std::vector<std::string> names = {"cash-flow",    "poor-business",
                                            "overstock",    "contract-dispute",
                                            "wilful-delay", "weak-collection"};
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == *cause_name) {
        cause_req->set_cause(static_cast<pb::OverdueCause>(i + 1));
      }
    }
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::SetOverdueCause, *stub, *cause_req,
                 [&o](const pb::OverdueCase& r) { PrintResource(*o, r); });
  });
  ClientCommand log =
      NewClientCommand(credit, "collect",
                       "log a collection action (call, letter, visit) or an "
                       "escalation step on a case");
  auto log_req = std::make_shared<pb::AddCaseRecordRequest>();
  auto action = std::make_shared<std::string>();
  log.cmd->add_option("case_id", *log_req->mutable_case_id(), "odc_...")
      ->required();
  log.cmd->add_option("--action", *action, "call, letter, visit or escalate")
      ->required()
      ->check(CLI::IsMember({"call", "letter", "visit", "escalate"}));
  log.cmd->add_option("--outcome",
                      *log_req->mutable_record()->mutable_outcome(),
                      "what it achieved (actions)");
  log.cmd->add_option("--text", *log_req->mutable_record()->mutable_text(),
                      "the escalation step, or a note");
  log.cmd->add_option("--request_id", *log_req->mutable_request_id(),
                      "idempotency key");
  log.cmd->callback([o = log.options, log_req, action, exit_code] {
    pb::CaseRecord* r = log_req->mutable_record();
    if (*action == "escalate") {
      r->set_kind(pb::CASE_RECORD_KIND_ESCALATION);
    } else {
      r->set_kind(pb::CASE_RECORD_KIND_ACTION);
      r->set_action(*action == "call"     ? pb::COLLECTION_ACTION_CALL
                    : *action == "letter" ? pb::COLLECTION_ACTION_LETTER
                                          : pb::COLLECTION_ACTION_VISIT);
    }
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::AddCaseRecord, *stub, *log_req,
                 [&o](const pb::CaseRecord& x) { PrintResource(*o, x); });
  });
  ClientCommand promise = NewClientCommand(
      credit, "promise", "record a payer's promise to pay by a day");
  auto promise_req = std::make_shared<pb::RecordPaymentPromiseRequest>();
  auto amount = std::make_shared<std::string>();
  auto currency = std::make_shared<std::string>("CNY");
  promise.cmd->add_option("case_id", *promise_req->mutable_case_id(), "odc_...")
      ->required();
  promise.cmd->add_option("--amount", *amount, "e.g. 50000.00")->required();
  promise.cmd->add_option("--currency", *currency, "ISO 4217")
      ->capture_default_str();
  promise.cmd
      ->add_option("--by",
                   *promise_req->mutable_promise()->mutable_promised_date(),
                   "YYYY-MM-DD")
      ->required();
  promise.cmd->add_option("--request_id", *promise_req->mutable_request_id(),
                          "idempotency key");
  promise.cmd->callback([o = promise.options, promise_req, amount, currency,
                         exit_code] {
    if (!ToMoney(*currency, *amount, "--amount",
                 promise_req->mutable_promise()->mutable_amount())) {
      *exit_code = 2;
      return;
    }
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::RecordPaymentPromise, *stub,
                 *promise_req,
                 [&o](const pb::PaymentPromise& r) { PrintResource(*o, r); });
  });
}

void AddReview(CLI::App* credit, int* exit_code) {
  ClientCommand v = NewClientCommand(
      credit, "review", "payers due for this month's credit review");
  v.cmd->callback([o = v.options, exit_code] {
    auto stub = NewStub<pb::CreditControlService>(*o);
    CallAndPrint(*o, exit_code, &Stub::ListReviewDue, *stub,
                 pb::ListReviewDueRequest(),
                 [&o](const pb::ListReviewDueResponse& r) {
                   PrintList(*o, r, "entries",
                             {"payer_dealer_id", "legal_name", "abc_class",
                              "reasons", "last_assess_time"});
                 });
  });
}

}  // namespace

void AddRiskCommands(CLI::App* credit, int* exit_code) {
  AddAlerts(credit, exit_code);
  AddGuarantees(credit, exit_code);
  AddInspections(credit, exit_code);
  AddCollections(credit, exit_code);
  AddReview(credit, exit_code);
}

}  // namespace qudao::cli
