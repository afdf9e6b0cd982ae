// `qudao credit position|assess|assessments|limit|hold-queue|release|reject|
// policies|policy`: credit control for credit staff (the receivables verbs
// are in ledger_commands.cc).
#include <array>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/money/money.h"
#include "common/proto/conversion.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

namespace pb = ::qudao::credit::v1;

void AddPosition(CLI::App* credit, int* exit_code) {
  auto* cmd = credit->add_subcommand(
      "position", "a payer's credit position: limit, exposure, what is left");
  auto options = std::make_shared<ClientOptions>();
  auto id = std::make_shared<std::string>();
  cmd->add_option("dealer_id", *id, "the payer's id (dlr_...)")->required();
  AddClientOptions(cmd, options.get());
  cmd->callback([options, id, exit_code] {
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    pb::GetCreditPositionRequest req;
    req.set_dealer_id(*id);
    auto ctx = options->Context();
    pb::CreditPosition out;
    grpc::Status s = stub->GetCreditPosition(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

struct AssessFlags {
  std::string dealer_id, currency = "CNY";
  int character = 0, capacity = 0, collateral = 0, conditions = 0;
  std::string character_evidence, capacity_evidence, collateral_evidence,
      conditions_evidence;
  std::string liabilities, assets, capital_evidence, monthly;
  int term_days = 30;
  std::string request_id;
};

void AddAssess(CLI::App* credit, int* exit_code) {
  auto* cmd = credit->add_subcommand(
      "assess",
      "record a 5C assessment of a payer (scores 1-5 with evidence; capital "
      "from the balance sheet)");
  auto options = std::make_shared<ClientOptions>();
  auto f = std::make_shared<AssessFlags>();
  cmd->add_option("dealer_id", f->dealer_id, "the payer (dlr_...)")->required();
  const std::pair<const char*, std::pair<int*, std::string*>> cs[] = {
      {"character", {&f->character, &f->character_evidence}},
      {"capacity", {&f->capacity, &f->capacity_evidence}},
      {"collateral", {&f->collateral, &f->collateral_evidence}},
      {"conditions", {&f->conditions, &f->conditions_evidence}}};
  for (const auto& [name, target] : cs) {
    cmd->add_option(absl::StrCat("--", name), *target.first,
                    absl::StrCat(name, " score, 1-5"))
        ->check(CLI::Range(1, 5));
    cmd->add_option(absl::StrCat("--", name, "_evidence"), *target.second,
                    absl::StrCat("what the ", name, " score rests on"));
  }
  cmd->add_option("--liabilities", f->liabilities,
                  "total liabilities from the balance sheet, e.g. 300000.00")
      ->required();
  cmd->add_option("--assets", f->assets, "total assets, e.g. 1000000.00")
      ->required();
  cmd->add_option("--capital_evidence", f->capital_evidence,
                  "which balance sheet, e.g. \"2025 audited\"")
      ->required();
  cmd->add_option("--monthly_purchases", f->monthly,
                  "expected purchases per month, e.g. 1000000.00")
      ->required();
  cmd->add_option("--term_days", f->term_days,
                  "payment term in days (30 = net 30; 0 = cash in advance)")
      ->capture_default_str();
  cmd->add_option("--currency", f->currency, "ISO-4217 code")
      ->capture_default_str();
  cmd->add_option("--request_id", f->request_id,
                  "idempotency key: a retry with it records nothing new");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, f, exit_code] {
    pb::AssessCreditRequest req;
    pb::CreditAssessment* a = req.mutable_assessment();
    a->set_dealer_id(f->dealer_id);
    const std::pair<pb::CScore*, std::pair<int, std::string>> scores[] = {
        {a->mutable_character(), {f->character, f->character_evidence}},
        {a->mutable_capacity(), {f->capacity, f->capacity_evidence}},
        {a->mutable_collateral(), {f->collateral, f->collateral_evidence}},
        {a->mutable_conditions(), {f->conditions, f->conditions_evidence}}};
    for (const auto& [c, value] : scores) {
      c->set_score(value.first);
      c->set_evidence(value.second);
    }
    if (!ToMoney(f->currency, f->liabilities, "--liabilities",
                 a->mutable_total_liabilities()) ||
        !ToMoney(f->currency, f->assets, "--assets",
                 a->mutable_total_assets()) ||
        !ToMoney(f->currency, f->monthly, "--monthly_purchases",
                 a->mutable_expected_monthly_purchases())) {
      *exit_code = 2;
      return;
    }
    a->set_capital_evidence(f->capital_evidence);
    a->set_payment_term_days(f->term_days);
    req.set_request_id(f->request_id);
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::CreditAssessment out;
    grpc::Status s = stub->AssessCredit(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

void AddAssessments(CLI::App* credit, int* exit_code) {
  auto* cmd = credit->add_subcommand("assessments",
                                     "a payer's 5C assessments, newest first");
  auto options = std::make_shared<ClientOptions>();
  auto req = std::make_shared<pb::ListCreditAssessmentsRequest>();
  auto page_size = std::make_shared<int>(20);
  cmd->add_option("dealer_id", *req->mutable_dealer_id(), "the payer")
      ->required();
  cmd->add_option("--page_size", *page_size, "assessments per page (max 100)")
      ->capture_default_str();
  cmd->add_option("--page_token", *req->mutable_page_token(),
                  "next_page_token of the previous page");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, req, page_size, exit_code] {
    req->set_page_size(*page_size);
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::ListCreditAssessmentsResponse out;
    grpc::Status s = stub->ListCreditAssessments(ctx.get(), *req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintList(*options, out, "assessments",
              {"assessment_id", "rating", "score_hundredths",
               "recommended_limit", "assessed_by", "assess_time"});
  });
}

struct LimitFlags {
  std::string dealer_id, amount, currency = "CNY", reason, request_id;
};

void AddLimit(CLI::App* credit, int* exit_code) {
  auto* cmd = credit->add_subcommand(
      "limit",
      "set a payer's credit limit (you approve it; above the 5C "
      "recommendation a credit_manager who did not assess)");
  auto options = std::make_shared<ClientOptions>();
  auto f = std::make_shared<LimitFlags>();
  cmd->add_option("dealer_id", f->dealer_id, "the payer")->required();
  cmd->add_option("--amount", f->amount, "the limit, e.g. 500000.00")
      ->required();
  cmd->add_option("--currency", f->currency, "ISO-4217 code")
      ->capture_default_str();
  cmd->add_option("--reason", f->reason, "why, e.g. \"annual review\"")
      ->required();
  cmd->add_option("--request_id", f->request_id,
                  "idempotency key: a retry with it changes nothing more");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, f, exit_code] {
    pb::SetCreditLimitRequest req;
    req.set_dealer_id(f->dealer_id);
    if (!ToMoney(f->currency, f->amount, "--amount",
                 req.mutable_credit_limit())) {
      *exit_code = 2;
      return;
    }
    req.set_reason(f->reason);
    req.set_request_id(f->request_id);
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::CreditPosition out;
    grpc::Status s = stub->SetCreditLimit(ctx.get(), req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

void AddHoldQueue(CLI::App* credit, int* exit_code) {
  auto* cmd = credit->add_subcommand(
      "hold-queue",
      "held credit reservations, oldest first, with the payer's "
      "position");
  auto options = std::make_shared<ClientOptions>();
  auto req = std::make_shared<pb::ListHoldQueueRequest>();
  auto page_size = std::make_shared<int>(50);
  cmd->add_option("--payer", *req->mutable_payer_dealer_id(),
                  "only this payer's");
  cmd->add_option("--page_size", *page_size, "entries per page (max 1000)")
      ->capture_default_str();
  cmd->add_option("--page_token", *req->mutable_page_token(),
                  "next_page_token of the previous page");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, req, page_size, exit_code] {
    req->set_page_size(*page_size);
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::ListHoldQueueResponse out;
    grpc::Status s = stub->ListHoldQueue(ctx.get(), *req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintList(*options, out, "entries",
              {"reservation.reservation_id", "reservation.order_id",
               "reservation.payer_dealer_id", "reservation.amount",
               "reservation.reasons", "payer_position.exposure",
               "payer_position.credit_limit", "payer_overdue",
               "payer_oldest_overdue_days", "reservation.requested_by"});
  });
}

void AddDecision(CLI::App* credit, int* exit_code, bool release) {
  auto* cmd = credit->add_subcommand(
      release ? "release" : "reject",
      release ? "release a held reservation (not one you requested; "
                "over-limit holds release only once the credit fits)"
              : "reject a held reservation (not one you requested)");
  auto options = std::make_shared<ClientOptions>();
  // Release and reject requests have the same fields.
  auto req = std::make_shared<pb::ReleaseCreditReservationRequest>();
  cmd->add_option("reservation_id", *req->mutable_reservation_id(),
                  "the reservation (crs_...)")
      ->required();
  cmd->add_option("--reason", *req->mutable_reason(), "why")->required();
  cmd->add_option("--request_id", *req->mutable_request_id(),
                  "idempotency key");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, req, release, exit_code] {
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::CreditReservation out;
    grpc::Status s;
    if (release) {
      s = stub->ReleaseCreditReservation(ctx.get(), *req, &out);
    } else {
      pb::RejectCreditReservationRequest reject;
      reject.set_reservation_id(req->reservation_id());
      reject.set_reason(req->reason());
      reject.set_request_id(req->request_id());
      s = stub->RejectCreditReservation(ctx.get(), reject, &out);
    }
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*options, out);
  });
}

void AddPolicies(CLI::App* credit, int* exit_code) {
  auto* list = credit->add_subcommand(
      "policies", "the credit policies of classes A, B and C");
  auto options = std::make_shared<ClientOptions>();
  AddClientOptions(list, options.get());
  list->callback([options, exit_code] {
    auto stub = pb::CreditControlService::NewStub(options->Channel());
    auto ctx = options->Context();
    pb::ListCreditPoliciesResponse out;
    grpc::Status s = stub->ListCreditPolicies(ctx.get(), {}, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintList(*options, out, "policies",
              {"abc_class", "overdue_hold_days", "watch_ratio_percent",
               "slow_payment_days", "updated_by", "update_time"});
  });
  auto* set = credit->add_subcommand(
      "policy", "change one class's credit policy (credit_manager)");
  auto set_options = std::make_shared<ClientOptions>();
  auto req = std::make_shared<pb::UpdateCreditPolicyRequest>();
  auto values = std::make_shared<std::array<int, 3>>();
  set->add_option("abc_class", *req->mutable_policy()->mutable_abc_class(),
                  "A, B or C")
      ->required()
      ->check(CLI::IsMember({"A", "B", "C"}));
  set->add_option("--overdue_hold_days", (*values)[0],
                  "hold new orders once debt is this many days overdue")
      ->required();
  set->add_option("--watch_ratio", (*values)[1],
                  "alert at this percent of the limit")
      ->required();
  set->add_option("--slow_payment_days", (*values)[2],
                  "slow payment above this many days beyond terms")
      ->required();
  set->add_option("--request_id", *req->mutable_request_id(),
                  "idempotency key");
  AddClientOptions(set, set_options.get());
  set->callback([set_options, req, values, exit_code] {
    req->mutable_policy()->set_overdue_hold_days((*values)[0]);
    req->mutable_policy()->set_watch_ratio_percent((*values)[1]);
    req->mutable_policy()->set_slow_payment_days((*values)[2]);
    auto stub = pb::CreditControlService::NewStub(set_options->Channel());
    auto ctx = set_options->Context();
    pb::CreditPolicy out;
    grpc::Status s = stub->UpdateCreditPolicy(ctx.get(), *req, &out);
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintResource(*set_options, out);
  });
}

}  // namespace

void AddCreditCommands(CLI::App& app, int* exit_code) {
  auto* credit = app.add_subcommand("credit", "credit control (信用管理)");
  credit->require_subcommand(1);
  AddPosition(credit, exit_code);
  AddAssess(credit, exit_code);
  AddAssessments(credit, exit_code);
  AddLimit(credit, exit_code);
  AddHoldQueue(credit, exit_code);
  AddDecision(credit, exit_code, /*release=*/true);
  AddDecision(credit, exit_code, /*release=*/false);
  AddPolicies(credit, exit_code);
  AddLedgerCommands(credit, exit_code);
  AddRiskCommands(credit, exit_code);
}

}  // namespace qudao::cli
