// common/grpc over real gRPC on loopback: the status mapping (reason and
// field trailers), the observability interceptor (correlation ids, access
// metrics), the serving helper's log context, and outgoing contexts (deadline
// from the incoming call, correlation id and trace context forwarded).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/client.h"
#include "common/grpc/observability.h"
#include "common/grpc/server_host.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/status/status.h"
#include "common/storage/migrations.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/echo/v1/echo_service.grpc.pb.h"

namespace qudao {
namespace {

using echo::v1::EchoRequest;
using echo::v1::EchoResponse;
using echo::v1::EchoService;
using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;

std::string MetadataValue(const grpc::ServerContextBase& ctx,
                          const std::string& key) {
  auto it = ctx.client_metadata().find(key);
  if (it == ctx.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Behaves by payload:
//   "fail"        → FAILED_PRECONDITION, reason TEST_REASON, field "x.y"
//   "whoami"      → its correlation id, after writing a log line
//   "seen"        → "<correlation id>|<traceparent>|<ms to deadline>"
//   "relay:PORT"  → calls "seen" on 127.0.0.1:PORT with a context derived
//                   from this call (OutgoingContext, at most 1 s) and
//                   returns that answer
// Echo is open to staff, not to service accounts or partners.
const auth::PermissionTable& EchoPermissions() {
  static const auto* table = new auth::PermissionTable(
      EchoService::service_full_name(),
      {{"Echo", auth::Access::kRead, auth::RoleSet::Staff(),
        auth::PartnerAccess::kNone, "", "", ""}});
  return *table;
}

// The platform tables (the audit trail) in a temp dir.
std::unique_ptr<storage::Database> TestDatabase() {
  static auto* dir =
      new testing::TempDir(testing::TempDir::Create("qudao-grpc-test").value());
  static int n = 0;
  auto db = storage::OpenDatabase(
      absl::StrCat("sqlite://", dir->path(), "/db", ++n, ".sqlite"));
  if (!db.ok() || !storage::ApplyMigrations(**db, "echo", {}).ok()) {
    std::abort();
  }
  return *std::move(db);
}

class TestService final : public ServedService<EchoService> {
 public:
  TestService(WorkerPool* workers, storage::Database* db)
      : ServedService(Serving{workers, testing::TestIdentity::Get().verifier(),
                              &EchoPermissions(), db}) {
    Handle<EchoRequest, EchoResponse>(
        "Echo", [this](const Call& call, const EchoRequest& request,
                       EchoResponse* response) {
          return HandleEcho(call.context, request, response);
        });
  }
  void set_port(int port) { port_ = port; }

  absl::Status HandleEcho(grpc::CallbackServerContext* context,
                          const EchoRequest& request, EchoResponse* response) {
    {
      const std::string& p = request.payload();
      if (p == "fail") {
        return WithField(Refusal(absl::StatusCode::kFailedPrecondition,
                                 "TEST_REASON", "x.y: not now"),
                         "x.y");
      }
      if (p == "leak") {
        return absl::UnavailableError(
            "could not connect to server at 10.0.0.5:5432: Connection "
            "refused (libpq)");
      }
      if (p == "explained") {
        return WithReason(absl::UnavailableError("customer_records is down"),
                          "BACKEND_UNAVAILABLE");
      }
      if (p == "refuse") {
        return absl::InvalidArgumentError("payload: refused");
      }
      if (p == "slow") {
        absl::SleepFor(absl::Seconds(2));
        return absl::OkStatus();
      }
      if (p == "port") {
        response->set_payload(absl::StrCat(port_));
        return absl::OkStatus();
      }
      if (p == "whoami") {
        log::Info("handler line");
        response->set_payload(CorrelationIdOf(*context));
        return absl::OkStatus();
      }
      if (p == "seen") {
        const auto left =
            context->deadline() - std::chrono::system_clock::now();
        response->set_payload(absl::StrCat(
            CorrelationIdOf(*context), "|",
            MetadataValue(*context, kTraceparentKey), "|",
            std::chrono::duration_cast<std::chrono::milliseconds>(left)
                .count()));
        return absl::OkStatus();
      }
      if (p.rfind("relay:", 0) == 0) {
        auto stub = EchoService::NewStub(
            SharedChannel(absl::StrCat("127.0.0.1:", p.substr(6))));
        auto ctx = OutgoingContext(*context, absl::Seconds(1));
        EchoRequest seen;
        seen.set_payload("seen");
        EchoResponse out;
        grpc::Status s = stub->Echo(ctx.get(), seen, &out);
        if (!s.ok()) return FromGrpcCall(s, *ctx);
        response->set_payload(out.payload());
        return absl::OkStatus();
      }
      response->set_payload(p);
      return absl::OkStatus();
    }
  }

 private:
  int port_ = 0;
};

class GrpcCommonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      services_.push_back(std::make_unique<TestService>(&workers_, db_.get()));
      HostOptions options;
      options.listen = "127.0.0.1:0";
      options.shutdown_grace = absl::Seconds(1);
      hosts_.push_back(std::make_unique<ServiceHost>(options, &registry_));
      hosts_.back()->AddService(services_.back().get());
      ASSERT_TRUE(hosts_.back()->Start().ok());
      services_.back()->set_port(hosts_.back()->grpc_port());
    }
    stub_ = EchoService::NewStub(testing::ChannelWithToken(
        absl::StrCat("127.0.0.1:", hosts_[0]->grpc_port()),
        testing::TestIdentity::Get().StaffToken()));
  }

  grpc::Status Call(const std::string& payload, std::string* out,
                    grpc::ClientContext* ctx) {
    EchoRequest req;
    req.set_payload(payload);
    EchoResponse resp;
    if (ctx->deadline() == std::chrono::system_clock::time_point::max()) {
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
    }
    grpc::Status s = stub_->Echo(ctx, req, &resp);
    *out = resp.payload();
    return s;
  }

  static std::string InitialValue(const grpc::ClientContext& ctx,
                                  const std::string& key) {
    const auto& md = ctx.GetServerInitialMetadata();
    auto it = md.find(key);
    if (it == md.end()) return "";
    return std::string(it->second.data(), it->second.size());
  }

  metrics::Registry registry_;
  WorkerPool workers_{4};
  std::unique_ptr<storage::Database> db_ = TestDatabase();
  std::vector<std::unique_ptr<TestService>> services_;
  std::vector<std::unique_ptr<ServiceHost>> hosts_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(GrpcCommonTest, ErrorsCarryReasonAndFieldToTheCaller) {
  grpc::ClientContext ctx;
  std::string out;
  grpc::Status s = Call("fail", &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "x.y: not now");
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "TEST_REASON");
  EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), "x.y");
  const absl::Status back = FromGrpcCall(s, ctx);
  EXPECT_THAT(back,
              StatusIs(absl::StatusCode::kFailedPrecondition, "TEST_REASON"));
  EXPECT_EQ(FieldOf(back), "x.y");
  // A status without a reason reads as its code's name.
  EXPECT_EQ(ReasonOf(FromGrpcStatus(
                grpc::Status(grpc::StatusCode::NOT_FOUND, "gone"))),
            "NOT_FOUND");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST_F(GrpcCommonTest, TheCallersCorrelationIdIsEchoedAndSeenByTheHandler) {
  grpc::ClientContext ctx;
  ctx.AddMetadata(kCorrelationIdKey, "order-flow-42");
  std::string out;
  ASSERT_TRUE(Call("whoami", &out, &ctx).ok());
  EXPECT_EQ(out, "order-flow-42");
  EXPECT_EQ(InitialValue(ctx, kCorrelationIdKey), "order-flow-42");
}

TEST_F(GrpcCommonTest, AMadeUpCorrelationIdIsTheOneTheHandlerSees) {
  // (gRPC clients refuse control bytes in metadata themselves.)
  for (const std::string& sent :
       {std::string(), std::string("has spaces"), std::string(200, 'x')}) {
    grpc::ClientContext ctx;
    if (!sent.empty()) ctx.AddMetadata(kCorrelationIdKey, sent);
    std::string out;
    ASSERT_TRUE(Call("whoami", &out, &ctx).ok()) << sent;
    EXPECT_THAT(out, ::testing::StartsWith("r-"));
    EXPECT_EQ(InitialValue(ctx, kCorrelationIdKey), out);
  }
}

TEST_F(GrpcCommonTest, DownstreamCallsCarryCorrelationTraceAndDeadline) {
  const std::string relay = absl::StrCat("relay:", hosts_[1]->grpc_port());
  const std::string traceparent =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  {
    // No id from the caller: the one made up upstream travels on.
    grpc::ClientContext ctx;
    ctx.AddMetadata(kTraceparentKey, traceparent);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    std::string out;
    ASSERT_TRUE(Call(relay, &out, &ctx).ok()) << out;
    std::vector<std::string> seen = absl::StrSplit(out, '|');
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], InitialValue(ctx, kCorrelationIdKey));
    EXPECT_THAT(seen[0], ::testing::StartsWith("r-"));
    EXPECT_EQ(seen[1], traceparent);
    int ms = 0;
    ASSERT_TRUE(absl::SimpleAtoi(seen[2], &ms));
    // gRPC sends a deadline as a timeout rounded up to its unit, so the
    // callee may see a little more than the cap; without the cap it would
    // see ~30 s.
    EXPECT_LE(ms, 1100) << "capped at the relay's 1 s";
    EXPECT_GT(ms, 0);
  }
  {
    // A tighter incoming deadline wins over the cap.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(400));
    std::string out;
    ASSERT_TRUE(Call(relay, &out, &ctx).ok()) << out;
    std::vector<std::string> seen = absl::StrSplit(out, '|');
    ASSERT_EQ(seen.size(), 3u);
    int ms = 0;
    ASSERT_TRUE(absl::SimpleAtoi(seen[2], &ms));
    EXPECT_LE(ms, 450);
  }
}

TEST_F(GrpcCommonTest, EveryLogLineWrittenWhileServingCarriesTheCallsId) {
  auto dir = testing::TempDir::Create("grpc-log");
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/stderr";
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  dup2(fd, STDERR_FILENO);
  close(fd);
  grpc::ClientContext ctx;
  ctx.AddMetadata(kCorrelationIdKey, "trace-me-7");
  std::string out;
  grpc::Status s = Call("whoami", &out, &ctx);
  log::Info("outside any call");
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  ASSERT_TRUE(s.ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  bool handler_line = false, outside_line = false;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    if (absl::StrContains(line, "\"handler line\"")) {
      handler_line = true;
      EXPECT_THAT(std::string(line),
                  HasSubstr("\"correlation_id\":\"trace-me-7\""));
    }
    if (absl::StrContains(line, "\"outside any call\"")) {
      outside_line = true;
      EXPECT_THAT(std::string(line),
                  ::testing::Not(HasSubstr("correlation_id")));
    }
  }
  EXPECT_TRUE(handler_line) << text.str();
  EXPECT_TRUE(outside_line) << text.str();
}

TEST_F(GrpcCommonTest, CallsAreCountedByMethodAndCode) {
  std::string out;
  for (const char* payload : {"a", "b", "fail"}) {
    grpc::ClientContext ctx;
    (void)Call(payload, &out, &ctx);
  }
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_method=\"/"
                              "qudao.echo.v1.EchoService/Echo\",grpc_code="
                              "\"OK\"} 2"));
  EXPECT_THAT(text, HasSubstr("grpc_code=\"FAILED_PRECONDITION\"} 1"));
}

// A fault's detail (hosts, SQL, library text) stays in the server's log;
// the caller gets a message it can act on, quoting the correlation id. A
// status that explains itself (its own reason) passes as it is.
TEST_F(GrpcCommonTest, ServerFaultsReachCallersWithoutInternalDetail) {
  grpc::ClientContext ctx;
  ctx.AddMetadata(kCorrelationIdKey, "trace-leak-1");
  std::string out;
  grpc::Status s = Call("leak", &out, &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("10.0.0.5")));
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("libpq")));
  EXPECT_THAT(s.error_message(), HasSubstr("trace-leak-1"));
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "BACKEND_UNAVAILABLE");
  grpc::ClientContext ctx2;
  s = Call("explained", &out, &ctx2);
  EXPECT_EQ(s.error_message(), "customer_records is down");
}

// A shutdown that does not finish in time ends the process with a code a
// supervisor can see, not 0.
TEST(ShutdownWatchdogTest, AStalledShutdownExitsNonZero) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        ExitIfShutdownStalls(absl::Milliseconds(50));
        absl::SleepFor(absl::Seconds(30));
      },
      ::testing::ExitedWithCode(kExitShutdownStalled), "");
}

// A ServiceClient call to the test service with `payload`.
absl::StatusOr<std::string> ClientCall(ServiceClient& client,
                                       const std::string& payload,
                                       Idempotency idempotency,
                                       CallContext call = {}) {
  // For a person: their token travels with the call.
  if (call.authorization.empty()) {
    call.authorization = testing::TestIdentity::Get().StaffToken();
  }
  auto stub = EchoService::NewStub(client.Channel());
  EchoRequest req;
  req.set_payload(payload);
  EchoResponse resp;
  absl::Status s = client.Call(
      call, idempotency,
      [&](grpc::ClientContext& ctx) { return stub->Echo(&ctx, req, &resp); });
  if (!s.ok()) return s;
  return resp.payload();
}

int64_t Attempts(metrics::Registry& registry, const std::string& outcome) {
  return registry
      .Counter("qudao_client_attempts_total", "", {"service", "outcome"})
      .Value({"echo", outcome});
}

TEST_F(GrpcCommonTest, OnlyIdempotentCallsAreRetriedAndOnlyWhenUnavailable) {
  metrics::Registry registry;
  auto free_port = testing::PickFreePort();
  ASSERT_TRUE(free_port.ok());
  const std::string dead = absl::StrCat("127.0.0.1:", *free_port);
  ServiceClientOptions options;
  options.breaker_threshold = 100;  // not what is tested here
  ServiceClient client(
      "echo", [dead] { return dead; }, options, &registry);
  EXPECT_THAT(ClientCall(client, "x", Idempotency::kIdempotent),
              StatusIs(absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE"));
  EXPECT_EQ(Attempts(registry, "retry"), 2);
  EXPECT_THAT(ClientCall(client, "x", Idempotency::kNotIdempotent),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Attempts(registry, "retry"), 2) << "a write without a key";
  // The transport's text (hosts, ports) stays in the log.
  auto failed = ClientCall(client, "x", Idempotency::kNotIdempotent);
  EXPECT_THAT(std::string(failed.status().message()),
              ::testing::Not(HasSubstr("127.0.0.1")));

  // A refusal from a live service is an answer, not a fault: no retry.
  const std::string live = absl::StrCat("127.0.0.1:", hosts_[0]->grpc_port());
  ServiceClient live_client(
      "echo", [live] { return live; }, options, &registry);
  EXPECT_THAT(ClientCall(live_client, "refuse", Idempotency::kIdempotent),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Attempts(registry, "retry"), 2);
  EXPECT_EQ(Attempts(registry, "refused"), 1);
}

TEST_F(GrpcCommonTest, TheBreakerOpensOnFaultsAndProbesBeforeClosing) {
  FakeClock clock;
  CircuitBreaker breaker(3, absl::Seconds(1), &clock);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.Record(absl::UnavailableError("down"));
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker.Allow());
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(breaker.Allow());   // the probe
  EXPECT_FALSE(breaker.Allow());  // only one at a time
  breaker.Record(absl::UnavailableError("still down"));
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(breaker.Allow());
  breaker.Record(absl::NotFoundError("an answer"));
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  // Refusals never open it.
  for (int i = 0; i < 10; ++i) {
    breaker.Record(absl::InvalidArgumentError("bad input"));
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);

  // Through the client: once open, calls fail without reaching the wire.
  metrics::Registry registry;
  auto free_port = testing::PickFreePort();
  ASSERT_TRUE(free_port.ok());
  const std::string dead = absl::StrCat("127.0.0.1:", *free_port);
  ServiceClientOptions options;
  options.max_attempts = 1;
  options.breaker_threshold = 2;
  options.breaker_open_for = absl::Minutes(1);
  ServiceClient client(
      "echo", [dead] { return dead; }, options, &registry, &clock);
  (void)ClientCall(client, "x", Idempotency::kIdempotent);
  (void)ClientCall(client, "x", Idempotency::kIdempotent);
  EXPECT_THAT(ClientCall(client, "x", Idempotency::kIdempotent),
              StatusIs(absl::StatusCode::kUnavailable, "BACKEND_CIRCUIT_OPEN"));
  EXPECT_EQ(Attempts(registry, "circuit_open"), 1);
}

TEST_F(GrpcCommonTest, CallsCarryTheCallersDeadline) {
  const std::string live = absl::StrCat("127.0.0.1:", hosts_[0]->grpc_port());
  ServiceClient client("echo", [live] { return live; });
  CallContext call;
  call.deadline = absl::Now() + absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  EXPECT_THAT(ClientCall(client, "slow", Idempotency::kIdempotent, call),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Several replicas on one machine: a static address list spreads calls
// round robin, as dns:/// does across a headless Service.
TEST_F(GrpcCommonTest, AStaticAddressListReachesEveryReplica) {
  const std::string target =
      absl::StrCat("ipv4:127.0.0.1:", hosts_[0]->grpc_port(),
                   ",127.0.0.1:", hosts_[1]->grpc_port());
  ServiceClient client("echo", [target] { return target; });
  std::set<std::string> ports;
  for (int i = 0; i < 20; ++i) {
    auto port = ClientCall(client, "port", Idempotency::kIdempotent);
    ASSERT_THAT(port, IsOk());
    ports.insert(*port);
  }
  EXPECT_EQ(ports.size(), 2u);
}

// A second server on a port already served fails to start, rather than
// sharing it (SO_REUSEPORT off).
TEST_F(GrpcCommonTest, APortInUseIsNotShared) {
  HostOptions options;
  options.listen = absl::StrCat("127.0.0.1:", hosts_[0]->grpc_port());
  ServiceHost second(options, &registry_);
  TestService service(&workers_, db_.get());
  second.AddService(&service);
  EXPECT_FALSE(second.Start().ok());
}

// Every call is authenticated before its handler runs: no token, a token
// that is not "Bearer", a bad token, a role the table does not allow, and a
// partner header from anyone but the gateway are refused with the right
// code and reason.
TEST_F(GrpcCommonTest, CallsAreAuthenticatedAndAuthorizedBeforeTheHandler) {
  auto raw = EchoService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", hosts_[0]->grpc_port()),
                          grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& authorization,
                  const std::string& partner = "") {
    grpc::ClientContext ctx;
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    if (!partner.empty()) ctx.AddMetadata(kPartnerDealerKey, partner);
    EchoRequest req;
    req.set_payload("hello");
    EchoResponse resp;
    grpc::Status s = raw->Echo(&ctx, req, &resp);
    return std::make_pair(s, TrailingValue(ctx, kErrorReasonKey));
  };
  const testing::TestIdentity& id = testing::TestIdentity::Get();
  auto [none, none_reason] = call("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(none_reason, auth::kReasonUnauthenticated);
  EXPECT_THAT(none.error_message(), HasSubstr("qudao login"));
  auto [basic, basic_reason] = call("Basic abc");
  EXPECT_EQ(basic.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto [bad, bad_reason] = call("Bearer not.a.token");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(bad_reason, auth::kReasonTokenInvalid);
  auto [expired, expired_reason] = call(absl::StrCat(
      "Bearer ", id.Token("li.wei", {"sales_rep"}, absl::Minutes(10),
                          absl::Now() - absl::Hours(1))));
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(expired_reason, auth::kReasonTokenExpired);
  auto [service, service_reason] =
      call(absl::StrCat("Bearer ", id.ServiceToken("warehouse")));
  EXPECT_EQ(service.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(service_reason, auth::kReasonRoleRequired);
  auto [staff, staff_reason] =
      call(absl::StrCat("Bearer ", id.Token("li.wei", {"sales_rep"})));
  EXPECT_TRUE(staff.ok()) << staff.error_message();
  auto [posing, posing_reason] =
      call(absl::StrCat("Bearer ", id.Token("li.wei", {"sales_rep"})),
           "dlr_0190f3c2a1b24e8f0a1b");
  EXPECT_EQ(posing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(posing_reason, auth::kReasonPartnerNotAllowed);
  // The gateway may act for a partner, but Echo is not open to partners.
  auto [partner, partner_reason] =
      call(absl::StrCat("Bearer ", id.ServiceToken("gateway")),
           "dlr_0190f3c2a1b24e8f0a1b");
  EXPECT_EQ(partner.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(partner_reason, auth::kReasonPartnerNotAllowed);
}

TEST_F(GrpcCommonTest, AnswersLargerThanTheThreadsArenaBlockArriveWhole) {
  // Larger than a serving thread's first block, then small again on the
  // same workers: each answer is its own.
  const std::string large(3 * kArenaThreadBlock, 'x');
  for (const std::string& payload :
       {large, std::string("small"), large, std::string("again")}) {
    grpc::ClientContext ctx;
    std::string out;
    ASSERT_TRUE(Call(payload, &out, &ctx).ok());
    EXPECT_EQ(out, payload);
  }
}

TEST(ArenaBlockLeaseTest, OneCallOnAThreadHoldsItsBlockAtATime) {
  char* first = nullptr;
  {
    internal::ArenaBlockLease outer;
    ASSERT_NE(outer.data(), nullptr);
    EXPECT_EQ(outer.size(), kArenaThreadBlock);
    first = outer.data();
    // A call served inside another on the same thread gets no block.
    internal::ArenaBlockLease inner;
    EXPECT_EQ(inner.data(), nullptr);
    EXPECT_EQ(inner.size(), 0u);
  }
  internal::ArenaBlockLease again;
  EXPECT_EQ(again.data(), first);
  char* other = nullptr;
  std::thread([&other] {
    internal::ArenaBlockLease lease;
    other = lease.data();
  }).join();
  EXPECT_NE(other, nullptr);
  EXPECT_NE(other, first);
}

}  // namespace
}  // namespace qudao
