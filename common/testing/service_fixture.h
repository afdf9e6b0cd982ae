// Runs a service module in-process on a real gRPC server (127.0.0.1, port
// 0) over a fresh SQLite database in a temp dir, for tests that exercise the
// API over real gRPC without starting processes.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/grpc/server_host.h"
#include "common/grpc/service_module.h"
#include "common/grpc/status.h"
#include "common/testing/database_fixture.h"
#include "common/testing/harness.h"
#include "gtest/gtest.h"

namespace qudao::testing {

class ServiceFixture {
 public:
  // `database_url` empty means a new SQLite file in a temp dir.
  // `cache` null lets the module use its own in-process cache.
  // `targets` maps other services' short names to their gRPC targets.
  // `events` null: no bus between processes (see ModuleEnvironment).
  static absl::StatusOr<std::unique_ptr<ServiceFixture>> Start(
      const ModuleFactory& factory, const Clock* clock = &Clock::Real(),
      const std::string& database_url = "",
      std::shared_ptr<Cache> cache = nullptr,
      std::map<std::string, std::string> targets = {},
      std::shared_ptr<events::EventBus> events = nullptr);
  ~ServiceFixture();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  ServiceModule* module() const { return module_.get(); }
  const std::string& database_url() const { return database_url_; }
  int port() const { return host_->grpc_port(); }

 private:
  ServiceFixture() = default;
  std::unique_ptr<TempDir> dir_;
  std::string database_url_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ServiceModule> module_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
};

using ::qudao::TrailingValue;

// Sends `bytes` as the request of `method` ("/pkg.Service/Method") and
// waits for the answer (up to 10 s), whose bytes go to `response` if given:
// for requests a typed stub cannot send, or methods named at run time.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& bytes,
                     grpc::ClientContext* ctx, std::string* response = nullptr);

// Base of a service's typed test suite: every test gets a fresh database of
// backend B, the module serving on it over real gRPC, a stub of
// GrpcService, and a fake clock the module reads.
template <typename B, typename GrpcService>
class ServiceTest : public ::testing::Test {
 protected:
  // Call from SetUp. `targets`: other services this one calls.
  void StartService(const ModuleFactory& factory,
                    std::map<std::string, std::string> targets = {}) {
    auto dir = TempDir::Create("qudao-svc-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    auto url = FreshDatabaseUrl(B::value, dir_->path());
    ASSERT_TRUE(url.ok()) << url.status();
    auto fixture =
        ServiceFixture::Start(factory, &clock_, *url, nullptr, targets);
    ASSERT_TRUE(fixture.ok()) << fixture.status();
    fixture_ = std::move(*fixture);
    stub_ = GrpcService::NewStub(fixture_->channel());
  }

  // The shape every bad-input error has: INVALID_ARGUMENT naming the field
  // in the message and in the trailing metadata, reason INVALID_FIELD.
  static void ExpectInvalidField(const grpc::Status& s,
                                 const grpc::ClientContext& ctx,
                                 const std::string& field) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(field), std::string::npos)
        << "message does not name " << field << ": " << s.error_message();
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), field);
    EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), kReasonInvalidField);
  }

  FakeClock clock_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServiceFixture> fixture_;
  std::unique_ptr<typename GrpcService::Stub> stub_;
};

}  // namespace qudao::testing
