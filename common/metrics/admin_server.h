// The admin HTTP port every process exposes: /metrics (Prometheus text),
// /healthz (the process is up), /readyz (it can serve: for a service, every
// module's dependencies answer; for the gateway, its own listener runs).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/http/route_table.h"
#include "common/http/server.h"
#include "common/metrics/metrics.h"

namespace qudao {

class AdminServer {
 public:
  AdminServer(metrics::Registry* registry, std::function<bool()> ready);
  ~AdminServer();

  // Binds host:port (port 0 picks one) and serves on background threads.
  // Returns once the server accepts connections (so Stop() right after
  // works).
  absl::Status Start(const std::string& host, int port);
  int port() const { return server_.port(); }
  void Stop();

 private:
  metrics::Registry* registry_;
  std::function<bool()> ready_;
  http::RouteTable routes_;
  http::Server server_;
};

}  // namespace qudao
