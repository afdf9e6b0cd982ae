// `qudao dev`: the whole platform in one process on an embedded SQLite data
// directory: the four service modules on one gRPC port, the partner gateway
// on an HTTP port (open access: no partner keys), metrics on an admin port.
// The same module objects the production binaries host one at a time.
// Calls are authenticated as in production, against a development issuer
// made in the data directory at first start (`qudao login` signs tokens
// with it); reflection is on.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/auth/dev_issuer.h"
#include "common/auth/tokens.h"
#include "common/grpc/server_host.h"
#include "common/grpc/service_module.h"
#include "services/gateway/gateway.h"

namespace qudao {

struct DevServerOptions {
  std::string data_dir = ".qudao-data";
  std::string grpc_listen = "127.0.0.1:7233";
  std::string http_listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:9090";
  // redis://host:port to share hot data through Redis; empty: in-process.
  std::string redis_url;
  // Threads per module.
  int worker_threads = 8;
};

class DevServer {
 public:
  explicit DevServer(DevServerOptions options);
  ~DevServer();

  absl::Status Start();
  void Shutdown();

  int grpc_port() const { return host_->grpc_port(); }
  int http_port() const { return gateway_->port(); }
  int admin_port() const { return host_->admin_port(); }
  const auth::DevIssuer& issuer() const { return *issuer_; }

 private:
  DevServerOptions options_;
  metrics::Registry registry_;
  std::shared_ptr<events::EventBus> events_;
  std::unique_ptr<auth::DevIssuer> issuer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::atomic<int> grpc_port_{0};
  std::vector<std::unique_ptr<WorkerPool>> workers_;
  std::vector<std::unique_ptr<ServiceModule>> modules_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace qudao
