// RPC benchmark: the echo floor and the customer records RPCs, served by a
// real gRPC server in this process over loopback, with the store on SQLite
// (default) or on a PostgreSQL started for the run (--backend=postgres).
// Prints one table. Client and server share the machine's cores, as they
// would on one node; compare rows with each other, not with other machines.
//
//   build/bench/rpc_bench --concurrency=8 --duration_s=5
#include <cstdio>
#include <memory>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_database.h"
#include "bench/echo_service.h"
#include "bench/loadgen.h"
#include "common/grpc/client.h"
#include "common/grpc/server_host.h"
#include "common/grpc/status.h"
#include "common/log/log.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/customer_records_module.h"

ABSL_FLAG(int, concurrency, 8, "concurrent client workers");
ABSL_FLAG(int, duration_s, 5, "measured seconds per scenario");
ABSL_FLAG(int, warmup_s, 1, "warm-up seconds per scenario");
ABSL_FLAG(std::string, backend, "sqlite", "sqlite or postgres");
ABSL_FLAG(int, seed_dealers, 2000, "dealers created before the read scenarios");

namespace qudao::bench {
namespace {

namespace pb = ::qudao::customer::v1;

pb::CreateDealerRequest NewDealer(int worker, int64_t seq) {
  pb::CreateDealerRequest req;
  pb::Dealer* d = req.mutable_dealer();
  d->set_legal_name(absl::StrCat("Bench dealer ", worker, "-", seq));
  d->mutable_region()->set_province(seq % 2 ? "Zhejiang" : "Jiangsu");
  d->mutable_region()->set_city("Hangzhou");
  d->set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  d->set_owner("rep.bench");
  req.set_request_id(absl::StrCat("bench-", worker, "-", seq, "-",
                                  absl::ToUnixNanos(absl::Now())));
  return req;
}

int Run() {
  log::SetLevel("error");
  auto bench_db = BenchDatabase::Create(absl::GetFlag(FLAGS_backend));
  if (!bench_db.ok()) {
    std::fprintf(stderr, "%s\n", bench_db.status().ToString().c_str());
    return 1;
  }
  const std::string url = (*bench_db)->url();

  metrics::Registry registry;
  WorkerPool workers(16);
  ModuleEnvironment env;
  env.database_url = url;
  env.workers = &workers;
  env.metrics = &registry;
  // Calls are authenticated as in production (tokens of a test issuer).
  env.verifier = testing::TestIdentity::Get().verifier();
  auto module = customer::NewCustomerRecordsModule(env);
  if (!module.ok()) {
    std::fprintf(stderr, "%s\n", module.status().ToString().c_str());
    return 1;
  }
  EchoService echo;
  HostOptions options;
  options.listen = "127.0.0.1:0";
  ServiceHost host(options, &registry);
  host.AddService(&echo);
  host.AddModule(module->get());
  if (!host.Start().ok()) return 1;
  const std::string staff_token = testing::TestIdentity::Get().StaffToken();
  auto channel = testing::ChannelWithToken(
      absl::StrCat("127.0.0.1:", host.grpc_port()), staff_token);
  auto echo_stub = echo::v1::EchoService::NewStub(channel);
  auto dealers = pb::CustomerRecordsService::NewStub(channel);

  std::vector<std::string> ids;
  for (int i = 0; i < absl::GetFlag(FLAGS_seed_dealers); ++i) {
    pb::Dealer out;
    grpc::ClientContext ctx;
    if (!dealers->CreateDealer(&ctx, NewDealer(-1, i), &out).ok()) return 1;
    ids.push_back(out.dealer_id());
  }

  LoadOptions load;
  load.concurrency = absl::GetFlag(FLAGS_concurrency);
  load.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  load.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_s));
  std::printf(
      "qudao rpc_bench: backend=%s seed_dealers=%zu concurrency=%d "
      "duration=%ds\n\n",
      absl::GetFlag(FLAGS_backend).c_str(), ids.size(), load.concurrency,
      absl::GetFlag(FLAGS_duration_s));

  std::vector<LoadResult> results;
  const std::string payload(64, 'x');
  results.push_back(RunLoad("echo (floor)", load, [&](int, int64_t) {
    echo::v1::EchoRequest req;
    req.set_payload(payload);
    echo::v1::EchoResponse resp;
    grpc::ClientContext ctx;
    return echo_stub->Echo(&ctx, req, &resp);
  }));
  // The bare stub with the context every outgoing call carries (deadline,
  // correlation id): what the client layer adds is measured against this.
  results.push_back(RunLoad("echo, outgoing context", load, [&](int, int64_t) {
    echo::v1::EchoRequest req;
    req.set_payload(payload);
    echo::v1::EchoResponse resp;
    auto ctx = OutgoingContext(CallContext{}, absl::Seconds(5));
    return echo_stub->Echo(ctx.get(), req, &resp);
  }));
  // The same echo through the layer every service-to-service call takes
  // (deadline, correlation id, retry of idempotent calls, circuit breaker).
  const std::string target = absl::StrCat("127.0.0.1:", host.grpc_port());
  ServiceClient echo_client("echo", [target] { return target; });
  results.push_back(RunLoad("echo via ServiceClient", load, [&](int, int64_t) {
    echo::v1::EchoRequest req;
    req.set_payload(payload);
    echo::v1::EchoResponse resp;
    absl::Status s = echo_client.Call(
        CallContext{}, Idempotency::kIdempotent, [&](grpc::ClientContext& ctx) {
          return echo_stub->Echo(&ctx, req, &resp);
        });
    return ToGrpcStatus(s);
  }));
  results.push_back(
      RunLoad("customer.GetDealer", load, [&](int w, int64_t seq) {
        pb::GetDealerRequest req;
        req.set_dealer_id(
            ids[(static_cast<size_t>(w) * 7919 + seq) % ids.size()]);
        pb::Dealer resp;
        grpc::ClientContext ctx;
        return dealers->GetDealer(&ctx, req, &resp);
      }));
  customer::CustomerRecordsClient typed([target] { return target; });
  CallContext as_staff;
  as_staff.authorization = staff_token;
  results.push_back(RunLoad(
      "customer.GetDealer via typed client", load, [&](int w, int64_t seq) {
        return ToGrpcStatus(
            typed
                .GetDealer(
                    as_staff,
                    ids[(static_cast<size_t>(w) * 7919 + seq) % ids.size()])
                .status());
      }));
  results.push_back(
      RunLoad("customer.ListDealers(50)", load, [&](int, int64_t) {
        pb::ListDealersRequest req;
        req.set_page_size(50);
        pb::ListDealersResponse resp;
        grpc::ClientContext ctx;
        return dealers->ListDealers(&ctx, req, &resp);
      }));
  results.push_back(
      RunLoad("customer.CreateDealer", load, [&](int w, int64_t seq) {
        pb::Dealer resp;
        grpc::ClientContext ctx;
        return dealers->CreateDealer(&ctx, NewDealer(w, seq), &resp);
      }));
  PrintTable(results);
  host.Shutdown();
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
