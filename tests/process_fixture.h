// Running the real service binaries as processes, for end-to-end tests:
// start one on free ports, wait for its health, stop it as Kubernetes would.
#pragma once

#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace qudao::testing {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

struct RunningService {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  int admin_port = 0;
  std::shared_ptr<grpc::Channel> channel;
};

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("qudao-e2e");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(*dir));
  }

  // Starts `binary` with its gRPC and admin ports on 0; `env` adds
  // NAME=value entries to its environment (e.g. QUDAO_FAILPOINTS).
  RunningService Start(const std::string& binary, const std::string& name,
                       const std::string& database_url,
                       std::vector<std::string> extra = {},
                       std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {binary, "--listen=127.0.0.1:0",
                                     "--admin_listen=127.0.0.1:0",
                                     absl::StrCat("--database=", database_url)};
    // Trust the test issuer, as production trusts the company's.
    for (const std::string& flag : TestIdentity::Get().ServiceFlags()) {
      argv.push_back(flag);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunningService svc;
    ChildProcess::Options options;
    options.env = std::move(env);
    auto child = ChildProcess::Start(
        argv, absl::StrCat(dir_->path(), "/", name, ".log"), options);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return svc;
    svc.process = std::move(*child);
    auto port = WaitForLoggedPort(*svc.process, "grpc_port", absl::Seconds(30));
    EXPECT_TRUE(port.ok()) << port.status();
    if (!port.ok()) return svc;
    svc.port = *port;
    svc.admin_port =
        WaitForLoggedPort(*svc.process, "admin_port", absl::Seconds(5))
            .value_or(0);
    // Calls carry a staff token with every role unless they set their own.
    svc.channel = ChannelWithToken(absl::StrCat("127.0.0.1:", svc.port),
                                   TestIdentity::Get().StaffToken());
    return svc;
  }

  // A file holding a service account's token (--service_token_file).
  std::string ServiceTokenFile(const std::string& role) {
    const std::string path = absl::StrCat(dir_->path(), "/", role, "-token");
    std::ofstream(path) << TestIdentity::Get().ServiceToken(role) << "\n";
    return path;
  }

  static HealthCheckResponse::ServingStatus Health(const RunningService& svc,
                                                   const std::string& service) {
    auto stub = grpc::health::v1::Health::NewStub(svc.channel);
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    auto ctx = OutgoingContext(absl::Seconds(2));
    if (!stub->Check(ctx.get(), req, &resp).ok())
      return HealthCheckResponse::UNKNOWN;
    return resp.status();
  }

  static bool WaitForHealth(const RunningService& svc,
                            const std::string& service,
                            HealthCheckResponse::ServingStatus want,
                            absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Health(svc, service) == want) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  static void ExpectCleanExit(RunningService& svc) {
    ASSERT_TRUE(svc.process->Signal(SIGTERM).ok());
    auto status = svc.process->Wait(absl::Seconds(20));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFEXITED(*status)) << svc.process->Log();
    EXPECT_EQ(WEXITSTATUS(*status), 0) << svc.process->Log();
    EXPECT_THAT(svc.process->Log(), HasSubstr("shutting down"));
  }

  std::string Sqlite(const std::string& name) const {
    return absl::StrCat("sqlite://", dir_->path(), "/", name, ".db");
  }

  std::unique_ptr<TempDir> dir_;
};

}  // namespace qudao::testing
