// Dealer facts benchmark (the dealer-facts issue): what a dealer lookup
// costs by where it is answered, against the floor of an authenticated RPC.
//
// The bench starts a real redis-server and three customer-records servers
// as separate processes (this binary with --serve): one reading the
// database on every call, one with the in-process near-cache, one with
// Redis only. Each also serves an echo RPC through the same serving path
// (token verification, permission check, worker pool) as GetDealer, so the
// ratio shows our work, not the stack's. The client side, in this process:
//
//   echo (floor)                 the authenticated echo RPC
//   GetDealer, database          customer records reading SQLite per call
//   GetDealer, near-cache        served from the server's near-cache
//   GetDealer, Redis only        served from Redis (near-cache off)
//   Redis GET (bare)             one hiredis GET of a dealer entry
//   directory, near-cache hit    CachedDealerDirectory::Get in this process
//   directory, Redis hit         the same with the near-cache off
//
// each at 8 and 32 concurrent callers. Everything shares this machine's
// cores; compare rows of one run, not runs on different machines.
//
//   build/bench/dealer_directory_bench --duration_s=5
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "bench/loadgen.h"
#include "common/auth/permissions.h"
#include "common/cache/cache.h"
#include "common/config/settings.h"
#include "common/grpc/identity.h"
#include "common/grpc/server_host.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/log/log.h"
#include "common/redis/redis_client.h"
#include "common/storage/database.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/echo/v1/echo_service.grpc.pb.h"
#include "services/customer_records/client/cached_dealer_directory.h"
#include "services/customer_records/customer_records_module.h"

ABSL_FLAG(int, duration_s, 5, "measured seconds per scenario");
ABSL_FLAG(int, warmup_s, 1, "warm-up seconds per scenario");
ABSL_FLAG(int, dealers, 2000, "dealers read by the scenarios");
ABSL_FLAG(std::string, concurrency, "8,32", "concurrent callers, per run");
// Server mode (used by the bench itself).
ABSL_FLAG(std::string, serve, "", "db, near or redis: serve, do not measure");
ABSL_FLAG(std::string, redis_url, "", "Redis of the server mode");
ABSL_FLAG(std::string, database_url, "", "database of the server mode");

namespace qudao::bench {
namespace {

namespace pb = ::qudao::customer::v1;

// The echo RPC served the way every qudao RPC is (authenticated, checked
// against a permission table, on the worker pool).
const auth::PermissionTable& EchoPermissions() {
  static const auto* table = new auth::PermissionTable(
      echo::v1::EchoService::service_full_name(),
      {{"Echo", auth::Access::kRead,
        auth::RoleSet::Staff().Union({auth::Role::kCreditControlService,
                                      auth::Role::kPricingService,
                                      auth::Role::kDealerSupportService,
                                      auth::Role::kCustomerRecordsService}),
        auth::PartnerAccess::kNone, "", "", ""}});
  return *table;
}

class ServedEcho final : public ServedService<echo::v1::EchoService> {
 public:
  explicit ServedEcho(Serving serving) : ServedService(serving) {
    Handle<echo::v1::EchoRequest, echo::v1::EchoResponse>(
        "Echo", [](const qudao::Call&, const echo::v1::EchoRequest& request,
                   echo::v1::EchoResponse* response) {
          response->set_payload(request.payload());
          return absl::OkStatus();
        });
  }
};

absl::Notification* stop_serving = nullptr;

int Serve() {
  log::SetLevel("error");
  const std::string mode = absl::GetFlag(FLAGS_serve);
  metrics::Registry registry;
  WorkerPool workers(16);
  ModuleEnvironment env;
  env.database_url = absl::GetFlag(FLAGS_database_url);
  env.workers = &workers;
  env.metrics = &registry;
  // The measuring process's test issuer (its keys, via --jwks_file).
  auto identity = IdentityFromSettings(/*require_verifier=*/true);
  if (!identity.ok()) {
    std::fprintf(stderr, "%s\n", identity.status().ToString().c_str());
    return 1;
  }
  env.verifier = identity->verifier.get();
  env.near_cache_entries = mode == "near" ? 100000 : 0;
  if (mode == "redis") {
    auto shared = SharedCacheFromSetting(absl::GetFlag(FLAGS_redis_url));
    if (!shared.ok() || *shared == nullptr) return 1;
    env.cache = *shared;
  }
  auto module = customer::NewCustomerRecordsModule(env);
  if (!module.ok()) {
    std::fprintf(stderr, "%s\n", module.status().ToString().c_str());
    return 1;
  }
  auto echo_db = storage::OpenDatabase(absl::StrCat(
      "sqlite://", absl::GetFlag(FLAGS_database_url).substr(9), ".echo"));
  if (!echo_db.ok()) return 1;
  Serving serving;
  serving.workers = &workers;
  serving.verifier = env.verifier;
  serving.permissions = &EchoPermissions();
  serving.database = echo_db->get();
  ServedEcho echo(serving);
  HostOptions options;
  options.listen = "127.0.0.1:0";
  ServiceHost host(options, &registry);
  host.AddService(&echo);
  host.AddModule(module->get());
  if (!host.Start().ok()) return 1;
  std::printf("{\"grpc_port\":%d}\n", host.grpc_port());
  std::fflush(stdout);
  static absl::Notification stop;
  stop_serving = &stop;
  std::signal(SIGTERM, [](int) { stop_serving->Notify(); });
  stop.WaitForNotification();
  host.Shutdown();
  return 0;
}

struct Server {
  std::unique_ptr<testing::ChildProcess> process;
  std::shared_ptr<grpc::Channel> channel;
  std::string target;
};

absl::StatusOr<Server> StartServer(const std::string& self,
                                   const std::string& mode,
                                   const std::string& dir,
                                   const std::string& redis_url) {
  Server s;
  std::vector<std::string> argv = {
      self, absl::StrCat("--serve=", mode),
      absl::StrCat("--redis_url=", redis_url),
      absl::StrCat("--database_url=sqlite://", dir, "/", mode, ".db")};
  for (const std::string& flag : testing::TestIdentity::Get().ServiceFlags()) {
    argv.push_back(flag);
  }
  auto child =
      testing::ChildProcess::Start(argv, absl::StrCat(dir, "/", mode, ".log"));
  if (!child.ok()) return child.status();
  s.process = std::move(*child);
  absl::StatusOr<int> port =
      testing::WaitForLoggedPort(*s.process, "grpc_port", absl::Seconds(30));
  if (!port.ok()) return port.status();
  s.target = absl::StrCat("127.0.0.1:", *port);
  s.channel = testing::ChannelWithToken(
      s.target, testing::TestIdentity::Get().StaffToken());
  return s;
}

pb::CreateDealerRequest NewDealer(int i) {
  pb::CreateDealerRequest req;
  pb::Dealer* d = req.mutable_dealer();
  d->set_legal_name(absl::StrCat("Bench dealer ", i));
  d->mutable_region()->set_province(i % 2 ? "Zhejiang" : "Jiangsu");
  d->mutable_region()->set_city("Hangzhou");
  d->mutable_region()->set_sales_territory("EAST-2");
  d->set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  d->set_owner("rep.bench");
  req.set_request_id(absl::StrCat("bench-", i));
  return req;
}

// The same dealers (same ids) cannot be made on three servers; each server
// gets its own, and the scenarios read each server's own list.
absl::StatusOr<std::vector<std::string>> Seed(const Server& server, int n) {
  auto stub = pb::CustomerRecordsService::NewStub(server.channel);
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    pb::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = stub->CreateDealer(&ctx, NewDealer(i), &out);
    if (!s.ok()) return absl::InternalError(s.error_message());
    ids.push_back(out.dealer_id());
  }
  return ids;
}

const std::string& Pick(const std::vector<std::string>& ids, int worker,
                        int64_t seq) {
  return ids[(static_cast<size_t>(worker) * 7919 + static_cast<size_t>(seq)) %
             ids.size()];
}

int Measure(const char* self) {
  log::SetLevel("error");
  auto dir = testing::TempDir::Create("qudao-dir-bench");
  auto redis = testing::RedisServer::Start();
  if (!dir.ok() || !redis.ok()) {
    std::fprintf(stderr, "cannot start: %s\n",
                 redis.ok() ? dir.status().ToString().c_str()
                            : redis.status().ToString().c_str());
    return 1;
  }
  const std::string redis_url = (*redis)->Url();
  std::vector<Server> servers;
  std::vector<std::vector<std::string>> ids;
  for (const char* mode : {"db", "near", "redis"}) {
    auto server = StartServer(self, mode, dir->path(), redis_url);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    auto seeded = Seed(*server, absl::GetFlag(FLAGS_dealers));
    if (!seeded.ok()) {
      std::fprintf(stderr, "%s\n", seeded.status().ToString().c_str());
      return 1;
    }
    servers.push_back(std::move(*server));
    ids.push_back(std::move(*seeded));
  }
  const Server& near_server = servers[1];
  const Server& redis_server = servers[2];

  // The in-process directory of a consuming service, as its own account.
  ServiceClientOptions client_options;
  client_options.own_token =
      testing::TestIdentity::Get().TestServiceTokenSource();
  const std::string redis_target = redis_server.target;
  customer::CustomerRecordsClient client(
      [redis_target] { return redis_target; }, client_options);
  auto shared = SharedCacheFromSetting(redis_url);
  if (!shared.ok()) return 1;
  ReadThroughOptions near_options = customer::DealerCacheOptions();
  near_options.near_entries = 100000;
  customer::CachedDealerDirectory near_directory(
      &client, *shared, nullptr, nullptr, &Clock::Real(), near_options);
  ReadThroughOptions redis_options = customer::DealerCacheOptions();
  redis_options.near_entries = 0;
  customer::CachedDealerDirectory redis_directory(
      &client, *shared, nullptr, nullptr, &Clock::Real(), redis_options);
  RedisClient bare(RedisAddress::Parse(redis_url).value(),
                   absl::Milliseconds(50));
  const std::vector<std::string>& redis_ids = ids[2];
  // Warm Redis and the near-cache with the Redis server's dealers.
  for (const std::string& id : redis_ids) {
    (void)near_directory.Get(CallContext{}, id);
  }

  std::vector<int> levels;
  for (absl::string_view c :
       absl::StrSplit(absl::GetFlag(FLAGS_concurrency), ',')) {
    int n = 0;
    if (absl::SimpleAtoi(c, &n) && n > 0) levels.push_back(n);
  }
  std::printf(
      "qudao dealer_directory_bench: dealers=%zu duration=%ds, servers in "
      "separate processes over loopback, Redis %s\n\n",
      redis_ids.size(), absl::GetFlag(FLAGS_duration_s), redis_url.c_str());
  const std::string payload(64, 'x');
  for (int concurrency : levels) {
    LoadOptions load;
    load.concurrency = concurrency;
    load.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
    load.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_s));
    std::vector<LoadResult> results;
    auto echo = echo::v1::EchoService::NewStub(near_server.channel);
    results.push_back(
        RunLoad("echo (floor, authenticated)", load, [&](int, int64_t) {
          echo::v1::EchoRequest req;
          req.set_payload(payload);
          echo::v1::EchoResponse resp;
          grpc::ClientContext ctx;
          return echo->Echo(&ctx, req, &resp);
        }));
    for (size_t s = 0; s < servers.size(); ++s) {
      static const char* kNames[] = {"GetDealer, database",
                                     "GetDealer, near-cache",
                                     "GetDealer, Redis only"};
      auto stub = pb::CustomerRecordsService::NewStub(servers[s].channel);
      const std::vector<std::string>& mine = ids[s];
      results.push_back(RunLoad(kNames[s], load, [&](int w, int64_t seq) {
        pb::GetDealerRequest req;
        req.set_dealer_id(Pick(mine, w, seq));
        pb::Dealer resp;
        grpc::ClientContext ctx;
        return stub->GetDealer(&ctx, req, &resp);
      }));
    }
    results.push_back(
        RunLoad("Redis GET (bare)", load, [&](int w, int64_t seq) {
          auto reply = bare.Command(
              {"HMGET",
               absl::StrCat("qudao:", customer::kDealerCacheKeyPrefix,
                            Pick(redis_ids, w, seq)),
               "r", "v"});
          return reply.ok()
                     ? grpc::Status::OK
                     : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    std::string(reply.status().message()));
        }));
    results.push_back(
        RunLoad("directory, near-cache hit (in-process)", load,
                [&](int w, int64_t seq) {
                  return ToGrpcStatus(
                      near_directory.Get(CallContext{}, Pick(redis_ids, w, seq))
                          .status());
                }));
    results.push_back(
        RunLoad("directory, Redis hit", load, [&](int w, int64_t seq) {
          return ToGrpcStatus(
              redis_directory.Get(CallContext{}, Pick(redis_ids, w, seq))
                  .status());
        }));
    PrintTable(results);
    std::printf("\n");
  }
  for (Server& s : servers) (void)s.process->Signal(SIGTERM);
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  qudao::ParseFlags(argc, argv);
  if (!absl::GetFlag(FLAGS_serve).empty()) return qudao::bench::Serve();
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return 1;
  self[n] = '\0';
  return qudao::bench::Measure(self);
}
