// qudao: the platform's command-line tool. Each command has its own flags
// (`qudao dealer create --help`); client commands print tables or JSON
// (--output json).
//   qudao dev                          run the whole platform locally
//   qudao health                       check every service's health
//   qudao dealer create|get|list|update
//   qudao credit position|assess|assessments|limit|hold-queue|release|reject
//   qudao price group|product|list|get|cost|settings
//   qudao order place|show|list|ship|cancel|return|reprice
//   qudao login|logout                 get or forget the CLI's token
//   qudao audit                        a service's audit trail
#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "common/proto/conversion.h"
#include "tools/qudao/cli.h"

int main(int argc, char** argv) {
  CLI::App app{
      "qudao: the dealer-network platform's command-line tool. Every command "
      "has its own --help."};
  app.require_subcommand(1);
  int exit_code = 0;
  qudao::cli::AddDevCommand(app, &exit_code);
  qudao::cli::AddHealthCommand(app, &exit_code);
  qudao::cli::AddDealerCommands(app, &exit_code);
  qudao::cli::AddAuthCommands(app, &exit_code);
  qudao::cli::AddCreditCommands(app, &exit_code);
  qudao::cli::AddPriceCommands(app, &exit_code);
  qudao::cli::AddOrderCommands(app, &exit_code);
  qudao::InstallProtobufLogHandler();
  // As the service binaries (RunServiceMain): no lock-order graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
