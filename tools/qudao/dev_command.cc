// `qudao dev`: the whole platform in one process (see dev_server.h).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/grpc/server_host.h"
#include "common/log/log.h"
#include "tools/qudao/cli.h"
#include "tools/qudao/dev_server.h"

namespace qudao::cli {

void AddDevCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "dev", "run the whole platform locally on embedded SQLite");
  auto options = std::make_shared<DevServerOptions>();
  cmd->add_option("--data_dir", options->data_dir,
                  "directory of the embedded SQLite databases")
      ->capture_default_str();
  cmd->add_option("--grpc_listen", options->grpc_listen,
                  "gRPC address serving all four services")
      ->capture_default_str();
  cmd->add_option("--http_listen", options->http_listen,
                  "partner gateway HTTP address")
      ->capture_default_str();
  cmd->add_option("--admin_listen", options->admin_listen,
                  "admin address (/metrics, /healthz, /readyz)")
      ->capture_default_str();
  auto* redis = cmd->add_option(
      "--redis", options->redis_url,
      "Redis URL for the shared cache; empty for the in-process cache "
      "[env QUDAO_REDIS_URL]");
  cmd->callback([options, redis, exit_code] {
    // The flag wins, even empty; otherwise the variable, even empty.
    if (redis->count() == 0) {
      if (const char* env = std::getenv("QUDAO_REDIS_URL")) {
        options->redis_url = env;
      }
    }
    BlockShutdownSignals();
    DevServer server(*options);
    if (absl::Status s = server.Start(); !s.ok()) {
      log::Error("qudao dev cannot start", {{"error", s.ToString()}});
      *exit_code = 1;
      return;
    }
    std::fprintf(
        stderr,
        "\nqudao dev is running (data in %s)\n"
        "  gRPC (all services): 127.0.0.1:%d\n"
        "  partner gateway:     http://127.0.0.1:%d/v1/dealers/{id}\n"
        "  metrics:             http://127.0.0.1:%d/metrics\n"
        "  cache:               %s\n"
        "Every call needs a token; get one from this dev issuer:\n"
        "  qudao login --data_dir=%s --as=li.wei --role=sales_manager\n"
        "Then: qudao dealer create --name='Acme' --province=Zhejiang "
        "--city=Hangzhou\nCtrl-C stops it.\n\n",
        options->data_dir.c_str(), server.grpc_port(), server.http_port(),
        server.admin_port(),
        options->redis_url.empty() ? "in-process" : options->redis_url.c_str(),
        options->data_dir.c_str());
    log::Info("serving", {{"service", "qudao dev"},
                          {"grpc_port", server.grpc_port()},
                          {"http_port", server.http_port()},
                          {"admin_port", server.admin_port()}});
    const int signo = WaitForShutdownSignal();
    log::Info("qudao dev shutting down", {{"signal", signo}});
    ExitIfShutdownStalls(absl::Seconds(15));
    server.Shutdown();
  });
}

}  // namespace qudao::cli
