// `qudao health`: grpc.health.v1 of every service, and (from a gateway's
// admin port) which backends the gateway can reach.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/grpc/server_host.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "httplib.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

using grpc::health::v1::HealthCheckResponse;

// "qudao_gateway_backend_up{backend="x"} 1" lines of a /metrics page.
std::vector<std::vector<std::string>> GatewayBackends(const std::string& admin,
                                                      bool* reachable) {
  std::vector<std::vector<std::string>> rows;
  std::string host;
  int port = 0;
  *reachable = false;
  if (!SplitHostPort(admin, &host, &port).ok()) return rows;
  httplib::Client client(host, port);
  client.set_connection_timeout(2);
  client.set_read_timeout(2);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return rows;
  *reachable = true;
  for (absl::string_view line : absl::StrSplit(res->body, '\n')) {
    if (!absl::ConsumePrefix(&line, "qudao_gateway_backend_up{backend=\"")) {
      continue;
    }
    const size_t end = line.find('"');
    if (end == absl::string_view::npos) continue;
    const bool up = absl::EndsWith(line, " 1");
    rows.push_back(
        {std::string(line.substr(0, end)), up ? "REACHABLE" : "UNREACHABLE"});
  }
  return rows;
}

}  // namespace

void AddHealthCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "health", "health of every service, and of the gateway's backends");
  auto options = std::make_shared<ClientOptions>();
  auto gateway_admin = std::make_shared<std::string>();
  cmd->add_option("--gateway_admin", *gateway_admin,
                  "a gateway's admin address (qudao dev: 127.0.0.1:9090) "
                  "to show which backends it reaches");
  AddClientOptions(cmd, options.get());
  cmd->callback([options, gateway_admin, exit_code] {
    auto stub = grpc::health::v1::Health::NewStub(options->Channel());
    std::vector<std::vector<std::string>> rows;
    int unhealthy = 0;
    for (const char* service :
         {"", customer::v1::CustomerRecordsService::service_full_name(),
          pricing::v1::PricingService::service_full_name(),
          credit::v1::CreditControlService::service_full_name(),
          support::v1::DealerSupportService::service_full_name()}) {
      grpc::health::v1::HealthCheckRequest req;
      req.set_service(service);
      HealthCheckResponse resp;
      auto ctx = options->Context();
      grpc::Status s = stub->Check(ctx.get(), req, &resp);
      const bool serving =
          s.ok() && resp.status() == HealthCheckResponse::SERVING;
      if (!serving) ++unhealthy;
      rows.push_back({*service ? service : "(server)", !s.ok() ? "UNREACHABLE"
                                                       : serving
                                                           ? "SERVING"
                                                           : "NOT_SERVING"});
    }
    if (!gateway_admin->empty()) {
      bool reachable = false;
      auto backends = GatewayBackends(*gateway_admin, &reachable);
      if (!reachable) {
        ++unhealthy;
        rows.push_back({"gateway", "UNREACHABLE"});
      }
      for (auto& row : backends) {
        if (row[1] != "REACHABLE") ++unhealthy;
        rows.push_back({"gateway → " + row[0], row[1]});
      }
    }
    if (options->output == "json") {
      std::printf("{");
      for (size_t i = 0; i < rows.size(); ++i) {
        std::printf("%s\"%s\":\"%s\"", i ? "," : "", rows[i][0].c_str(),
                    rows[i][1].c_str());
      }
      std::printf("}\n");
    } else {
      PrintTable({"SERVICE", "STATE"}, rows);
    }
    *exit_code = unhealthy == 0 ? 0 : 1;
  });
}

}  // namespace qudao::cli
