// Wiring of the credit control module: its database, the credit operations
// and the gRPC adapter.
#include "services/credit_control/credit_control_module.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/config/settings.h"
#include "common/grpc/module.h"
#include "common/status/macros.h"
#include "services/credit_control/credit_account_store.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/credit_operations.h"
#include "services/credit_control/receivables_operations.h"
#include "services/credit_control/risk_operations.h"
#include "services/customer_records/client/cached_dealer_directory.h"

ABSL_FLAG(std::string, credit_5c_weights, "30,25,20,15,10",
          "5C weights in percent: character,capacity,capital,collateral,"
          "conditions (summing to 100) [env QUDAO_CREDIT_5C_WEIGHTS]");

namespace qudao::credit {
namespace {

absl::StatusOr<AssessmentWeights> WeightsFromSettings() {
  const std::string text =
      Setting("credit_5c_weights", "QUDAO_CREDIT_5C_WEIGHTS", "30,25,20,15,10");
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int v = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &v)) {
      values.clear();
      break;
    }
    values.push_back(v);
  }
  if (values.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--credit_5c_weights must be five whole percentages "
        "(character,capacity,capital,collateral,conditions), got '",
        text, "'"));
  }
  const AssessmentWeights weights{values[0], values[1], values[2], values[3],
                                  values[4]};
  if (absl::Status s = CheckWeights(weights); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--credit_5c_weights ", s.message()));
  }
  return weights;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceModule>> NewCreditControlModule(
    const ModuleEnvironment& env) {
  ASSIGN_OR_RETURN(auto db,
                   OpenServiceDatabase(env, "credit_control",
                                       CreditAccountStore::Migrations()));
  auto module = std::make_unique<Module>("credit_control", std::move(db), env);
  ASSIGN_OR_RETURN(auto* dealers, customer::DealerDirectoryFor(*module, env));
  ASSIGN_OR_RETURN(const AssessmentWeights weights, WeightsFromSettings());
  auto* credit = module->Own(std::make_unique<CreditOperations>(
      module->database(), dealers, env.clock, weights, env.calendar));
  auto* receivables = module->Own(std::make_unique<ReceivablesOperations>(
      module->database(), dealers, env.clock, env.calendar));
  // Reservation decisions and ledger documents are published for the
  // order flow to follow.
  module->PublishChangeFeed(env, kCreditFeedSource);
  auto* risk = module->Own(std::make_unique<RiskOperations>(
      module->database(), dealers, env.clock, env.calendar));
  // Cases, promises, instalments and guarantee expiry: once a day.
  module->AddJob(risk->DailyJob());
  module->Serve(std::make_unique<CreditControlService>(
                    credit, receivables, risk, module->database(),
                    module->ServingFor(CreditControlPermissions())),
                pb::CreditControlService::service_full_name());
  return module;
}

}  // namespace qudao::credit
