// Runs a service module in-process on a real gRPC server (127.0.0.1, port
// 0) over a fresh SQLite database in a temp dir, for tests that exercise the
// API over real gRPC without starting processes.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/grpc/server_host.h"
#include "common/grpc/service_module.h"
#include "common/testing/harness.h"

namespace qudao::testing {

class ServiceFixture {
 public:
  // `database_url` empty means a new SQLite file in a temp dir.
  static absl::StatusOr<std::unique_ptr<ServiceFixture>> Start(
      const ModuleFactory& factory, const Clock* clock = &Clock::Real(),
      const std::string& database_url = "");
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

// Metadata value of a trailing key on a finished client call, or "".
std::string TrailingValue(const grpc::ClientContext& context,
                          const std::string& key);

}  // namespace qudao::testing
