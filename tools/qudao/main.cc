// qudao: the platform's command-line tool.
//   qudao dev                      run the whole platform locally
//   qudao health [--target=...]    check every service's health
//   qudao dealer create|get|list   work with dealer records
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/config/settings.h"
#include "common/grpc/client.h"
#include "common/grpc/server_host.h"
#include "common/log/log.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "tools/qudao/dev_server.h"

ABSL_FLAG(std::string, data_dir, ".qudao-data",
          "dev: directory of the embedded SQLite databases");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:7233",
          "dev: gRPC address serving all four services");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "dev: partner gateway HTTP address");
ABSL_FLAG(std::string, dev_admin_listen, "127.0.0.1:9090",
          "dev: admin address (/metrics, /healthz, /readyz)");
ABSL_FLAG(std::string, target, "127.0.0.1:7233",
          "client commands: the gRPC address to call");
ABSL_FLAG(std::string, name, "", "dealer create: legal name");
ABSL_FLAG(std::string, province, "", "dealer create: province");
ABSL_FLAG(std::string, city, "", "dealer create: city");
ABSL_FLAG(std::string, level, "RETAILER",
          "dealer create: DISTRIBUTOR, WHOLESALER, RETAILER or KEY_ACCOUNT");
ABSL_FLAG(std::string, owner, "", "dealer create: owning sales rep");
ABSL_FLAG(std::string, request_id, "", "idempotency key for create commands");

namespace {

namespace pb = ::qudao::customer::v1;

int Usage() {
  std::fprintf(stderr,
               "usage: qudao dev | health | dealer create|get ID|list "
               "[flags]\n  (qudao --help for flags)\n");
  return 2;
}

void PrintJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  std::cout << json;
}

int Fail(const grpc::Status& s) {
  std::fprintf(
      stderr, "error: %s: %s\n",
      absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code()))
          .c_str(),
      s.error_message().c_str());
  return 1;
}

int RunDev() {
  qudao::BlockShutdownSignals();
  qudao::DevServerOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  options.http_listen = absl::GetFlag(FLAGS_http_listen);
  options.admin_listen = absl::GetFlag(FLAGS_dev_admin_listen);
  options.redis_url =
      qudao::Setting(absl::GetFlag(FLAGS_redis), "QUDAO_REDIS_URL", "");
  qudao::DevServer server(options);
  if (absl::Status s = server.Start(); !s.ok()) {
    qudao::log::Error("qudao dev cannot start", {{"error", s.ToString()}});
    return 1;
  }
  std::fprintf(
      stderr,
      "\nqudao dev is running (data in %s)\n"
      "  gRPC (all services): 127.0.0.1:%d\n"
      "  partner gateway:     http://127.0.0.1:%d/v1/dealers/{id}\n"
      "  metrics:             http://127.0.0.1:%d/metrics\n"
      "  cache:               %s\n"
      "Try: qudao dealer create --name='Acme' --province=Zhejiang "
      "--city=Hangzhou --owner=me\nCtrl-C stops it.\n\n",
      options.data_dir.c_str(), server.grpc_port(), server.http_port(),
      server.admin_port(),
      options.redis_url.empty() ? "in-process" : options.redis_url.c_str());
  qudao::log::Info("serving", {{"service", "qudao dev"},
                               {"grpc_port", server.grpc_port()},
                               {"http_port", server.http_port()},
                               {"admin_port", server.admin_port()}});
  const int signo = qudao::WaitForShutdownSignal();
  qudao::log::Info("qudao dev shutting down", {{"signal", signo}});
  qudao::ExitIfShutdownStalls(absl::Seconds(15));
  server.Shutdown();
  return 0;
}

int RunHealth() {
  auto channel = qudao::SharedChannel(absl::GetFlag(FLAGS_target));
  auto stub = grpc::health::v1::Health::NewStub(channel);
  int unhealthy = 0;
  for (const char* service :
       {"", pb::CustomerRecordsService::service_full_name(),
        qudao::pricing::v1::PricingService::service_full_name(),
        qudao::credit::v1::CreditControlService::service_full_name(),
        qudao::support::v1::DealerSupportService::service_full_name()}) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    auto ctx = qudao::OutgoingContext(absl::Seconds(3));
    grpc::Status s = stub->Check(ctx.get(), req, &resp);
    const char* state =
        !s.ok() ? "UNREACHABLE"
        : resp.status() == grpc::health::v1::HealthCheckResponse::SERVING
            ? "SERVING"
            : "NOT_SERVING";
    if (!s.ok() ||
        resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      ++unhealthy;
    }
    std::printf("%-45s %s\n", *service ? service : "(server)", state);
  }
  return unhealthy == 0 ? 0 : 1;
}

int RunDealer(const std::vector<char*>& args) {
  if (args.size() < 3) return Usage();
  const std::string verb = args[2];
  auto stub = pb::CustomerRecordsService::NewStub(
      qudao::SharedChannel(absl::GetFlag(FLAGS_target)));
  if (verb == "create") {
    pb::CreateDealerRequest req;
    pb::Dealer* d = req.mutable_dealer();
    d->set_legal_name(absl::GetFlag(FLAGS_name));
    d->mutable_region()->set_province(absl::GetFlag(FLAGS_province));
    d->mutable_region()->set_city(absl::GetFlag(FLAGS_city));
    pb::ChannelLevel level;
    if (!pb::ChannelLevel_Parse(
            absl::StrCat("CHANNEL_LEVEL_", absl::GetFlag(FLAGS_level)),
            &level)) {
      std::fprintf(stderr,
                   "error: --level must be DISTRIBUTOR, WHOLESALER, "
                   "RETAILER or KEY_ACCOUNT\n");
      return 2;
    }
    d->set_channel_level(level);
    d->set_owner(absl::GetFlag(FLAGS_owner));
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    pb::Dealer out;
    auto ctx = qudao::OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->CreateDealer(ctx.get(), req, &out);
    if (!s.ok()) return Fail(s);
    PrintJson(out);
    return 0;
  }
  if (verb == "get" && args.size() == 4) {
    pb::GetDealerRequest req;
    req.set_dealer_id(args[3]);
    pb::Dealer out;
    auto ctx = qudao::OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->GetDealer(ctx.get(), req, &out);
    if (!s.ok()) return Fail(s);
    PrintJson(out);
    return 0;
  }
  if (verb == "list") {
    pb::ListDealersRequest req;
    req.set_page_size(100);
    req.set_province(absl::GetFlag(FLAGS_province));
    pb::ListDealersResponse out;
    auto ctx = qudao::OutgoingContext(absl::Seconds(10));
    grpc::Status s = stub->ListDealers(ctx.get(), req, &out);
    if (!s.ok()) return Fail(s);
    PrintJson(out);
    return 0;
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "qudao dev | health | dealer create|get ID|list [flags]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return Usage();
  const std::string command = args[1];
  if (command == "dev") return RunDev();
  if (command == "health") return RunHealth();
  if (command == "dealer") return RunDealer(args);
  return Usage();
}
