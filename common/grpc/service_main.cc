// RunServiceMain; see service_main.h.
#include "common/grpc/service_main.h"

#include <cstdio>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/config/settings.h"
#include "common/events/event_bus.h"
#include "common/failpoint/failpoint.h"
#include "common/grpc/identity.h"
#include "common/grpc/server_host.h"
#include "common/log/log.h"
#include "common/proto/conversion.h"

namespace qudao {

int RunServiceMain(int argc, char** argv, const ServiceBinary& binary) {
  absl::SetProgramUsageMessage(
      absl::StrCat("qudao ", binary.name,
                   " service. Flags may also be set "
                   "through QUDAO_* environment variables."));
  ParseFlags(argc, argv);
  InstallProtobufLogHandler();
  // absl::Mutex keeps a lock-order graph at every acquisition to report
  // deadlocks when absl is built without NDEBUG, as Debian's is (1–2% of a
  // quote's CPU). Tests keep it: they run the same modules in-process.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  BlockShutdownSignals();

  const std::string level = Setting("log_level", "QUDAO_LOG_LEVEL", "info");
  if (!log::SetLevel(level)) {
    log::Error("unknown log level", {{"log_level", level}});
    return 2;
  }
  const absl::StatusOr<int> workers =
      IntSetting("worker_threads", "QUDAO_WORKER_THREADS", 16, 1);
  const absl::StatusOr<int> pool_size =
      IntSetting("db_pool_size", "QUDAO_DB_POOL_SIZE", 8, 1);
  const absl::StatusOr<bool> relay =
      BoolSetting("outbox_relay", "QUDAO_OUTBOX_RELAY", true);
  const absl::StatusOr<int> near_cache =
      IntSetting("near_cache_entries", "QUDAO_NEAR_CACHE_ENTRIES", 10000, 0);
  const absl::StatusOr<int> job_interval =
      IntSetting("job_interval_seconds", "QUDAO_JOB_INTERVAL_SECONDS", 30, 1);
  for (const absl::Status& s :
       {workers.status(), pool_size.status(), relay.status(),
        near_cache.status(), job_interval.status()}) {
    if (!s.ok()) {
      log::Error("bad setting", {{"error", s.ToString()}});
      return 2;
    }
  }
  auto calendar = BusinessCalendar::Create(
      Setting("time_zone", "QUDAO_TIME_ZONE", kDefaultBusinessTimeZone));
  if (!calendar.ok()) {
    log::Error("bad setting", {{"error", calendar.status().ToString()}});
    return 2;
  }
  metrics::Registry registry;
  WorkerPool worker_pool(*workers);
  ModuleEnvironment env;
  env.database_url =
      Setting("database", "QUDAO_DATABASE_URL",
              absl::StrCat("sqlite://qudao-data/", binary.name, ".db"));
  env.workers = &worker_pool;
  env.database_options.pool_size = *pool_size;
  env.metrics = &registry;
  env.calendar = &*calendar;
  env.target_of = [](const std::string& service) {
    return ServiceTarget(service);
  };
  // Unset and empty both mean no Redis here; the distinction matters where
  // a default would pick one (scripts/dev.sh).
  const std::string redis = Setting("redis", "QUDAO_REDIS_URL", "");
  auto cache = SharedCacheFromSetting(redis);
  if (!cache.ok()) {
    log::Error("bad cache setting", {{"error", cache.status().ToString()}});
    return 2;
  }
  env.cache = *std::move(cache);
  const std::string event_bus =
      Setting("event_bus", "QUDAO_EVENT_BUS_URL", redis);
  // Without Redis there is no bus between processes: the service's own feed
  // is published in-process (Module::PublishChangeFeed) and followers of
  // other services' feeds poll them.
  if (!event_bus.empty()) {
    auto bus = events::EventBusFromSetting(event_bus);
    if (!bus.ok()) {
      log::Error("bad event bus setting", {{"error", bus.status().ToString()}});
      return 2;
    }
    env.events = *std::move(bus);
  }
  env.publish_outbox = *relay;
  env.near_cache_entries = static_cast<size_t>(*near_cache);
  auto identity = IdentityFromSettings(/*require_verifier=*/true);
  if (!identity.ok()) {
    log::Error("bad identity setting",
               {{"error", identity.status().ToString()}});
    return 2;
  }
  env.verifier = identity->verifier.get();
  env.service_token = identity->service_token;
  HostOptions options;
  options.job_interval = absl::Seconds(*job_interval);
  // Tests only (see common/failpoint): said loudly, never silently armed.
  if (!ArmedFailpoints().empty()) {
    log::Warning("failpoints armed: this process kills itself at them",
                 {{"failpoints", absl::StrJoin(ArmedFailpoints(), ",")}});
  }
  if (absl::Status tls = TlsFromSettings(&options); !tls.ok()) {
    log::Error("bad TLS setting", {{"error", tls.ToString()}});
    return 2;
  }
  const absl::StatusOr<bool> reflection =
      BoolSetting("reflection", "QUDAO_REFLECTION", false);
  if (!reflection.ok()) {
    log::Error("bad setting", {{"error", reflection.status().ToString()}});
    return 2;
  }
  options.reflection = *reflection;
  log::Info("event bus",
            {{"backend", event_bus.empty() ? "in-process" : "redis"}});
  log::Info("cache", {{"backend", redis.empty() ? "in-process" : "redis"}});
  auto module = binary.factory(env);
  if (!module.ok()) {
    log::Error("cannot start", {{"service", binary.name},
                                {"error", module.status().ToString()}});
    return 1;
  }

  options.listen = Setting("listen", "QUDAO_LISTEN", binary.default_listen);
  // An empty admin address turns the admin port off.
  options.admin_listen =
      Setting("admin_listen", "QUDAO_ADMIN_LISTEN", binary.default_admin);
  ServiceHost host(options, &registry);
  host.AddModule(module->get());
  if (absl::Status s = host.Start(); !s.ok()) {
    log::Error("cannot start",
               {{"service", binary.name}, {"error", s.ToString()}});
    return 1;
  }
  log::Info("serving", {{"service", binary.name},
                        {"grpc_port", host.grpc_port()},
                        {"admin_port", host.admin_port()},
                        {"tls", options.tls_cert_pem.empty() ? "off" : "on"},
                        {"reflection", options.reflection ? "on" : "off"}});
  const int signo = WaitForShutdownSignal();
  log::Info("shutting down", {{"service", binary.name}, {"signal", signo}});
  ExitIfShutdownStalls(options.shutdown_grace + absl::Seconds(5));
  host.Shutdown();
  return 0;
}

}  // namespace qudao
