// What every client command of the `qudao` CLI shares: where to call, how
// long to wait, how to print (--output json|table), and how to report a
// failed call. Commands register themselves on a CLI11 app, each with its
// own flags, so `qudao dealer create --help` lists only what it takes.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "qudao/type/v1/money.pb.h"

namespace qudao::cli {

struct ClientOptions {
  std::string target = "127.0.0.1:7233";
  std::string output = "table";
  double timeout_s = 10;
  // The bearer token to call with: --token / $QUDAO_TOKEN, else the one
  // `qudao login` stored (TokenFilePath()).
  std::string token;
  // TLS to services that serve it: trust these CAs (PEM file); present this
  // certificate and key where servers require client certificates.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;

  std::shared_ptr<grpc::Channel> Channel() const;
  // A context carrying the token (when there is one).
  std::unique_ptr<grpc::ClientContext> Context() const;
};

// Where `qudao login` keeps the token: $QUDAO_CONFIG_DIR/token, else
// $XDG_CONFIG_HOME/qudao/token, else ~/.config/qudao/token.
std::string TokenFilePath();

// Adds --target, --output, --timeout, --token and the --tls_* options to
// `command`.
void AddClientOptions(CLI::App* command, ClientOptions* options);

// Prints a message as JSON, or as a two-column table of its set fields
// (nested fields as dotted paths, money as "CNY 1234.50", times in UTC).
void PrintResource(const ClientOptions& options,
                   const google::protobuf::Message& message);

// Prints the repeated message field `items` of `response` (a List
// response) as JSON, or as a table with the given field paths as columns,
// followed by the next page token if there is one.
void PrintList(const ClientOptions& options,
               const google::protobuf::Message& response,
               const std::string& items,
               const std::vector<std::string>& columns);

// Prints a failed call (code, message, reason, field) to stderr and
// returns the exit code 1.
int Fail(const grpc::Status& status, const grpc::ClientContext& context);

// "500000.00" in `currency` as the API's Money; false (and a message on
// stderr naming `flag`) when it is not a decimal amount.
bool ToMoney(const std::string& currency, const std::string& amount,
             const std::string& flag, type::v1::Money* out);

// A client subcommand of `parent` with the client options already added.
struct ClientCommand {
  CLI::App* cmd;
  std::shared_ptr<ClientOptions> options;
};
ClientCommand NewClientCommand(CLI::App* parent, const std::string& name,
                               const std::string& help);

// A stub of `Service` on the options' channel.
template <typename Service>
std::unique_ptr<typename Service::Stub> NewStub(const ClientOptions& options) {
  return Service::NewStub(options.Channel());
}

// Makes one call and prints its answer with `print`, or reports the
// failure (exit code 1).
template <typename Stub, typename Request, typename Response, typename Print>
void CallAndPrint(const ClientOptions& options, int* exit_code,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  Stub& stub, const Request& request, Print print) {
  auto ctx = options.Context();
  Response response;
  grpc::Status s = (stub.*method)(ctx.get(), request, &response);
  if (!s.ok()) {
    *exit_code = Fail(s, *ctx);
    return;
  }
  print(response);
}

// A table of rows with a header, columns padded to their widest cell
// (display width: CJK characters count two).
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Each command group registers its subcommands; the callback runs the
// command and sets *exit_code.
void AddDevCommand(CLI::App& app, int* exit_code);
void AddHealthCommand(CLI::App& app, int* exit_code);
void AddDealerCommands(CLI::App& app, int* exit_code);
void AddAuthCommands(CLI::App& app, int* exit_code);
void AddCreditCommands(CLI::App& app, int* exit_code);
// group, product, list, get, cost, settings: under `qudao price`.
void AddPriceCommands(CLI::App& app, int* exit_code);
// rules, quote, simulate: under `qudao price`.
void AddPriceRuleCommands(CLI::App* price, int* exit_code);
// freight assign|assignments|rate|rates|zone|zones: under `qudao price`.
void AddFreightCommands(CLI::App* price, int* exit_code);
void AddOrderCommands(CLI::App& app, int* exit_code);
// invoices, invoice, pay, credit-note, aging, revenue, positions,
// restrict, lift, restrictions, consistency: under `qudao credit`.
void AddLedgerCommands(CLI::App* credit, int* exit_code);
// alerts, ack, guarantees, guarantee, inspections, inspect, collections,
// case, cause, collect, promise, review: under `qudao credit`.
void AddRiskCommands(CLI::App* credit, int* exit_code);

}  // namespace qudao::cli
