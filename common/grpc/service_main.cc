// RunServiceMain; see service_main.h.
#include "common/grpc/service_main.h"

#include <cstdio>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config/settings.h"
#include "common/grpc/server_host.h"
#include "common/log/log.h"

namespace qudao {

int RunServiceMain(int argc, char** argv, const ServiceBinary& binary) {
  absl::SetProgramUsageMessage(
      absl::StrCat("qudao ", binary.name,
                   " service. Flags may also be set "
                   "through QUDAO_* environment variables."));
  absl::ParseCommandLine(argc, argv);
  BlockShutdownSignals();

  const std::string level =
      Setting(absl::GetFlag(FLAGS_log_level), "QUDAO_LOG_LEVEL", "info");
  if (!log::SetLevel(level)) {
    log::Error("unknown log level", {{"log_level", level}});
    return 2;
  }

  metrics::Registry registry;
  WorkerPool workers(absl::GetFlag(FLAGS_worker_threads));
  ModuleEnvironment env;
  env.database_url =
      Setting(absl::GetFlag(FLAGS_database), "QUDAO_DATABASE_URL",
              absl::StrCat("sqlite://qudao-data/", binary.name, ".db"));
  env.workers = &workers;
  const std::string pool_size =
      Setting(absl::GetFlag(FLAGS_db_pool_size) > 0
                  ? absl::StrCat(absl::GetFlag(FLAGS_db_pool_size))
                  : "",
              "QUDAO_DB_POOL_SIZE", "8");
  if (!absl::SimpleAtoi(pool_size, &env.database_options.pool_size) ||
      env.database_options.pool_size <= 0) {
    log::Error("bad database pool size", {{"db_pool_size", pool_size}});
    return 2;
  }
  env.metrics = &registry;
  const std::string redis =
      Setting(absl::GetFlag(FLAGS_redis), "QUDAO_REDIS_URL", "");
  auto cache = CacheFromSetting(redis);
  if (!cache.ok()) {
    log::Error("bad cache setting", {{"error", cache.status().ToString()}});
    return 2;
  }
  env.cache = *std::move(cache);
  log::Info("cache", {{"backend", redis.empty() ? "in-process" : "redis"}});

  auto module = binary.factory(env);
  if (!module.ok()) {
    log::Error("cannot start", {{"service", binary.name},
                                {"error", module.status().ToString()}});
    return 1;
  }

  HostOptions options;
  options.listen = Setting(absl::GetFlag(FLAGS_listen), "QUDAO_LISTEN",
                           binary.default_listen);
  options.admin_listen = Setting(absl::GetFlag(FLAGS_admin_listen),
                                 "QUDAO_ADMIN_LISTEN", binary.default_admin);
  ServiceHost host(options, &registry);
  host.AddModule(module->get());
  if (absl::Status s = host.Start(); !s.ok()) {
    log::Error("cannot start",
               {{"service", binary.name}, {"error", s.ToString()}});
    return 1;
  }
  log::Info("serving", {{"service", binary.name},
                        {"grpc_port", host.grpc_port()},
                        {"admin_port", host.admin_port()}});
  const int signo = WaitForShutdownSignal();
  log::Info("shutting down", {{"service", binary.name}, {"signal", signo}});
  ExitIfShutdownStalls(options.shutdown_grace + absl::Seconds(5));
  host.Shutdown();
  return 0;
}

}  // namespace qudao
